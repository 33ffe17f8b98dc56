"""The two emails of a subject request: the verification link, and the link to the export. Both
come from the operator's system address, in the language the person used on the rights page;
neither says whether the address is known to us."""

from datetime import datetime
from html import escape

from consentmail.core.i18n import Texts
from consentmail.core.records import RequestType
from consentmail.mail.mime import build_message


def sender_name(t: Texts) -> str:
    return t.gettext("Privacy requests")


def _what(t: Texts, request_type: RequestType) -> str:
    if request_type == RequestType.ACCESS:
        return t.gettext(
            "Someone, hopefully you, asked for a copy of the data held about this email address."
        )
    if request_type == RequestType.RECTIFICATION:
        return t.gettext(
            "Someone, hopefully you, asked for the correction of the data held about this email address."
        )
    return t.gettext(
        "Someone, hopefully you, asked for the erasure of all data held about this email address."
    )


def verification_message(
    *, t: Texts, from_email: str, to: str, request_type: RequestType, confirm_url: str, expires_at: datetime
) -> bytes:
    what = _what(t, request_type)
    ignore = t.gettext("If you did not ask for this, ignore this email: nothing will happen.")
    expiry = t.gettext("This link works until {date}.", date=t.date(expires_at))
    text = (
        f"{what}\n\n"
        f"{t.gettext('To confirm that this request is yours, open: {url}', url=confirm_url)}\n\n"
        f"{ignore}\n{expiry}\n"
    )
    html = (
        f'<div lang="{t.language}"><p>{escape(what)}</p>'
        f'<p><a href="{escape(confirm_url)}">{escape(t.gettext("Confirm this request"))}</a></p>'
        f"<p>{escape(ignore)} {escape(expiry)}</p></div>"
    )
    return build_message(
        from_email=from_email,
        from_name=sender_name(t),
        to=to,
        subject=t.gettext("Confirm your data request"),
        text=text,
        html=html,
        headers={"Content-Language": t.language},
    )


def export_message(*, t: Texts, from_email: str, to: str, export_url: str, expires_at: datetime) -> bytes:
    done = t.gettext("Your access request has been carried out.")
    see = t.gettext("See the data held about this email address")
    expiry = t.gettext("This link works until {date}.", date=t.date(expires_at))
    text = f"{done}\n\n{see}: {export_url}\n\n{expiry}\n"
    html = (
        f'<div lang="{t.language}"><p>{escape(done)}</p>'
        f'<p><a href="{escape(export_url)}">{escape(see)}</a></p>'
        f"<p>{escape(expiry)}</p></div>"
    )
    return build_message(
        from_email=from_email,
        from_name=sender_name(t),
        to=to,
        subject=t.gettext("Your data export"),
        text=text,
        html=html,
        headers={"Content-Language": t.language},
    )
