"""The double opt-in email: one confirm link, from the list's sender, in the list's language."""

from datetime import datetime
from html import escape

from consentmail.core.i18n import texts
from consentmail.core.records import MailingList
from consentmail.mail.mime import build_message


def optin_message(mailing_list: MailingList, to: str, confirm_url: str, expires_at: datetime) -> bytes:
    t = texts(mailing_list.language)
    name = mailing_list.name
    ask = t.gettext("Please confirm your subscription to {list_name}.", list_name=name)
    ignore = t.gettext("If you did not ask for this, ignore this email: you will not be subscribed.")
    expiry = t.gettext("This link works until {date}.", date=t.date(expires_at))
    text = f"{ask}\n\n{t.gettext('Confirm: {url}', url=confirm_url)}\n\n{ignore}\n{expiry}\n"
    html = (
        f'<div lang="{t.language}"><p>{escape(ask)}</p>'
        f'<p><a href="{escape(confirm_url)}">{escape(t.gettext("Confirm my subscription"))}</a></p>'
        f"<p>{escape(ignore)} {escape(expiry)}</p></div>"
    )
    return build_message(
        from_email=mailing_list.from_email,
        from_name=mailing_list.from_name,
        to=to,
        subject=t.gettext("Confirm your subscription to {list_name}", list_name=name),
        text=text,
        html=html,
        headers={"Content-Language": t.language},
    )
