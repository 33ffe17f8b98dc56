"""The two emails of a subject request: the verification link, and the link to the export. Both
come from the operator's system address; neither says whether the address is known to us."""

from html import escape

from consentmail.core.records import RequestType
from consentmail.mail.mime import build_message

SENDER_NAME = "Privacy requests"

_WHAT = {
    RequestType.ACCESS: "a copy of the data held about this email address",
    RequestType.RECTIFICATION: "the correction of the data held about this email address",
    RequestType.ERASURE: "the erasure of all data held about this email address",
}


def verification_message(*, from_email: str, to: str, request_type: RequestType, confirm_url: str) -> bytes:
    what = _WHAT[request_type]
    text = (
        f"Someone, hopefully you, asked for {what}.\n\n"
        f"To confirm that this request is yours, open: {confirm_url}\n\n"
        "If you did not ask for this, ignore this email: nothing will happen.\n"
        "This link expires in 7 days.\n"
    )
    html = (
        f"<p>Someone, hopefully you, asked for {escape(what)}.</p>"
        f'<p><a href="{escape(confirm_url)}">Confirm this request</a></p>'
        "<p>If you did not ask for this, ignore this email: nothing will happen. "
        "This link expires in 7 days.</p>"
    )
    return build_message(
        from_email=from_email,
        from_name=SENDER_NAME,
        to=to,
        subject="Confirm your data request",
        text=text,
        html=html,
    )


def export_message(*, from_email: str, to: str, export_url: str) -> bytes:
    text = (
        "Your access request has been carried out.\n\n"
        f"Download the data held about this email address (JSON): {export_url}\n\n"
        "This link expires in 7 days.\n"
    )
    html = (
        "<p>Your access request has been carried out.</p>"
        f'<p><a href="{escape(export_url)}">Download the data held about this email address (JSON)</a></p>'
        "<p>This link expires in 7 days.</p>"
    )
    return build_message(
        from_email=from_email,
        from_name=SENDER_NAME,
        to=to,
        subject="Your data export",
        text=text,
        html=html,
    )
