"""Tracking function: the open pixel and the click redirect, the hottest path we have.

A plain handler, not the Powertools REST resolver: two routes need no validation layer or
OpenAPI machinery at cold start. Neither pydantic nor Powertools is imported on its way (a plain
masking logger, settings and the contact's consent read without models; pinned by
tests/unit/test_cold_start_imports.py): a recipient's first click of the hour waits for little
more than boto3. No route here sets a cookie, and nothing of the request but the verdict on it is
stored.
"""

import base64
import json

from consentmail.composition import tracking as services
from consentmail.core.clock import now
from consentmail.core.errors import InvalidToken
from consentmail.core.log_masking import get_plain_logger
from consentmail.tracking.service import Hit

logger = get_plain_logger("consentmail.tracking")

# The smallest transparent 1x1 GIF (43 bytes).
PIXEL = base64.b64encode(
    bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")
).decode()
NO_STORE = "no-store, no-cache, must-revalidate, max-age=0"


def _hit(event: dict) -> Hit:
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    identity = (event.get("requestContext") or {}).get("identity") or {}
    return Hit(
        method=event.get("httpMethod") or "GET",
        user_agent=headers.get("user-agent") or "",
        ip=identity.get("sourceIp") or "",
    )


def _token(event: dict) -> str:
    token = (event.get("pathParameters") or {}).get("token")
    if token:
        return token
    return (event.get("path") or "").rstrip("/").rpartition("/")[2]


def pixel(event: dict, hit: Hit) -> dict:
    try:
        services.tracking().open(_token(event), hit, now())
    except Exception:
        # Whatever failed, the email client gets its image; the open is lost, not the page.
        logger.exception("open not recorded")
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "image/gif", "Cache-Control": NO_STORE},
        "body": "" if hit.method == "HEAD" else PIXEL,
        "isBase64Encoded": hit.method != "HEAD",
    }


def not_found() -> dict:
    body = {
        "type": "about:blank",
        "title": "Not found",
        "status": 404,
        "detail": "There is nothing at this address.",
    }
    return {
        "statusCode": 404,
        "headers": {"Content-Type": "application/problem+json", "Cache-Control": "no-store"},
        "body": json.dumps(body),
    }


def click(event: dict, hit: Hit) -> dict:
    at = now()
    try:
        target = services.tracking().click_target(_token(event), at)
    except InvalidToken:
        return not_found()
    try:
        services.tracking().record_click(target, hit, at)
    except Exception:
        # The recipient still reaches the link; only the count is lost.
        logger.exception("click not recorded")
    return {
        "statusCode": 302,
        "headers": {"Location": target.url, "Cache-Control": NO_STORE, "Referrer-Policy": "no-referrer"},
        "body": "",
    }


def handler(event: dict, context) -> dict:
    hit = _hit(event)
    resource = event.get("resource") or event.get("path") or ""
    if hit.method not in ("GET", "HEAD"):
        return not_found()
    if resource.startswith("/t/o/"):
        return pixel(event, hit)
    if resource.startswith("/t/c/"):
        return click(event, hit)
    return not_found()
