"""Every domain record in one place: lists, contacts, consent entries, account profiles and
notifications, campaigns and their content, subject requests. Repositories (store/) turn items
into these and back; API models (each context's `models.py`) are built from them."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from consentmail.core.clock import iso
from consentmail.core.i18n import SOURCE_LANGUAGE, Language
from consentmail.core.statuses import ContactStatus

# Every time we return is ISO 8601 UTC with a Z, second precision.
Time = Annotated[datetime, PlainSerializer(iso, return_type=str)]


class Record(BaseModel):
    """A stored record. Its validation schema is built when the model is first used, not when
    this module is imported: every function imports the records, each uses a few."""

    model_config = ConfigDict(defer_build=True)


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


class ConsentProof(Record):
    source: str
    obtained_at: datetime
    text: str


class MailingList(Record):
    list_id: str
    account_id: str
    name: str
    from_email: str
    from_name: str = ""
    confirm_redirect_url: str | None = None
    thank_you_url: str | None = None
    # The language of its opt-in email, campaign footers and recipient pages.
    language: Language = SOURCE_LANGUAGE
    created_at: datetime


class Contact(Record):
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
    # The current opt-in, carried by its confirm links: a new subscription after a withdrawal
    # draws a new one, so a confirm link issued before the withdrawal confirms nothing.
    optin_nonce: str | None = None
    # The large-import row that created it (`<import_id>:<line>`): an import resumed after a crash
    # tells its own earlier writes from a contact that was already on the list.
    import_row: str | None = None

    @property
    def sendable(self) -> bool:
        return self.status == ContactStatus.CONFIRMED


class ConsentRecord(Record):
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


class AccountStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class PolicyAcceptance(Record):
    """Which privacy-policy version the account holder accepted, when, and from which IP."""

    version: str
    accepted_at: Time
    ip: str


class AccountProfile(Record):
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
    # Whether the holder proved the sign-up address (the emailed link): an unverified account
    # prepares but cannot send. Profiles stored before verification existed carry no flag and
    # count as verified, so an upgrade does not stop campaigns already planned; every sign-up
    # since writes False explicitly.
    email_verified: bool = True
    email_verified_at: Time | None = None
    created_at: Time
    updated_at: Time
    closed_at: Time | None = None
    deletion_due: Time | None = None


class Notification(Record):
    notification_id: str
    kind: str
    created_at: Time
    # What the account holder needs to know: for a subject request, its type, the lists and the
    # date; never an erased address.
    data: dict[str, Any] = Field(default_factory=dict)


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    # Waiting for its one-time schedule (adapters/scheduler.py); back to draft when unscheduled.
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"


class CampaignRecord(Record):
    """The stored campaign (content lives in the content table, which expires)."""

    campaign_id: str
    account_id: str
    list_id: str
    status: CampaignStatus = CampaignStatus.DRAFT
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None = None
    # When a scheduled send is due; kept once it started, so a second firing of the same schedule
    # is recognised (and a firing of an older, replaced schedule is not).
    scheduled_at: datetime | None = None
    # Where the fan-out resumes after a redelivery or a continuation: the list's last page key.
    fanout_cursor: dict | None = None


class RequestType(StrEnum):
    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"


class RequestStatus(StrEnum):
    # Received; the verification email went out; the request lapses with its link after 7 days.
    AWAITING_VERIFICATION = "awaiting_verification"
    # Verified and being carried out; stays open (and reported when near due) until done.
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    # An erasure of the same address came first: nothing is left to act on.
    CANCELLED = "cancelled"


OPEN_STATUSES = (RequestStatus.AWAITING_VERIFICATION, RequestStatus.IN_PROGRESS)


class SubjectRequest(Record):
    request_id: str
    email_hash: str
    type: RequestType
    status: RequestStatus
    received_at: datetime
    due_at: datetime
    completed_at: datetime | None = None
    # Only while open: the raw address and the requested changes.
    email: str | None = None
    changes: dict = Field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TransferStatus(StrEnum):
    """Where a large import or export stands."""

    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


FINISHED_TRANSFERS = (TransferStatus.DONE, TransferStatus.FAILED)


class Rejection(Record):
    """A row an import refused: its line in the file and why (never the row's values)."""

    line: int
    reason: str


class ImportJob(Record):
    """A large import (audience/bulk_import.py): the CSV file the account holder uploads, then the
    worker's progress through it, chunk by chunk."""

    import_id: str
    account_id: str
    list_id: str
    status: TransferStatus = TransferStatus.WAITING
    created_at: datetime
    # Until when the presigned upload URL works.
    upload_expires_at: datetime
    # The consent proof of rows without proof columns, and who asked (the consent ledger's visitor).
    proof: ConsentProof
    ip: str = ""
    user_agent: str = ""
    # Set when the worker starts: the time every row is imported as, the file's version, how it
    # is read (encoding, header) and how many data rows it holds.
    started_at: datetime | None = None
    etag: str | None = None
    encoding: str | None = None
    header: list[str] = Field(default_factory=list)
    rows: int = 0
    # The checkpoint: bytes and physical lines of the file done, and what they gave.
    offset: int = 0
    line: int = 0
    imported: int = 0
    rejected_count: int = 0
    rejected: list[Rejection] = Field(default_factory=list)
    error: str | None = None
    finished_at: datetime | None = None


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


class ExportJob(Record):
    """A large export (audience/bulk_export.py): a list's contacts written to a file a worker
    streams into the transfer bucket."""

    export_id: str
    account_id: str
    list_id: str
    format: ExportFormat
    status: TransferStatus = TransferStatus.WAITING
    created_at: datetime
    rows: int = 0
    error: str | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class Content:
    subject: str
    html: str
    text: str | None = None
