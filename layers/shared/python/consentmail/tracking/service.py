"""Recording opens and clicks: only when the token verifies, the contact still exists and allows
tracking *now* (a withdrawal stops earlier emails' pixels and links at once), each hit judged
person or machine on arrival (see machine.py), unique per contact through the send marker. A
person's first open or click also lands in the campaign's timeline, and every person's click in
its link counts (unique per contact and link, through the send marker too). A hit while the
contact's address is being erased stores nothing: the event item is written first, then the
address's erasure tombstone read (strongly consistent), and the item taken back if it lives;
only then is the hit counted and the link click marked on the send marker (docs/retention.md,
"Erasure against concurrent writers").

The redirect never depends on consent: a valid click token always leads to its link, so a
recipient who withdrew tracking can still follow the links of earlier emails."""

from dataclasses import dataclass
from datetime import datetime

from consentmail.core import links
from consentmail.core.clock import parse_iso
from consentmail.core.errors import InvalidToken
from consentmail.core.links import Click, Recipient
from consentmail.store.contacts import ContactRepository, TrackingConsent
from consentmail.store.counters import CounterRepository
from consentmail.store.events import EventRepository
from consentmail.store.suppression import SuppressionRepository
from consentmail.tracking import machine


@dataclass(frozen=True)
class Hit:
    """What the tracking function knows about a request, held only long enough to judge it."""

    method: str
    user_agent: str
    ip: str


class TrackingService:
    def __init__(self, contacts=None, events=None, counters=None, suppression=None):
        self.contacts = contacts or ContactRepository()
        self.events = events or EventRepository()
        self.counters = counters or CounterRepository()
        self.suppression = suppression or SuppressionRepository()

    def open(self, token: str, hit: Hit, at: datetime) -> bool:
        """Record an open if it may be recorded; True when it was. Never raises on a bad token:
        the pixel is served whatever happens."""
        try:
            recipient = links.read_open(token, at)
        except (InvalidToken, KeyError, TypeError):
            return False
        return self._record(recipient, "open", hit, at)

    def click_target(self, token: str, at: datetime) -> Click:
        """The recipient and the campaign's link for this token; InvalidToken for anything else,
        including a link that could not sit safely in a Location header."""
        try:
            click = links.read_click(token, at)
        except (KeyError, TypeError) as error:
            raise InvalidToken("This link is not valid.") from error
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in click.url):
            raise InvalidToken("This link is not valid.")
        return click

    def record_click(self, click: Click, hit: Hit, at: datetime) -> bool:
        """Record the click when the contact allows tracking; True when it was. The event keeps
        the link the contact followed; the link statistics count the link as written."""
        return self._record(click.recipient, "click", hit, at, {"url": click.url}, link=click.link)

    def _tracked(self, recipient: Recipient, at: datetime) -> TrackingConsent | None:
        """What tracking needs of the contact, if it exists and allows tracking now."""
        contact = self.contacts.tracking_consent(recipient.list_id, recipient.contact_id, at)
        if contact is None or not contact.tracking_consent or contact.account_id != recipient.account_id:
            return None
        return contact

    def _record(
        self,
        recipient: Recipient,
        kind: str,
        hit: Hit,
        at: datetime,
        extra: dict | None = None,
        link: str | None = None,
    ) -> bool:
        contact = self._tracked(recipient, at)
        if contact is None:
            return False
        send = self.events.get_send(recipient.contact_id, recipient.campaign_id, at)
        arrived = (send or {}).get("delivered_at") or (send or {}).get("at")
        verdict = machine.judge(
            method=hit.method,
            user_agent=hit.user_agent,
            ip=hit.ip,
            at=at,
            arrived_at=parse_iso(arrived) if arrived else None,
        )
        recorded = self.events.record(
            contact_id=recipient.contact_id,
            campaign_id=recipient.campaign_id,
            account_id=recipient.account_id,
            kind=kind,
            at=at,
            detail={**verdict.detail(), **(extra or {})},
        )
        if self.suppression.being_erased(contact.email_hash, at):
            # The erasure may have read the contact's events before this one was written.
            self.events.forget(recorded)
            return False
        counts = self._count(recipient, kind, verdict, at)
        self.counters.add(recipient.campaign_id, counts, at=at)
        sent_at = parse_iso(send["at"]) if send and send.get("at") else None
        self.counters.add_to_timeline(recipient.campaign_id, counts, at, sent_at)
        if link is not None and not verdict.machine:
            unique = self.events.first_link_click(recipient.contact_id, recipient.campaign_id, link, at)
            self.counters.add_click(recipient.campaign_id, link, unique, at)
        return True

    def _count(
        self, recipient: Recipient, kind: str, verdict: machine.Verdict, at: datetime
    ) -> dict[str, int]:
        def first(outcome: str) -> int:
            return int(self.events.first_outcome(recipient.contact_id, recipient.campaign_id, outcome, at))

        if verdict.machine:
            if kind == "open":
                return {"machine_opens": first("machine_opened")}
            return {"machine_clicks": first("machine_clicked")}
        if kind == "open":
            return {"opened": first("opened")}
        # A person who clicks has opened the email, even when their client blocked the pixel.
        return {"clicked": first("clicked"), "opened": first("opened")}
