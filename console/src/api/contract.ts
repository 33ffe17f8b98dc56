/**
 * Every route the console calls, as "METHOD /path" in the contract's spelling (DESIGN.md section 4).
 * The client accepts nothing else, and tests/browser/test_console_contract.py checks both lists
 * against docs/openapi.json.
 */

/** Routes the console calls that the OpenAPI document already describes. */
export const IN_DOCUMENT = [
  "POST /accounts",
  "POST /auth/login",
  "GET /account",
  "PATCH /account",
  "DELETE /account",
  "GET /account/export",
  "GET /account/notifications",
  "POST /lists",
  "GET /lists",
  "GET /lists/{list_id}",
  "PATCH /lists/{list_id}",
  "DELETE /lists/{list_id}",
  "POST /lists/{list_id}/contacts",
  "GET /lists/{list_id}/contacts",
  "POST /lists/{list_id}/contacts/import",
  "GET /lists/{list_id}/contacts/export",
  "GET /lists/{list_id}/contacts/{contact_id}",
  "PATCH /lists/{list_id}/contacts/{contact_id}",
  "DELETE /lists/{list_id}/contacts/{contact_id}",
  "POST /campaigns",
  "GET /campaigns",
  "GET /campaigns/{campaign_id}",
  "PATCH /campaigns/{campaign_id}",
  "DELETE /campaigns/{campaign_id}",
  "POST /campaigns/{campaign_id}/send",
  "GET /campaigns/{campaign_id}/stats",
  "POST /accounts/verify",
  "POST /auth/refresh",
  "POST /auth/logout",
  "POST /auth/password/forgot",
  "POST /auth/password/reset",
  "POST /account/password",
  "GET /campaigns/{campaign_id}/preview",
  "POST /campaigns/{campaign_id}/test",
  "POST /campaigns/{campaign_id}/schedule",
  "DELETE /campaigns/{campaign_id}/schedule",
  "POST /campaigns/{campaign_id}/duplicate",
  "GET /campaigns/{campaign_id}/stats/timeline",
  "GET /campaigns/{campaign_id}/stats/links",
  "POST /lists/{list_id}/imports", // large import: presigned upload
  "GET /lists/{list_id}/imports/{import_id}", // large import: progress
  "POST /lists/{list_id}/exports",
  "GET /lists/{list_id}/exports/{export_id}",
] as const;

/**
 * Routes of the binding contract (DESIGN.md section 4) that are not in
 * docs/openapi.json yet. The console calls them already; until a route ships it answers 404 and
 * the screen says that the feature is not available on this server. When a route ships, move it
 * to IN_DOCUMENT (the contract test fails until you do) and switch on its browser test.
 */
export const NOT_YET_IN_DOCUMENT = [] as const;

export type RouteKey = (typeof IN_DOCUMENT)[number] | (typeof NOT_YET_IN_DOCUMENT)[number];
