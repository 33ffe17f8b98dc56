"""What the list and contact routes take and return: the contract's representations of lists and
contacts, built from domain records, the CSV import's report, large imports' and exports' requests
and statuses, and their queue messages."""

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from consentmail.core import header_text
from consentmail.core.addresses import document_email
from consentmail.core.attribute_names import Attributes, OptionalAttributes
from consentmail.core.header_text import HeaderText
from consentmail.core.i18n import SOURCE_LANGUAGE, Language
from consentmail.core.records import (
    ConsentProof,
    Contact,
    ContactStatus,
    ExportFormat,
    ImportJob,
    MailingList,
    Time,
    TransferStatus,
)

# A page of the account holder's site, used as a redirect target: http(s), a host, and no
# whitespace or control character anywhere (a trailing newline once made the form subscribe and
# the confirm answer 500). Matched on the whole value, kept exactly as written.
_WEB_URL = re.compile(r"\Ahttps?://[^/?#@\s]+(?:[/?#][^\s]*)?\Z", re.IGNORECASE)


def _web_url(value: str | None) -> str | None:
    if value is None:
        return value
    if header_text.unsafe_character(value) or any(c.isspace() for c in value):
        raise ValueError("must be an http(s) URL without spaces, line breaks or control characters")
    if not _WEB_URL.match(value):
        raise ValueError("must be an http:// or https:// URL with a host")
    return value


# The same rule as a JSON Schema pattern, for the OpenAPI document: the refused characters are the
# control characters and everything str.isspace() calls whitespace, written out (ECMA-262's \s is
# another set). A unit test holds it to `_web_url`; the validator decides.
_REFUSED = r"\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
WEB_URL_PATTERN = rf"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@{_REFUSED}]+(?:[/?#][^{_REFUSED}]*)?$"
_WebUrlText = Annotated[
    str, Field(json_schema_extra={"pattern": WEB_URL_PATTERN, "description": "An http(s) URL with a host"})
]
Url = Annotated[_WebUrlText | None, Field(default=None, max_length=2000), AfterValidator(_web_url)]


class ListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: HeaderText = Field(min_length=1, max_length=200)
    from_email: str = Field(min_length=3, max_length=254, json_schema_extra=document_email)
    from_name: HeaderText = Field(default="", max_length=200)
    confirm_redirect_url: Url = None
    thank_you_url: Url = None
    language: Language = Field(
        default=SOURCE_LANGUAGE,
        description="Language of the opt-in email, campaign footers and recipient pages",
    )


class ListPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: HeaderText | None = Field(default=None, min_length=1, max_length=200)
    from_email: str | None = Field(
        default=None, min_length=3, max_length=254, json_schema_extra=document_email
    )
    from_name: HeaderText | None = Field(default=None, max_length=200)
    confirm_redirect_url: Url = None
    thank_you_url: Url = None
    language: Language | None = None


class StatusCounts(BaseModel):
    """A list's contacts by status, every status always present (0 when none)."""

    pending: int
    confirmed: int
    unsubscribed: int
    bounced: int
    complained: int

    @classmethod
    def of(cls, counts: dict[str, int] | None) -> "StatusCounts":
        return cls.model_validate(
            {status.value: (counts or {}).get(status.value, 0) for status in ContactStatus}
        )


class ListOut(BaseModel):
    list_id: str
    name: str
    from_email: str
    from_name: str
    confirm_redirect_url: str | None
    thank_you_url: str | None
    language: Language
    created_at: Time
    counts: StatusCounts

    @classmethod
    def of(cls, mailing_list: MailingList, counts: dict[str, int] | None = None) -> "ListOut":
        return cls.model_validate({**mailing_list.model_dump(), "counts": StatusCounts.of(counts)})


class ListPage(BaseModel):
    items: list[ListOut]


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

    email: str = Field(min_length=3, max_length=254, json_schema_extra=document_email)
    first_name: HeaderText = Field(default="", max_length=100)
    last_name: HeaderText = Field(default="", max_length=100)
    attributes: Attributes = Field(default_factory=dict)
    tracking_consent: bool = False
    consent: ConsentProofIn
    double_opt_in: bool = False


class ContactPatch(BaseModel):
    """What the account holder may change. The address is the contact's identity (add a new
    contact instead); the status may only go to `unsubscribed` (consent is never invented)."""

    model_config = ConfigDict(extra="forbid")

    first_name: HeaderText | None = Field(default=None, max_length=100)
    last_name: HeaderText | None = Field(default=None, max_length=100)
    attributes: OptionalAttributes = None
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


# --- large imports and exports -----------------------------------------------------------------


class ImportIn(BaseModel):
    """The account holder's attestation for rows without proof columns (as the synchronous
    import's query parameters); by default, the import itself is the proof."""

    model_config = ConfigDict(extra="forbid")

    consent_source: str | None = Field(default=None, min_length=1, max_length=200)
    consent_text: str | None = Field(default=None, min_length=1, max_length=2000)
    consent_obtained_at: datetime | None = None


class ImportCreated(BaseModel):
    import_id: str
    upload_url: str = Field(description="Presigned PUT of the CSV file (e.g. `curl --upload-file`)")
    expires_at: Time = Field(description="Until when the upload URL works")


class ImportStatus(BaseModel):
    import_id: str
    status: TransferStatus
    rows: int = Field(description="Data rows in the file (known once the import started)")
    imported: int
    rejected_count: int
    rejected: list[RejectedRow] = Field(description="The first 1,000 rows refused, with line and reason")
    error: str | None = Field(description="Why the import failed (status `failed`), else null")
    created_at: Time
    finished_at: Time | None

    @classmethod
    def of(cls, job: ImportJob) -> "ImportStatus":
        return cls(
            import_id=job.import_id,
            status=job.status,
            rows=job.rows,
            imported=job.imported,
            rejected_count=job.rejected_count,
            rejected=[RejectedRow(line=r.line, reason=r.reason) for r in job.rejected],
            error=job.error,
            created_at=job.created_at,
            finished_at=job.finished_at,
        )


class ExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: ExportFormat = Field(description="`csv` or `json`, as the synchronous export")


class ExportCreated(BaseModel):
    export_id: str


class ExportStatus(BaseModel):
    export_id: str
    status: TransferStatus
    format: ExportFormat
    rows: int = Field(description="Contacts in the file (once done)")
    download_url: str | None = Field(description="Presigned GET of the file once `done`, else null")
    expires_at: Time | None = Field(description="Until when the download URL works")
    error: str | None = Field(description="Why the export failed (status `failed`), else null")
    created_at: Time


# Deliveries of an import or export message before it goes to the dead-letter queue (the queues'
# maxReceiveCount, infra/constructs/transfers.py): the worker's last try marks its job failed.
DELIVERY_ATTEMPTS = 5


class ImportMessage(BaseModel):
    """Body of an import queue message that continues an import (S3 puts the first, the upload's
    ObjectCreated event, itself)."""

    account_id: str
    import_id: str


class ExportMessage(BaseModel):
    """Body of an export queue message: produce this export."""

    account_id: str
    export_id: str
