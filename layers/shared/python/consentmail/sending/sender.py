"""The sender: one email per contact of a send batch, exactly once per (campaign, contact).

For each contact it reads the contact again (a batch can be minutes old) and skips it unless it is
`confirmed` and neither suppressed for the account (bounce, complaint) nor erased; then it claims
the send marker (a conditional write, before the SES call), builds the recipient's own MIME, sends
through SES at the paced rate, and marks the send `sent` or `failed`. A redelivered batch finds the
markers of what went out and sends only the rest.

SES outcomes:
- throttled (the account's rate or quota): retried with backoff; if it persists, the marker is
  released and, inside a Lambda invocation, the rest of the batch (this contact and those after
  it) is put back on the send queue as a new message and the batch ends normally: a throttled
  stretch, however long, never uses up the message's receives and never sends it to the
  dead-letter queue (nothing counted as failed; the markers keep it exactly once). Called outside
  an invocation (no deadline), the batch fails instead, for its caller to retry;
- refused for this message or this account (MessageRejected, unverified domain, paused or
  suspended account, bad request): marked and counted `failed` — visible in stats, never dropped;
- any other error (SES answered with a 5xx, no connection): SES did not take the message, so the
  marker is released and the batch fails, to be redelivered (and eventually dead-lettered).

Content is compiled once per batch (mail/personalization.py) and rendered per recipient; a
recipient whose email cannot be rendered, or whose rendered email would carry sensitive data, is
counted `failed` with the reason in the log, never silently skipped.

An address being erased gets nothing: right after claiming its marker (a plain conditional put,
one per email) the sender reads the address's erasure tombstone, strongly consistent, and
releases the claim if it lives. Either the erasure, which writes its tombstone before reading the
contact's markers, finds the marker, or the sender finds the tombstone (docs/retention.md). A
sender that dies between the two leaves an unfinished marker of a contact that is gone: the
batch's redelivery, finding the contact gone, releases it. `finish_send` only changes a marker
that still exists.

A contact passed over gets a `skipped` marker, so it too is counted once. When the invocation is
about to time out, the batch stops before the next contact and is redelivered (put back as a new
message instead when SES throttled this batch, since throttling is what made it late). A marker left
`sending` by a sender that died between claim and answer is, once stale, settled as `failed`: the
outcome is unknown, so it is counted but never re-sent (at most once beats a duplicate).

Every failed recipient is counted under its reason too (content expired, email not built, the
outcome unknown, or SES's error code), so the campaign's report says why, with counts and without
names. Counters (`recipients`, `sent`, `failed`, `suppressed`) are added once per batch, including when
the batch stops half way, so what was done is counted exactly once (`recipients` = `sent` +
`failed` once every batch is done)."""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from consentmail.adapters.ses import TAG_ACCOUNT, TAG_CAMPAIGN, TAG_CONTACT, TAG_KIND, TAG_LIST, send_raw
from consentmail.adapters.sqs import SendQueues
from consentmail.core.clock import now
from consentmail.core.errors import EmailRefused, EmailThrottled, InvalidInput, Retryable
from consentmail.core.records import Contact, Content, MailingList
from consentmail.mail.campaign_email import build_campaign_email
from consentmail.mail.personalization import CampaignTemplates, RenderingFailed
from consentmail.sending.models import SendBatch
from consentmail.sending.pacing import RateLimiter, backoff_delays
from consentmail.store.campaigns import CampaignRepository
from consentmail.store.contacts import ContactRepository
from consentmail.store.content import ContentRepository
from consentmail.store.counters import CounterRepository, failure_counter
from consentmail.store.events import EventRepository
from consentmail.store.lists import ListRepository
from consentmail.store.suppression import SuppressionRepository

logger = Logger(child=True)

# Throttling codes and refusals are told apart by the SES adapter (adapters/ses.py).
SEND_ATTEMPTS = 6
# Seconds an email needs at worst (pacing, SES retries with backoff, marker writes).
TIME_RESERVE = 30.0
# A marker still `sending` after this long belongs to a sender that died mid-send; far above the
# function's timeout, so a live sender is never overtaken.
STALE_CLAIM = timedelta(minutes=30)


# Why a recipient is counted `failed` (SES's refusals count under SES's own error code).
CONTENT_EXPIRED = "content_expired"
NOT_BUILT = "email_not_built"
NOT_RENDERED = "template_not_rendered"
SENSITIVE_RENDERED = "sensitive_data_rendered"
OUTCOME_UNKNOWN = "outcome_unknown"


@dataclass
class BatchOutcome:
    recipients: int = 0
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    already_sent: int = 0
    gone: int = 0
    failures: dict[str, int] = field(default_factory=dict)

    def fail(self, reason: str) -> None:
        self.failed += 1
        self.failures[reason] = self.failures.get(reason, 0) + 1

    def counts(self) -> dict[str, int]:
        return {
            "recipients": self.recipients,
            "sent": self.sent,
            "failed": self.failed,
            "suppressed": self.suppressed,
            **{failure_counter(reason): count for reason, count in self.failures.items()},
        }


