"""One campaign email for one recipient, as raw MIME built with the standard library.

Every email carries: From the list's sender; `List-Unsubscribe: <https unsubscribe URL>` and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 2369, RFC 8058); the recipient's own
unsubscribe and preference links in both parts, where the content put the tags
`{{ unsubscribe_url }}` / `{{ preferences_url }}`, else in a footer; the footer, in the list's
language, always links to the rights page. The content is rendered for
the recipient first (mail/personalization.py: names, address, attributes, HTML-escaped in the HTML
part), then links are rewritten, so a link built from a contact's attribute is tracked like any.
Only when the contact has given tracking consent: a 1x1 open pixel, and every http(s) link of the
HTML part rewritten to a signed click URL that redirects to the link exactly as written. Without
consent, the links are exactly as written and there is no pixel. A campaign without a text part
gets one derived from its HTML.

A campaign's link statistics count each link as written in the campaign (`campaign_links`): a
link built with a `{{ }}` tag is counted under its tag, never under a recipient's value, which
may be personal data (the click token carries both: the value to redirect to, the tag to count).
"""

import html
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from consentmail.core.i18n import texts
from consentmail.core.links import (
    RIGHTS_PATH,
    Recipient,
    click_url,
    open_url,
    preferences_url,
    rights_url,
    unsubscribe_url,
)
from consentmail.core.records import Contact, Content, MailingList
from consentmail.core.sensitive_data import check_content
from consentmail.core.settings import get_settings
from consentmail.mail.html_transform import html_to_text, insert_before_body_end, is_web_link, rewrite_links
from consentmail.mail.mime import header_safe, recipient_header, sender_header
from consentmail.mail.personalization import CampaignTemplates, is_template, recipient_link, uses

# Bodies are encoded with 78-character lines; headers are serialized with RFC 5322's 998 limit so a
# long List-Unsubscribe URL stays one plain header instead of RFC 2047 encoded words, which
# mailbox providers do not decode in that header.
_SERIALIZE = SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class RecipientLinks:
    unsubscribe: str
    preferences: str
    rights: str


def _own_link(url: str) -> bool:
    """Our unsubscribe, preference and rights pages are never wrapped in a click redirect."""
    base = get_settings().base_url
    return url.startswith((f"{base}/unsubscribe", f"{base}/preferences", f"{base}{RIGHTS_PATH}"))


def html_part(
    rendered_html: str,
    mailing_list: MailingList,
    links: RecipientLinks,
    recipient: Recipient | None,
    at: datetime,
    *,
    places_unsubscribe: bool,
    places_preferences: bool,
    written: dict[str, str] | None = None,
) -> str:
    """The rendered HTML for one recipient; `recipient` only for contacts who allow tracking;
    `written` maps links built with a `{{ }}` tag, as rendered, to the link as written."""
    body = rendered_html
    if recipient is not None:
        as_written = written or {}

        def tracked(url: str) -> str | None:
            if not is_web_link(url) or _own_link(url):
                return None
            return click_url(recipient, url, at, as_written.get(url))

        body = rewrite_links(body, tracked)
    t = texts(mailing_list.language)
    footer: list[str] = []
    if not places_unsubscribe:
        footer.append(
            f'<a href="{html.escape(links.unsubscribe)}">{html.escape(t.gettext("Unsubscribe"))}</a>'
        )
    if not places_preferences:
        manage = html.escape(t.gettext("Manage your preferences"))
        footer.append(f'<a href="{html.escape(links.preferences)}">{manage}</a>')
    # Every campaign tells its recipient where to ask for their data, whatever the content holds.
    rights = html.escape(t.gettext("Your data and your rights"))
    footer.append(f'<a href="{html.escape(links.rights)}">{rights}</a>')
    why = t.gettext(
        "You receive this email because you subscribed to {list_name}.", list_name=mailing_list.name
    )
    body = insert_before_body_end(
        body,
        f'\n<p lang="{t.language}" style="font-size:12px;color:#595959;margin-top:24px">'
        f"{html.escape(why)} " + " &middot; ".join(footer) + "</p>\n",
    )
    if recipient is not None:
        pixel = html.escape(open_url(recipient, at))
        body = insert_before_body_end(
            body, f'<img src="{pixel}" width="1" height="1" alt="" style="display:block;border:0" />'
        )
    return body


