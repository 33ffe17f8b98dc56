"""Recording opens and clicks: only when the token verifies, the contact still exists and allows
tracking *now* (a withdrawal stops earlier emails' pixels and links at once), each hit judged
person or machine on arrival (see machine.py), unique per contact through the send marker.

A hit is two requests before any counting: the contact's consent (one read), then one
conditional update of the send marker that records the first time of the open or click (and the
link clicked), only while the marker exists, and answers the marker as it was, which says whether
this is the contact's first open, click or click of this link. That update is all a hit stores
about the person: there is no event item per hit, and no erasure tombstone to read, since an
update conditional on the marker's existence cannot bring back a marker an erasure deleted
(docs/retention.md, "Erasure against concurrent writers"). Then the campaign's counts (counters,
timeline, links: no person in them) get the firsts, and a person's click its link.

The redirect never depends on consent: a valid click token always leads to its link, so a
recipient who withdrew tracking can still follow the links of earlier emails."""

from dataclasses import dataclass
from datetime import datetime

from consentmail.core import links
from consentmail.core.clock import parse_iso
from consentmail.core.errors import InvalidToken
from consentmail.core.links import Click, Recipient
from consentmail.store.contacts import ContactRepository
from consentmail.store.counters import CounterRepository
from consentmail.store.events import EventRepository, Tracked
from consentmail.tracking import machine

# The send marker's outcomes a hit records, and the counter each counts in.
PERSON = {"open": ("opened",), "click": ("clicked", "opened")}  # a person who clicks has opened
MACHINE = {"open": "machine_opened", "click": "machine_clicked"}
COUNTERS = {
    "opened": "opened",
    "clicked": "clicked",
    "machine_opened": "machine_opens",
    "machine_clicked": "machine_clicks",
}


@dataclass(frozen=True)
class Hit:
    """What the tracking function knows about a request, held only long enough to judge it."""

    method: str
    user_agent: str
    ip: str


class TrackingService:
    def __init__(self, contacts=None, events=None, counters=None):
        self.contacts = contacts or ContactRepository()
        self.events = events or EventRepository()
        self.counters = counters or CounterRepository()

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
        """Record the click when the contact allows tracking; True when it was. The link
        statistics count the link as written in the campaign."""
        return self._record(click.recipient, "click", hit, at, link=click.link)

    def _allowed(self, recipient: Recipient, at: datetime) -> bool:
        """Whether the contact exists, is the token's account's and allows tracking now."""
        contact = self.contacts.tracking_consent(recipient.list_id, recipient.contact_id, at)
        return contact is not None and contact.tracking_consent and contact.account_id == recipient.account_id

    def _record(
        self, recipient: Recipient, kind: str, hit: Hit, at: datetime, link: str | None = None
    ) -> bool:
        if not self._allowed(recipient, at):
            return False
        # What the request itself says; a person's hit is recorded as one only if the email had
        # arrived SCAN_WINDOW before (checked by the marker's update, which reads no time first).
        verdict = machine.judge(method=hit.method, user_agent=hit.user_agent, ip=hit.ip, at=at)
        if verdict.machine:
            tracked = self._track(recipient, (MACHINE[kind],), at)
        else:
            tracked = self._track(recipient, PERSON[kind], at, link=link, arrived_by=at - machine.SCAN_WINDOW)
            if not tracked.recorded and tracked.before is not None:
                # Refused: the email arrived too recently (a gateway scanning it), or the marker is
                # not the token's account's, which a second update refuses the same way.
                verdict = machine.judge(
                    method=hit.method,
                    user_agent=hit.user_agent,
                    ip=hit.ip,
                    at=at,
                    arrived_at=arrived(tracked.before),
                )
                if verdict.machine:
                    tracked = self._track(recipient, (MACHINE[kind],), at)
        if not tracked.recorded:
            return False
        outcomes = (MACHINE[kind],) if verdict.machine else PERSON[kind]
        counts = {COUNTERS[outcome]: int(tracked.first(outcome)) for outcome in outcomes}
        self.counters.add(recipient.campaign_id, counts, at=at)
        sent = (tracked.before or {}).get("at")
        self.counters.add_to_timeline(recipient.campaign_id, counts, at, parse_iso(sent) if sent else None)
        if link is not None and not verdict.machine:
            self.counters.add_click(recipient.campaign_id, link, tracked.first_click_of(link), at)
        return True

    def _track(
        self,
        recipient: Recipient,
        outcomes: tuple[str, ...],
        at: datetime,
        link: str | None = None,
        arrived_by: datetime | None = None,
    ) -> Tracked:
        return self.events.track(
            contact_id=recipient.contact_id,
            campaign_id=recipient.campaign_id,
            account_id=recipient.account_id,
            outcomes=outcomes,
            at=at,
            link=link,
            arrived_by=arrived_by,
        )


def arrived(marker: dict) -> datetime | None:
    """When the marker's email arrived: delivered, or sent when no delivery is known."""
    moment = marker.get("delivered_at") or marker.get("at")
    return parse_iso(moment) if moment else None
