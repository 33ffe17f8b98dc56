"""Raw MIME messages built with the standard library's `email` package: multipart/alternative
with a text and an HTML part, UTF-8 throughout.

Addresses go into `From` and `To` in their ASCII form (IDNA punycode domain): given a Unicode
domain, the `email` package would RFC 2047-encode it inside the address, which no mail server
reads as an address. Display names may be Unicode; they are encoded as words, as they should be.

Header text (subjects, display names) goes through `header_safe`: input is validated at save time,
but a value that slipped past (stored before the rule, or a character the rule did not foresee)
must still give one valid message, not an exception that loses the recipient or a header that
breaks in two."""

import unicodedata
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

from consentmail.core.addresses import ascii_address

# Control characters, line and paragraph separators: anything a mail client may read as a break.
_BREAKING = ("Cc", "Zl", "Zp", "Cs")


def header_safe(text: str) -> str:
    """`text` on one line: every control, separator or surrogate character becomes a space."""
    cleaned = "".join(" " if unicodedata.category(c) in _BREAKING else c for c in text)
    return " ".join(cleaned.split())


def sender_header(email: str, name: str = "") -> str:
    local, _, domain = ascii_address(email).rpartition("@")
    return str(Address(display_name=header_safe(name), username=local, domain=domain))


def recipient_header(email: str) -> str:
    """The `To` header of one recipient: the bare address, domain in punycode."""
    return ascii_address(email)


def build_message(
    *,
    from_email: str,
    from_name: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = sender_header(from_email, from_name)
    message["To"] = recipient_header(to)
    message["Subject"] = header_safe(subject)
    message["Date"] = formatdate(usegmt=True)
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    # After the content: setting it drops every Content-* header (Content-Language included).
    for name, value in (headers or {}).items():
        message[name] = value
    return message.as_bytes()
