"""The demo account's sent campaigns, produced the way a real send produces them, only earlier:
contacts added with their consent proof, the campaign created and sent, the fan-out and the sender
run, SES's events (as the SES simulator builds them) processed, and recipients opening, clicking
and unsubscribing, each step at a chosen moment of the past. Every domain call takes its `at`, the
time the deployed handlers read from `core.clock.now()`; here the seed passes it, so the report
has opens and clicks spread over hours and days, and the counters, timeline and link counts are
the ones those paths write, never numbers written directly.

Two campaigns: one sent 8 days ago, whose content has gone (6 days after the send started, deleted
by the purge run as of then) while its statistics remain; one sent 4 days ago, with deliveries,
opens by people and by machines, clicks on three links, a bounce, a complaint and an unsubscribe.
Runs before the gateway serves and before the SES simulator watches the sends (its events are built
and processed here, at their own times, instead of its thread's now)."""

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from html import unescape

from consentmail.adapters import aws_clients
from consentmail.adapters.ses import send_raw
from consentmail.audience.models import ContactIn
from consentmail.campaigns.models import CampaignCreate
from consentmail.composition import accounts as account_services
from consentmail.composition import purge as purge_services
from consentmail.composition import ses_events as ses_services
from consentmail.composition import subscription as subscription_services
from consentmail.composition import tracking as tracking_services
from consentmail.core.records import MailingList, Visitor
from consentmail.core.retention import MESSAGE_CONTENT
from consentmail.core.settings import get_settings
from consentmail.purge.service import month_of
from consentmail.sending.fanout import FanOut
from consentmail.sending.models import FanOutMessage, SendBatch
from consentmail.sending.pacing import RateLimiter
from consentmail.sending.sender import Sender
from consentmail.ses_events.processing import Outcome, parse_message
from consentmail.tracking.service import Hit
from infra.local.provision import SIMULATOR_DOMAIN
from infra.local.ses_simulator import SentEmail, events_for

# What the demo campaign links to: its report counts clicks per link.
DEMO_LINKS = (
    "https://bakery.example.com/recipes/apple-tart",
    "https://bakery.example.com/recipes/pumpkin-bread",
    "https://bakery.example.com/shop/autumn-box",
)
DEMO_CAMPAIGN_SUBJECT = "Autumn recipes from the bakery"
EXPIRED_CAMPAIGN_SUBJECT = "Summer holidays: our opening hours"
DEMO_SENT_AGO = timedelta(days=4, hours=2)
EXPIRED_SENT_AGO = timedelta(days=8, hours=5)
# How long after a deadline the hourly purge runs, at most (half its interval, as the tests run it).
PURGE_DELAY = timedelta(minutes=30)

READERS = (
    ("Camille", "Martin"),
    ("Louis", "Bernard"),
    ("Léa", "Dubois"),
    ("Hugo", "Thomas"),
    ("Chloé", "Robert"),
    ("Jules", "Richard"),
    ("Manon", "Petit"),
    ("Arthur", "Durand"),
    ("Inès", "Leroy"),
    ("Gabriel", "Moreau"),
    ("Jade", "Simon"),
    ("Raphaël", "Laurent"),
    ("Alice", "Lefebvre"),
    ("Adam", "Michel"),
    ("Lina", "Garcia"),
    ("Nathan", "David"),
    ("Emma", "Bertrand"),
    ("Paul", "Roux"),
    ("Rose", "Vincent"),
    ("Tom", "Fournier"),
)
# Readers who did not allow tracking: their emails carry no pixel and no tracked link.
UNTRACKED = {"Hugo", "Jules", "Adam", "Paul"}
PROOF_TEXT = "I agree to receive the bakery's newsletter and can unsubscribe at any time."
SEED_VISITOR = Visitor(ip="127.0.0.1", user_agent="consentmail local demo seed")
PERSON = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"
# Apple Mail Privacy Protection fetches every image through Apple's proxies: a machine open.
APPLE_PROXY = ("Mozilla/5.0", "17.58.100.4")


@dataclass(frozen=True)
class DemoCampaign:
    campaign_id: str
    subject: str
    # When each demo email went out, by SES message id (the outbox lists them with it).
    sent_at: dict[str, datetime]


def _address(first: str, last: str) -> str:
    plain = first.encode("ascii", "ignore").decode() or first
    return f"{plain.lower()}.{last.lower()}@example.org"


