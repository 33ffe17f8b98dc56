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


@dataclass(frozen=True)
class Throttle:
    """Requests per second (steady) and burst, per route, enforced by API Gateway's method
    throttling in AWS and by the local gateway's token buckets in local mode."""

    rate: float
    burst: int


# Anonymous routes that send email or create records get the tight limit; tracking hits come in
# bursts when a campaign lands; account routes sit between.
STRICT = Throttle(rate=5, burst=10)
STANDARD = Throttle(rate=50, burst=100)
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


def _public(method: str, path: str, function: Function, throttle: Throttle = STANDARD, cors: bool = False):
    return Route(method, path, function, throttle, auth=False, cors=cors)


def _account(method: str, path: str, throttle: Throttle = STANDARD):
    return Route(method, path, Function.ACCOUNTS, throttle, auth=True)


ROUTES: tuple[Route, ...] = (
    _public("POST", "/subscribe", Function.SUBSCRIPTION, STRICT, cors=True),
    _public("GET", "/confirm", Function.SUBSCRIPTION),
    _public("GET", "/unsubscribe", Function.SUBSCRIPTION),
    _public("POST", "/unsubscribe", Function.SUBSCRIPTION),
    _public("GET", "/preferences", Function.SUBSCRIPTION),
    _public("POST", "/preferences", Function.SUBSCRIPTION),
    _public("GET", "/t/o/{token}", Function.TRACKING, TRACKING),
    _public("GET", "/t/c/{token}", Function.TRACKING, TRACKING),
    _public("POST", "/subject-requests", Function.SUBJECT_REQUESTS, STRICT),
    _public("GET", "/subject-requests/confirm", Function.SUBJECT_REQUESTS, STRICT),
    _public("POST", "/subject-requests/confirm", Function.SUBJECT_REQUESTS, STRICT),
    _public("GET", "/subject-requests/export", Function.SUBJECT_REQUESTS, STRICT),
    _public("POST", "/webhooks/ses", Function.SES_WEBHOOK),
    Route("POST", "/accounts", Function.ACCOUNTS, STRICT),
    Route("POST", "/auth/login", Function.ACCOUNTS, STRICT),
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
)

# The API Gateway stage the routes are deployed on (and local mode's events name).
STAGE = "v1"
# Media types API Gateway passes as binary. "*/*": the open pixel's GIF reaches every mail client
# whatever its Accept header, and request bodies arrive base64-encoded (handlers read
# `decoded_body`); the local gateway encodes them the same way.
BINARY_MEDIA_TYPES: tuple[str, ...] = ("*/*",)

# The largest request body any route accepts (a 10,000-row CSV import fits).
MAX_BODY_BYTES = 6 * 1024 * 1024


def routes_of(function: Function) -> list[Route]:
    return [route for route in ROUTES if route.function == function]


def http_functions() -> list[Function]:
    """Functions behind the API, in route-table order."""
    seen: dict[Function, None] = {}
    for route in ROUTES:
        seen.setdefault(route.function, None)
    return list(seen)
