/**
 * The one typed API client: every call names a contract route (contract.ts) and returns the
 * contract's shape (types.ts). Same origin, so no CORS; the API's base path is the page's path
 * before /console/ (empty in local mode and behind PUBLIC_URL, the stage in a bare API URL).
 */
import { NOT_YET_IN_DOCUMENT, type RouteKey } from "./contract";
import { session } from "./session";
import type * as T from "./types";

export const API_BASE = window.location.pathname.split("/console")[0] ?? "";

export class ApiError extends Error {
  readonly status: number;
  readonly problem: T.Problem | null;
  /** A route of the contract this server does not offer yet (contract.ts NOT_YET_IN_DOCUMENT). */
  readonly unavailable: boolean;

  constructor(status: number, problem: T.Problem | null, unavailable: boolean) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.unavailable = unavailable;
  }

  /** The messages for one field, e.g. "consent.text" (a template can have several), or undefined. */
  fieldMessage(field: string): string | undefined {
    const messages = (this.problem?.errors ?? []).filter((e) => e.field === field).map((e) => e.message);
    return messages.length > 0 ? messages.join("; ") : undefined;
  }
}

type Options = {
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined | null>;
  json?: unknown;
  body?: BodyInit;
  contentType?: string;
  accept?: string;
  /** Routes before sign-in carry no token. */
  anonymous?: boolean;
};

const PENDING = new Set<string>(NOT_YET_IN_DOCUMENT);

function url(route: RouteKey, options: Options): string {
  const template = route.slice(route.indexOf(" ") + 1);
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = options.params?.[name];
    if (value === undefined) throw new Error(`${route}: missing ${name}`);
    return encodeURIComponent(value);
  });
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== null && value !== "") query.set(name, String(value));
  }
  const search = query.toString();
  return `${API_BASE}${path}${search ? `?${search}` : ""}`;
}

async function send(route: RouteKey, options: Options = {}): Promise<Response> {
  const method = route.slice(0, route.indexOf(" "));
  const headers: Record<string, string> = { Accept: options.accept ?? "application/json" };
  let body = options.body;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.contentType) {
    headers["Content-Type"] = options.contentType;
  }
  const token = session.idToken();
  if (!options.anonymous && token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(url(route, options), { method, headers, body, credentials: "omit" });
  if (response.ok) return response;
  let problem: T.Problem | null = null;
  try {
    problem = (await response.json()) as T.Problem;
  } catch {
    problem = null;
  }
  const unavailable = PENDING.has(route) && [403, 404, 405].includes(response.status);
  if (response.status === 401 && !options.anonymous) session.clear("expired");
  throw new ApiError(response.status, problem, unavailable);
}

async function json<R>(route: RouteKey, options: Options = {}): Promise<R> {
  const response = await send(route, options);
  if (response.status === 204) return undefined as R;
  return (await response.json()) as R;
}

const id = (name: string, value: string) => ({ [name]: value });

