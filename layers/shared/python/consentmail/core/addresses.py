"""Email addresses: validation (email-validator, no DNS lookups), the one normal form we store,
the keyed hash used wherever we must find an address without holding it, and log masking."""

import hashlib
import hmac

from email_validator import EmailNotValidError, validate_email

from consentmail.core.errors import FieldError, InvalidInput
from consentmail.core.signing_keys import get_keyring


def normalize(address: str, field: str = "email") -> str:
    """The address in the form we store (domain lower-cased, IDNA-normalized), or InvalidInput."""
    try:
        result = validate_email(address.strip(), check_deliverability=False)
    except (EmailNotValidError, AttributeError) as error:
        raise InvalidInput(
            "The email address is not valid.", [FieldError(field, f"not a valid email address: {error}")]
        ) from error
    return result.normalized


def email_hash(address: str, key: bytes | None = None) -> str:
    """A keyed hash of the normalized, case-folded address: stable across key rotation, useless
    to anyone without the hash key."""
    secret = key if key is not None else get_keyring().hash_key
    return hmac.new(secret, address.casefold().encode(), hashlib.sha256).hexdigest()


def mask(address: str) -> str:
    """An address as it may appear in a log line: `j***@e***.com`."""
    local, _, domain = address.partition("@")
    name, _, tld = domain.rpartition(".")
    return f"{local[:1]}***@{name[:1]}***.{tld}" if name else f"{local[:1]}***"
