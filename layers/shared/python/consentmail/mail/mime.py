"""Raw MIME messages built with the standard library's `email` package: multipart/alternative
with a text and an HTML part, UTF-8 throughout.

Addresses go into `From` and `To` in their ASCII form (IDNA punycode domain): given a Unicode
domain, the `email` package would RFC 2047-encode it inside the address, which no mail server
reads as an address. Display names may be Unicode; they are encoded as words, as they should be.
"""

from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

from consentmail.core.addresses import ascii_address


def sender_header(email: str, name: str = "") -> str:
    local, _, domain = ascii_address(email).rpartition("@")
    return str(Address(display_name=name, username=local, domain=domain))


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
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    # After the content: setting it drops every Content-* header (Content-Language included).
    for name, value in (headers or {}).items():
        message[name] = value
    return message.as_bytes()
