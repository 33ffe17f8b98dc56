"""The fan-out: pages through a sending campaign's list and puts its sendable contacts on the
send queue, 50 per message. It records its progress (the list's page key) on the campaign, so a
redelivered or continued fan-out resumes where it stopped; when time runs short it hands the rest
to a continuation message instead of being cut off. When every contact is enqueued, the campaign
is `sent`.

A message from a campaign's one-time schedule (it names `scheduled_at`) first starts the send,
with the same conditional status move as `POST /send` (scheduled -> sending, guarded by the
scheduled time): a schedule that fires twice starts it once.

A fan-out's first page also keeps the campaign's link order for its link statistics
(store/counters.py): the content that holds the links is gone 6 days after the send starts, the
statistics stay 13 months after the events they count. Both ways a send starts come here.

Only the status is filtered here (fewer messages); the sender reads every contact again, because
an address can be unsubscribed, suppressed or erased between fan-out and send."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger

from consentmail.adapters.sqs import SendQueues
from consentmail.core.clock import parse_iso
from consentmail.core.records import AccountStatus, CampaignRecord, CampaignStatus
from consentmail.mail.campaign_email import campaign_links
from consentmail.sending.models import BATCH_SIZE, FanOutMessage, SendBatch
from consentmail.store.accounts import AccountRepository
from consentmail.store.campaigns import CampaignRepository
from consentmail.store.contacts import ContactRepository
from consentmail.store.content import ContentRepository
from consentmail.store.counters import CounterRepository
from consentmail.store.lists import ListRepository

logger = Logger(child=True)

PAGE_SIZE = 500  # a multiple of BATCH_SIZE: every page makes full batches but its last
# Seconds a page needs (query, 10 SendMessageBatch calls, cursor write) with a wide margin.
TIME_RESERVE = 20.0


@dataclass
class FanOutResult:
    contacts: int = 0
    batches: int = 0
    finished: bool = False


class FanOut:
    def __init__(
        self,
        campaigns=None,
        contacts=None,
        queues=None,
        page_size: int = PAGE_SIZE,
        lists=None,
        content=None,
        accounts=None,
        counters=None,
    ):
        self.campaigns = campaigns or CampaignRepository()
        self.contacts = contacts or ContactRepository()
        self.lists = lists or ListRepository()
        self.content = content or ContentRepository()
        self.accounts = accounts or AccountRepository()
        self.counters = counters or CounterRepository()
        self.queues = queues or SendQueues()
        self.page_size = page_size

    def _start_scheduled(self, campaign: CampaignRecord, when: datetime, at: datetime) -> bool:
        """A schedule fired: start the send as `POST /send` would, once. True when this fan-out
        should go on (it started the send, or it is a redelivery of the message that did)."""
        extra = {"campaign_id": campaign.campaign_id}
        if campaign.scheduled_at != when:
            # Unscheduled, sent already, or scheduled again for another time since.
            logger.info("schedule fired for a campaign no longer scheduled for it", extra=extra)
            return False
        if campaign.status == CampaignStatus.SENDING:
            # The same schedule again (at-least-once delivery): each contact is still sent once,
            # by its send marker; going on resumes a fan-out that stopped half way.
            return True
        if campaign.status != CampaignStatus.SCHEDULED:
            return False
        profile = self.accounts.get_profile(campaign.account_id, at)
        if profile is None or profile.status != AccountStatus.ACTIVE:
            # Closed after scheduling: a closed account sends nothing (its data awaits the purge).
            self.campaigns.unschedule(campaign.campaign_id, at)
            logger.info("scheduled send dropped: the account is closed", extra=extra)
            return False
        if self.lists.get(campaign.list_id, at) is None or not self.content.extend(campaign.campaign_id, at):
            # Nothing to send: back to draft, where its owner sees it unsent.
            self.campaigns.unschedule(campaign.campaign_id, at)
            logger.warning("scheduled send dropped: the list or the content is gone", extra=extra)
            return False
        started = self.campaigns.start_scheduled(campaign.campaign_id, when, at)
        if started:
            logger.info("scheduled send started", extra=extra)
        return started

    def _keep_link_order(self, campaign: CampaignRecord, at: datetime) -> None:
        """The campaign's links in order, as written (a redelivered first page writes the same)."""
        content = self.content.get(campaign.campaign_id, at)
        if content is not None:
            links = campaign_links(content.html)
            self.counters.save_link_order(campaign.campaign_id, links, campaign.sent_at or at)

    def run(
        self, message: FanOutMessage, at: datetime, time_left: Callable[[], float] = lambda: float("inf")
    ) -> FanOutResult:
        result = FanOutResult()
        campaign = self.campaigns.get(message.campaign_id, at)
        if campaign is None or campaign.account_id != message.account_id:
            logger.info(
                "fan-out for a campaign that no longer exists", extra={"campaign_id": message.campaign_id}
            )
            return result
        if message.scheduled_at is not None:
            if not self._start_scheduled(campaign, parse_iso(message.scheduled_at), at):
                return result
            campaign = self.campaigns.get(message.campaign_id, at) or campaign
        if campaign.status != CampaignStatus.SENDING:
            # Already fanned out (a duplicate message) or never started: nothing to do.
            return result
        cursor = campaign.fanout_cursor
        if cursor is None:
            self._keep_link_order(campaign, at)
        while True:
            contacts, next_cursor = self.contacts.page(campaign.list_id, at, cursor, limit=self.page_size)
            ids = [contact.contact_id for contact in contacts if contact.sendable]
            batches = [
                SendBatch(
                    campaign_id=campaign.campaign_id,
                    account_id=campaign.account_id,
                    list_id=campaign.list_id,
                    contact_ids=ids[start : start + BATCH_SIZE],
                )
                for start in range(0, len(ids), BATCH_SIZE)
            ]
            self.queues.enqueue_batches(batches)
            result.contacts += len(ids)
            result.batches += len(batches)
            if not next_cursor:
                break
            if not self.campaigns.save_cursor(campaign.campaign_id, next_cursor):
                logger.info(
                    "campaign deleted during its fan-out", extra={"campaign_id": campaign.campaign_id}
                )
                return result
            cursor = next_cursor
            if time_left() < TIME_RESERVE:
                self.queues.enqueue_fanout(message)
                logger.info("fan-out continues in a new message", extra={"campaign_id": campaign.campaign_id})
                return result
        self.campaigns.finish_fanout(campaign.campaign_id, at)
        result.finished = True
        logger.info(
            "fan-out finished",
            extra={
                "campaign_id": campaign.campaign_id,
                "contacts": result.contacts,
                "batches": result.batches,
            },
        )
        return result
