"""The recipient's preference page (HTML, served by the subscription function): one form for
tracking consent and names, one button to unsubscribe. The tracking checkbox follows a hidden
`false`, so unticking it posts `tracking_consent=false` (the last value wins) and withdrawing is
exactly as easy as granting. The page is in the list's language unless the person switched it."""

from html import escape

from aws_lambda_powertools.event_handler import Response

from consentmail.core.records import Contact, ContactStatus, MailingList
from consentmail.subscription.preferences import tracking_text
from consentmail.web import pages


def preferences_page(
    page: pages.Page, mailing_list: MailingList, contact: Contact, notice: str = ""
) -> Response:
    t = page.texts
    action = escape(page.action())
    checked = " checked" if contact.tracking_consent else ""
    parts = [f"<p class=notice role=status><strong>{escape(notice)}</strong></p>"] if notice else []
    parts.append(
        f"<p>{escape(t.gettext('Your subscription to {list_name}.', list_name=mailing_list.name))}</p>"
    )
    parts.append(
        f'<form method=post action="{action}">'
        "<input type=hidden name=tracking_consent value=false>"
        "<label class=choice for=tracking_consent>"
        f"<input type=checkbox id=tracking_consent name=tracking_consent value=true{checked}> "
        f"<span>{escape(tracking_text(mailing_list, page.language))}</span></label>"
        f"<label for=first_name>{escape(t.gettext('First name'))}</label>"
        "<input type=text id=first_name name=first_name maxlength=100 autocomplete=given-name "
        f'value="{escape(contact.first_name)}">'
        f"<label for=last_name>{escape(t.gettext('Last name'))}</label>"
        "<input type=text id=last_name name=last_name maxlength=100 autocomplete=family-name "
        f'value="{escape(contact.last_name)}">'
        f"<p><button type=submit>{escape(t.gettext('Save my preferences'))}</button></p></form>"
    )
    if contact.status in (ContactStatus.PENDING, ContactStatus.CONFIRMED):
        button = escape(t.gettext("Unsubscribe from {list_name}", list_name=mailing_list.name))
        parts.append(
            f'<form method=post action="{action}"><input type=hidden name=unsubscribe value=true>'
            f"<p><button type=submit class=secondary>{button}</button></p></form>"
        )
    else:
        parts.append(
            f"<p>{escape(t.gettext('You receive no emails from {list_name}.', list_name=mailing_list.name))}"
            "</p>"
        )
    return pages.html_response(t.gettext("Your preferences"), "".join(parts), 200, page)