def _add_readers(account_id: str, mailing_list: MailingList, readers, at: datetime) -> None:
    contacts = account_services.contacts()
    for first, last, email, tracking in readers:
        contacts.add(
            account_id,
            mailing_list.list_id,
            ContactIn(
                email=email,
                first_name=first,
                last_name=last,
                tracking_consent=tracking,
                consent={"source": "the bakery's newsletter form", "obtained_at": at, "text": PROOF_TEXT},
            ),
            SEED_VISITOR,
            at,
        )


def _drain(queue_url: str, handle: Callable[[str], None]) -> None:
    sqs = aws_clients.client("sqs")
    while True:
        received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = received.get("Messages", [])
        if not messages:
            return
        for message in messages:
            handle(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def _send(account_id: str, mailing_list: MailingList, subject: str, html: str, sent_at: datetime):
    """Create and send a campaign as of `sent_at`; its emails as SES took them."""
    settings = get_settings()
    campaigns = account_services.campaigns()
    created = campaigns.create(
        account_id,
        CampaignCreate(list_id=mailing_list.list_id, subject=subject, html=html),
        sent_at - timedelta(hours=1),
    )
    campaigns.start_send(account_id, created.campaign_id, sent_at)
    fanout = FanOut()

    def fan_out(body: str) -> None:
        fanout.run(FanOutMessage.model_validate_json(body), sent_at)

    _drain(settings.fanout_queue_url, fan_out)
    sent: list[SentEmail] = []
    moment = [sent_at]

    def send(raw: bytes, *, from_email: str, to: str, tags: dict[str, str]) -> str:
        message_id = send_raw(raw, from_email=from_email, to=to, tags=tags)
        sent.append(
            SentEmail(message_id, from_email, [to], tags, settings.ses_configuration_set, raw, moment[0])
        )
        return message_id

    def clock() -> datetime:
        moment[0] += timedelta(milliseconds=400)
        return moment[0]

    def wait(seconds: float) -> None:
        moment[0] += timedelta(seconds=seconds)

    # Paced at the SES rate on the seed's own clock, as these sends went out days ago: no real wait.
    limiter = RateLimiter(settings.max_send_rate, clock=lambda: moment[0].timestamp(), sleep=wait)
    sender = Sender(limiter=limiter, send=send, clock=clock)
    _drain(settings.send_queue_url, lambda body: sender.send_batch(SendBatch.model_validate_json(body)))
    return created.campaign_id, sent


def _process_ses_events(sent: list[SentEmail], region: str) -> None:
    """Each SES event through the ses_events processing, at the time SES would have published it."""
    processor = ses_services.processor()
    for email in sent:
        for event in events_for(email, region):
            kind = event["eventType"].lower()
            at = email.at + (timedelta(seconds=2) if kind == "delivery" else timedelta(minutes=3))
            outcome = Outcome()
            ses_event = parse_message(event)
            if ses_event is not None:
                processor.apply(ses_event, at, outcome)
                processor.flush(outcome, at)


def _html_part(raw: bytes) -> str:
    message = message_from_bytes(raw, policy=default_policy)
    body = message.get_body(preferencelist=("html",))
    return body.get_content() if body is not None else ""  # type: ignore[union-attr]


def _urls(html: str, path: str) -> list[str]:
    return [unescape(url) for url in re.findall(rf'"(https?://[^"]*{path}[^"]*)"', html)]


def _token(url: str) -> str:
    return url.rstrip("/").rpartition("/")[2]


def _open(url: str, at: datetime, agent: str = PERSON, ip: str = "203.0.113.24") -> None:
    tracking_services.tracking().open(_token(url), Hit("GET", agent, ip), at)


def _click(url: str, at: datetime) -> None:
    tracking = tracking_services.tracking()
    tracking.record_click(tracking.click_target(_token(url), at), Hit("GET", PERSON, "203.0.113.24"), at)


def _unsubscribe(raw: bytes, at: datetime) -> None:
    message = message_from_bytes(raw, policy=default_policy)
    [url] = re.findall(r"<(https?://[^>]+)>", str(message["List-Unsubscribe"]))
    token = url.split("token=", 1)[1]
    subscription_services.subscription().unsubscribe(unescape(token), SEED_VISITOR, at, "one_click")


def _hours(value: float) -> timedelta:
    return timedelta(hours=value)


def seed_campaigns(account_id: str, mailing_list: MailingList, now: datetime, region: str) -> DemoCampaign:
    """The two sent campaigns of the demo account; the recent one's id and subject."""
    rng = random.Random(2026)  # the same demo every start
    readers = [(first, last, _address(first, last), first not in UNTRACKED) for first, last in READERS]
    expired_at = now - EXPIRED_SENT_AGO
    _add_readers(account_id, mailing_list, readers, expired_at - timedelta(days=30))
    _, expired_sent = _send(
        account_id,
        mailing_list,
        EXPIRED_CAMPAIGN_SUBJECT,
        "<p>Hello {{ first_name | default('there') }},</p><p>The bakery closes from 5 to 19 August.</p>",
        expired_at,
    )
    _process_ses_events(expired_sent, region)
    for email in expired_sent[:9]:
        pixel = _urls(_html_part(email.raw or b""), "/t/o/")
        if pixel:
            _open(pixel[0], email.at + _hours(rng.uniform(0.2, 30)))
    # Its content's 6 days ended two days ago: the hourly purge deleted it then, on time, and signed
    # the receipt the account's retention page shows (`make audit` finds no late deletion).
    purge = purge_services.purge()
    # The emulator's database is new, and nothing in it is dated before the demo list: the run need
    # not look back as a first run does (FIRST_LOOKBACK_MONTHS of empty months, every table and
    # shard, thousands of queries on each start).
    purge.requests.set_purge_watermark(month_of(mailing_list.created_at), mailing_list.created_at)
    purge.run(MESSAGE_CONTENT.after(expired_at) + PURGE_DELAY)

    # Two addresses of SES's mailbox simulator join later: one bounces, one complains.
    simulated = [
        ("Bruno", "Rebond", f"bounce@{SIMULATOR_DOMAIN}", True),
        ("Clara", "Plainte", f"complaint@{SIMULATOR_DOMAIN}", True),
    ]
    sent_at = now - DEMO_SENT_AGO
    _add_readers(account_id, mailing_list, simulated, sent_at - timedelta(days=2))
    links = "".join(
        f'<li><a href="{url}">{label}</a></li>' for url, label in zip(DEMO_LINKS, LINK_LABELS, strict=True)
    )
    campaign_id, sent = _send(
        account_id,
        mailing_list,
        DEMO_CAMPAIGN_SUBJECT,
        '<h1 style="color:#7c2d12">Autumn at the bakery</h1>'
        "<p>Hello {{ first_name | default('there') }},</p>"
        "<p>Three recipes for the season, and our autumn box:</p>"
        f"<ul>{links}</ul>",
        sent_at,
    )
    _process_ses_events(sent, region)
    _recipients_act(sent, now, rng)
    times = {email.message_id: email.at for email in [*expired_sent, *sent]}
    return DemoCampaign(campaign_id, DEMO_CAMPAIGN_SUBJECT, times)


LINK_LABELS = ("Apple tart", "Pumpkin bread", "The autumn box")
# Hours after the send at which tracked readers first open: most in the first hours, fewer each day.
OPEN_DELAYS = (0.3, 0.6, 0.9, 1.4, 2.2, 3.5, 5.0, 8.0, 14.0, 23.0, 31.0, 52.0, 77.0, 91.0)


def _recipients_act(sent: list[SentEmail], now: datetime, rng: random.Random) -> None:
    people = [email for email in sent if not email.destinations[0].endswith(f"@{SIMULATOR_DOMAIN}")]
    tracked = [(email, _html_part(email.raw or b"")) for email in people]
    tracked = [(email, html) for email, html in tracked if _urls(html, "/t/o/")]
    for index, (email, html) in enumerate(tracked):
        pixel = _urls(html, "/t/o/")[0]
        clicks = _urls(html, "/t/c/")
        if index == 0:
            # A mail gateway fetches the pixel as the message arrives: a machine open, no person.
            _open(pixel, email.at + timedelta(seconds=4))
        if index == 1:
            _open(pixel, email.at + _hours(0.7), *APPLE_PROXY)
            continue
        if index >= len(OPEN_DELAYS):
            continue
        opened = email.at + _hours(OPEN_DELAYS[index])
        if opened >= now:
            continue
        _open(pixel, opened)
        if index % 3 != 2:
            first = clicks[index % len(clicks)]
            _click(first, opened + timedelta(minutes=rng.randint(1, 20)))
            if index % 4 == 0:
                _click(clicks[(index + 1) % len(clicks)], opened + _hours(rng.uniform(1, 6)))
        if index == 5:
            _unsubscribe(email.raw or b"", opened + timedelta(minutes=30))
