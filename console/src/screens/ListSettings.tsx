/** A list's settings (sender, redirect URLs), its export, the HTML of a subscribe form to paste
 * into a website, and deleting the list. */
import { useState, type FormEvent } from "react";
import { useNavigate, useParams } from "react-router";
import { API_BASE, ApiError, api } from "../api/client";
import type { MailingList } from "../api/types";
import { ActionStatus } from "../components/ActionStatus";
import { download } from "../components/download";
import { Field } from "../components/Field";
import { ListNav } from "../components/ListNav";
import { Loading } from "../components/Loading";
import { fieldError } from "../components/problems";
import { Screen } from "../components/Screen";
import { useAction } from "../components/useAction";
import { useDraft } from "../components/useDraft";
import { useLoad } from "../components/useLoad";
import { useI18n, type I18n } from "../i18n/i18n";

const escapeHtml = (value: string) =>
  value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function subscribeForm(list: MailingList, t: I18n["t"]): string {
  const action = `${window.location.origin}${API_BASE}/subscribe`;
  return [
    `<form method="post" action="${escapeHtml(action)}">`,
    `  <input type="hidden" name="list_id" value="${escapeHtml(list.list_id)}">`,
    `  <label>${escapeHtml(t("field.email"))} <input type="email" name="email" required autocomplete="email"></label>`,
    `  <label>${escapeHtml(t("field.firstName"))} <input name="first_name" autocomplete="given-name"></label>`,
    `  <label><input type="checkbox" name="consent" value="true" required>`,
    `    ${escapeHtml(t("snippet.consent", { list: list.name }))}</label>`,
    `  <label><input type="checkbox" name="tracking_consent" value="true">`,
    `    ${escapeHtml(t("snippet.tracking", { list: list.name }))}</label>`,
    `  <button type="submit">${escapeHtml(t("snippet.subscribe"))}</button>`,
    `</form>`,
  ].join("\n");
}

