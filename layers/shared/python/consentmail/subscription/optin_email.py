"""The double opt-in email: one confirm link, from the list's sender."""

from html import escape

from consentmail.core.records import MailingList
from consentmail.mail.mime import build_message


def optin_message(mailing_list: MailingList, to: str, confirm_url: str) -> bytes:
    name = mailing_list.name
    text = (
        f"Please confirm your subscription to {name}.\n\n"
        f"Confirm: {confirm_url}\n\n"
        "If you did not ask for this, ignore this email: you will not be subscribed.\n"
        "This link expires in 7 days.\n"
    )
    html = (
        f"<p>Please confirm your subscription to <strong>{escape(name)}</strong>.</p>"
        f'<p><a href="{escape(confirm_url)}">Confirm my subscription</a></p>'
        "<p>If you did not ask for this, ignore this email: you will not be subscribed. "
        "This link expires in 7 days.</p>"
    )
    return build_message(
        from_email=mailing_list.from_email,
        from_name=mailing_list.from_name,
        to=to,
        subject=f"Confirm your subscription to {name}",
        text=text,
        html=html,
    )
