"""Campaign statistics: the contract's fields from the sharded counters, and the rates.

Rates are fractions, 0 when their denominator is 0: open and click rates over `tracked` (the
delivered contacts who allowed tracking, the only ones an open could be seen for), the bounce
rate over `sent`, complaint and unsubscribe rates over `delivered`. Every counter moves at most
once per contact and outcome (the send marker's first-outcome times), so `opened` and `clicked`
are unique contacts. See docs/statistics.md.

The timeline (hourly for 72 hours after the send, daily after) and the link counts come from
small sharded items beside the counters, written as the counters move, never by reading events."""

from datetime import datetime, timedelta

from aws_lambda_powertools import Logger
from pydantic import BaseModel, Field

from consentmail.core.clock import parse_iso
from consentmail.core.records import CampaignRecord
from consentmail.core.retention import RetentionClass, expires_at
from consentmail.store.counters import DAY, FAILURE_PREFIX, HOURLY_WINDOW, TIMELINE_NAMES, CounterRepository
from consentmail.store.events import EventRepository

logger = Logger(child=True)

# What each failure reason means to the account holder; SES's own refusals are named by code.
FAILURE_TEXT = {
    "content_expired": "The campaign's content had expired (6 days after the send started) before this "
    "recipient's turn.",
    "email_not_built": "The email could not be built for this recipient (a header or template value it "
    "cannot hold).",
    "template_not_rendered": "The campaign's personalization could not be rendered for this recipient.",
    "sensitive_data_rendered": "Personalized for this recipient, the email would have carried sensitive "
    "data (an id, a card or bank number, health data), so it was not sent.",
    "outcome_unknown": "The sender stopped while sending to this recipient; it was not sent again, so it "
    "may or may not have arrived.",
}


class Failure(BaseModel):
    """Recipients counted `failed` for one reason: a count, never who."""

    reason: str = Field(
        description="content_expired, email_not_built, template_not_rendered, sensitive_data_rendered, "
        "outcome_unknown or an SES error code"
    )
    description: str
    count: int


def failure_text(reason: str) -> str:
    return FAILURE_TEXT.get(reason, f"Amazon SES refused the email ({reason}).")


class CampaignStats(BaseModel):
    recipients: int
    sent: int
    failed: int = Field(description="Recipients whose email could not be built or sent; see `failures`")
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
    failures: list[Failure] = Field(default_factory=list, description="Why recipients failed, with counts")
    statistics_expired: bool = Field(
        default=False,
        description="True when the counters have gone with the events they counted (13 months): the "
        "statistics then read 0",
    )


class TimelineBucket(BaseModel):
    """One hour (the first 72 hours after the send) or one UTC day (after) of a campaign."""

    start: datetime = Field(description="The bucket's start; it ends where the next one starts")
    delivered: int
    opened: int = Field(description="Contacts whose first open was in this bucket (machine opens left out)")
    clicked: int = Field(
        description="Contacts whose first click was in this bucket (machine clicks left out)"
    )
    bounced: int
    complained: int
    unsubscribed: int

    @classmethod
    def empty(cls, start: datetime) -> "TimelineBucket":
        return cls(start=start, **dict.fromkeys(TIMELINE_NAMES, 0))


class Timeline(BaseModel):
    buckets: list[TimelineBucket] = Field(description="From the send's hour up to now, empty ones included")
    statistics_expired: bool = Field(
        description="True when the buckets have gone with the events they counted (13 months after "
        "them): there are none left to show",
    )


class LinkStats(BaseModel):
    url: str = Field(description="The link as written in the campaign (a `{{ }}` tag stays a tag)")
    clicks: int = Field(description="Clicks by people (machine clicks left out)")
    unique_clicks: int = Field(description="Contacts who clicked it")


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def timeline_of(
    written: list[tuple[str, datetime, dict[str, int]]], sent_at: datetime | None, at: datetime
) -> Timeline:
    """The contract's buckets: one per hour from the send's hour for 72 hours, then one per UTC
    day (the first starting where the hours end), up to the one holding `at`, empty ones
    included so a curve has no gaps. Events are written per hour or per day as the email's age
    dictated (store/counters.py); here each lands in the bucket that holds its start."""
    if sent_at is None:
        return Timeline(buckets=[], statistics_expired=False)
    first = _hour(sent_at)
    daily_from = first + HOURLY_WINDOW

    def slot(moment: datetime) -> datetime:
        return _hour(moment) if moment < daily_from else max(_day(moment), daily_from)

    buckets: dict[datetime, TimelineBucket] = {}
    moment, last = first, slot(at)
    while moment <= last:
        buckets[moment] = TimelineBucket.empty(moment)
        # Hours step onto `daily_from` exactly (both are whole hours); days onto midnights.
        moment = moment + timedelta(hours=1) if moment < daily_from else _day(moment) + timedelta(days=1)
    for granularity, start, counts in written:
        start = max(_day(start), daily_from) if granularity == DAY else slot(start)
        bucket = buckets.setdefault(start, TimelineBucket.empty(start))
        for name in TIMELINE_NAMES:
            setattr(bucket, name, getattr(bucket, name) + max(int(counts.get(name, 0)), 0))
    return Timeline(buckets=[buckets[start] for start in sorted(buckets)], statistics_expired=False)


