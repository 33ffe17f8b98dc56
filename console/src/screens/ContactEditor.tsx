/** One contact: edit the name, attributes and tracking consent; see the consent proof; delete. */
import { useState, type FormEvent } from "react";
import { useNavigate, useParams } from "react-router";
import { api } from "../api/client";
import type { ContactStatus } from "../api/types";
import { ActionStatus } from "../components/ActionStatus";
import { attributesToText, textToAttributes } from "../components/attributes";
import { Checkbox } from "../components/Checkbox";
import { Field } from "../components/Field";
import { ListNav } from "../components/ListNav";
import { Loading } from "../components/Loading";
import { fieldError } from "../components/problems";
import { Screen } from "../components/Screen";
import { statusKey } from "../components/StatusCounts";
import { useAction } from "../components/useAction";
import { useDraft } from "../components/useDraft";
import { useLoad } from "../components/useLoad";
import { useI18n } from "../i18n/i18n";

export function ContactEditor() {
  const { t, dateTime } = useI18n();
  const { listId = "", contactId = "" } = useParams();
  const navigate = useNavigate();
  const contact = useLoad(() => api.contact(listId, contactId), [listId, contactId]);
  const c = contact.data?.contact_id === contactId ? contact.data : undefined;
  // Seeded from the contact once loaded; a save's answer does not replace what was typed meanwhile.
  const draft = useDraft(
    contactId,
    c && {
      first_name: c.first_name ?? "",
      last_name: c.last_name ?? "",
      attributes: attributesToText(c.attributes),
      tracking: c.tracking_consent,
    },
  );
  const form = draft.value;
  const [confirming, setConfirming] = useState(false);
  const set = (name: "first_name" | "last_name" | "attributes") => (value: string) => draft.change({ [name]: value });

  const save = useAction(async () => {
    if (!form) return;
    const attributes = textToAttributes(form.attributes);
    if ("badLine" in attributes) throw new Error(t("contact.attributesBadLine", { line: attributes.badLine }));
    const updated = await api.updateContact(listId, contactId, {
      first_name: form.first_name,
      last_name: form.last_name,
      attributes,
      tracking_consent: form.tracking,
    });
    contact.setData(updated);
  });
  const remove = useAction(async () => {
    await api.deleteContact(listId, contactId);
    navigate(`/lists/${listId}`);
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    void save.run();
  }
  return (
    <Screen title={c ? c.email : t("contact.title")}>
      <ListNav listId={listId} />
      <Loading loading={contact.loading && !c} error={contact.error} />
      {c && form ? (
        <>
          <dl className="facts">
            <dt>{t("contact.status")}</dt>
            <dd>{t(statusKey(c.status as ContactStatus))}</dd>
            <dt>{t("contact.added")}</dt>
            <dd>{dateTime(c.created_at)}</dd>
            <dt>{t("contact.consentProof")}</dt>
            <dd>
              {c.consent
                ? t("contact.proofSummary", { source: c.consent.source, date: dateTime(c.consent.obtained_at) })
                : "—"}
              {c.consent ? <blockquote>{c.consent.text}</blockquote> : null}
            </dd>
          </dl>
          <form onSubmit={submit} noValidate>
            <div className="row">
              <Field label={t("field.firstName")} value={form.first_name} onChange={set("first_name")}
                error={fieldError(save.error, "first_name")} />
              <Field label={t("field.lastName")} value={form.last_name} onChange={set("last_name")}
                error={fieldError(save.error, "last_name")} />
            </div>
            <Field label={t("contact.attributes")} value={form.attributes} onChange={set("attributes")} multiline={3}
              hint={t("contact.attributesHint")} error={fieldError(save.error, "attributes")} monospace />
            <Checkbox label={t("contact.trackingConsent")} checked={form.tracking}
              onChange={(tracking) => draft.change({ tracking })}
              hint={t("contact.trackingHint")} />
            <button type="submit" disabled={save.busy}>{t("common.save")}</button>
            <ActionStatus busy={save.busy} error={save.error} done={save.done}
              busyText={t("common.saving")} doneText={t("common.saved")} />
          </form>
          <section className="danger" aria-labelledby="delete-contact">
            <h2 id="delete-contact">{t("contact.delete")}</h2>
            <p>{t("contact.deleteExplained")}</p>
            {confirming ? (
              <div className="confirm" role="group" aria-label={t("contact.delete")}>
                <p><strong>{t("contact.deleteConfirm", { email: c.email })}</strong></p>
                <button type="button" className="danger" onClick={() => void remove.run()} disabled={remove.busy}>
                  {t("contact.deleteYes")}
                </button>{" "}
                <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                  {t("common.cancel")}
                </button>
              </div>
            ) : (
              <button type="button" className="danger" onClick={() => setConfirming(true)}>
                {t("contact.delete")}
              </button>
            )}
            <ActionStatus busy={remove.busy} error={remove.error} done={false} busyText={t("common.deleting")} />
          </section>
        </>
      ) : null}
    </Screen>
  );
}
