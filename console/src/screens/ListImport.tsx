/** Import a CSV into a list, with a progress bar and the rejected rows (downloadable). Files within
 * the synchronous route's limits go to POST …/contacts/import; larger ones take the large-import
 * path (presigned upload, then the server's progress). */
import { useState, type FormEvent } from "react";
import { useParams } from "react-router";
import { api } from "../api/client";
import type { ImportProgress, RejectedRow } from "../api/types";
import { ActionStatus } from "../components/ActionStatus";
import { download } from "../components/download";
import { Field } from "../components/Field";
import { ListNav } from "../components/ListNav";
import { Screen } from "../components/Screen";
import { useAction } from "../components/useAction";
import { useI18n } from "../i18n/i18n";

// The synchronous route takes at most 2,000 rows (MAX_ROWS in audience/imports.py: what it writes
// within the function's timeout) in a body of at most 6 MiB.
const SYNC_MAX_ROWS = 2_000;
const SYNC_MAX_BYTES = 6 * 1024 * 1024 - 1024;
const POLL_MS = 1000;

type Outcome = { imported: number; rejected: RejectedRow[]; rejectedCount: number };
type Progress = { label: string; value?: number; max?: number };

function put(url: string, file: File, onProgress: (sent: number) => void): Promise<void> {
  // XMLHttpRequest, not fetch: only it reports upload progress.
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", url);
    request.setRequestHeader("Content-Type", "text/csv");
    request.upload.onprogress = (e) => onProgress(e.loaded);
    request.onload = () => (request.status < 300 ? resolve() : reject(new Error(`upload: HTTP ${request.status}`)));
    request.onerror = () => reject(new TypeError("upload failed"));
    request.send(file);
  });
}

const wait = (ms: number) => new Promise((resolve) => window.setTimeout(resolve, ms));

export function ListImport() {
  const { t, number } = useI18n();
  const { listId = "" } = useParams();
  const [file, setFile] = useState<File | null>(null);
  const [source, setSource] = useState("");
  const [text, setText] = useState("");
  const [progress, setProgress] = useState<Progress | null>(null);
  const [fileError, setFileError] = useState<string | undefined>();

  const action = useAction(async (chosen: File): Promise<Outcome> => {
    const rows = (await chosen.text()).split("\n").filter((line) => line.trim()).length - 1;
    if (rows <= SYNC_MAX_ROWS && chosen.size <= SYNC_MAX_BYTES) {
      setProgress({ label: t("import.sending", { rows: number(rows) }) });
      const result = await api.importCsv(listId, chosen, {
        consent_source: source || undefined,
        consent_text: text || undefined,
      });
      setProgress({ label: t("import.finished"), value: 1, max: 1 });
      return { imported: result.imported, rejected: result.rejected, rejectedCount: result.rejected.length };
    }
    const started = await api.startLargeImport(listId);
    await put(started.upload_url, chosen, (sent) =>
      setProgress({ label: t("import.uploading"), value: sent, max: chosen.size }),
    );
    let status: ImportProgress;
    for (;;) {
      status = await api.largeImport(listId, started.import_id);
      const done = status.imported + status.rejected_count;
      setProgress({
        label: t("import.processing", { done: number(done), rows: number(status.rows || rows) }),
        value: done,
        max: status.rows || rows,
      });
      if (status.status === "done" || status.status === "failed") break;
      await wait(POLL_MS);
    }
    if (status.status === "failed") throw new Error(t("import.failed"));
    return { imported: status.imported, rejected: status.rejected, rejectedCount: status.rejected_count };
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) {
      setFileError(t("import.chooseFile"));
      return;
    }
    setFileError(undefined);
    void action.run(file);
  }

  const outcome = action.result;
  function downloadRejected() {
    if (!outcome) return;
    const escape = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const csv = ["line,reason", ...outcome.rejected.map((r) => `${r.line},${escape(r.reason)}`)].join("\r\n");
    download(csv, "rejected-rows.csv", "text/csv");
  }

  return (
    <Screen title={t("import.title")}>
      <ListNav listId={listId} />
      <p>{t("import.intro")}</p>
      <form onSubmit={submit} noValidate>
        <div className={fileError ? "field invalid" : "field"}>
          <label htmlFor="csv-file">{t("import.file")}</label>
          <input id="csv-file" type="file" accept=".csv,text/csv"
            aria-describedby={`csv-hint${fileError ? " csv-error" : ""}`}
            onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          <p className="hint" id="csv-hint">{t("import.fileHint")}</p>
          {fileError ? <p className="error" id="csv-error">{fileError}</p> : null}
        </div>
        <fieldset>
          <legend>{t("import.attestation")}</legend>
          <p className="hint">{t("import.attestationHint")}</p>
          <Field label={t("contact.consentSource")} value={source} onChange={setSource}
            hint={t("contact.consentSourceHint")} />
          <Field label={t("contact.consentText")} value={text} onChange={setText} multiline={2} />
        </fieldset>
        <button type="submit" disabled={action.busy}>{t("import.submit")}</button>
      </form>
      {progress ? (
        <div className="progress">
          <label htmlFor="import-progress">{progress.label}</label>
          <progress id="import-progress" value={progress.value} max={progress.max} />
        </div>
      ) : null}
      <ActionStatus busy={action.busy} error={action.error} done={action.done} busyText={t("import.busy")}
        doneText={outcome ? t("import.done", { imported: number(outcome.imported), rejected: number(outcome.rejectedCount) }) : ""} />
      {outcome && outcome.rejected.length > 0 ? (
        <section aria-labelledby="rejected-title">
          <h2 id="rejected-title">{t("import.rejected")}</h2>
          <button type="button" className="secondary" onClick={downloadRejected}>{t("import.downloadRejected")}</button>
          <div className="table-scroll" role="region" aria-labelledby="rejected-title" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("import.line")}</th>
                  <th scope="col">{t("import.reason")}</th>
                </tr>
              </thead>
              <tbody>
                {outcome.rejected.map((row) => (
                  <tr key={row.line}>
                    <td>{row.line}</td>
                    <td>{row.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </Screen>
  );
}
