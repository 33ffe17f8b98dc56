"""The domain records shared by several bounded contexts: lists, contacts, consent entries.
Repositories turn items into these; API models (per context) are built from them."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class ContactStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class ConsentAction(StrEnum):
    SUBSCRIBED = "subscribed"  # a website form, consent given, opt-in email sent
    CONFIRMED = "confirmed"  # the double opt-in link was followed
    ADDED_BY_ACCOUNT = "added_by_account"  # the account holder added the contact with its proof
    IMPORTED = "imported"
    UNSUBSCRIBED = "unsubscribed"
    TRACKING_GRANTED = "tracking_granted"
    TRACKING_WITHDRAWN = "tracking_withdrawn"
    RECTIFIED = "rectified"


@dataclass(frozen=True)
class Visitor:
    """Who made the request, as the consent ledger records it."""

    ip: str
    user_agent: str


class ConsentProof(BaseModel):
    source: str
    obtained_at: datetime
    text: str


class MailingList(BaseModel):
    list_id: str
    account_id: str
    name: str
    from_email: str
    from_name: str = ""
    confirm_redirect_url: str | None = None
    thank_you_url: str | None = None
    created_at: datetime


class Contact(BaseModel):
    contact_id: str
    list_id: str
    account_id: str
    email: str
    email_hash: str
    first_name: str = ""
    last_name: str = ""
    status: ContactStatus
    tracking_consent: bool = False
    attributes: dict = Field(default_factory=dict)
    consent: ConsentProof | None = None
    created_at: datetime
    confirmed_at: datetime | None = None
    optin_sent_at: datetime | None = None

    @property
    def sendable(self) -> bool:
        return self.status == ContactStatus.CONFIRMED


class ConsentRecord(BaseModel):
    """One entry of the append-only consent ledger: never updated, only added."""

    email_hash: str
    record_id: str
    account_id: str
    list_id: str
    contact_id: str
    action: ConsentAction
    at: datetime
    ip: str = ""
    user_agent: str = ""
    text: str = ""
    source: str = ""
