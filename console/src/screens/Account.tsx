/** The account: profile, change password, download my data, close my account (with the date the
 * data will be gone). */
import { useEffect, useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { api } from "../api/client";
import { session } from "../api/session";
import type { Profile } from "../api/types";
import { ActionStatus } from "../components/ActionStatus";
import { download } from "../components/download";
import { Field } from "../components/Field";
import { Loading } from "../components/Loading";
import { PasswordRules, passwordMissing } from "../components/PasswordRules";
import { fieldError } from "../components/problems";
import { Screen } from "../components/Screen";
import { useAction } from "../components/useAction";
import { useDraft } from "../components/useDraft";
import { useLoad } from "../components/useLoad";
import { useI18n } from "../i18n/i18n";

function ProfileForm({ profile }: { profile: Profile }) {
  const { t } = useI18n();
  const saved = {
    first_name: profile.first_name,
    last_name: profile.last_name,
    company: profile.company ?? "",
    country: profile.country,
    postal_address: profile.postal_address ?? "",
    phone: profile.phone ?? "",
  };
  // The profile until the person changes a field, then theirs (a save's answer keeps it).
  const draft = useDraft(profile.email, saved);
  const form = draft.value ?? saved;
  const set = (name: keyof typeof form) => (value: string) => draft.change({ [name]: value });
  const save = useAction(() =>
    api.updateProfile({
      ...form,
      company: form.company || null,
      postal_address: form.postal_address || null,
      phone: form.phone || null,
    }),
  );
  function submit(event: FormEvent) {
    event.preventDefault();
    void save.run();
  }
  const err = save.error;
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="profile-title" noValidate>
      <h2 id="profile-title">{t("account.profile")}</h2>
      <Field label={t("field.email")} value={profile.email} onChange={() => undefined} readOnly
        hint={t("account.emailFixed")} />
      <div className="row">
        <Field label={t("field.firstName")} autoComplete="given-name" value={form.first_name}
          onChange={set("first_name")} required error={fieldError(err, "first_name")} />
        <Field label={t("field.lastName")} autoComplete="family-name" value={form.last_name}
          onChange={set("last_name")} required error={fieldError(err, "last_name")} />
      </div>
      <Field label={t("field.company")} autoComplete="organization" value={form.company} onChange={set("company")}
        error={fieldError(err, "company")} />
      <Field label={t("field.country")} autoComplete="country-name" value={form.country} onChange={set("country")}
        required error={fieldError(err, "country")} />
      <Field label={t("field.postalAddress")} autoComplete="street-address" value={form.postal_address}
        onChange={set("postal_address")} multiline={2} error={fieldError(err, "postal_address")} />
      <Field label={t("field.phone")} type="tel" autoComplete="tel" value={form.phone} onChange={set("phone")}
        error={fieldError(err, "phone")} />
      <button type="submit" disabled={save.busy}>{t("common.save")}</button>
      <ActionStatus busy={save.busy} error={err} done={save.done} busyText={t("common.saving")}
        doneText={t("common.saved")} />
    </form>
  );
}

function PasswordForm() {
  const { t } = useI18n();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [touched, setTouched] = useState(false);
  const missing = passwordMissing(next);
  const change = useAction(async () => {
    await api.changePassword(current, next);
    setCurrent("");
    setNext("");
    setTouched(false);
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (missing.length === 0) void change.run();
  }
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="password-title" noValidate>
      <h2 id="password-title">{t("account.password")}</h2>
      <Field label={t("field.currentPassword")} type="password" autoComplete="current-password" value={current}
        onChange={setCurrent} required error={fieldError(change.error, "current_password")} />
      <Field label={t("field.newPassword")} type="password" autoComplete="new-password" value={next}
        onChange={setNext} required
        error={fieldError(change.error, "new_password") ?? (touched && missing.length ? t("password.incomplete") : undefined)}
        hint={<PasswordRules password={next} id="new-password-rules" />} />
      <button type="submit" disabled={change.busy}>{t("account.changePassword")}</button>
      <ActionStatus busy={change.busy} error={change.error} done={change.done} busyText={t("common.saving")}
        doneText={t("account.passwordChanged")} />
    </form>
  );
}

function MyData() {
  const { t } = useI18n();
  const get = useAction(async () => download(await api.exportMyData(), "my-consentmail-data.json"));
  return (
    <section className="panel" aria-labelledby="data-title">
      <h2 id="data-title">{t("account.myData")}</h2>
      <p>{t("account.myDataExplained")}</p>
      <button type="button" className="secondary" onClick={() => void get.run()} disabled={get.busy}>
        {t("account.download")}
      </button>
      <ActionStatus busy={get.busy} error={get.error} done={get.done} busyText={t("export.busy")}
        doneText={t("export.done")} />
    </section>
  );
}

function CloseAccount() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const close = useAction(() => api.closeAccount());
  useEffect(() => {
    if (!close.result) return;
    // The account's tokens stop working: the outcome is told on the sign-in screen, outside the session.
    session.clear("signed-out");
    navigate(`/sign-in?closed=${encodeURIComponent(close.result.deletion_due)}`, { replace: true });
  }, [close.result, navigate]);
  return (
    <section className="panel danger" aria-labelledby="close-title">
      <h2 id="close-title">{t("account.close")}</h2>
      <p>{t("account.closeExplained")}</p>
      {confirming ? (
        <div className="confirm" role="group" aria-label={t("account.close")}>
          <p><strong>{t("account.closeConfirm")}</strong></p>
          <button type="button" className="danger" onClick={() => void close.run()} disabled={close.busy}>
            {t("account.closeYes")}
          </button>{" "}
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>{t("common.cancel")}</button>
        </div>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>{t("account.close")}</button>
      )}
      <ActionStatus busy={close.busy} error={close.error} done={false} busyText={t("common.saving")} />
    </section>
  );
}

export function Account() {
  const { t } = useI18n();
  const profile = useLoad(() => api.profile(), []);
  return (
    <Screen title={t("account.title")}>
      <Loading loading={profile.loading && !profile.data} error={profile.error} />
      {profile.data ? <ProfileForm profile={profile.data} /> : null}
      <PasswordForm />
      <MyData />
      <CloseAccount />
    </Screen>
  );
}
