"""Campaign rules: CRUD scoped to the owning account (another account's campaign is as absent as
none), content through the sensitive-data guard and with its 6-day expiry restarted by every edit,
changes only while a draft, and a send that starts exactly once.

A repeated `send` answers with the campaign's current status (202, `sending` or `sent`) and sends
nothing again: the draft -> sending transition is one conditional write, and only its winner
enqueues the fan-out."""

import uuid
from datetime import datetime

from aws_lambda_powertools import Logger

from consentmail.adapters.sqs import SendQueues
from consentmail.campaigns.models import CampaignCreate, CampaignPatch, CampaignView
from consentmail.campaigns.stats import CampaignStats, campaign_stats
from consentmail.core.errors import Conflict, FieldError, InvalidInput, NotFound
from consentmail.core.records import CampaignRecord, CampaignStatus, Content
from consentmail.core.sensitive_data import check_content
from consentmail.sending.models import FanOutMessage
from consentmail.store.campaigns import CampaignRepository
from consentmail.store.content import ContentRepository
from consentmail.store.counters import CounterRepository
from consentmail.store.lists import ListRepository

logger = Logger(child=True)


class CampaignService:
    def __init__(self, campaigns=None, content=None, lists=None, queues=None, counters=None):
        self.campaigns = campaigns or CampaignRepository()
        self.content = content or ContentRepository()
        self.lists = lists or ListRepository()
        self.counters = counters or CounterRepository()
        self._queues = queues

    @property
    def queues(self) -> SendQueues:
        if self._queues is None:
            self._queues = SendQueues()
        return self._queues

    def _own_list(self, account_id: str, list_id: str, at: datetime) -> None:
        if self.lists.get_for_account(account_id, list_id, at) is None:
            raise InvalidInput("There is no list with this id.", [FieldError("list_id", "no such list")])

    def _campaign(self, account_id: str, campaign_id: str, at: datetime) -> CampaignRecord:
        record = self.campaigns.get_for_account(account_id, campaign_id, at)
        if record is None:
            raise NotFound("There is no campaign with this id.")
        return record

    def create(self, account_id: str, request: CampaignCreate, at: datetime) -> CampaignView:
        self._own_list(account_id, request.list_id, at)
        check_content({"subject": request.subject, "html": request.html, "text": request.text or ""})
        record = CampaignRecord(
            campaign_id=uuid.uuid4().hex,
            account_id=account_id,
            list_id=request.list_id,
            created_at=at,
            updated_at=at,
        )
        content = Content(subject=request.subject, html=request.html, text=request.text)
        # Content first: a campaign item never points at content that was not written.
        self.content.put(record.campaign_id, content, at)
        self.campaigns.create(record)
        return CampaignView.of(record, content)

    def get(self, account_id: str, campaign_id: str, at: datetime) -> CampaignView:
        record = self._campaign(account_id, campaign_id, at)
        return CampaignView.of(record, self.content.get(campaign_id, at))

    def stats(self, account_id: str, campaign_id: str, at: datetime) -> CampaignStats:
        """The campaign's statistics; another account's campaign is as absent as none (404)."""
        return campaign_stats(self._campaign(account_id, campaign_id, at), at, self.counters)

    def of_account(self, account_id: str, at: datetime) -> list[CampaignView]:
        return [
            CampaignView.of(record, self.content.get(record.campaign_id, at))
            for record in self.campaigns.of_account(account_id, at)
        ]

    def update(self, account_id: str, campaign_id: str, patch: CampaignPatch, at: datetime) -> CampaignView:
        record = self._campaign(account_id, campaign_id, at)
        if record.status != CampaignStatus.DRAFT:
            raise Conflict("Only a draft campaign can be changed: this one has been sent.")
        changes = patch.model_dump(exclude_unset=True)
        if changes.get("list_id") is not None:
            self._own_list(account_id, changes["list_id"], at)
            record.list_id = changes["list_id"]
        content = self.content.get(campaign_id, at)
        touches_content = any(name in changes for name in ("subject", "html", "text"))
        if touches_content:
            subject = changes.get("subject") or (content.subject if content else None)
            html = changes.get("html") or (content.html if content else None)
            text = changes.get("text", content.text if content else None)
            if not subject or not html:
                # Expired content is gone: an edit must bring the whole message again.
                missing = [
                    FieldError(name, "required: the earlier content has expired")
                    for name, value in (("subject", subject), ("html", html))
                    if not value
                ]
                raise InvalidInput("The campaign's content has expired; send subject and html.", missing)
            check_content({"subject": subject, "html": html, "text": text or ""})
            content = Content(subject=subject, html=html, text=text)
            self.content.put(campaign_id, content, at)
        record.updated_at = at
        self.campaigns.save_draft(record)
        return CampaignView.of(record, content)

    def delete(self, account_id: str, campaign_id: str, at: datetime) -> None:
        self._campaign(account_id, campaign_id, at)
        self.content.delete(campaign_id)
        self.campaigns.delete(campaign_id)

    def start_send(self, account_id: str, campaign_id: str, at: datetime) -> CampaignStatus:
        """Start the send once; every later call answers the current status and does nothing."""
        record = self._campaign(account_id, campaign_id, at)
        if record.status != CampaignStatus.DRAFT:
            return record.status
        if self.lists.get_for_account(account_id, record.list_id, at) is None:
            raise Conflict("The campaign's list no longer exists.")
        # Send start restarts the content's 6 days; expired content is never revived.
        if not self.content.extend(campaign_id, at):
            raise Conflict("The campaign's content has expired: edit it before sending.")
        if not self.campaigns.start_sending(campaign_id, at):
            current = self.campaigns.get(campaign_id, at)
            return current.status if current else CampaignStatus.SENDING
        try:
            self.queues.enqueue_fanout(FanOutMessage(campaign_id=campaign_id, account_id=account_id))
        except Exception:
            # Nothing was handed over: back to draft so the next call can start it again.
            self.campaigns.undo_start(campaign_id, at)
            raise
        logger.info("campaign send started", extra={"campaign_id": campaign_id})
        return CampaignStatus.SENDING
