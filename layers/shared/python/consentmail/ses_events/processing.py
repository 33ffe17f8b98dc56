"""What each SES event does: event items, campaign counters, suppression.

- Our message tags (cm_kind, cm_account, cm_campaign, cm_list, cm_contact) map an event back to
  its account, campaign and contact without a lookup. Identity notifications carry no tags: their
  address is matched to the contacts holding it in lists whose sender is the message's source.
- Idempotent: every counter moves only when the send marker's first-outcome time for that
  contact is set (a condition on one item), so the same SNS delivery twice, or events in any
  order, count once. Suppression writes are idempotent by nature.
- A permanent bounce or a complaint suppresses the address for the account (every list of the
  account holding it gets status bounced/complained, plus the account's suppression entry).
  Transient and undetermined bounces are counted per contact and suppress at SOFT_BOUNCE_LIMIT
  (each campaign counts at most once). `OnAccountSuppressionList` (SES's own list refused the
  send) counts as `suppressed`, not as a new bounce or complaint, and keeps the address out.
- Opt-in emails (cm_kind=optin) can bounce and draw complaints too: suppression, no counters.
- `bounced` counts permanent bounces only (what SES's reputation bounce rate counts); Send adds
  nothing (the sender counts `sent` itself); Reject and Rendering Failure count `failed`;
  DeliveryDelay is kept as an event only.
- An event about an erased address is dropped, and acknowledged: arriving late (SES reports
  bounces and complaints hours or days after the send, a dead-lettered event may be replayed
  later still), it finds the `ERASED` suppression, which already stops every send; racing the
  erasure, its writes are refused by the erasure's tombstone (AddressErased) and it stops there.
  Either way nothing about the address is stored again (docs/retention.md).
- Deliveries, bounces and complaints counted also land in the campaign's timeline, in the hour
  (or, for an email over 72 hours old, the day) they happened: one write per bucket a batch.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from consentmail.adapters.ses import TAG_ACCOUNT, TAG_CAMPAIGN, TAG_CONTACT, TAG_KIND, TAG_LIST
from consentmail.core.addresses import email_hash, normalize
from consentmail.core.clock import parse_iso
from consentmail.core.errors import AddressErased, InvalidInput, NotFound
from consentmail.core.records import Contact, ContactStatus
from consentmail.ses_events.models import EventKind, SesEvent
from consentmail.store.contacts import ContactRepository, contact_id_for
from consentmail.store.counters import CounterRepository, bucket_of
from consentmail.store.events import EventRepository
from consentmail.store.lists import ListRepository
from consentmail.store.suppression import Reason, SuppressionRepository

logger = Logger(child=True)

SOFT_BOUNCE_LIMIT = 3
SUPPRESSION_LIST = "OnAccountSuppressionList"
OPTIN = "optin"
# The campaign id under which an opt-in email's events are kept in the contact's history.
OPTIN_EVENTS = "optin"


@dataclass
class Outcome:
    """What processing one event changed (tests and logs read it)."""

    counted: dict[str, int] = field(default_factory=dict)
    # Timeline counts by (campaign, moment of the event, send time of its email when at hand).
    timeline: dict[tuple[str, datetime, datetime | None], dict[str, int]] = field(default_factory=dict)
    suppressed: list[str] = field(default_factory=list)  # contact ids whose status changed
    recorded: int = 0

    def count(self, name: str, value: int = 1) -> None:
        if value:
            self.counted[name] = self.counted.get(name, 0) + value

    def on_timeline(self, campaign_id: str, name: str, at: datetime, sent_at: datetime | None = None) -> None:
        counts = self.timeline.setdefault((campaign_id, at, sent_at), {})
        counts[name] = counts.get(name, 0) + 1


@dataclass(frozen=True)
class Target:
    """One recipient of the event, mapped back to our records."""

    address_hash: str
    account_ids: tuple[str, ...]
    campaign_id: str
    contact_id: str


def _hash_of(address: str) -> str:
    try:
        return email_hash(normalize(address))
    except InvalidInput:
        return email_hash(address.strip())


def _address(value: str) -> str:
    value = value.strip()
    if "<" in value and value.endswith(">"):
        return value[value.rindex("<") + 1 : -1].strip()
    return value


class SesEventProcessor:
    def __init__(self, contacts=None, lists=None, events=None, counters=None, suppression=None):
        self.contacts = contacts or ContactRepository()
        self.lists = lists or ListRepository()
        self.events = events or EventRepository()
        self.counters = counters or CounterRepository()
        self.suppression = suppression or SuppressionRepository()

    # -- mapping ---------------------------------------------------------------------------
    def _targets(self, event: SesEvent, at: datetime) -> list[Target]:
        mail = event.mail
        account, campaign, list_id = mail.tag(TAG_ACCOUNT), mail.tag(TAG_CAMPAIGN), mail.tag(TAG_LIST)
        kind = mail.tag(TAG_KIND)
        recipients = [_address(r) for r in event.recipients() if r.strip()]
        targets: list[Target] = []
        for address in recipients:
            hashed = _hash_of(address)
            if account:
                if len(recipients) == 1 and mail.tag(TAG_CONTACT):
                    contact_id = mail.tag(TAG_CONTACT)
                else:
                    contact_id = contact_id_for(list_id, hashed) if list_id else ""
                campaign_id = campaign if kind != OPTIN else ""
                targets.append(Target(hashed, (account,), campaign_id, contact_id))
            elif not kind:
                targets.append(Target(hashed, self._accounts_by_sender(hashed, mail.source, at), "", ""))
            # else: our own system emails (subject requests, notifications) belong to no account.
        return targets

    def _accounts_by_sender(self, hashed: str, source: str, at: datetime) -> tuple[str, ...]:
        """Untagged identity notifications: the accounts with a list that holds this address and
        sends from the message's source address."""
        sender = _address(source).lower()
        accounts: dict[str, None] = {}
        for contact in self.contacts.with_email_hash(hashed, at):
            mailing_list = self.lists.get(contact.list_id, at)
            if mailing_list is not None and mailing_list.from_email.lower() == sender:
                accounts.setdefault(contact.account_id, None)
        return tuple(accounts)

    # -- processing ------------------------------------------------------------------------
    def process(self, event: SesEvent, at: datetime) -> Outcome:
        """One event, its counters written at once (the webhook: one SNS message a request)."""
        outcome = self.apply(event, at, Outcome())
        self.flush(outcome, at)
        return outcome

    def apply(self, event: SesEvent, at: datetime, outcome: Outcome) -> Outcome:
        """Everything an event does except the counter writes, which it adds to `outcome`: a
        batch of events shares one outcome and writes its counters once per campaign (`flush`)."""
        try:
            happened = parse_iso(event.occurred_at()) if event.occurred_at() else at
        except ValueError:
            happened = at
        handlers = {
            EventKind.SEND: self._send,
            EventKind.DELIVERY: self._delivery,
            EventKind.BOUNCE: self._bounce,
            EventKind.COMPLAINT: self._complaint,
            EventKind.REJECT: self._failure,
            EventKind.RENDERING_FAILURE: self._failure,
            EventKind.DELIVERY_DELAY: self._delay,
        }
        handle = handlers.get(event.kind)
        if handle is None:
            logger.info("SES event ignored", extra={"event_kind": event.kind})
            return outcome
        for target in self._targets(event, at):
            if event.kind != EventKind.DELIVERY and self.suppression.is_erased(target.address_hash, at):
                # A delivery only marks its send marker, which an erasure took away; every other
                # event would store something about the address.
                logger.info("SES event of an erased address dropped", extra={"event_kind": event.kind})
                continue
            try:
                handle(event, target, happened, outcome)
            except AddressErased:
                logger.info("SES event of an address being erased dropped", extra={"event_kind": event.kind})
        return outcome

    def flush(self, outcome: Outcome, at: datetime) -> None:
        """The batch's counters, one write per campaign; `at` (when the batch is processed, just
        after its events) starts the counters' 13 months."""
        for campaign_id, counts in self._counts_by_campaign(outcome).items():
            self.counters.add(campaign_id, counts, at=at)
        # One write per bucket: a batch's events of the same hour (or day) share it, and the
        # bucket lives 13 months after the latest of them.
        buckets: dict[tuple[str, str, datetime], tuple[datetime, datetime | None, dict[str, int]]] = {}
        for (campaign_id, happened, sent_at), counts in outcome.timeline.items():
            granularity, start = bucket_of(happened, sent_at)
            latest, _, total = buckets.get((campaign_id, granularity, start), (happened, sent_at, {}))
            for name, value in counts.items():
                total[name] = total.get(name, 0) + value
            buckets[(campaign_id, granularity, start)] = (max(latest, happened), sent_at, total)
        for (campaign_id, _, _), (latest, sent_at, counts) in buckets.items():
            self.counters.add_to_timeline(campaign_id, counts, latest, sent_at)

    def _counts_by_campaign(self, outcome: Outcome) -> dict[str, dict[str, int]]:
        grouped: dict[str, dict[str, int]] = {}
        for key, value in outcome.counted.items():
            campaign_id, _, name = key.rpartition(":")
            grouped.setdefault(campaign_id, {})[name] = value
        return grouped

    def _first(self, target: Target, name: str, at: datetime) -> bool:
        if not target.campaign_id or not target.contact_id:
            return False
        return self.events.first_outcome(target.contact_id, target.campaign_id, name, at)

    def _record(self, target: Target, kind: str, at: datetime, detail: dict, outcome: Outcome) -> None:
        if not target.contact_id or not target.account_ids:
            return
        self.events.record_unless_erased(
            email_hash=target.address_hash,
            contact_id=target.contact_id,
            campaign_id=target.campaign_id or OPTIN_EVENTS,
            account_id=target.account_ids[0],
            kind=kind,
            at=at,
            detail=detail,
        )
        outcome.recorded += 1

    def _send(self, event: SesEvent, target: Target, at: datetime, outcome: Outcome) -> None:
        """Nothing to write: the send marker, written before the SES call, already holds the send
        (time, message id). Writing an item here would also be the one event write that no
        marker guards, recreating an item for a contact erased since."""

    def _delivery(self, event: SesEvent, target: Target, at: datetime, outcome: Outcome) -> None:
        if not self._first(target, "delivered", at):
            return
        outcome.count(f"{target.campaign_id}:delivered")
        send = self.events.get_send(target.contact_id, target.campaign_id, at) or {}
        sent_at = parse_iso(send["at"]) if send.get("at") else None
        outcome.on_timeline(target.campaign_id, "delivered", at, sent_at)
        if send.get("tracked"):
            outcome.count(f"{target.campaign_id}:tracked")
        # No event item: the send marker's delivered_at is the record of the delivery (one write
        # per email instead of three, with the expiry index's).

    def _bounce(self, event: SesEvent, target: Target, at: datetime, outcome: Outcome) -> None:
        bounce = event.bounce
        if bounce is None:
            return
        detail = {"type": bounce.bounce_type, "subtype": bounce.bounce_sub_type}
        if bounce.bounce_sub_type == SUPPRESSION_LIST:
            if self._first(target, "suppressed", at):
                outcome.count(f"{target.campaign_id}:suppressed")
                self._record(target, "bounce", at, detail, outcome)
            self._suppress(target, Reason.BOUNCE, ContactStatus.BOUNCED, at, outcome)
            return
        if bounce.bounce_type == "Permanent":
            if self._first(target, "bounced", at):
                outcome.count(f"{target.campaign_id}:bounced")
                outcome.on_timeline(target.campaign_id, "bounced", at)
                self._record(target, "bounce", at, detail, outcome)
            elif not target.campaign_id:
                self._record(target, "bounce", at, detail, outcome)
            self._suppress(target, Reason.BOUNCE, ContactStatus.BOUNCED, at, outcome)
            return
        # Transient or undetermined: the mailbox may come back; suppress only when it keeps failing.
        if not self._first(target, "soft_bounced", at):
            return
        self._record(target, "bounce", at, detail, outcome)
        if self.events.add_soft_bounce(target.contact_id, target.address_hash, at) >= SOFT_BOUNCE_LIMIT:
            self._suppress(target, Reason.BOUNCE, ContactStatus.BOUNCED, at, outcome)

    def _complaint(self, event: SesEvent, target: Target, at: datetime, outcome: Outcome) -> None:
        complaint = event.complaint
        if complaint is None:
            return
        detail = {"feedback_type": complaint.complaint_feedback_type or ""}
        if complaint.complaint_sub_type == SUPPRESSION_LIST:
            if self._first(target, "suppressed", at):
                outcome.count(f"{target.campaign_id}:suppressed")
                self._record(target, "complaint", at, {**detail, "subtype": SUPPRESSION_LIST}, outcome)
        else:
            if self._first(target, "complained", at):
                outcome.count(f"{target.campaign_id}:complained")
                outcome.on_timeline(target.campaign_id, "complained", at)
                self._record(target, "complaint", at, detail, outcome)
            elif not target.campaign_id:
                self._record(target, "complaint", at, detail, outcome)
        self._suppress(target, Reason.COMPLAINT, ContactStatus.COMPLAINED, at, outcome)

    def _failure(self, event: SesEvent, target: Target, at: datetime, outcome: Outcome) -> None:
        if self._first(target, "failed", at):
            outcome.count(f"{target.campaign_id}:failed")
            reason = (
                event.reject.reason
                if event.reject
                else (event.failure.error_message if event.failure else "")
            )
            self._record(target, event.kind.lower().replace(" ", "_"), at, {"reason": reason[:200]}, outcome)

    def _delay(self, event: SesEvent, target: Target, at: datetime, outcome: Outcome) -> None:
        delay = event.delivery_delay
        detail = {"delay_type": delay.delay_type if delay else ""}
        self._record(target, "delivery_delay", at, detail, outcome)

    # -- suppression -----------------------------------------------------------------------
    def _suppress(
        self, target: Target, reason: Reason, status: ContactStatus, at: datetime, outcome: Outcome
    ) -> None:
        """The address stops receiving anything from these accounts, in every one of their lists."""
        if not target.account_ids:
            return
        for account_id in target.account_ids:
            self.suppression.suppress_for_account(target.address_hash, account_id, reason, at)
        holders: list[Contact] = [
            contact
            for contact in self.contacts.with_email_hash(target.address_hash, at)
            if contact.account_id in target.account_ids
        ]
        for contact in holders:
            if contact.status in (ContactStatus.BOUNCED, ContactStatus.COMPLAINED):
                continue
            contact.status = status
            try:
                self.contacts.replace(contact)
            except NotFound:
                continue  # deleted or erased since it was read: never brought back
            outcome.suppressed.append(contact.contact_id)
        logger.info(
            "address suppressed",
            extra={"reason": reason.value, "accounts": len(target.account_ids), "contacts": len(holders)},
        )


def parse_message(message: str | dict) -> SesEvent | None:
    """An SNS message's SES event, or None (logged) for anything that is not one: a poison
    message must not be retried forever."""
    try:
        data = json.loads(message) if isinstance(message, str) else message
        return SesEvent.model_validate(data)
    except (ValueError, TypeError, ValidationError) as error:
        logger.warning("not an SES event", extra={"error": type(error).__name__})
        return None
