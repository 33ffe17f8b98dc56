"""The account holder's emails: the sign-up address's verification link and the password-reset
link. Both come from the operator's system address and carry the token itself too, so a holder
who works with the API alone can POST it without the console."""

from html import escape

from consentmail.mail.mime import build_message

SENDER_NAME = "consentmail"


def verification_message(*, from_email: str, to: str, first_name: str, verify_url: str, token: str) -> bytes:
    text = (
        f"Hello {first_name},\n\n"
        "Please confirm that this email address is yours, so that your campaigns can be sent:\n"
        f"{verify_url}\n\n"
        f'Or POST {{"token": "{token}"}} to /accounts/verify.\n\n'
        "If you did not create an account, ignore this email.\n"
        "This link expires in 7 days.\n"
    )
    html = (
        f"<p>Hello {escape(first_name)},</p>"
        "<p>Please confirm that this email address is yours, so that your campaigns can be sent.</p>"
        f'<p><a href="{escape(verify_url)}">Verify my email address</a></p>'
        "<p>If you did not create an account, ignore this email. This link expires in 7 days.</p>"
    )
    return build_message(
        from_email=from_email,
        from_name=SENDER_NAME,
        to=to,
        subject="Verify your email address",
        text=text,
        html=html,
    )


def reset_message(*, from_email: str, to: str, reset_url: str, token: str) -> bytes:
    text = (
        "Someone, hopefully you, asked to reset the password of the account of this address.\n\n"
        f"Choose a new password: {reset_url}\n\n"
        f'Or POST {{"token": "{token}", "password": "..."}} to /auth/password/reset.\n\n'
        "If you did not ask for this, ignore this email: your password stays as it is.\n"
        "This link works once and expires in 1 hour.\n"
    )
    html = (
        "<p>Someone, hopefully you, asked to reset the password of the account of this address.</p>"
        f'<p><a href="{escape(reset_url)}">Choose a new password</a></p>'
        "<p>If you did not ask for this, ignore this email: your password stays as it is. "
        "This link works once and expires in 1 hour.</p>"
    )
    return build_message(
        from_email=from_email,
        from_name=SENDER_NAME,
        to=to,
        subject="Reset your password",
        text=text,
        html=html,
    )
