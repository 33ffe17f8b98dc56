"""What the campaign routes take and return: the campaign, its preview, a test send, a schedule."""

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from consentmail.core.addresses import document_email
from consentmail.core.clock import iso
from consentmail.core.header_text import HeaderText
from consentmail.core.records import CampaignRecord, CampaignStatus, Content

# Content lives in one DynamoDB item (at most 400 KB), so HTML and text are bounded well below it.
MAX_HTML = 300_000
MAX_TEXT = 80_000
MAX_SUBJECT = 500


class CampaignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    list_id: str = Field(min_length=1, max_length=100)
    subject: HeaderText = Field(min_length=1, max_length=MAX_SUBJECT)
    html: str = Field(min_length=1, max_length=MAX_HTML)
    text: str | None = Field(default=None, max_length=MAX_TEXT)


class CampaignPatch(BaseModel):
    """Any subset of the fields; content fields replace the stored ones."""

    model_config = ConfigDict(extra="forbid")

    list_id: str | None = Field(default=None, min_length=1, max_length=100)
    subject: HeaderText | None = Field(default=None, min_length=1, max_length=MAX_SUBJECT)
    html: str | None = Field(default=None, min_length=1, max_length=MAX_HTML)
    text: str | None = Field(default=None, max_length=MAX_TEXT)


class CampaignView(BaseModel):
    """The contract's campaign representation."""

    campaign_id: str
    list_id: str
    subject: str | None
    html: str | None
    text: str | None
    status: CampaignStatus
    content_expired: bool
    created_at: str
    scheduled_at: str | None
    sent_at: str | None

    @classmethod
    def of(cls, record: CampaignRecord, content: Content | None) -> "CampaignView":
        return cls(
            campaign_id=record.campaign_id,
            list_id=record.list_id,
            subject=content.subject if content else None,
            html=content.html if content else None,
            text=content.text if content else None,
            status=record.status,
            content_expired=content is None,
            created_at=iso(record.created_at),
            scheduled_at=iso(record.scheduled_at) if record.scheduled_at else None,
            sent_at=iso(record.sent_at) if record.sent_at else None,
        )


# A test goes to the account holder's own addresses: a handful is plenty.
MAX_TEST_RECIPIENTS = 5


class TestSendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: list[Annotated[str, Field(min_length=1, max_length=320, json_schema_extra=document_email)]] = Field(
        min_length=1, max_length=MAX_TEST_RECIPIENTS
    )


class TestSendAccepted(BaseModel):
    status: str = "sent"
    to: list[str]


class ScheduleRequest(BaseModel):
    """`at`: ISO 8601 with an offset (a time without one is ambiguous, and refused)."""

    model_config = ConfigDict(extra="forbid")

    at: AwareDatetime


class ScheduleAccepted(BaseModel):
    status: CampaignStatus
    scheduled_at: str


class PreviewView(BaseModel):
    """The email one contact would get: subject, HTML part and text part, footer and tracking
    included as that contact gets them."""

    subject: str
    html: str
    text: str
