"""The recipient's preference page (HTML, served by the subscription function): one form for
tracking consent and names, one button to unsubscribe. The tracking checkbox follows a hidden
`false`, so unticking it posts `tracking_consent=false` (the last value wins) and withdrawing is
exactly as easy as granting."""

from html import escape
from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response

from consentmail.core.records import Contact, ContactStatus, MailingList
from consentmail.subscription.preferences import tracking_text
from consentmail.web import pages


def preferences_page(mailing_list: MailingList, contact: Contact, token: str, notice: str = "") -> Response:
    action = escape(f"?token={quote(token, safe='')}")
    checked = " checked" if contact.tracking_consent else ""
    parts = [f"<p><strong>{escape(notice)}</strong></p>"] if notice else []
    parts.append(f"<p>Your subscription to {escape(mailing_list.name)}.</p>")
    parts.append(
        f'<form method=post action="{action}">'
        "<input type=hidden name=tracking_consent value=false>"
        f"<label><input type=checkbox name=tracking_consent value=true{checked}> "
        f"{escape(tracking_text(mailing_list))}</label>"
        "<label>First name <input type=text name=first_name maxlength=100 "
        f'value="{escape(contact.first_name)}"></label>'
        "<label>Last name <input type=text name=last_name maxlength=100 "
        f'value="{escape(contact.last_name)}"></label>'
        "<button type=submit>Save my preferences</button></form>"
    )
    if contact.status in (ContactStatus.PENDING, ContactStatus.CONFIRMED):
        parts.append(
            f'<form method=post action="{action}"><input type=hidden name=unsubscribe value=true>'
            f"<p><button type=submit>Unsubscribe from {escape(mailing_list.name)}</button></p></form>"
        )
    else:
        parts.append(f"<p>You receive no emails from {escape(mailing_list.name)}.</p>")
    return pages.html_response("Your preferences", "".join(parts))
