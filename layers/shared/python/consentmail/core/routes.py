"""The route table: the one list of HTTP routes that API Gateway (in the CDK app) and the local
gateway are both built from, so they cannot drift. Local-only routes are not here: they are
served by local mode itself and never exist in the deployed stack."""

from dataclasses import dataclass
from enum import StrEnum


class Function(StrEnum):
    """The Lambda functions, one per bounded context; also their folder under functions/."""

    SUBSCRIPTION = "subscription"
    TRACKING = "tracking"
    SUBJECT_REQUESTS = "subject_requests"
    ACCOUNTS = "accounts"
    SES_WEBHOOK = "ses_webhook"
    FANOUT = "fanout"
    SENDER = "sender"
    SES_EVENTS = "ses_events"
    PURGE = "purge"
    # Large imports and exports of a list's contacts, fed by their queues (audience/bulk_*.py).
    IMPORTER = "importer"
    EXPORTER = "exporter"


@dataclass(frozen=True)
class Throttle:
    """Route-wide requests per second (steady) and burst: API Gateway's method throttling in AWS,
    the local gateway's token buckets in local mode. A safety net for the functions and the
    services behind them, shared by every client: sized above legitimate peaks, never the abuse
    protection (that is `ClientLimit`, per source IP)."""

    rate: float
    burst: int


@dataclass(frozen=True)
class ClientLimit:
    """At most `requests` per `window_seconds` from one client (source IP) on one route: an AWS WAF
    rate-based rule in AWS, a sliding window per client address in local mode. A client over it
    is refused (429) while every other client goes on."""

    requests: int
    # WAF's evaluation windows are 60, 120, 300 or 600 seconds; 5 minutes is its default.
    window_seconds: int = 300


# Route-wide safety nets. Every one of them is far above what legitimate traffic reaches, and its
# burst is above any route's per-client allowance, so that one client spending all of its
# allowance at once still leaves room for everyone else.
#
# Account routes: one account holder's console makes a few requests per click; 50 rps is some
# hundred holders working at the same moment, more than a single deployment serves.
STANDARD = Throttle(rate=50, burst=400)
# Sign-in and token refresh: Cognito's own quota for authentication calls is 120 rps per AWS
# account; a route-wide limit under it turns a rush of sign-ins (a newsletter sent to every
# holder, a Monday morning) into refusals before Cognito would, so the net sits at that quota.
SIGN_IN = Throttle(rate=120, burst=400)
# Anonymous forms that send an email or create a record (subscribe, sign-up, subject requests,
# password forgotten). A popular form (a link in a broadcast or a large newsletter) brings a few
# thousand sign-ups in ten minutes, under 10 rps with peaks several times that; 50 rps is five
# times the steady peak. Each call sends at most one email, and SES's own quota (14 to a few
# hundred per second in production) is the next limit anyway.
FORMS = Throttle(rate=50, burst=400)
# Tracking: a campaign lands at the sender's pace (the account's SES quota: 14 to a few hundred
# per second) and on delivery mail privacy proxies fetch every pixel and security scanners fetch
# every link. A 50/s send of an email with a pixel and 9 links makes 500 tracking requests per
# second, and a burst of 1000 absorbs the delivery of a batch arriving at once (benchmark:
# docs/benchmarks.md, 2,000 opens and 300 clicks per 10,000 recipients, most in the first hour).
TRACKING = Throttle(rate=500, burst=1000)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: Function
    throttle: Throttle
    # Account routes: a Cognito authorizer in AWS, JWT verification in the local gateway.
    auth: bool = False
    # Cross-origin POSTs from websites (the subscribe form).
    cors: bool = False

    @property
    def per_client(self) -> "ClientLimit | None":
        """This route's abuse limit per source IP, if it has one."""
        return CLIENT_LIMITS.get((self.method, self.path))


def _public(method: str, path: str, function: Function, throttle: Throttle = STANDARD, cors: bool = False):
    return Route(method, path, function, throttle, auth=False, cors=cors)


