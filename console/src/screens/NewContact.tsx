/** Add one contact with the proof of their consent: where it was given, when, and the exact text
 * they agreed to. The proof is required by the GDPR (Art. 7(1)): the form says why. */
import { useState, type FormEvent } from "react";
import { useNavigate, useParams } from "react-router";
import { api } from "../api/client";
import { ActionStatus } from "../components/ActionStatus";
import { textToAttributes } from "../components/attributes";
import { Checkbox } from "../components/Checkbox";
import { Field } from "../components/Field";
import { ListNav } from "../components/ListNav";
import { fieldError } from "../components/problems";
import { Screen } from "../components/Screen";
import { useAction } from "../components/useAction";
import { useI18n } from "../i18n/i18n";

function localNow(): string {
  const now = new Date();
  now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
  return now.toISOString().slice(0, 16);
}

export function NewContact() {
  const { t } = useI18n();
  const { listId = "" } = useParams();
  const navigate = useNavigate();
  const [form, setForm] = useState({
    email: "",
    first_name: "",
    last_name: "",
    attributes: "",
    source: "",
    obtained_at: localNow(),
    text: "",
  });
  const [tracking, setTracking] = useState(false);
  const [doubleOptIn, setDoubleOptIn] = useState(false);
  const [attributesError, setAttributesError] = useState<string | undefined>();
  const set = (name: keyof typeof form) => (value: string) => setForm({ ...form, [name]: value });

  const action = useAction(async () => {
    const attributes = textToAttributes(form.attributes);
    if ("badLine" in attributes) throw new Error(t("contact.attributesBadLine", { line: attributes.badLine }));
    const contact = await api.addContact(listId, {
      email: form.email.trim(),
      first_name: form.first_name,
      last_name: form.last_name,
      attributes,
      tracking_consent: tracking,
      double_opt_in: doubleOptIn,
      consent: {
        source: form.source,
        obtained_at: form.obtained_at ? new Date(form.obtained_at).toISOString() : "",
        text: form.text,
      },
    });
    return contact;
  });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const attributes = textToAttributes(form.attributes);
    setAttributesError("badLine" in attributes ? t("contact.attributesBadLine", { line: attributes.badLine }) : undefined);
    if ("badLine" in attributes) return;
    const contact = await action.run();
    if (contact) navigate(`/lists/${listId}?added=${encodeURIComponent(contact.email)}`);
  }
  const err = action.error;
  return (
    <Screen title={t("newContact.title")}>
      <ListNav listId={listId} />
      <form onSubmit={submit} noValidate>
        <Field label={t("field.email")} type="email" inputMode="email" value={form.email} onChange={set("email")}
          required error={fieldError(err, "email")} />
        <div className="row">
          <Field label={t("field.firstName")} value={form.first_name} onChange={set("first_name")}
            error={fieldError(err, "first_name")} />
          <Field label={t("field.lastName")} value={form.last_name} onChange={set("last_name")}
            error={fieldError(err, "last_name")} />
        </div>
        <Field label={t("contact.attributes")} value={form.attributes} onChange={set("attributes")} multiline={3}
          hint={t("contact.attributesHint")} error={attributesError ?? fieldError(err, "attributes")} monospace />
        <Checkbox label={t("contact.trackingConsent")} checked={tracking} onChange={setTracking}
          hint={t("contact.trackingHint")} />
        <fieldset>
          <legend>{t("contact.consentProof")}</legend>
          <p className="hint">{t("contact.consentWhy")}</p>
          <Field label={t("contact.consentSource")} value={form.source} onChange={set("source")} required
            hint={t("contact.consentSourceHint")} error={fieldError(err, "consent.source", "consent")} />
          <Field label={t("contact.consentDate")} type="datetime-local" value={form.obtained_at}
            onChange={set("obtained_at")} required error={fieldError(err, "consent.obtained_at")} />
          <Field label={t("contact.consentText")} value={form.text} onChange={set("text")} required multiline={3}
            hint={t("contact.consentTextHint")} error={fieldError(err, "consent.text")} />
        </fieldset>
        <Checkbox label={t("contact.doubleOptIn")} checked={doubleOptIn} onChange={setDoubleOptIn}
          hint={t("contact.doubleOptInHint")} />
        <button type="submit" disabled={action.busy}>{t("newContact.submit")}</button>
        <ActionStatus busy={action.busy} error={err} done={false} busyText={t("common.saving")} />
      </form>
    </Screen>
  );
}