def text_part(
    rendered_text: str | None,
    rendered_html: str,
    mailing_list: MailingList,
    links: RecipientLinks,
    *,
    places_unsubscribe: bool,
    places_preferences: bool,
) -> str:
    text = rendered_text if rendered_text else html_to_text(rendered_html)
    t = texts(mailing_list.language)
    footer: list[str] = []
    if not places_unsubscribe:
        footer.append(t.gettext("Unsubscribe: {url}", url=links.unsubscribe))
    if not places_preferences:
        footer.append(t.gettext("Manage your preferences: {url}", url=links.preferences))
    footer.append(t.gettext("Your data and your rights: {url}", url=links.rights))
    why = t.gettext(
        "You receive this email because you subscribed to {list_name}.", list_name=mailing_list.name
    )
    return text.rstrip("\n") + f"\n\n-- \n{why}\n" + "\n".join(footer) + "\n"


@dataclass(frozen=True)
class RenderedEmail:
    """What one recipient gets, before MIME: the preview shows exactly this."""

    subject: str
    html: str
    text: str
    unsubscribe_url: str


def render_campaign_email(
    *,
    templates: CampaignTemplates,
    mailing_list: MailingList,
    contact: Contact,
    campaign_id: str,
    at: datetime,
    tracked: bool | None = None,
) -> RenderedEmail:
    """The recipient's personalized email; tracking (pixel, rewritten links) only when `tracked`,
    which defaults to the contact's own tracking consent. Raises RenderingFailed, or InvalidInput
    when the rendered text carries sensitive data."""
    links = RecipientLinks(
        unsubscribe_url(contact, at), preferences_url(contact, at), rights_url(mailing_list.language)
    )
    rendered = templates.render(contact, links.unsubscribe, links.preferences)
    if templates.personal:
        # The static content was checked when it was saved; the contact's values are new text.
        check_content({"subject": rendered.subject, "html": rendered.html, "text": rendered.text or ""})
    allowed = contact.tracking_consent if tracked is None else tracked and contact.tracking_consent
    ids = (mailing_list.account_id, campaign_id, contact.list_id, contact.contact_id)
    recipient = Recipient(*ids) if allowed else None
    written = templates.links_as_written(contact, links.unsubscribe, links.preferences) if allowed else {}
    content = templates.content
    text_places = (
        (uses(content.text, "unsubscribe_url"), uses(content.text, "preferences_url"))
        if content.text
        # A text part derived from the HTML carries the HTML's links.
        else (uses(content.html, "unsubscribe_url"), uses(content.html, "preferences_url"))
    )
    html_places = (uses(content.html, "unsubscribe_url"), uses(content.html, "preferences_url"))
    return RenderedEmail(
        subject=rendered.subject,
        html=html_part(
            rendered.html,
            mailing_list,
            links,
            recipient,
            at,
            places_unsubscribe=html_places[0],
            places_preferences=html_places[1],
            written=written,
        ),
        text=text_part(
            rendered.text,
            rendered.html,
            mailing_list,
            links,
            places_unsubscribe=text_places[0],
            places_preferences=text_places[1],
        ),
        unsubscribe_url=links.unsubscribe,
    )


def mime_of(email: RenderedEmail, mailing_list: MailingList, to: str, at: datetime) -> bytes:
    """The raw MIME message of a rendered email."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender_header(mailing_list.from_email, mailing_list.from_name)
    message["To"] = recipient_header(to)
    message["Subject"] = header_safe(email.subject)
    message["Date"] = format_datetime(at)
    message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.text, charset="utf-8")
    message.add_alternative(email.html, subtype="html", charset="utf-8")
    # After the content, which drops every Content-* header when it is set.
    message["Content-Language"] = mailing_list.language
    return message.as_bytes(policy=_SERIALIZE)


def build_campaign_email(
    *,
    content: Content,
    mailing_list: MailingList,
    contact: Contact,
    campaign_id: str,
    at: datetime,
    templates: CampaignTemplates | None = None,
) -> bytes:
    """One recipient's raw MIME; pass `templates` compiled once per batch to save recompiling."""
    email = render_campaign_email(
        templates=templates or CampaignTemplates(content),
        mailing_list=mailing_list,
        contact=contact,
        campaign_id=campaign_id,
        at=at,
    )
    return mime_of(email, mailing_list, contact.email, at)


def campaign_links(source: str) -> list[str]:
    """The links of a campaign's HTML that its link statistics list, in order, each once, as
    written: web links, and links built with a `{{ }}` tag (counted under the tag); never the
    recipient's own unsubscribe, preference and rights links."""
    found: dict[str, None] = {}

    def collect(link: str) -> None:
        if is_template(link):
            if not recipient_link(link):
                found.setdefault(link, None)
        elif is_web_link(link) and not _own_link(link):
            found.setdefault(link, None)

    rewrite_links(source, collect)
    return list(found)
