"""Campaign statistics: the contract's fields from the sharded counters, and the rates.

Rates are fractions, 0 when their denominator is 0: open and click rates over `tracked` (the
delivered contacts who allowed tracking, the only ones an open could be seen for), the bounce
rate over `sent`, complaint and unsubscribe rates over `delivered`. Every counter moves at most
once per contact and outcome (the send marker's first-outcome times), so `opened` and `clicked`
are unique contacts. See docs/statistics.md."""

from datetime import datetime

from aws_lambda_powertools import Logger
from pydantic import BaseModel

from consentmail.store.counters import CounterRepository
from consentmail.store.events import EventRepository

logger = Logger(child=True)


class CampaignStats(BaseModel):
    recipients: int
    sent: int
    delivered: int
    bounced: int
    complained: int
    tracked: int
    opened: int
    clicked: int
    unsubscribed: int
    machine_opens: int
    open_rate: float
    click_rate: float
    bounce_rate: float
    complaint_rate: float
    unsubscribe_rate: float


def rate(part: int, whole: int) -> float:
    return part / whole if whole > 0 else 0.0


def stats_from(totals: dict[str, int]) -> CampaignStats:
    def total(name: str) -> int:
        return max(int(totals.get(name, 0)), 0)

    tracked, sent, delivered = total("tracked"), total("sent"), total("delivered")
    return CampaignStats(
        recipients=total("recipients"),
        sent=sent,
        delivered=delivered,
        bounced=total("bounced"),
        complained=total("complained"),
        tracked=tracked,
        opened=total("opened"),
        clicked=total("clicked"),
        unsubscribed=total("unsubscribed"),
        machine_opens=total("machine_opens"),
        open_rate=rate(total("opened"), tracked),
        click_rate=rate(total("clicked"), tracked),
        bounce_rate=rate(total("bounced"), sent),
        complaint_rate=rate(total("complained"), delivered),
        unsubscribe_rate=rate(total("unsubscribed"), delivered),
    )


def campaign_stats(campaign_id: str, counters: CounterRepository | None = None) -> CampaignStats:
    return stats_from((counters or CounterRepository()).totals(campaign_id))


class UnsubscribeCounter:
    """Credits an unsubscribe to the latest campaign the contact was sent (the unsubscribe and
    preference links carry list and contact only): one query on the contact's event partition,
    once per contact and campaign whatever the repeats."""

    def __init__(self, events=None, counters=None):
        self._events = events
        self._counters = counters

    def count(self, contact_id: str, at: datetime) -> str | None:
        """The campaign credited, or None (no campaign sent, already counted, or counting failed:
        a statistic must never fail the unsubscribe it follows)."""
        try:
            return self._count(contact_id, at)
        except Exception:
            logger.exception("unsubscribe not counted")
            return None

    def _count(self, contact_id: str, at: datetime) -> str | None:
        events = self._events or EventRepository()
        latest = events.latest_send(contact_id, at)
        if latest is None:
            return None
        campaign_id = str(latest["campaign_id"])
        if not events.first_outcome(contact_id, campaign_id, "unsubscribed", at):
            return None
        (self._counters or CounterRepository()).add(campaign_id, {"unsubscribed": 1})
        return campaign_id
