"""Every recipient-facing URL, in one place:

- `link(path, token)`: a public route with its signed token (opt-in confirmation, unsubscribe,
  preferences, subject-request confirmation and export);
- `unsubscribe_url` and `preferences_url`: the recipient's own links every campaign email carries;
  they live as long as the event data of the email that carries them (`RECIPIENT_LINK`);
- `account_verify_url` and `password_reset_url`: the account holder's emailed links, to console
  pages that POST their token to the API;
- `rights_url`: the rights page (access, rectification, erasure), in a language, linked from
  every campaign footer and every recipient page;
- `open_url` and `click_url`: the signed tracking URLs a campaign email carries for contacts with
  tracking consent: `/t/o/<token>` (open pixel) and `/t/c/<token>` (click redirect to the exact
  link written in the campaign). Tokens carry account, campaign, list and contact ids (and the
  link for clicks: as the recipient's email carries it, plus, for a link built with a `{{ }}`
  tag, the link as written, which is what the campaign's link statistics count), and live as long
  as the event data they produce."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from consentmail.core import tokens
from consentmail.core.retention import EVENT_DATA
from consentmail.core.settings import get_settings
from consentmail.core.tokens import Purpose

if TYPE_CHECKING:
    # For annotations only: the records' pydantic models stay off the tracking function's imports.
    from consentmail.core.records import Contact

# Unsubscribe and preference links live as long as the event data of the email that carries them.
RECIPIENT_LINK = EVENT_DATA


def link(path: str, token: str) -> str:
    return f"{get_settings().base_url}{path}?{urlencode({'token': token})}"


RIGHTS_PATH = "/subject-requests"


def rights_url(language: str) -> str:
    return f"{get_settings().base_url}{RIGHTS_PATH}?{urlencode({'lang': language})}"


def recipient_claims(contact: Contact) -> dict:
    return {"l": contact.list_id, "c": contact.contact_id}


def unsubscribe_url(contact: Contact, at: datetime) -> str:
    token = tokens.issue(Purpose.UNSUBSCRIBE, recipient_claims(contact), RECIPIENT_LINK.after(at))
    return link("/unsubscribe", token)


def preferences_url(contact: Contact, at: datetime) -> str:
    token = tokens.issue(Purpose.PREFERENCES, recipient_claims(contact), RECIPIENT_LINK.after(at))
    return link("/preferences", token)


@dataclass(frozen=True)
class Recipient:
    account_id: str
    campaign_id: str
    list_id: str
    contact_id: str

    def claims(self) -> dict:
        return {"a": self.account_id, "m": self.campaign_id, "l": self.list_id, "c": self.contact_id}

    @classmethod
    def from_claims(cls, claims: dict) -> Recipient:
        return cls(str(claims["a"]), str(claims["m"]), str(claims["l"]), str(claims["c"]))


def open_url(recipient: Recipient, sent_at: datetime) -> str:
    token = tokens.issue(Purpose.OPEN, recipient.claims(), EVENT_DATA.after(sent_at))
    return f"{get_settings().base_url}/t/o/{token}"


@dataclass(frozen=True)
class Click:
    """What a click token says: who clicked, where to (the link as their email carried it), and
    the link as written in the campaign (the same, unless built with a `{{ }}` tag)."""

    recipient: Recipient
    url: str
    link: str


def click_url(recipient: Recipient, url: str, sent_at: datetime, written: str | None = None) -> str:
    claims = {**recipient.claims(), "u": url}
    if written is not None and written != url:
        claims["w"] = written
    token = tokens.issue(Purpose.CLICK, claims, EVENT_DATA.after(sent_at))
    return f"{get_settings().base_url}/t/c/{token}"


def read_open(token: str, at: datetime) -> Recipient:
    return Recipient.from_claims(tokens.verify(token, Purpose.OPEN, at))


def read_click(token: str, at: datetime) -> Click:
    """The recipient and the campaign's link; InvalidToken for anything tampered or malformed."""
    claims = tokens.verify(token, Purpose.CLICK, at)
    url = claims.get("u")
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        raise tokens.InvalidToken("This link is not valid.")
    written = claims.get("w")
    return Click(Recipient.from_claims(claims), url, written if isinstance(written, str) else url)


# Account holders' links open the console (`GET /console/`, same origin as the API), whose pages
# POST the token to the API (`/accounts/verify`, `/auth/password/reset`): a GET never changes
# anything, so mail scanners that fetch every link spend nothing.
ACCOUNT_VERIFY_PAGE = "/console/verify-email"
PASSWORD_RESET_PAGE = "/console/reset-password"  # noqa: S105 - a path, not a password


def account_verify_url(token: str) -> str:
    return link(ACCOUNT_VERIFY_PAGE, token)


def password_reset_url(token: str) -> str:
    return link(PASSWORD_RESET_PAGE, token)