def _account(method: str, path: str, throttle: Throttle = STANDARD):
    return Route(method, path, Function.ACCOUNTS, throttle, auth=True)


# Per-client limits of the sensitive routes: the anonymous ones that send an email, create a
# record or try a password. Keyed by the contract's (method, path); a limit for a route not yet in
# ROUTES is already enforced at the edge (AWS WAF matches the path) and applies in local mode as
# soon as the route is served. A path with a parameter cannot have one: WAF counts per path, so
# each value would have a count of its own (infra/constructs/waf.py refuses it). Routes sharing a
# limit share a WAF rule ($1 a month each), never a count. The application adds its own per
# address or account limits (one opt-in email per address and list per 10 minutes, the login
# lockout after 10 failures, one password email per address per 10 minutes). Tracking routes have
# none: mail privacy proxies fetch every pixel of a campaign from a few addresses, and the pixel
# must always answer its GIF.
CLIENT_LIMITS: dict[tuple[str, str], ClientLimit] = {
    # Trying passwords: 10 failures lock an address; 50 attempts in 5 minutes leave room for an
    # office of account holders behind one address, and stop a credential-stuffing source.
    ("POST", "/auth/login"): ClientLimit(50),
    # A signed-in console refreshes its token once an hour; 100 covers a whole office's sessions.
    ("POST", "/auth/refresh"): ClientLimit(100),
    # Each sends an email to an address the caller names: a few a day from one person.
    ("POST", "/auth/password/forgot"): ClientLimit(20),
    # Following an emailed link with its token (verification, reset): a person, a few times.
    ("POST", "/accounts/verify"): ClientLimit(60),
    ("POST", "/auth/password/reset"): ClientLimit(20),
    # Trying the current password: the sign-in lockout counts it, and so does this.
    ("POST", "/account/password"): ClientLimit(50),
    ("POST", "/accounts"): ClientLimit(20),
    ("POST", "/subject-requests"): ClientLimit(20),
    # Following an emailed link: a person, or a mail gateway that scans it, a few times.
    ("GET", "/subject-requests/confirm"): ClientLimit(60),
    ("POST", "/subject-requests/confirm"): ClientLimit(60),
    ("GET", "/subject-requests/export"): ClientLimit(60),
    # A website form: one person subscribes once, but a mobile carrier's or a campus's NAT puts
    # thousands of people behind one address; one a second on average still stops a flood, and
    # the application sends at most one opt-in per address and list per 10 minutes.
    ("POST", "/subscribe"): ClientLimit(300),
}
# Every other request but tracking, per source IP: far above what one person's browser or mail
# client makes, well below a scripted flood (the edge only; local mode has no general limit).
GENERAL_CLIENT_LIMIT = ClientLimit(2000)

