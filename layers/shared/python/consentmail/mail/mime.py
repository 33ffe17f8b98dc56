"""Raw MIME messages built with the standard library's `email` package: multipart/alternative
with a text and an HTML part, UTF-8 throughout.

Header text (subjects, display names) goes through `header_safe`: input is validated at save time,
but a value that slipped past (stored before the rule, or a character the rule did not foresee)
must still give one valid message, not an exception that loses the recipient or a header that
breaks in two."""

import unicodedata
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

# Control characters, line and paragraph separators: anything a mail client may read as a break.
_BREAKING = ("Cc", "Zl", "Zp", "Cs")


def header_safe(text: str) -> str:
    """`text` on one line: every control, separator or surrogate character becomes a space."""
    cleaned = "".join(" " if unicodedata.category(c) in _BREAKING else c for c in text)
    return " ".join(cleaned.split())


def sender_header(email: str, name: str = "") -> str:
    local, _, domain = email.partition("@")
    return str(Address(display_name=header_safe(name), username=local, domain=domain))


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
    message["To"] = to
    message["Subject"] = header_safe(subject)
    message["Date"] = formatdate(usegmt=True)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message.as_bytes()
