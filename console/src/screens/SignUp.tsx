/** Sign up: the profile the contract asks for, the password rule as they type, the privacy policy
 * accepted; then the verification email is on its way. */
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { api } from "../api/client";
import { ActionStatus } from "../components/ActionStatus";
import { Field } from "../components/Field";
import { PasswordRules, passwordMissing } from "../components/PasswordRules";
import { fieldError } from "../components/problems";
import { Screen } from "../components/Screen";
import { useAction } from "../components/useAction";
import { useI18n } from "../i18n/i18n";

// The privacy policy version the account holder accepts with this form.
const PRIVACY_POLICY_VERSION = "2026-11";

export function SignUp() {
  const { t } = useI18n();
  const [form, setForm] = useState({
    email: "",
    password: "",
    first_name: "",
    last_name: "",
    country: "",
    company: "",
  });
  const [accepted, setAccepted] = useState(false);
  const [touched, setTouched] = useState(false);
  const set = (name: keyof typeof form) => (value: string) => setForm({ ...form, [name]: value });
  const action = useAction(() =>
    api.signUp({
      ...form,
      email: form.email.trim(),
      company: form.company || null,
      accept_privacy_policy: PRIVACY_POLICY_VERSION,
    }),
  );
  const missing = passwordMissing(form.password);

  function submit(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (missing.length > 0 || !accepted) return;
    void action.run();
  }

  if (action.done) {
    return (
      <Screen title={t("signUp.doneTitle")}>
        <p role="status">{t("signUp.done", { email: form.email })}</p>
        <p>
          <Link to="/sign-in">{t("signUp.toSignIn")}</Link>
        </p>
      </Screen>
    );
  }

  const err = action.error;
  return (
    <Screen title={t("signUp.title")}>
      <p>{t("signUp.intro")}</p>
      <form onSubmit={submit} noValidate>
        <Field label={t("field.email")} type="email" autoComplete="email" inputMode="email"
          value={form.email} onChange={set("email")} required error={fieldError(err, "email")} />
        <Field label={t("field.password")} type="password" autoComplete="new-password"
          value={form.password} onChange={set("password")} required
          error={fieldError(err, "password") ?? (touched && missing.length ? t("password.incomplete") : undefined)}
          hint={<PasswordRules password={form.password} id="password-rules" />} />
        <div className="row">
          <Field label={t("field.firstName")} autoComplete="given-name" value={form.first_name}
            onChange={set("first_name")} required error={fieldError(err, "first_name")} />
          <Field label={t("field.lastName")} autoComplete="family-name" value={form.last_name}
            onChange={set("last_name")} required error={fieldError(err, "last_name")} />
        </div>
        <Field label={t("field.country")} autoComplete="country-name" value={form.country}
          onChange={set("country")} required error={fieldError(err, "country")} hint={t("field.countryHint")} />
        <Field label={t("field.company")} autoComplete="organization" value={form.company}
          onChange={set("company")} error={fieldError(err, "company")} />
        <div className={touched && !accepted ? "field invalid" : "field"}>
          <label className="check">
            <input type="checkbox" checked={accepted} onChange={(e) => setAccepted(e.target.checked)}
              aria-describedby={touched && !accepted ? "privacy-error" : undefined} />
            {t("signUp.acceptPolicy", { version: PRIVACY_POLICY_VERSION })}
          </label>
          {touched && !accepted ? <p className="error" id="privacy-error">{t("signUp.policyRequired")}</p> : null}
        </div>
        <button type="submit" disabled={action.busy}>{t("signUp.submit")}</button>
        <ActionStatus busy={action.busy} error={err} done={false} busyText={t("signUp.busy")} />
      </form>
      <p>
        {t("signUp.haveAccount")} <Link to="/sign-in">{t("signIn.submit")}</Link>
      </p>
    </Screen>
  );
}
