/** A campaign: the editor (subject, HTML, text, personalization), a live preview in a sandboxed
 * frame for a chosen contact, test send, schedule, and send with a confirmation that says how many
 * contacts will receive it. A sent campaign shows its content until it expires (6 days). */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { api } from "../api/client";
import type { Campaign, MailingList, Preview } from "../api/types";
import { ActionStatus } from "../components/ActionStatus";
import { CampaignStatusBadge } from "../components/CampaignStatusBadge";
import { EmailFrame } from "../components/EmailFrame";
import { Field } from "../components/Field";
import { listCounts } from "../components/listCounts";
import { Loading } from "../components/Loading";
import { PersonalizationPicker } from "../components/PersonalizationPicker";
import { fieldError } from "../components/problems";
import { Screen } from "../components/Screen";
import { useAction } from "../components/useAction";
import { useDraft } from "../components/useDraft";
import { useLoad } from "../components/useLoad";
import { browserTimeZone, timeZones, zonedIso } from "../components/zonedTime";
import { useI18n } from "../i18n/i18n";

type Content = { list_id: string; subject: string; html: string; text: string };
type Target = "subject" | "html" | "text";

function PreviewPanel({ campaign, content }: { campaign: Campaign | null; content: Content }) {
  const { t } = useI18n();
  const contacts = useLoad(
    () => (content.list_id ? api.contacts(content.list_id, { limit: 50 }) : Promise.resolve({ items: [], next_cursor: null })),
    [content.list_id],
  );
  const [contactId, setContactId] = useState("");
  const load = useAction(async () => {
    if (!campaign) throw new Error(t("preview.saveFirst"));
    return api.preview(campaign.campaign_id, contactId || undefined);
  });
  const preview: Preview | undefined = load.result;
  return (
    <section aria-labelledby="preview-title" className="panel">
      <h2 id="preview-title">{t("preview.title")}</h2>
      <p className="hint">{t("preview.hint")}</p>
      <div className="row">
        <div className="field">
          <label htmlFor="preview-contact">{t("preview.contact")}</label>
          <select id="preview-contact" value={contactId} onChange={(e) => setContactId(e.target.value)}>
            <option value="">{t("preview.sample")}</option>
            {(contacts.data?.items ?? []).map((c) => (
              <option key={c.contact_id} value={c.contact_id}>{c.email}</option>
            ))}
          </select>
        </div>
      </div>
      <button type="button" className="secondary" onClick={() => void load.run()} disabled={load.busy}>
        {t("preview.show")}
      </button>
      <ActionStatus busy={load.busy} error={load.error} done={false} busyText={t("preview.busy")} />
      {preview ? (
        <div className="preview">
          <p><strong>{t("campaign.subject")}:</strong> {preview.subject}</p>
          <EmailFrame title={t("preview.frameTitle")} html={preview.html} />
          {preview.text ? (
            <details>
              <summary>{t("preview.textPart")}</summary>
              <pre>{preview.text}</pre>
            </details>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

/** A test goes only to the account holder's own verified address (the one they sign in with): the
 * route refuses any other, so the field shows that address rather than inviting others. */
function TestSendPanel({ campaign }: { campaign: Campaign }) {
  const { t } = useI18n();
  const profile = useLoad(() => api.profile(), []);
  const own = profile.data?.email ?? "";
  const send = useAction(() => api.testSend(campaign.campaign_id, [own]));
  function submit(event: FormEvent) {
    event.preventDefault();
    void send.run();
  }
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="test-title" noValidate>
      <h2 id="test-title">{t("test.title")}</h2>
      <Field label={t("test.to")} value={own} onChange={() => undefined} readOnly hint={t("test.hint")}
        error={fieldError(send.error, "to", "to.0")} />
      <button type="submit" className="secondary" disabled={send.busy || !own}>{t("test.submit")}</button>
      <ActionStatus busy={send.busy} error={send.error} done={send.done} busyText={t("test.busy")}
        doneText={t("test.done", { email: own })} />
    </form>
  );
}

function SchedulePanel({ campaign, onChange }: { campaign: Campaign; onChange: (c: Campaign) => void }) {
  const { t, dateTime } = useI18n();
  const zones = timeZones();
  const [date, setDate] = useState("");
  const [time, setTime] = useState("09:00");
  const [zone, setZone] = useState(browserTimeZone());
  const schedule = useAction(async () => {
    const result = await api.schedule(campaign.campaign_id, zonedIso(date, time, zone));
    onChange({ ...campaign, status: "scheduled", scheduled_at: result.scheduled_at });
  });
  const cancel = useAction(async () => {
    await api.unschedule(campaign.campaign_id);
    onChange({ ...campaign, status: "draft", scheduled_at: null });
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    void schedule.run();
  }
  if (campaign.status === "scheduled") {
    return (
      <section className="panel" aria-labelledby="schedule-title">
        <h2 id="schedule-title">{t("schedule.title")}</h2>
        <p>
          <CampaignStatusBadge status={campaign.status} />{" "}
          {t("schedule.scheduledFor", { when: dateTime(campaign.scheduled_at), zone: browserTimeZone() })}
        </p>
        <p className="hint">{t("schedule.cancelToEdit")}</p>
        <button type="button" className="secondary" onClick={() => void cancel.run()} disabled={cancel.busy}>
          {t("schedule.cancel")}
        </button>
        <ActionStatus busy={cancel.busy} error={cancel.error} done={false} busyText={t("common.saving")} />
      </section>
    );
  }
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="schedule-title" noValidate>
      <h2 id="schedule-title">{t("schedule.title")}</h2>
      <p className="hint">{t("schedule.hint")}</p>
      <div className="row">
        <Field label={t("schedule.date")} type="date" value={date} onChange={setDate} required
          error={fieldError(schedule.error, "at")} />
        <Field label={t("schedule.time")} type="time" value={time} onChange={setTime} required />
        <div className="field">
          <label htmlFor="schedule-zone">{t("schedule.zone")}</label>
          <select id="schedule-zone" value={zone} onChange={(e) => setZone(e.target.value)}>
            {zones.map((z) => (
              <option key={z} value={z}>{z}</option>
            ))}
          </select>
        </div>
      </div>
      <button type="submit" className="secondary" disabled={schedule.busy || !date}>{t("schedule.submit")}</button>
      <ActionStatus busy={schedule.busy} error={schedule.error} done={false} busyText={t("common.saving")} />
    </form>
  );
}

function SendPanel({ campaign, list }: { campaign: Campaign; list: MailingList | undefined }) {
  const { t, number } = useI18n();
  const navigate = useNavigate();
  const [recipients, setRecipients] = useState<{ n: number; partial: boolean } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const count = useAction(async () => {
    if (!list) throw new Error(t("send.noList"));
    const counted = await listCounts(list);
    setRecipients({ n: counted.counts.confirmed ?? 0, partial: counted.partial });
    setConfirming(true);
  });
  const send = useAction(async () => {
    await api.send(campaign.campaign_id);
    navigate(`/campaigns/${campaign.campaign_id}/report?sent=1`);
  });
  return (
    <section className="panel" aria-labelledby="send-title">
      <h2 id="send-title">{t("send.title")}</h2>
      {confirming && recipients ? (
        <div className="confirm" role="group" aria-labelledby="send-question">
          <p id="send-question">
            <strong>
              {t("send.confirm", {
                n: `${number(recipients.n)}${recipients.partial ? "+" : ""}`,
                list: list?.name ?? "",
              })}
            </strong>
          </p>
          <p>{t("send.explained")}</p>
          <button type="button" onClick={() => void send.run()} disabled={send.busy || recipients.n === 0}>
            {t("send.yes", { n: number(recipients.n) })}
          </button>{" "}
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>{t("common.cancel")}</button>
        </div>
      ) : (
        <button type="button" onClick={() => void count.run()} disabled={count.busy}>{t("send.start")}</button>
      )}
      <ActionStatus busy={count.busy || send.busy} error={count.error ?? send.error} done={false}
        busyText={send.busy ? t("send.busy") : t("send.counting")} />
    </section>
  );
}

function SentContent({ campaign }: { campaign: Campaign }) {
  const { t, dateTime } = useI18n();
  const duplicate = useAction(() => api.duplicate(campaign.campaign_id));
  const navigate = useNavigate();
  useEffect(() => {
    if (duplicate.result) navigate(`/campaigns/${duplicate.result.campaign_id}`);
  }, [duplicate.result, navigate]);
  return (
    <>
      <p>
        <CampaignStatusBadge status={campaign.status} /> {t(campaign.status === "sending" ? "campaign.sendingSince" : "campaign.sentAt", { when: dateTime(campaign.sent_at) })}{" "}
        <Link to={`/campaigns/${campaign.campaign_id}/report`}>{t("campaign.toReport")}</Link>
      </p>
      {campaign.content_expired ? (
        <p className="notice">{t("campaign.expired")}</p>
      ) : (
        <>
          <p className="hint">{t("campaign.willExpire")}</p>
          <p><strong>{t("campaign.subject")}:</strong> {campaign.subject}</p>
          <EmailFrame className="email-frame sent-html" title={t("campaign.sentFrameTitle")} html={campaign.html ?? ""} />
        </>
      )}
      <button type="button" className="secondary" onClick={() => void duplicate.run()} disabled={duplicate.busy}>
        {t("campaign.duplicate")}
      </button>
      <ActionStatus busy={duplicate.busy} error={duplicate.error} done={false} busyText={t("common.saving")} />
    </>
  );
}

function contentOf(campaign: Campaign): Content {
  return { list_id: campaign.list_id, subject: campaign.subject ?? "", html: campaign.html ?? "", text: campaign.text ?? "" };
}

export function CampaignEditor() {
  const { t } = useI18n();
  const { campaignId } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const lists = useLoad(() => api.lists(), []);
  const loaded = useLoad(
    () => (campaignId ? api.campaign(campaignId) : Promise.resolve(null)),
    [campaignId],
  );
  // The campaign as the server last told it: a save's or a schedule's answer, else the load (each
  // only for the campaign the URL names: a duplicate opens another one in this same screen).
  const [answered, setAnswered] = useState<Campaign | null>(null);
  const campaign = !campaignId
    ? null
    : answered?.campaign_id === campaignId
      ? answered
      : loaded.data?.campaign_id === campaignId
        ? loaded.data
        : null;
  // The content is editable once the lists (to choose from) and the campaign, if it exists, are
  // there; from then on it is the person's (useDraft says why).
  const seed: Content | undefined = !lists.data
    ? undefined
    : campaignId
      ? campaign ? contentOf(campaign) : undefined
      : { list_id: params.get("list") ?? lists.data.items[0]?.list_id ?? "", subject: "", html: "", text: "" };
  const draft = useDraft(campaignId ?? "", seed);
  const content = draft.value;
  const [target, setTarget] = useState<Target>("html");
  const fields = useRef<Partial<Record<Target, HTMLInputElement | HTMLTextAreaElement>>>({});

  const set = (name: keyof Content) => (value: string) => draft.change({ [name]: value });
  const focus = (name: Target) => (element: HTMLInputElement | HTMLTextAreaElement) => {
    fields.current[name] = element;
    setTarget(name);
  };
  function insert(tag: string) {
    if (!content) return;
    const element = fields.current[target];
    const value = content[target];
    const start = element?.selectionStart ?? value.length;
    const end = element?.selectionEnd ?? value.length;
    draft.change({ [target]: value.slice(0, start) + tag + value.slice(end) });
    window.setTimeout(() => {
      element?.focus();
      element?.setSelectionRange(start + tag.length, start + tag.length);
    });
  }

  const save = useAction(async () => {
    if (!content) return;
    const body = { ...content, text: content.text || null };
    if (campaign) {
      setAnswered(await api.updateCampaign(campaign.campaign_id, body));
    } else {
      const created = await api.createCampaign(body);
      // What was typed while the campaign was being created stays: the draft is now this campaign's.
      draft.adopt(created.campaign_id);
      setAnswered(created);
      navigate(`/campaigns/${created.campaign_id}`, { replace: true });
    }
  });
  const remove = useAction(async () => {
    if (campaign) await api.deleteCampaign(campaign.campaign_id);
    navigate("/");
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    void save.run();
  }

  const list = lists.data?.items.find((l) => l.list_id === content?.list_id);
  const editable = !campaign || campaign.status === "draft";
  const title = campaign
    ? campaign.subject || t("campaign.expiredSubject")
    : campaignId ? t("campaign.title") : t("campaign.newTitle");
  const err = save.error;
  const labels: Record<Target, string> = {
    subject: t("campaign.subject"),
    html: t("campaign.html"),
    text: t("campaign.text"),
  };

  return (
    <Screen title={title} wide>
      <Loading loading={(campaignId !== undefined && !campaign) || !lists.data} error={loaded.error ?? lists.error} />
      {campaign && !editable ? (
        campaign.status === "scheduled" ? (
          <SchedulePanel campaign={campaign} onChange={setAnswered} />
        ) : (
          <SentContent campaign={campaign} />
        )
      ) : !content ? null : (
        <div className="editor">
          <form onSubmit={submit} noValidate className="panel content" aria-label={t("campaign.editorLabel")}>
            {campaign ? <p><CampaignStatusBadge status={campaign.status} /></p> : null}
            <div className="field">
              <label htmlFor="campaign-list">{t("campaign.list")}</label>
              <select id="campaign-list" value={content.list_id} onChange={(e) => set("list_id")(e.target.value)}
                aria-invalid={fieldError(err, "list_id") ? true : undefined}>
                {(lists.data?.items ?? []).map((l) => (
                  <option key={l.list_id} value={l.list_id}>{l.name}</option>
                ))}
              </select>
              {fieldError(err, "list_id") ? <p className="error">{fieldError(err, "list_id")}</p> : null}
            </div>
            <Field label={labels.subject} value={content.subject} onChange={set("subject")} required
              onFocus={focus("subject")} error={fieldError(err, "subject")} />
            <PersonalizationPicker target={labels[target]} onInsert={insert} />
            <Field label={labels.html} value={content.html} onChange={set("html")} required multiline={12} monospace
              onFocus={focus("html")} error={fieldError(err, "html")} hint={t("campaign.htmlHint")} />
            <Field label={labels.text} value={content.text} onChange={set("text")} multiline={6} monospace
              onFocus={focus("text")} error={fieldError(err, "text")} hint={t("campaign.textHint")} />
            <div className="buttons">
              <button type="submit" disabled={save.busy}>{campaign ? t("common.save") : t("campaign.create")}</button>
              {campaign ? (
                <button type="button" className="danger" onClick={() => void remove.run()} disabled={remove.busy}>
                  {t("campaign.delete")}
                </button>
              ) : null}
            </div>
            <ActionStatus busy={save.busy} error={err} done={save.done} busyText={t("common.saving")}
              doneText={t("common.saved")} />
            <ActionStatus busy={remove.busy} error={remove.error} done={false} busyText={t("common.deleting")} />
          </form>
          <div className="side">
            <PreviewPanel campaign={campaign} content={content} />
            {campaign ? (
              <>
                <TestSendPanel campaign={campaign} />
                <SchedulePanel campaign={campaign} onChange={setAnswered} />
                <SendPanel campaign={campaign} list={list} />
              </>
            ) : (
              <p className="hint">{t("campaign.saveToSend")}</p>
            )}
          </div>
        </div>
      )}
    </Screen>
  );
}
