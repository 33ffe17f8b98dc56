"""Signed tokens for every link we email: HMAC-SHA256, bound to a purpose, expiring, carrying the
key id so keys can rotate, verified in constant time.

Format: `<kid>.<payload>.<signature>`, payload and signature base64url without padding; the
payload is compact JSON {"p": purpose, "x": expiry epoch, ...claims}.
"""

import base64
import hashlib
import hmac
import json
from datetime import datetime
from enum import StrEnum

from consentmail.core.clock import epoch, now
from consentmail.core.errors import InvalidToken

__all__ = ["InvalidToken", "Purpose", "issue", "verify"]
from consentmail.core.signing_keys import KeyRing, get_keyring


class Purpose(StrEnum):
    CONFIRM = "cf"
    UNSUBSCRIBE = "un"
    PREFERENCES = "pf"
    OPEN = "op"
    CLICK = "cl"
    SUBJECT_CONFIRM = "sc"
    SUBJECT_EXPORT = "sx"
    # Account holders: the sign-up address's verification, and a password reset (single use).
    ACCOUNT_VERIFY = "av"
    PASSWORD_RESET = "pr"  # noqa: S105 - a token purpose, not a password


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, kid: str, payload: str) -> str:
    return _b64(hmac.new(key, f"{kid}.{payload}".encode(), hashlib.sha256).digest())


def issue(purpose: Purpose, claims: dict, expires: datetime, keyring: KeyRing | None = None) -> str:
    ring = keyring or get_keyring()
    kid, key = ring.signing_key()
    body = {"p": purpose.value, "x": epoch(expires), **claims}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{kid}.{payload}.{_sign(key, kid, payload)}"


def verify(token: str, purpose: Purpose, at: datetime | None = None, keyring: KeyRing | None = None) -> dict:
    """The token's claims, or InvalidToken if anything about it is wrong."""
    # A token is base64url and dots; anything else (non-ASCII in its signature, say) is refused
    # before the constant-time comparison, which only compares ASCII strings.
    parts = token.split(".") if isinstance(token, str) and token.isascii() else []
    if len(parts) != 3:
        raise InvalidToken("This link is malformed.")
    kid, payload, signature = parts
    ring = keyring or get_keyring()
    key = ring.keys.get(kid)
    if key is None or not hmac.compare_digest(_sign(key, kid, payload), signature):
        raise InvalidToken("This link is not valid.")
    try:
        body = json.loads(_unb64(payload))
    except ValueError as error:
        raise InvalidToken("This link is malformed.") from error
    if body.get("p") != purpose.value:
        raise InvalidToken("This link is not valid here.")
    if int(body.get("x", 0)) <= epoch(at or now()):
        raise InvalidToken("This link has expired.")
    return {k: v for k, v in body.items() if k not in ("p", "x")}
