"""Email addresses: validation (email-validator, no DNS lookups), the one normal form we store,
the ASCII form that goes into headers and to SES, the keyed hash used wherever we must find an
address without holding it, and log masking.

Internationalized domains are stored in Unicode (`user@bücher.de`, what people read) and sent as
IDNA punycode (`user@xn--bcher-kva.de`), which every mail system accepts. A non-ASCII local part
(`josé@example.com`) needs SMTPUTF8 at every hop up to the recipient's mailbox, which SES cannot
guarantee, so it is refused at entry rather than accepted and then lost at send time.

email-validator is imported when an address is validated, not with this module: the functions
that only hash or mask addresses (SES events, the purge) do without it.
"""

import functools
import hashlib
import hmac
import re

from consentmail.core import header_text
from consentmail.core.errors import FieldError, InvalidInput
from consentmail.core.signing_keys import get_keyring

NON_ASCII_LOCAL_PART = (
    "the part before the @ must use ASCII characters only: addresses such as josé@example.com "
    "need SMTPUTF8 support at every mail server on the way, which cannot be relied on "
    "(internationalized domains such as user@bücher.de are accepted)"
)


# How an address field is described in the OpenAPI document: `normalize` is what decides (it refuses
# a non-ASCII local part, a domain without a dot, a reserved domain and line breaks as well).
def _any_case(name: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in name)


@functools.cache
def email_format() -> dict:
    """The JSON Schema of an address field, built the first time a schema is (not at import)."""
    from email_validator import SPECIAL_USE_DOMAIN_NAMES

    reserved = "|".join(_any_case(name) for name in SPECIAL_USE_DOMAIN_NAMES)
    return {
        "format": "email",
        # email-validator refuses the special-use domains (RFC 6761: `test`, `localhost`, ...).
        "pattern": rf"^(?![\s\S]*@(?:[^@]*\.)?(?:{reserved})$)",
        "description": "An email address: the part before the @ in ASCII (an internationalized domain "
        "is accepted), the domain neither a special-use name (" + ", ".join(SPECIAL_USE_DOMAIN_NAMES) + ") "
        "nor under one",
    }


def document_email(schema: dict) -> None:
    """`json_schema_extra` of an address field in a model."""
    schema.update(email_format())


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"The email address is not valid: {message}.", [FieldError(field, message)])


def normalize(address: str, field: str = "email") -> str:
    """The address in the form we store (domain lower-cased, IDNA-normalized), or InvalidInput
    naming `field`. Surrounding spaces are forgiven; line breaks and control characters are not:
    an address is a header."""
    if not isinstance(address, str):
        raise _invalid(field, "must be a string")
    unsafe = header_text.problem(address)
    if unsafe:
        raise _invalid(field, unsafe)
    candidate = address.strip(" ")
    local, at, _ = candidate.rpartition("@")
    if at and not local.isascii():
        raise _invalid(field, NON_ASCII_LOCAL_PART)
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(candidate, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise _invalid(field, f"not a valid email address: {error}") from error
    return result.normalized


def ascii_address(address: str) -> str:
    """The address as it goes into a `To`/`From` header and to SES: the domain in IDNA punycode.
    Never RFC 2047-encoded, which is not valid inside an address."""
    if address.isascii():
        return address
    from email_validator import EmailNotValidError, validate_email

    try:
        ascii_email = validate_email(address, check_deliverability=False, allow_smtputf8=False).ascii_email
    except EmailNotValidError as error:
        raise ValueError("the address has no ASCII form") from error
    if ascii_email is None:
        raise ValueError("the address has no ASCII form")
    return ascii_email


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
