"""The outbox: every email the emulated SES accepted, read from moto's SES backend in this
process (raw MIME included), newest first; as JSON (the contract) or as a page for a browser."""

import re
from datetime import UTC, datetime
from email import message_from_string
from email.policy import default as default_policy
from email.utils import getaddresses
from html import escape

from consentmail.web.pages import SECURITY_HEADERS, render
from infra.local.invoke import ACCOUNT_ID


def _addresses(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for _name, address in getaddresses(values):
        if address:
            seen.setdefault(address, None)
    return list(seen)


def sent_emails(region: str, sent_at: dict[str, datetime], to: str | None = None) -> list[dict]:
    """[{"message_id", "from", "to", "subject", "raw", "sent_at"}], newest first; `to` filters by
    recipient address (case-insensitive). `sent_at` maps message ids to the time they were sent
    (moto does not keep it); messages missing from it are stamped when first listed."""
    from moto.ses.models import ses_backends

    messages = list(ses_backends[ACCOUNT_ID][region].sent_messages)
    listed: list[dict] = []
    for message in messages:
        raw = getattr(message, "raw_data", None)
        parsed = message_from_string(raw, policy=default_policy) if raw else None
        recipients = _addresses(list(getattr(message, "destinations", None) or []))
        if not recipients and isinstance(getattr(message, "destinations", None), dict):
            recipients = _addresses([a for values in message.destinations.values() for a in values])
        when = sent_at.setdefault(message.id, datetime.now(UTC))
        listed.append(
            {
                "message_id": message.id,
                "from": str(parsed["From"]) if parsed and parsed["From"] else getattr(message, "source", ""),
                "to": recipients,
                "subject": str(parsed["Subject"])
                if parsed and parsed["Subject"]
                else getattr(message, "subject", ""),
                "raw": raw if raw is not None else getattr(message, "body", ""),
                "sent_at": when.isoformat(),
            }
        )
    if to:
        wanted = to.strip().lower()
        listed = [email for email in listed if wanted in (address.lower() for address in email["to"])]
    listed.reverse()
    return listed


_URL = re.compile(r"https?://[^\s<>\"']+")


def _text_of(raw: str) -> str:
    message = message_from_string(raw, policy=default_policy)
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def _linked(text: str) -> str:
    """Escaped text whose URLs are links (the confirm, unsubscribe and preference links)."""
    pieces, last = [], 0
    for found in _URL.finditer(text):
        pieces.append(escape(text[last : found.start()]))
        url = escape(found.group(0))
        pieces.append(f'<a href="{url}">{url}</a>')
        last = found.end()
    pieces.append(escape(text[last:]))
    return "".join(pieces)


def outbox_page(emails: list[dict]) -> tuple[str, dict[str, str]]:
    """The outbox for a person in a browser: each email's text with its links clickable (the raw
    MIME is quoted-printable, whose links cannot be followed as they are)."""
    article = "<article><h2>{subject}</h2><p>From {sender} to {to} · {sent_at}</p><pre>{text}</pre></article>"
    items = [
        article.format(
            subject=escape(email["subject"] or "(no subject)"),
            sender=escape(email["from"]),
            to=escape(", ".join(email["to"])),
            sent_at=escape(email["sent_at"]),
            text=_linked(_text_of(email["raw"])) if email["raw"] else "",
        )
        for email in emails
    ]
    body = '<p><a href="/">Demo website</a> · <a href="/_local/outbox">as JSON</a></p>' + (
        "".join(items) or "<p>Nothing was sent yet.</p>"
    )
    headers = dict(SECURITY_HEADERS)
    headers["Content-Type"] = "text/html; charset=utf-8"
    return render("Outbox", body), headers