class Throttled(Retryable):
    """SES kept throttling after every backoff: the batch is redelivered later."""


class OutOfTime(Retryable):
    """The invocation is about to time out: the batch is redelivered and resumes."""


class Sender:
    def __init__(
        self,
        *,
        limiter: RateLimiter,
        send: Callable[..., str] = send_raw,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = now,
        campaigns=None,
        content=None,
        lists=None,
        contacts=None,
        suppression=None,
        events=None,
        counters=None,
        requeue: Callable[[SendBatch], None] | None = None,
    ):
        self.limiter = limiter
        self._requeue = requeue
        self._throttled_last = False
        self._send = send
        self._sleep = sleep
        self._clock = clock
        self.campaigns = campaigns or CampaignRepository()
        self.content = content or ContentRepository()
        self.lists = lists or ListRepository()
        self.contacts = contacts or ContactRepository()
        self.suppression = suppression or SuppressionRepository()
        self.events = events or EventRepository()
        self.counters = counters or CounterRepository()

    def send_batch(
        self, batch: SendBatch, time_left: Callable[[], float] = lambda: float("inf")
    ) -> BatchOutcome:
        outcome = BatchOutcome()
        at = self._clock()
        campaign = self.campaigns.get(batch.campaign_id, at)
        mailing_list = self.lists.get(batch.list_id, at)
        content = self.content.get(batch.campaign_id, at)
        if campaign is None or campaign.account_id != batch.account_id or mailing_list is None:
            # Deleted since the fan-out: nothing to send, nothing left to count on.
            logger.info("send batch for a deleted campaign or list", extra={"campaign_id": batch.campaign_id})
            return outcome
        contacts = [self.contacts.get(batch.list_id, contact_id, at) for contact_id in batch.contact_ids]
        present = [c for c in contacts if c is not None]
        blocked = self.suppression.of_many([c.email_hash for c in present], batch.account_id, at)
        throttled = self._throttled_last = False
        index = 0  # where the rest of the batch starts, if it has to be put back
        # Compiled once per batch, rendered per recipient; content that cannot even compile fails
        # each recipient visibly (counted `failed`) rather than the whole batch over and over.
        templates: CampaignTemplates | RenderingFailed | None = None
        if content is not None:
            try:
                templates = CampaignTemplates(content)
            except RenderingFailed as failed:
                templates = failed
        try:
            for position, contact in enumerate(contacts):
                index = position
                left = time_left()
                if left < TIME_RESERVE:
                    # Stop cleanly before Lambda's timeout: what was sent is counted below and the
                    # redelivered message sends only the rest.
                    raise OutOfTime(f"{left:.1f}s left")
                if contact is None:
                    # Deleted or erased since the fan-out: nothing to send and nothing to keep,
                    # not even a claim an earlier delivery of this batch left unfinished.
                    self._release_unfinished(batch, batch.contact_ids[position])
                    outcome.gone += 1
                elif not contact.sendable or contact.email_hash in blocked:
                    self._skip(batch, contact, outcome)
                else:
                    try:
                        self._send_one(batch, mailing_list, content, templates, contact, outcome)
                    except Throttled:
                        throttled = True
                        raise
                    throttled = throttled or self._throttled_last
        except (Throttled, OutOfTime) as stop:
            if not throttled or not math.isfinite(time_left()):
                raise
            # The rest goes back as a new message: a fresh receive count, so a throttled stretch
            # never dead-letters the batch; if the queue refuses it, the batch fails as before.
            self._put_back(batch, batch.contact_ids[index:], stop)
        finally:
            self.counters.add(batch.campaign_id, outcome.counts(), at=at)
            logger.info(
                "send batch done",
                extra={
                    "campaign_id": batch.campaign_id,
                    **outcome.counts(),
                    "already_sent": outcome.already_sent,
                },
            )
        return outcome

    def _send_one(
        self,
        batch: SendBatch,
        mailing_list: MailingList,
        content: Content | None,
        templates: "CampaignTemplates | RenderingFailed | None",
        contact: Contact,
        outcome: BatchOutcome,
    ) -> None:
        at = self._clock()
        claimed = self.events.claim_send(
            contact_id=contact.contact_id,
            campaign_id=batch.campaign_id,
            account_id=batch.account_id,
            list_id=batch.list_id,
            tracked=contact.tracking_consent,
            at=at,
        )
        if claimed and self._being_erased(batch, contact, "sending"):
            outcome.gone += 1
            return
        if not claimed:
            if self.events.settle_stale_send(contact.contact_id, batch.campaign_id, at - STALE_CLAIM):
                # Claimed by a sender that died before knowing SES's answer: counted failed, not re-sent.
                outcome.recipients += 1
                outcome.fail(OUTCOME_UNKNOWN)
                logger.warning(
                    "stale send marker settled as failed",
                    extra={"campaign_id": batch.campaign_id, "contact_id": contact.contact_id},
                )
            else:
                outcome.already_sent += 1
            return
        outcome.recipients += 1
        if content is None:
            # The content expired before this batch ran (6 days after send start): a visible failure.
            self._failed(batch, contact, outcome, CONTENT_EXPIRED)
            return
        try:
            if isinstance(templates, RenderingFailed):
                raise templates
            raw = build_campaign_email(
                content=content,
                mailing_list=mailing_list,
                contact=contact,
                campaign_id=batch.campaign_id,
                at=at,
                templates=templates,
            )
        except RenderingFailed as failed:
            logger.warning(
                "campaign email not rendered", extra={"campaign_id": batch.campaign_id, "why": str(failed)}
            )
            self._failed(batch, contact, outcome, NOT_RENDERED)
            return
        except InvalidInput:
            # The contact's own values made the rendered email carry sensitive data: not sent.
            self._failed(batch, contact, outcome, SENSITIVE_RENDERED)
            return
        except Exception:
            # Whatever else stops one recipient's email from being built (a header it cannot
            # hold) fails that recipient visibly, never the batch in a loop nor the recipient in
            # silence.
            logger.exception("campaign email not built", extra={"campaign_id": batch.campaign_id})
            self._failed(batch, contact, outcome, NOT_BUILT)
            return
        tags = {
            TAG_KIND: "campaign",
            TAG_ACCOUNT: batch.account_id,
            TAG_CAMPAIGN: batch.campaign_id,
            TAG_CONTACT: contact.contact_id,
            TAG_LIST: batch.list_id,
        }
        try:
            message_id = self._send_paced(raw, mailing_list.from_email, contact.email, tags)
        except EmailRefused as refused:
            self._failed(batch, contact, outcome, refused.code)
            return
        except BaseException:
            self._release(batch, contact, outcome)
            raise
        self.events.finish_send(contact.contact_id, batch.campaign_id, "sent", message_id)
        outcome.sent += 1

    def _send_paced(self, raw: bytes, from_email: str, to: str, tags: dict[str, str]) -> str:
        delays = backoff_delays(SEND_ATTEMPTS)
        self._throttled_last = False
        for attempt in range(SEND_ATTEMPTS):
            self.limiter.acquire()
            try:
                return self._send(raw, from_email=from_email, to=to, tags=tags)
            except EmailThrottled as throttled:
                self._throttled_last = True
                if attempt == len(delays):
                    raise Throttled(throttled.code) from throttled
                logger.warning(
                    "SES throttled, backing off", extra={"code": throttled.code, "attempt": attempt + 1}
                )
                self._sleep(delays[attempt])
        raise AssertionError("unreachable")

    def _put_back(self, batch: SendBatch, contact_ids: list[str], stop: Exception) -> None:
        rest = batch.model_copy(update={"contact_ids": contact_ids})
        try:
            if self._requeue is None:
                queues = SendQueues()
                self._requeue = lambda batch: queues.enqueue_batches([batch])
            self._requeue(rest)
        except Exception as error:
            raise stop from error
        logger.warning(
            "SES throttled: the rest of the batch is back on the send queue",
            extra={"campaign_id": batch.campaign_id, "contacts": len(contact_ids), "reason": str(stop)},
        )

    def _skip(self, batch: SendBatch, contact: Contact, outcome: BatchOutcome) -> None:
        """Not sendable (pending, unsubscribed, bounced, complained, suppressed, erased): never
        sent; a `skipped` marker makes it counted once however often the batch is delivered."""
        skipped = self.events.claim_send(
            contact_id=contact.contact_id,
            campaign_id=batch.campaign_id,
            account_id=batch.account_id,
            list_id=batch.list_id,
            tracked=False,
            at=self._clock(),
            status="skipped",
        )
        if skipped and self._being_erased(batch, contact, "skipped"):
            outcome.gone += 1
        elif skipped:
            outcome.suppressed += 1

    def _being_erased(self, batch: SendBatch, contact: Contact, status: str) -> bool:
        """After a claim: whether the address is being erased, in which case the claim is
        released (the erasure may have read the contact's markers before it was made)."""
        if not self.suppression.being_erased(contact.email_hash, self._clock()):
            return False
        self.events.release_send(contact.contact_id, batch.campaign_id, status)
        return True

    def _release_unfinished(self, batch: SendBatch, contact_id: str) -> None:
        """A contact that is gone: a claim of it still `sending` or `skipped` was left by a sender
        that died right after claiming, and goes (a finished marker was the erasure's to find)."""
        for status in ("sending", "skipped"):
            if self.events.release_send(contact_id, batch.campaign_id, status):
                return

    def _failed(self, batch: SendBatch, contact: Contact, outcome: BatchOutcome, reason: str) -> None:
        self.events.finish_send(contact.contact_id, batch.campaign_id, "failed")
        outcome.fail(reason)
        logger.error(
            "campaign email not sent",
            extra={"campaign_id": batch.campaign_id, "contact_id": contact.contact_id, "reason": reason},
        )

    def _release(self, batch: SendBatch, contact: Contact, outcome: BatchOutcome) -> None:
        self.events.release_send(contact.contact_id, batch.campaign_id)
        outcome.recipients -= 1
