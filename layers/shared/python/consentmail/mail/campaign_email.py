"""One campaign email for one recipient, as raw MIME built with the standard library.

Every email carries: From the list's sender; `List-Unsubscribe: <https unsubscribe URL>` and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 2369, RFC 8058); the recipient's own
unsubscribe and preference links in both parts, where the content put the placeholders
`{{unsubscribe_url}}` / `{{preferences_url}}`, else in a footer. Only when the contact has given
tracking consent: a 1x1 open pixel, and every http(s) link of the HTML part rewritten to a signed
click URL that redirects to the link exactly as written. Without consent, the links are exactly
as written and there is no pixel. A campaign without a text part gets one derived from its HTML.
"""

import html
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from consentmail.core.links import Recipient, click_url, open_url, preferences_url, unsubscribe_url
from consentmail.core.records import Contact, Content, MailingList
from consentmail.core.settings import get_settings
from consentmail.mail.html_transform import html_to_text, insert_before_body_end, is_web_link, rewrite_links
from consentmail.mail.mime import header_safe, sender_header

UNSUBSCRIBE_PLACEHOLDERS = ("{{unsubscribe_url}}", "{{ unsubscribe_url }}")
PREFERENCES_PLACEHOLDERS = ("{{preferences_url}}", "{{ preferences_url }}")
# Bodies are encoded with 78-character lines; headers are serialized with RFC 5322's 998 limit so a
# long List-Unsubscribe URL stays one plain header instead of RFC 2047 encoded words, which
# mailbox providers do not decode in that header.
_SERIALIZE = SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class RecipientLinks:
    unsubscribe: str
    preferences: str


def _has(text: str, placeholders: tuple[str, ...]) -> bool:
    return any(p in text for p in placeholders)


def _fill(text: str, links: RecipientLinks, escape: bool) -> str:
    unsubscribe = html.escape(links.unsubscribe) if escape else links.unsubscribe
    preferences = html.escape(links.preferences) if escape else links.preferences
    for placeholder in UNSUBSCRIBE_PLACEHOLDERS:
        text = text.replace(placeholder, unsubscribe)
    for placeholder in PREFERENCES_PLACEHOLDERS:
        text = text.replace(placeholder, preferences)
    return text


def _own_link(url: str) -> bool:
    """Our unsubscribe and preference pages are never wrapped in a click redirect."""
    base = get_settings().base_url
    return url.startswith((f"{base}/unsubscribe", f"{base}/preferences"))


def html_part(
    source: str, mailing_list: MailingList, links: RecipientLinks, recipient: Recipient | None, at: datetime
) -> str:
    """The HTML for one recipient; `recipient` only for contacts who allow tracking."""
    if recipient is not None:

        def tracked(url: str) -> str | None:
            if not is_web_link(url) or _own_link(url):
                return None
            return click_url(recipient, url, at)

        # Links are rewritten before the placeholders are filled, so our own links never are.
        source = rewrite_links(source, tracked)
    needs_unsubscribe = not _has(source, UNSUBSCRIBE_PLACEHOLDERS)
    needs_preferences = not _has(source, PREFERENCES_PLACEHOLDERS)
    body = _fill(source, links, escape=True)
    footer: list[str] = []
    if needs_unsubscribe:
        footer.append(f'<a href="{html.escape(links.unsubscribe)}">Unsubscribe</a>')
    if needs_preferences:
        footer.append(f'<a href="{html.escape(links.preferences)}">Manage your preferences</a>')
    if footer:
        body = insert_before_body_end(
            body,
            '\n<p style="font-size:12px;color:#666666;margin-top:24px">'
            f"You receive this email because you subscribed to {html.escape(mailing_list.name)}. "
            + " &middot; ".join(footer)
            + "</p>\n",
        )
    if recipient is not None:
        pixel = html.escape(open_url(recipient, at))
        body = insert_before_body_end(
            body, f'<img src="{pixel}" width="1" height="1" alt="" style="display:block;border:0" />'
        )
    return body


def text_part(source: str | None, html_source: str, mailing_list: MailingList, links: RecipientLinks) -> str:
    text = source if source else html_to_text(html_source)
    footer: list[str] = []
    if not _has(text, UNSUBSCRIBE_PLACEHOLDERS):
        footer.append(f"Unsubscribe: {links.unsubscribe}")
    if not _has(text, PREFERENCES_PLACEHOLDERS):
        footer.append(f"Manage your preferences: {links.preferences}")
    text = _fill(text, links, escape=False)
    if footer:
        text = (
            text.rstrip("\n")
            + f"\n\n-- \nYou receive this email because you subscribed to {mailing_list.name}.\n"
            + "\n".join(footer)
            + "\n"
        )
    return text


def build_campaign_email(
    *, content: Content, mailing_list: MailingList, contact: Contact, campaign_id: str, at: datetime
) -> bytes:
    links = RecipientLinks(unsubscribe_url(contact, at), preferences_url(contact, at))
    recipient = (
        Recipient(mailing_list.account_id, campaign_id, contact.list_id, contact.contact_id)
        if contact.tracking_consent
        else None
    )
    message = EmailMessage(policy=SMTP)
    message["From"] = sender_header(mailing_list.from_email, mailing_list.from_name)
    message["To"] = contact.email
    message["Subject"] = header_safe(content.subject)
    message["Date"] = format_datetime(at)
    message["List-Unsubscribe"] = f"<{links.unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text_part(content.text, content.html, mailing_list, links), charset="utf-8")
    message.add_alternative(
        html_part(content.html, mailing_list, links, recipient, at), subtype="html", charset="utf-8"
    )
    return message.as_bytes(policy=_SERIALIZE)