function SettingsForm({ list, onSaved }: { list: MailingList; onSaved: (l: MailingList) => void }) {
  const { t } = useI18n();
  const saved = {
    name: list.name,
    from_email: list.from_email,
    from_name: list.from_name ?? "",
    confirm_redirect_url: list.confirm_redirect_url ?? "",
    thank_you_url: list.thank_you_url ?? "",
  };
  // The list's settings until the person changes one, then theirs (a save's answer keeps them).
  const draft = useDraft(list.list_id, saved);
  const form = draft.value ?? saved;
  const set = (name: keyof typeof form) => (value: string) => draft.change({ [name]: value });
  const save = useAction(async () => {
    onSaved(
      await api.updateList(list.list_id, {
        ...form,
        confirm_redirect_url: form.confirm_redirect_url || null,
        thank_you_url: form.thank_you_url || null,
      }),
    );
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    void save.run();
  }
  const err = save.error;
  return (
    <form onSubmit={submit} noValidate aria-labelledby="settings-title">
      <h2 id="settings-title">{t("list.senderAndPages")}</h2>
      <Field label={t("list.name")} value={form.name} onChange={set("name")} required error={fieldError(err, "name")} />
      <Field label={t("list.fromEmail")} type="email" value={form.from_email} onChange={set("from_email")} required
        error={fieldError(err, "from_email")} hint={t("list.fromEmailHint")} />
      <Field label={t("list.fromName")} value={form.from_name} onChange={set("from_name")}
        error={fieldError(err, "from_name")} />
      <Field label={t("list.confirmRedirect")} type="url" value={form.confirm_redirect_url}
        onChange={set("confirm_redirect_url")} hint={t("list.confirmRedirectHint")}
        error={fieldError(err, "confirm_redirect_url")} />
      <Field label={t("list.thankYou")} type="url" value={form.thank_you_url} onChange={set("thank_you_url")}
        hint={t("list.thankYouHint")} error={fieldError(err, "thank_you_url")} />
      <button type="submit" disabled={save.busy}>{t("common.save")}</button>
      <ActionStatus busy={save.busy} error={err} done={save.done} busyText={t("common.saving")}
        doneText={t("common.saved")} />
    </form>
  );
}

function ExportPanel({ list }: { list: MailingList }) {
  const { t } = useI18n();
  const exporting = useAction(async (format: "csv" | "json") => {
    let started;
    try {
      started = await api.startLargeExport(list.list_id, format);
    } catch (error) {
      if (!(error instanceof ApiError && error.unavailable)) throw error;
      // A server without large exports: the whole list in one response.
      download(await api.exportList(list.list_id, format), `contacts-${list.list_id}.${format}`);
      return;
    }
    for (;;) {
      const status = await api.largeExport(list.list_id, started.export_id);
      if (status.download_url) {
        // A presigned link to the file: the browser downloads it, the console never holds it.
        window.location.assign(status.download_url);
        return;
      }
      if (status.status === "failed") throw new Error(t("export.failed"));
      await new Promise((resolve) => window.setTimeout(resolve, 1000));
    }
  });
  return (
    <section aria-labelledby="export-title">
      <h2 id="export-title">{t("export.title")}</h2>
      <p>{t("export.intro")}</p>
      <div className="buttons">
        <button type="button" className="secondary" disabled={exporting.busy} onClick={() => void exporting.run("csv")}>
          {t("export.csv")}
        </button>
        <button type="button" className="secondary" disabled={exporting.busy} onClick={() => void exporting.run("json")}>
          {t("export.json")}
        </button>
      </div>
      <ActionStatus busy={exporting.busy} error={exporting.error} done={exporting.done}
        busyText={t("export.busy")} doneText={t("export.done")} />
    </section>
  );
}

function SnippetPanel({ list }: { list: MailingList }) {
  const { t } = useI18n();
  const snippet = subscribeForm(list, t);
  const copy = useAction(() => navigator.clipboard.writeText(snippet));
  return (
    <section aria-labelledby="snippet-title">
      <h2 id="snippet-title">{t("snippet.title")}</h2>
      <Field label={t("snippet.label")} value={snippet} onChange={() => undefined} multiline={10} readOnly monospace
        hint={t("snippet.hint")} />
      <button type="button" className="secondary" onClick={() => void copy.run()}>{t("snippet.copy")}</button>
      <ActionStatus busy={copy.busy} error={copy.error} done={copy.done} busyText="" doneText={t("snippet.copied")} />
    </section>
  );
}

function DeletePanel({ list }: { list: MailingList }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const remove = useAction(async () => {
    await api.deleteList(list.list_id);
    navigate("/");
  });
  return (
    <section className="danger" aria-labelledby="delete-list">
      <h2 id="delete-list">{t("list.delete")}</h2>
      <p>{t("list.deleteExplained")}</p>
      {confirming ? (
        <div className="confirm" role="group" aria-label={t("list.delete")}>
          <p><strong>{t("list.deleteConfirm", { name: list.name })}</strong></p>
          <button type="button" className="danger" disabled={remove.busy} onClick={() => void remove.run()}>
            {t("list.deleteYes")}
          </button>{" "}
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>{t("common.cancel")}</button>
        </div>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>{t("list.delete")}</button>
      )}
      <ActionStatus busy={remove.busy} error={remove.error} done={false} busyText={t("common.deleting")} />
    </section>
  );
}

export function ListSettings() {
  const { t } = useI18n();
  const { listId = "" } = useParams();
  const list = useLoad(() => api.list(listId), [listId]);
  // The list as the server last told it: a save's answer, else the load.
  const [answered, setAnswered] = useState<MailingList | undefined>();
  const current = answered?.list_id === listId ? answered : list.data?.list_id === listId ? list.data : undefined;
  return (
    <Screen title={current ? t("list.settingsOf", { name: current.name }) : t("list.settings")}>
      <ListNav listId={listId} />
      <Loading loading={list.loading && !current} error={list.error} />
      {current ? (
        <>
          <SettingsForm key={current.list_id} list={current} onSaved={setAnswered} />
          <ExportPanel list={current} />
          <SnippetPanel list={current} />
          <DeletePanel list={current} />
        </>
      ) : null}
    </Screen>
  );
}
