/** A list's contacts: search, filter by status, page through; each row opens the contact. */
import { useEffect, useState, type FormEvent } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { api } from "../api/client";
import type { Contact, ContactStatus } from "../api/types";
import { ListNav } from "../components/ListNav";
import { Loading } from "../components/Loading";
import { Screen } from "../components/Screen";
import { STATUSES, statusKey } from "../components/StatusCounts";
import { useLoad } from "../components/useLoad";
import { useI18n } from "../i18n/i18n";

const PAGE_SIZE = 25;

/** Until the server filters (`status`, `q`, issue 14), a page it did not filter is narrowed here. */
function matches(contact: Contact, status: string, q: string): boolean {
  if (status && contact.status !== status) return false;
  if (!q) return true;
  const needle = q.toLowerCase();
  return [contact.email, contact.first_name, contact.last_name].some((v) => v?.toLowerCase().startsWith(needle));
}

export function ListContacts() {
  const { t, date } = useI18n();
  const { listId = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "";
  const q = params.get("q") ?? "";
  const cursor = params.get("cursor");
  const [search, setSearch] = useState(q);
  const [previous, setPrevious] = useState<(string | null)[]>([]);
  useEffect(() => setSearch(q), [q]);

  const list = useLoad(() => api.list(listId), [listId]);
  const page = useLoad(
    () => api.contacts(listId, { cursor, status, q, limit: PAGE_SIZE }),
    [listId, cursor, status, q],
  );
  const rows = (page.data?.items ?? []).filter((c) => matches(c, status, q));

  function applyFilters(event: FormEvent) {
    event.preventDefault();
    const next = new URLSearchParams();
    if (search.trim()) next.set("q", search.trim());
    if (status) next.set("status", status);
    setPrevious([]);
    setParams(next);
  }
  function setStatus(value: string) {
    const next = new URLSearchParams(params);
    next.delete("cursor");
    next.delete("added");
    if (value) next.set("status", value);
    else next.delete("status");
    setPrevious([]);
    setParams(next);
  }
  function go(to: string | null, back: boolean) {
    const next = new URLSearchParams(params);
    if (to) next.set("cursor", to);
    else next.delete("cursor");
    setPrevious(back ? previous.slice(0, -1) : [...previous, cursor]);
    setParams(next);
  }

  return (
    <Screen title={list.data ? list.data.name : t("list.contacts")} wide>
      <ListNav listId={listId} />
      {params.get("added") ? (
        <p className="notice" role="status">{t("list.added", { email: params.get("added") ?? "" })}</p>
      ) : null}
      <Loading loading={list.loading && !list.data} error={list.error} />
      <form className="filters" onSubmit={applyFilters} role="search" aria-label={t("list.searchLabel")}>
        <div className="field">
          <label htmlFor="contact-search">{t("list.search")}</label>
          <input id="contact-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)}
            aria-describedby="contact-search-hint" />
          <p className="hint" id="contact-search-hint">{t("list.searchHint")}</p>
        </div>
        <div className="field">
          <label htmlFor="contact-status">{t("list.filterStatus")}</label>
          <select id="contact-status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">{t("list.allStatuses")}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>{t(statusKey(s))}</option>
            ))}
          </select>
        </div>
        <button type="submit" className="secondary">{t("list.searchSubmit")}</button>
      </form>
      <Loading loading={page.loading} error={page.error} />
      {page.data && rows.length === 0 ? <p>{t("list.noContacts")}</p> : null}
      {rows.length > 0 ? (
        <div className="table-scroll" role="region" aria-label={t("list.contacts")} tabIndex={0}>
          <table>
            <caption className="visually-hidden">{t("list.contacts")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("field.email")}</th>
                <th scope="col">{t("contact.name")}</th>
                <th scope="col">{t("contact.status")}</th>
                <th scope="col">{t("contact.tracking")}</th>
                <th scope="col">{t("contact.added")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr key={c.contact_id}>
                  <th scope="row">
                    <Link to={`/lists/${listId}/contacts/${c.contact_id}`}>{c.email}</Link>
                  </th>
                  <td>{[c.first_name, c.last_name].filter(Boolean).join(" ") || "—"}</td>
                  <td>{t(statusKey(c.status as ContactStatus))}</td>
                  <td>{c.tracking_consent ? t("common.yes") : t("common.no")}</td>
                  <td>{date(c.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div className="pager">
        <button type="button" className="secondary" disabled={previous.length === 0}
          onClick={() => go(previous[previous.length - 1] ?? null, true)}>
          {t("common.previous")}
        </button>
        <button type="button" className="secondary" disabled={!page.data?.next_cursor}
          onClick={() => go(page.data?.next_cursor ?? null, false)}>
          {t("common.next")}
        </button>
      </div>
    </Screen>
  );
}
