"""Opaque pagination cursors: a DynamoDB LastEvaluatedKey as base64url JSON (in store/, since a
cursor is a table key: contacts and deletion receipts page with it). A cursor is checked
against the list it continues (a cursor of another list is refused, never followed), so it needs
no secret: it can only move within what the caller may already read."""

import base64
import binascii
import json

from consentmail.core.errors import FieldError, InvalidInput


def encode(last_key: dict | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(last_key, separators=(",", ":"), sort_keys=True, default=str).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _invalid() -> InvalidInput:
    return InvalidInput("The cursor is not valid.", [FieldError("cursor", "not a cursor this list returned")])


def decode(cursor: str | None, expected: dict[str, str], keys: tuple[str, ...]) -> dict | None:
    """The start key, or None for the first page. `expected` fixes key values (the list id);
    `keys` are every key name the start key must have, all strings."""
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise _invalid() from error
    if (
        not isinstance(data, dict)
        or set(data) != set(keys)
        or not all(isinstance(v, str) for v in data.values())
    ):
        raise _invalid()
    if any(data[name] != value for name, value in expected.items()):
        raise _invalid()
    return data
