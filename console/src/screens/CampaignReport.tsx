/** A campaign's report: totals and rates with their denominators in words, the failures with their
 * reasons, a chart of opens and clicks over time (Chart.js, loaded only here), clicks per link, and
 * bounces, complaints and unsubscribes. A server without the timeline or links route (404) gets a
 * sentence saying so, not an error. */
import { lazy, Suspense, useMemo } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { ApiError, api } from "../api/client";
import type { CampaignStats, Failure, LinkStats, Timeline as TimelineData, TimelineBucket } from "../api/types";
import { CampaignStatusBadge } from "../components/CampaignStatusBadge";
import { Loading } from "../components/Loading";
import { problemText } from "../components/problems";
import { Screen } from "../components/Screen";
import { useLoad } from "../components/useLoad";
import { useI18n, type MessageKey } from "../i18n/i18n";

const TimelineChart = lazy(() => import("../components/TimelineChart"));

type RateProps = { label: MessageKey; rate: number; part: number; whole: number; explain: MessageKey };

function Rate({ label, rate, part, whole, explain }: RateProps) {
  const { t, percent, number } = useI18n();
  return (
    <div className="stat">
      <dt>{t(label)}</dt>
      <dd>
        <span className="big">{percent(rate)}</span>
        <span className="small">{t(explain, { part: number(part), whole: number(whole) })}</span>
      </dd>
    </div>
  );
}