export const api = {
  signUp: (account: T.NewAccount) =>
    json<{ account_id: string }>("POST /accounts", { json: account, anonymous: true }),
  verifyEmail: (token: string) => json<void>("POST /accounts/verify", { json: { token }, anonymous: true }),
  signIn: (email: string, password: string) =>
    json<T.Tokens>("POST /auth/login", { json: { email, password }, anonymous: true }),
  refresh: (refreshToken: string) =>
    json<T.Refreshed>("POST /auth/refresh", { json: { refresh_token: refreshToken }, anonymous: true }),
  signOut: (refreshToken: string | null) =>
    json<void>("POST /auth/logout", { json: { refresh_token: refreshToken } }),
  forgotPassword: (email: string) =>
    json<void>("POST /auth/password/forgot", { json: { email }, anonymous: true }),
  resetPassword: (token: string, password: string) =>
    json<void>("POST /auth/password/reset", { json: { token, password }, anonymous: true }),
  changePassword: (current_password: string, new_password: string) =>
    json<void>("POST /account/password", { json: { current_password, new_password } }),

  profile: () => json<T.Profile>("GET /account"),
  updateProfile: (patch: T.ProfilePatch) => json<T.Profile>("PATCH /account", { json: patch }),
  closeAccount: () => json<T.Closure>("DELETE /account"),
  exportMyData: () => send("GET /account/export").then((r) => r.blob()),
  notifications: () => json<{ items: T.Notification[] }>("GET /account/notifications"),

  lists: () => json<{ items: T.MailingList[] }>("GET /lists"),
  list: (listId: string) => json<T.MailingList>("GET /lists/{list_id}", { params: id("list_id", listId) }),
  createList: (list: T.ListIn) => json<T.MailingList>("POST /lists", { json: list }),
  updateList: (listId: string, patch: T.ListPatch) =>
    json<T.MailingList>("PATCH /lists/{list_id}", { params: id("list_id", listId), json: patch }),
  deleteList: (listId: string) => json<void>("DELETE /lists/{list_id}", { params: id("list_id", listId) }),

  contacts: (listId: string, query: { cursor?: string | null; status?: string; q?: string; limit?: number }) =>
    json<T.ContactPage>("GET /lists/{list_id}/contacts", { params: id("list_id", listId), query }),
  contact: (listId: string, contactId: string) =>
    json<T.Contact>("GET /lists/{list_id}/contacts/{contact_id}", {
      params: { list_id: listId, contact_id: contactId },
    }),
  addContact: (listId: string, contact: T.ContactIn) =>
    json<T.Contact>("POST /lists/{list_id}/contacts", { params: id("list_id", listId), json: contact }),
  updateContact: (listId: string, contactId: string, patch: T.ContactPatch) =>
    json<T.Contact>("PATCH /lists/{list_id}/contacts/{contact_id}", {
      params: { list_id: listId, contact_id: contactId },
      json: patch,
    }),
  deleteContact: (listId: string, contactId: string) =>
    json<void>("DELETE /lists/{list_id}/contacts/{contact_id}", {
      params: { list_id: listId, contact_id: contactId },
    }),
  importCsv: (listId: string, csv: Blob, proof: { consent_source?: string; consent_text?: string }) =>
    json<T.ImportResult>("POST /lists/{list_id}/contacts/import", {
      params: id("list_id", listId),
      query: proof,
      body: csv,
      contentType: "text/csv",
    }),
  startLargeImport: (listId: string) =>
    json<T.LargeImport>("POST /lists/{list_id}/imports", { params: id("list_id", listId), json: {} }),
  largeImport: (listId: string, importId: string) =>
    json<T.ImportProgress>("GET /lists/{list_id}/imports/{import_id}", {
      params: { list_id: listId, import_id: importId },
    }),
  exportList: (listId: string, format: "csv" | "json") =>
    send("GET /lists/{list_id}/contacts/export", {
      params: id("list_id", listId),
      query: { format },
      accept: format === "csv" ? "text/csv" : "application/json",
    }).then((r) => r.blob()),
  startLargeExport: (listId: string, format: "csv" | "json") =>
    json<T.ExportStarted>("POST /lists/{list_id}/exports", { params: id("list_id", listId), json: { format } }),
  largeExport: (listId: string, exportId: string) =>
    json<T.ExportProgress>("GET /lists/{list_id}/exports/{export_id}", {
      params: { list_id: listId, export_id: exportId },
    }),

  campaigns: () => json<{ items: T.Campaign[] }>("GET /campaigns"),
  campaign: (campaignId: string) =>
    json<T.Campaign>("GET /campaigns/{campaign_id}", { params: id("campaign_id", campaignId) }),
  createCampaign: (campaign: T.CampaignCreate) => json<T.Campaign>("POST /campaigns", { json: campaign }),
  updateCampaign: (campaignId: string, patch: T.CampaignPatch) =>
    json<T.Campaign>("PATCH /campaigns/{campaign_id}", { params: id("campaign_id", campaignId), json: patch }),
  deleteCampaign: (campaignId: string) =>
    json<void>("DELETE /campaigns/{campaign_id}", { params: id("campaign_id", campaignId) }),
  send: (campaignId: string) =>
    json<{ status: string }>("POST /campaigns/{campaign_id}/send", { params: id("campaign_id", campaignId) }),
  preview: (campaignId: string, contactId?: string) =>
    json<T.Preview>("GET /campaigns/{campaign_id}/preview", {
      params: id("campaign_id", campaignId),
      query: { contact_id: contactId },
    }),
  testSend: (campaignId: string, to: string[]) =>
    json<T.TestSent>("POST /campaigns/{campaign_id}/test", { params: id("campaign_id", campaignId), json: { to } }),
  schedule: (campaignId: string, at: string) =>
    json<T.Scheduled>("POST /campaigns/{campaign_id}/schedule", {
      params: id("campaign_id", campaignId),
      json: { at },
    }),
  unschedule: (campaignId: string) =>
    json<void>("DELETE /campaigns/{campaign_id}/schedule", { params: id("campaign_id", campaignId) }),
  duplicate: (campaignId: string) =>
    json<T.Campaign>("POST /campaigns/{campaign_id}/duplicate", { params: id("campaign_id", campaignId) }),
  stats: (campaignId: string) =>
    json<T.CampaignStats>("GET /campaigns/{campaign_id}/stats", { params: id("campaign_id", campaignId) }),
  timeline: (campaignId: string) =>
    json<T.Timeline>("GET /campaigns/{campaign_id}/stats/timeline", { params: id("campaign_id", campaignId) }),
  links: (campaignId: string) =>
    json<T.LinkStats[]>("GET /campaigns/{campaign_id}/stats/links", { params: id("campaign_id", campaignId) }),
};

session.useRefresher(api.refresh);
