"""Account-holder records (the profile, notifications) and the account API's input and output
models. The output models are the contract's representations, built from domain records."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, SecretStr

from consentmail.clock import iso
from consentmail.models import ConsentProof, Contact, ContactStatus, MailingList

# Every time we return is ISO 8601 UTC with a Z, second precision.
Time = Annotated[datetime, PlainSerializer(iso, return_type=str)]
Name = Annotated[str, Field(max_length=100)]
OptionalText = Annotated[str | None, Field(default=None, max_length=500)]


# --- records ---------------------------------------------------------------------------------


class AccountStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class PolicyAcceptance(BaseModel):
    """Which privacy-policy version the account holder accepted, when, and from which IP."""

    version: str
    accepted_at: Time
    ip: str


class AccountProfile(BaseModel):
    account_id: str
    email: str
    # Cognito's own name for the user (its `sub` in a pool with email as the sign-in alias).
    username: str
    first_name: str
    last_name: str
    title: str | None = None
    country: str
    company: str | None = None
    vat_number: str | None = None
    postal_address: str | None = None
    phone: str | None = None
    privacy_policy: PolicyAcceptance
    privacy_policy_history: list[PolicyAcceptance] = Field(default_factory=list)
    status: AccountStatus = AccountStatus.ACTIVE
    created_at: Time
    updated_at: Time
    closed_at: Time | None = None
    deletion_due: Time | None = None


class Notification(BaseModel):
    notification_id: str
    kind: str
    created_at: Time
    # What the account holder needs to know: for a subject request, its type, the lists and the
    # date; never an erased address.
    data: dict[str, Any] = Field(default_factory=dict)


# --- account API -----------------------------------------------------------------------------


class NewAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254)
    password: SecretStr = Field(min_length=1, max_length=1024, json_schema_extra={"format": "password"})
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    title: OptionalText = None
    country: str = Field(min_length=2, max_length=60)
    company: OptionalText = None
    vat_number: OptionalText = None
    postal_address: OptionalText = None
    phone: OptionalText = None
    accept_privacy_policy: str = Field(
        min_length=1,
        max_length=40,
        description="The version of the privacy policy the account holder accepts",
    )


class AccountCreated(BaseModel):
    account_id: str


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=254)
    password: SecretStr = Field(min_length=1, max_length=1024, json_schema_extra={"format": "password"})


class Tokens(BaseModel):
    id_token: str
    access_token: str
    refresh_token: str
    expires_in: int


class ProfilePatch(BaseModel):
    """The editable part of the profile; the sign-in email is not (it is the Cognito username)."""

    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    title: OptionalText = None
    country: str | None = Field(default=None, min_length=2, max_length=60)
    company: OptionalText = None
    vat_number: OptionalText = None
    postal_address: OptionalText = None
    phone: OptionalText = None
    accept_privacy_policy: str | None = Field(default=None, min_length=1, max_length=40)


class ProfileOut(BaseModel):
    account_id: str
    email: str
    first_name: str
    last_name: str
    title: str | None
    country: str
    company: str | None
    vat_number: str | None
    postal_address: str | None
    phone: str | None
    privacy_policy: PolicyAcceptance
    status: AccountStatus
    created_at: Time
    updated_at: Time

    @classmethod
    def of(cls, profile: AccountProfile) -> "ProfileOut":
        return cls.model_validate(profile.model_dump())


class Closure(BaseModel):
    deletion_due: str = Field(description="The date (YYYY-MM-DD) by which every item of the account is gone")


class NotificationPage(BaseModel):
    items: list[Notification]


# --- lists -----------------------------------------------------------------------------------

Url = Annotated[str | None, Field(default=None, max_length=2000, pattern=r"^https?://")]


class ListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    from_email: str = Field(min_length=3, max_length=254)
    from_name: str = Field(default="", max_length=200)
    confirm_redirect_url: Url = None
    thank_you_url: Url = None


class ListPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    from_email: str | None = Field(default=None, min_length=3, max_length=254)
    from_name: str | None = Field(default=None, max_length=200)
    confirm_redirect_url: Url = None
    thank_you_url: Url = None


class ListOut(BaseModel):
    list_id: str
    name: str
    from_email: str
    from_name: str
    confirm_redirect_url: str | None
    thank_you_url: str | None
    created_at: Time

    @classmethod
    def of(cls, mailing_list: MailingList) -> "ListOut":
        return cls.model_validate(mailing_list.model_dump())


class ListPage(BaseModel):
    items: list[ListOut]


# --- contacts --------------------------------------------------------------------------------


class ConsentProofIn(BaseModel):
    """How the account holder obtained the contact's consent: kept as the ledger's proof."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        min_length=1, max_length=200, description="Where consent was given, e.g. a form or event"
    )
    obtained_at: datetime
    text: str = Field(min_length=1, max_length=2000, description="The consent statement the person agreed to")


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    attributes: dict[str, Any] = Field(default_factory=dict)
    tracking_consent: bool = False
    consent: ConsentProofIn
    double_opt_in: bool = False


class ContactPatch(BaseModel):
    """What the account holder may change. The address is the contact's identity (add a new
    contact instead); the status may only go to `unsubscribed` (consent is never invented)."""

    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    attributes: dict[str, Any] | None = None
    tracking_consent: bool | None = None
    status: ContactStatus | None = None


class ConsentOut(BaseModel):
    source: str
    obtained_at: Time
    text: str


class ContactOut(BaseModel):
    contact_id: str
    list_id: str
    email: str
    first_name: str
    last_name: str
    status: ContactStatus
    tracking_consent: bool
    attributes: dict[str, Any]
    consent: ConsentOut | None
    created_at: Time

    @classmethod
    def of(cls, contact: Contact) -> "ContactOut":
        consent = contact.consent
        return cls(
            contact_id=contact.contact_id,
            list_id=contact.list_id,
            email=contact.email,
            first_name=contact.first_name,
            last_name=contact.last_name,
            status=contact.status,
            tracking_consent=contact.tracking_consent,
            attributes=contact.attributes,
            consent=ConsentOut.model_validate(consent.model_dump())
            if isinstance(consent, ConsentProof)
            else None,
            created_at=contact.created_at,
        )


class ContactPage(BaseModel):
    items: list[ContactOut]
    next_cursor: str | None


class RejectedRow(BaseModel):
    line: int
    reason: str


class ImportResult(BaseModel):
    imported: int
    rejected: list[RejectedRow]


class ContactExport(BaseModel):
    list_id: str
    exported_at: Time
    items: list[ContactOut]