def links_of(order: list[str], counted: dict[str, dict[str, int]]) -> list[LinkStats]:
    """Every link of the campaign in its order (unclicked ones at 0), then any other link
    clicked (a campaign sent before its order was kept), most clicked first."""
    ordered = [LinkStats(url=url, **counted.get(url, {"clicks": 0, "unique_clicks": 0})) for url in order]
    others = [LinkStats(url=url, **counts) for url, counts in counted.items() if url not in set(order)]
    return ordered + sorted(others, key=lambda link: (-link.clicks, link.url))


def rate(part: int, whole: int) -> float:
    return part / whole if whole > 0 else 0.0


def stats_from(totals: dict[str, int]) -> CampaignStats:
    def total(name: str) -> int:
        return max(int(totals.get(name, 0)), 0)

    tracked, sent, delivered = total("tracked"), total("sent"), total("delivered")
    return CampaignStats(
        recipients=total("recipients"),
        sent=sent,
        failed=total("failed"),
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
        failures=[
            Failure(reason=reason, description=failure_text(reason), count=count)
            for name, count in sorted(totals.items())
            if name.startswith(FAILURE_PREFIX) and count > 0
            for reason in [name.removeprefix(FAILURE_PREFIX)]
        ],
    )


def statistics_expired(campaign: CampaignRecord, at: datetime) -> bool:
    """Whether a sent campaign's statistics may have gone with its events: every event of a send
    happens within 13 months of it (the tracking links expire then), and its statistics go 13
    months after the events they count, so nothing of them is left to expect past that."""
    return campaign.sent_at is not None and expires_at(RetentionClass.EVENTS, campaign.sent_at) <= at


def campaign_stats(
    campaign: CampaignRecord, at: datetime, counters: CounterRepository | None = None
) -> CampaignStats:
    """The campaign's statistics as of `at`. Counters go 13 months after the last event they
    counted; once a sent campaign's are gone, the statistics read 0 and say why."""
    totals = (counters or CounterRepository()).live_totals(campaign.campaign_id, at)
    if totals is not None:
        return stats_from(totals)
    return stats_from({}).model_copy(update={"statistics_expired": statistics_expired(campaign, at)})


def campaign_timeline(
    campaign: CampaignRecord, at: datetime, counters: CounterRepository | None = None
) -> Timeline:
    """The campaign's timeline as of `at`: none before the send; once its buckets have gone with
    the events they counted (13 months), no bucket, and it says why."""
    if campaign.sent_at is None:
        return Timeline(buckets=[], statistics_expired=False)
    written = (counters or CounterRepository()).timeline(campaign.campaign_id, at)
    if not written and statistics_expired(campaign, at):
        return Timeline(buckets=[], statistics_expired=True)
    return timeline_of(written, campaign.sent_at, at)


def campaign_links(
    campaign: CampaignRecord, at: datetime, counters: CounterRepository | None = None
) -> list[LinkStats]:
    """The campaign's links with their clicks; empty once their counts and the link order have
    gone with the events (13 months; the campaign's stats then say `statistics_expired`)."""
    counters = counters or CounterRepository()
    return links_of(counters.link_order(campaign.campaign_id, at), counters.links(campaign.campaign_id, at))


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
        counters = self._counters or CounterRepository()
        counters.add(campaign_id, {"unsubscribed": 1}, at=at)
        sent_at = parse_iso(str(latest["at"])) if latest.get("at") else None
        counters.add_to_timeline(campaign_id, {"unsubscribed": 1}, at, sent_at)
        return campaign_id
