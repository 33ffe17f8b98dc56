/** The dashboard: lists with their counts by status, recent campaigns with their rates, and a
 * notice for each recipient request that concerned the account's lists. */
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { api } from "../api/client";
import type { Campaign, CampaignStats, MailingList, Notification } from "../api/types";
import { listCounts, type Counts } from "../components/listCounts";
import { Loading } from "../components/Loading";
import { Screen } from "../components/Screen";
import { StatusCounts } from "../components/StatusCounts";
import { useLoad } from "../components/useLoad";
import { CampaignStatusBadge } from "../components/CampaignStatusBadge";
import { useI18n, type MessageKey } from "../i18n/i18n";

const RECENT = 5;

function ListsPanel() {
  const { t } = useI18n();
  const lists = useLoad(() => api.lists(), []);
  const [counts, setCounts] = useState<Record<string, Counts>>({});
  useEffect(() => {
    for (const list of lists.data?.items ?? []) {
      void listCounts(list).then((c) => setCounts((all) => ({ ...all, [list.list_id]: c })));
    }
  }, [lists.data]);
  const items: MailingList[] = lists.data?.items ?? [];
  return (
    <section aria-labelledby="lists-title" className="panel">
      <div className="panel-head">
        <h2 id="lists-title">{t("dashboard.lists")}</h2>
        <Link className="button" to="/lists/new">{t("dashboard.newList")}</Link>
      </div>
      <Loading loading={lists.loading && !lists.data} error={lists.error} />
      {lists.data && items.length === 0 ? <p>{t("dashboard.noLists")}</p> : null}
      <ul className="cards">
        {items.map((list) => (
          <li key={list.list_id} className="card">
            <h3>
              <Link to={`/lists/${list.list_id}`}>{list.name}</Link>
            </h3>
            <p className="muted">{list.from_name ? `${list.from_name} <${list.from_email}>` : list.from_email}</p>
            <StatusCounts value={counts[list.list_id]} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function CampaignRow({ campaign, listName }: { campaign: Campaign; listName: string }) {
  const { t, percent, date } = useI18n();
  const [stats, setStats] = useState<CampaignStats | null>(null);
  useEffect(() => {
    if (campaign.status === "sent" || campaign.status === "sending") {
      api.stats(campaign.campaign_id).then(setStats, () => setStats(null));
    }
  }, [campaign]);
  const subject = campaign.content_expired ? t("campaign.expiredSubject") : campaign.subject;
  const to = campaign.status === "draft" || campaign.status === "scheduled"
    ? `/campaigns/${campaign.campaign_id}`
    : `/campaigns/${campaign.campaign_id}/report`;
  return (
    <tr>
      <th scope="row">
        <Link to={to}>{subject}</Link>
        <div className="muted small">{listName}</div>
      </th>
      <td><CampaignStatusBadge status={campaign.status} /></td>
      <td>{date(campaign.sent_at ?? campaign.scheduled_at ?? campaign.created_at)}</td>
      <td>{stats && stats.sent ? percent(stats.delivered / stats.sent) : "—"}</td>
      <td>{stats ? percent(stats.open_rate) : "—"}</td>
      <td>{stats ? percent(stats.click_rate) : "—"}</td>
    </tr>
  );
}

function CampaignsPanel() {
  const { t } = useI18n();
  const data = useLoad(async () => {
    const [campaigns, lists] = await Promise.all([api.campaigns(), api.lists()]);
    return { campaigns: campaigns.items, lists: lists.items };
  }, []);
  const recent = [...(data.data?.campaigns ?? [])]
    .sort((a, b) => (b.created_at ?? "").localeCompare(a.created_at ?? ""))
    .slice(0, RECENT);
  const names = new Map((data.data?.lists ?? []).map((l) => [l.list_id, l.name]));
  return (
    <section aria-labelledby="campaigns-title" className="panel">
      <div className="panel-head">
        <h2 id="campaigns-title">{t("dashboard.campaigns")}</h2>
        {data.data && data.data.lists.length > 0 ? (
          <Link className="button" to="/campaigns/new">{t("dashboard.newCampaign")}</Link>
        ) : null}
      </div>
      <Loading loading={data.loading && !data.data} error={data.error} />
      {data.data && recent.length === 0 ? <p>{t("dashboard.noCampaigns")}</p> : null}
      {recent.length > 0 ? (
        <div className="table-scroll" role="region" aria-labelledby="campaigns-title" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t("campaign.subject")}</th>
                <th scope="col">{t("campaign.status")}</th>
                <th scope="col">{t("common.date")}</th>
                <th scope="col">{t("report.deliveredRate")}</th>
                <th scope="col">{t("report.openRate")}</th>
                <th scope="col">{t("report.clickRate")}</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((c) => (
                <CampaignRow key={c.campaign_id} campaign={c} listName={names.get(c.list_id) ?? ""} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function notificationText(n: Notification, t: (k: MessageKey, v?: Record<string, string | number>) => string) {
  const data = (n.data ?? {}) as { request_type?: string; lists?: { list_id: string; name?: string }[] };
  const lists = (data.lists ?? []).map((l) => l.name || l.list_id).join(", ");
  const known = ["access", "rectification", "erasure"].includes(data.request_type ?? "");
  const type = known ? t(`request.${data.request_type}` as MessageKey) : (data.request_type ?? n.kind);
  return t("dashboard.notification", { type, lists: lists || "—" });
}

function NotificationsPanel() {
  const { t, dateTime } = useI18n();
  const data = useLoad(() => api.notifications(), []);
  const items = data.data?.items ?? [];
  return (
    <section aria-labelledby="notices-title" className="panel">
      <h2 id="notices-title">{t("dashboard.notifications")}</h2>
      <Loading loading={data.loading && !data.data} error={data.error} />
      {data.data && items.length === 0 ? <p>{t("dashboard.noNotifications")}</p> : null}
      <ul className="notices">
        {items.map((n) => (
          <li key={n.notification_id}>
            <time dateTime={n.created_at}>{dateTime(n.created_at)}</time> — {notificationText(n, t)}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Dashboard() {
  const { t } = useI18n();
  return (
    <Screen title={t("dashboard.title")} wide>
      <ListsPanel />
      <CampaignsPanel />
      <NotificationsPanel />
    </Screen>
  );
}