function Totals({ stats }: { stats: CampaignStats }) {
  const { t, number } = useI18n();
  const rows: [MessageKey, number, MessageKey][] = [
    ["report.recipients", stats.recipients, "report.recipientsExplained"],
    ["report.sent", stats.sent, "report.sentExplained"],
    ["report.failed", stats.failed, "report.failedExplained"],
    ["report.delivered", stats.delivered, "report.deliveredExplained"],
    ["report.bounced", stats.bounced, "report.bouncedExplained"],
    ["report.complained", stats.complained, "report.complainedExplained"],
    ["report.tracked", stats.tracked, "report.trackedExplained"],
    ["report.opened", stats.opened, "report.openedExplained"],
    ["report.machineOpens", stats.machine_opens, "report.machineOpensExplained"],
    ["report.clicked", stats.clicked, "report.clickedExplained"],
    ["report.unsubscribed", stats.unsubscribed, "report.unsubscribedExplained"],
  ];
  return (
    <table className="totals">
      <caption>{t("report.totals")}</caption>
      <tbody>
        {rows.map(([label, value, explained]) => (
          <tr key={label}>
            <th scope="row">{t(label)}</th>
            <td className="num">{number(value)}</td>
            <td className="small">{t(explained)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Known reasons in the person's language; an SES refusal by its code, with the server's words. */
function FailureReason({ failure }: { failure: Failure }) {
  const { t, number } = useI18n();
  const known = `failure.${failure.reason}` as MessageKey;
  const text = known in KNOWN_FAILURES ? t(known) : t("failure.ses", { code: failure.reason, description: failure.description });
  return (
    <li>
      <strong>{number(failure.count)}</strong> — {text}
    </li>
  );
}

const KNOWN_FAILURES: Record<string, true> = {
  "failure.content_expired": true,
  "failure.email_not_built": true,
  "failure.template_not_rendered": true,
  "failure.sensitive_data_rendered": true,
  "failure.outcome_unknown": true,
};

function Failures({ stats }: { stats: CampaignStats }) {
  const { t } = useI18n();
  const failures = stats.failures ?? [];
  if (stats.failed === 0 || failures.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="failures-title">
      <h2 id="failures-title">{t("report.failures")}</h2>
      <ul>
        {failures.map((f) => (
          <FailureReason key={f.reason} failure={f} />
        ))}
      </ul>
    </section>
  );
}

/** A 404 from a statistics route this server does not offer yet says so in a sentence. */
function notOffered(error: unknown): boolean {
  return error instanceof ApiError && error.unavailable;
}

function Rates({ stats }: { stats: CampaignStats }) {
  return (
    <dl className="rates">
      <Rate label="report.openRate" rate={stats.open_rate} part={stats.opened} whole={stats.tracked}
        explain="report.openRateExplained" />
      <Rate label="report.clickRate" rate={stats.click_rate} part={stats.clicked} whole={stats.tracked}
        explain="report.clickRateExplained" />
      <Rate label="report.bounceRate" rate={stats.bounce_rate} part={stats.bounced} whole={stats.sent}
        explain="report.bounceRateExplained" />
      <Rate label="report.complaintRate" rate={stats.complaint_rate} part={stats.complained} whole={stats.delivered}
        explain="report.complaintRateExplained" />
      <Rate label="report.unsubscribeRate" rate={stats.unsubscribe_rate} part={stats.unsubscribed}
        whole={stats.delivered} explain="report.unsubscribeRateExplained" />
    </dl>
  );
}

// The contract's buckets: one an hour for the 72 hours after the send, then one a UTC day.
const HOURLY_MS = 72 * 3600 * 1000;

function isDaily(bucket: TimelineBucket, buckets: TimelineBucket[]): boolean {
  return buckets.length > 0 && Date.parse(bucket.start) - Date.parse(buckets[0].start) >= HOURLY_MS;
}

function dayOf(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language, { day: "numeric", month: "short", timeZone: "UTC" }).format(new Date(iso));
}

/** Short axis labels: day and hour for the hourly buckets, the day alone for the daily ones. */
function bucketLabels(buckets: TimelineBucket[], language: string): string[] {
  const hour = new Intl.DateTimeFormat(language, { day: "numeric", month: "short", hour: "numeric" });
  return buckets.map((b) => (isDaily(b, buckets) ? dayOf(b.start, language) : hour.format(new Date(b.start))));
}

type Loaded<R> = { data: R | undefined; error: unknown; loading: boolean };

function Timeline({ timeline }: { timeline: Loaded<TimelineData> }) {
  const { t, dateTime, number, language } = useI18n();
  const names = useMemo(() => ({ opened: t("report.openedSoFar"), clicked: t("report.clickedSoFar") }), [t]);
  const buckets = useMemo(() => timeline.data?.buckets ?? [], [timeline.data]);
  const labels = useMemo(() => bucketLabels(buckets, language), [buckets, language]);
  const rowLabel = (b: TimelineBucket) =>
    isDaily(b, buckets) ? t("report.wholeDay", { date: dayOf(b.start, language) }) : dateTime(b.start);
  const total = (key: "opened" | "clicked") => buckets.reduce((sum, b) => sum + b[key], 0);
  return (
    <section className="panel" aria-labelledby="timeline-title">
      <h2 id="timeline-title">{t("report.timeline")}</h2>
      <p className="hint">{t("report.timelineExplained")}</p>
      {timeline.error ? (
        <p className="notice" role="status">
          {notOffered(timeline.error) ? t("report.noTimelineYet") : problemText(timeline.error, t)}
        </p>
      ) : null}
      {timeline.loading && !timeline.data ? <p role="status" data-loading>{t("common.loading")}</p> : null}
      {buckets.length > 0 ? (
        <>
          <Suspense fallback={<p role="status" data-loading>{t("common.loading")}</p>}>
            <TimelineChart buckets={buckets} labels={labels} names={names}
              description={t("report.chartDescription", { opened: number(total("opened")), clicked: number(total("clicked")) })} />
          </Suspense>
          <details>
            <summary>{t("report.chartTable")}</summary>
            <div className="table-scroll" role="region" aria-label={t("report.chartTable")} tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t("report.from")}</th>
                    <th scope="col">{t("report.delivered")}</th>
                    <th scope="col">{t("report.opened")}</th>
                    <th scope="col">{t("report.clicked")}</th>
                    <th scope="col">{t("report.bounced")}</th>
                    <th scope="col">{t("report.complained")}</th>
                    <th scope="col">{t("report.unsubscribed")}</th>
                  </tr>
                </thead>
                <tbody>
                  {buckets.map((b) => (
                    <tr key={b.start}>
                      <th scope="row">{rowLabel(b)}</th>
                      <td>{b.delivered}</td>
                      <td>{b.opened}</td>
                      <td>{b.clicked}</td>
                      <td>{b.bounced}</td>
                      <td>{b.complained}</td>
                      <td>{b.unsubscribed}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      ) : timeline.data ? (
        <p>{t("report.noTimeline")}</p>
      ) : null}
    </section>
  );
}

function Links({ links }: { links: Loaded<LinkStats[]> }) {
  const { t, number } = useI18n();
  return (
    <section className="panel" aria-labelledby="links-title">
      <h2 id="links-title">{t("report.links")}</h2>
      {links.error ? (
        <p className="notice" role="status">
          {notOffered(links.error) ? t("report.noLinksYet") : problemText(links.error, t)}
        </p>
      ) : null}
      {links.data && links.data.length === 0 ? <p>{t("report.noLinks")}</p> : null}
      {links.data && links.data.length > 0 ? (
        <div className="table-scroll" role="region" aria-labelledby="links-title" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t("report.link")}</th>
                <th scope="col">{t("report.clicks")}</th>
                <th scope="col">{t("report.uniqueClicks")}</th>
              </tr>
            </thead>
            <tbody>
              {links.data.map((l) => (
                <tr key={l.url}>
                  <th scope="row" className="url">{l.url}</th>
                  <td className="num">{number(l.clicks)}</td>
                  <td className="num">{number(l.unique_clicks)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

export function CampaignReport() {
  const { t, dateTime } = useI18n();
  const { campaignId = "" } = useParams();
  const [params] = useSearchParams();
  const campaign = useLoad(() => api.campaign(campaignId), [campaignId]);
  const stats = useLoad(() => api.stats(campaignId), [campaignId]);
  const timeline = useLoad(() => api.timeline(campaignId), [campaignId]);
  const links = useLoad(() => api.links(campaignId), [campaignId]);
  const refresh = () => void Promise.all([stats.reload(), campaign.reload(), timeline.reload(), links.reload()]);
  const c = campaign.data;
  const title = c ? t("report.title", { subject: c.subject ?? t("campaign.expiredSubject") }) : t("report.titleShort");
  return (
    <Screen title={title} wide>
      {params.get("sent") && c?.status === "sending" ? <p className="notice" role="status">{t("report.justSent")}</p> : null}
      {c ? (
        <p>
          <CampaignStatusBadge status={c.status} />{" "}
          {c.sent_at ? t(c.status === "sending" ? "campaign.sendingSince" : "campaign.sentAt", { when: dateTime(c.sent_at) }) : null}{" "}
          <Link to={`/campaigns/${campaignId}`}>{t("report.toCampaign")}</Link>{" "}
          <button type="button" className="secondary" onClick={refresh} disabled={stats.loading}>
            {t("report.refresh")}
          </button>
        </p>
      ) : null}
      <Loading loading={stats.loading && !stats.data} error={stats.error ?? campaign.error} />
      {stats.data ? (
        <>
          {stats.data.statistics_expired ? <p className="notice">{t("report.statisticsExpired")}</p> : null}
          <Rates stats={stats.data} />
          <p className="hint">{t("report.trackingExplained")}</p>
          <Totals stats={stats.data} />
          <Failures stats={stats.data} />
        </>
      ) : null}
      <Timeline timeline={timeline} />
      <Links links={links} />
    </Screen>
  );
}