ROUTES: tuple[Route, ...] = (
    _public("POST", "/subscribe", Function.SUBSCRIPTION, FORMS, cors=True),
    _public("GET", "/confirm", Function.SUBSCRIPTION),
    _public("POST", "/confirm", Function.SUBSCRIPTION),
    _public("GET", "/unsubscribe", Function.SUBSCRIPTION),
    _public("POST", "/unsubscribe", Function.SUBSCRIPTION),
    _public("GET", "/preferences", Function.SUBSCRIPTION),
    _public("POST", "/preferences", Function.SUBSCRIPTION),
    _public("GET", "/t/o/{token}", Function.TRACKING, TRACKING),
    _public("GET", "/t/c/{token}", Function.TRACKING, TRACKING),
    _public("GET", "/subject-requests", Function.SUBJECT_REQUESTS),
    _public("POST", "/subject-requests", Function.SUBJECT_REQUESTS, FORMS),
    _public("GET", "/subject-requests/confirm", Function.SUBJECT_REQUESTS, FORMS),
    _public("POST", "/subject-requests/confirm", Function.SUBJECT_REQUESTS, FORMS),
    _public("GET", "/subject-requests/export", Function.SUBJECT_REQUESTS, FORMS),
    _public("POST", "/webhooks/ses", Function.SES_WEBHOOK),
    Route("POST", "/accounts", Function.ACCOUNTS, FORMS),
    Route("POST", "/accounts/verify", Function.ACCOUNTS, FORMS),
    Route("POST", "/auth/login", Function.ACCOUNTS, SIGN_IN),
    Route("POST", "/auth/refresh", Function.ACCOUNTS, SIGN_IN),
    _account("POST", "/auth/logout", SIGN_IN),
    Route("POST", "/auth/password/forgot", Function.ACCOUNTS, FORMS),
    Route("POST", "/auth/password/reset", Function.ACCOUNTS, FORMS),
    _account("POST", "/account/password"),
    _account("GET", "/account"),
    _account("PATCH", "/account"),
    _account("DELETE", "/account"),
    _account("GET", "/account/export"),
    _account("GET", "/account/notifications"),
    _account("GET", "/account/retention"),
    _account("POST", "/lists"),
    _account("GET", "/lists"),
    _account("GET", "/lists/{list_id}"),
    _account("PATCH", "/lists/{list_id}"),
    _account("DELETE", "/lists/{list_id}"),
    _account("POST", "/lists/{list_id}/contacts"),
    _account("POST", "/lists/{list_id}/contacts/import"),
    _account("GET", "/lists/{list_id}/contacts"),
    _account("GET", "/lists/{list_id}/contacts/export"),
    _account("POST", "/lists/{list_id}/imports"),
    _account("GET", "/lists/{list_id}/imports/{import_id}"),
    _account("POST", "/lists/{list_id}/exports"),
    _account("GET", "/lists/{list_id}/exports/{export_id}"),
    _account("GET", "/lists/{list_id}/contacts/{contact_id}"),
    _account("PATCH", "/lists/{list_id}/contacts/{contact_id}"),
    _account("DELETE", "/lists/{list_id}/contacts/{contact_id}"),
    _account("POST", "/campaigns"),
    _account("GET", "/campaigns"),
    _account("GET", "/campaigns/{campaign_id}"),
    _account("PATCH", "/campaigns/{campaign_id}"),
    _account("DELETE", "/campaigns/{campaign_id}"),
    _account("POST", "/campaigns/{campaign_id}/send"),
    _account("GET", "/campaigns/{campaign_id}/stats"),
    _account("GET", "/campaigns/{campaign_id}/stats/timeline"),
    _account("GET", "/campaigns/{campaign_id}/stats/links"),
    _account("GET", "/campaigns/{campaign_id}/preview"),
    _account("POST", "/campaigns/{campaign_id}/test"),
    _account("POST", "/campaigns/{campaign_id}/schedule"),
    _account("DELETE", "/campaigns/{campaign_id}/schedule"),
    _account("POST", "/campaigns/{campaign_id}/duplicate"),
)

# The API Gateway stage the routes are deployed on (and local mode's events name).
STAGE = "v1"
# Media types API Gateway passes as binary. "*/*": the open pixel's GIF reaches every mail client
# whatever its Accept header, and request bodies arrive base64-encoded (handlers read
# `decoded_body`); the local gateway encodes them the same way.
BINARY_MEDIA_TYPES: tuple[str, ...] = ("*/*",)

# The largest request body any route accepts (a 10,000-row CSV import fits).
MAX_BODY_BYTES = 6 * 1024 * 1024
# API Gateway's quota for a REST request's line and headers together; over it, 431.
MAX_HEADER_BYTES = 10_240


def routes_of(function: Function) -> list[Route]:
    return [route for route in ROUTES if route.function == function]


def http_functions() -> list[Function]:
    """Functions behind the API, in route-table order."""
    seen: dict[Function, None] = {}
    for route in ROUTES:
        seen.setdefault(route.function, None)
    return list(seen)
