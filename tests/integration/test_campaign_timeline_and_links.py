"""GET /campaigns/{id}/stats/timeline and …/stats/links: what an account holder sees of a
campaign over time (hourly for 72 hours after the send, daily after; unique contacts for opens
and clicks, machine opens left out) and per link (in the campaign's link order), written by the
tracking, SES-event and unsubscribe paths as they count, and gone with the event data."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

import functions.fanout.handler as fanout_function
import functions.sender.handler as sender_function
from consentmail.composition import fanout as fanout_services
from consentmail.composition import sender as sender_services
from consentmail.core.addresses import email_hash
from consentmail.core.clock import epoch, iso, now
from consentmail.core.links import unsubscribe_url
from consentmail.core.records import CampaignRecord, CampaignStatus, MailingList
from consentmail.core.retention import EVENT_DATA, add_months
from consentmail.sending.fanout import FanOut
from consentmail.store.campaigns import CampaignRepository
from consentmail.store.counters import CounterRepository, shard_item_keys
from consentmail.subject_requests.service import SubjectRequestService
from functions.ses_events.handler import handler as ses_events
from functions.subscription.handler import handler as subscription
from functions.tracking.handler import handler as tracking
from tests.accounts_helpers import add_contact, call, create_list, invoke, open_account, sample, signed_in
from tests.conftest import sent_messages
from tests.http_events import FakeContext, api_event
from tests.integration.test_purge import purge_as
from tests.integration.test_sending import FakeTime, drain, make_sender
from tests.sending_helpers import parts
from tests.stored_items import holding
from tests.tracking_helpers import click_token, open_token, sent_to, ses_event, sqs_lambda_event

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5"
LINK = "https://shop.example.com/autumn"
OTHER_LINK = "https://shop.example.com/winter"
PERSONAL_LINK = "https://shop.example.com/offer?for={{ email }}"
OWNER = {"sub": "account-demo"}


def hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def sent_campaign(mailing_list: MailingList, sent_at: datetime, campaign_id: str = "campaign-demo") -> str:
    CampaignRepository().create(
        CampaignRecord(
            campaign_id=campaign_id,
            account_id=mailing_list.account_id,
            list_id=mailing_list.list_id,
            status=CampaignStatus.SENT,
            created_at=sent_at,
            updated_at=sent_at,
            sent_at=sent_at,
        )
    )
    return campaign_id


def track(kind: str, token: str, method: str = "GET") -> None:
    event = api_event(
        method,
        f"/t/{kind}/{token}",
        resource=f"/t/{kind}/{{token}}",
        path_params={"token": token},
        headers={"User-Agent": BROWSER},
        source_ip="203.0.113.9",
    )
    tracking(event, FakeContext())


def timeline(campaign_id: str, claims: dict = OWNER) -> list[dict]:
    reply = call("GET", f"/campaigns/{campaign_id}/stats/timeline", claims=claims)
    assert reply.status == 200, reply.text
    return reply.json()["buckets"]


def starts(buckets: list[dict]) -> list[datetime]:
    return [datetime.fromisoformat(bucket["start"].replace("Z", "+00:00")) for bucket in buckets]


def bucket_at(buckets: list[dict], moment: datetime) -> dict:
    """The bucket that holds `moment`: the last one starting at or before it."""
    return [b for b, start in zip(buckets, starts(buckets), strict=True) if start <= moment][-1]


def total(buckets: list[dict], name: str) -> int:
    return sum(bucket[name] for bucket in buckets)


@pytest.fixture
def pipeline(aws, monkeypatch):
    """The fan-out and sender functions bound to this test's moto, run until their queues are empty."""
    fanout = FanOut()
    monkeypatch.setattr(fanout_services, "fanout", lambda: fanout)
    sender = make_sender(FakeTime())
    sender._clock = lambda: datetime.now(UTC)
    monkeypatch.setattr(sender_services, "sender", lambda: sender)

    def run() -> None:
        drain(aws.environment["CONSENTMAIL_FANOUT_QUEUE_URL"], fanout_function.handler)
        drain(aws.environment["CONSENTMAIL_SEND_QUEUE_URL"], sender_function.handler)

    return run


def click_tokens_in_email_to(address: str) -> list[str]:
    """The click tokens of the campaign email `address` received, in the order of its links."""
    [message] = [m for m in sent_messages(address) if "/t/c/" in m.raw_data]
    _, _, html = parts(message.raw_data)
    return [piece.split('"', 1)[0] for piece in html.split("/t/c/")[1:]]


@pytest.fixture
def owner(demo_list):
    open_account("account-demo")
    open_account("account-other")
    return demo_list


def test_the_first_hours_are_hourly_buckets_of_unique_contacts_without_machine_opens(owner):
    # Given a campaign sent three hours ago to four readers (three allow tracking) and a bouncer
    sent_at = now() - timedelta(hours=3)
    campaign_id = sent_campaign(owner, sent_at)
    readers = [sent_to(owner, f"reader{n}@example.org", tracking=n != 2, sent_at=sent_at) for n in range(4)]
    bouncer = sent_to(owner, "bounce@simulator.amazonses.com", sent_at=sent_at)

    # When SES reports deliveries, a bounce and a complaint (twice: redelivered), readers open
    # and click (repeatedly), a gateway probes a pixel, and a reader unsubscribes
    messages = [ses_event("ses_delivery", reader) for reader in readers]
    messages += [ses_event("ses_bounce_permanent", bouncer), ses_event("ses_complaint", readers[3])]
    ses_events(sqs_lambda_event(*messages), FakeContext())
    ses_events(sqs_lambda_event(*messages), FakeContext())
    track("o", open_token(readers[0]))
    track("o", open_token(readers[0]))
    track("c", click_token(readers[1], LINK))
    track("c", click_token(readers[1], LINK))
    track("c", click_token(readers[0], OTHER_LINK))
    track("o", open_token(readers[3]), method="HEAD")  # a link checker: a machine open
    token = unsubscribe_url(readers[2], now()).split("=")[1]
    subscription(api_event("POST", "/unsubscribe", query={"token": token}), FakeContext())
    answered_at = now()

    # Then the timeline has one bucket per hour since the send's hour, no gaps
    buckets = timeline(campaign_id)
    assert starts(buckets) == [hour(sent_at) + timedelta(hours=n) for n in range(len(buckets))]
    assert starts(buckets)[-1] == hour(answered_at)
    # and each event sits in the hour it happened, counted once per contact
    deliveries = bucket_at(buckets, now() - timedelta(minutes=58))
    assert deliveries["delivered"] == 4 and deliveries["bounced"] == 1 and deliveries["complained"] == 1
    assert total(buckets, "delivered") == 4 and total(buckets, "bounced") == 1
    assert total(buckets, "opened") == 2  # reader0, and reader1 whose click proves an open
    assert total(buckets, "clicked") == 2 and total(buckets, "unsubscribed") == 1
    assert bucket_at(buckets, answered_at)["opened"] == 2
    # and the totals agree with the campaign's statistics, machine opens apart
    stats = call("GET", f"/campaigns/{campaign_id}/stats", claims=OWNER).json()
    assert stats["machine_opens"] == 1
    for name in ("delivered", "opened", "clicked", "bounced", "complained", "unsubscribed"):
        assert total(buckets, name) == stats[name], name


def test_after_72_hours_the_buckets_are_days(owner):
    # Given a campaign sent five days ago, five minutes past an hour, delivered ten minutes after
    # the send (in the send's hour whatever the time the test runs)
    sent_at = hour(now() - timedelta(days=5)) + timedelta(minutes=5)
    campaign_id = sent_campaign(owner, sent_at)
    reader = sent_to(owner, "late@example.org", sent_at=sent_at)
    delivery = ses_event("ses_delivery", reader)
    delivery["mail"]["timestamp"] = iso(sent_at)
    delivery["delivery"]["timestamp"] = iso(sent_at + timedelta(minutes=10))
    ses_events(sqs_lambda_event(delivery), FakeContext())

    # When the reader opens it today
    track("o", open_token(reader))

    # Then 72 hourly buckets come first, then one per day up to today
    buckets = timeline(campaign_id)
    daily_from = hour(sent_at) + timedelta(hours=72)
    assert starts(buckets)[:72] == [hour(sent_at) + timedelta(hours=n) for n in range(72)]
    days = starts(buckets)[72:]
    assert days[0] == daily_from
    assert all(day.hour == 0 and day.minute == 0 for day in days[1:])
    assert days[-1] == max(daily_from, now().replace(hour=0, minute=0, second=0, microsecond=0))
    assert buckets[0]["delivered"] == 1
    assert buckets[-1]["opened"] == 1 and total(buckets, "opened") == 1


def test_a_campaign_not_sent_yet_has_an_empty_timeline_and_its_links_at_zero(aws, pipeline):
    # Given an account holder's draft campaign with links (one twice, one built from the
    # recipient's address, plus their own unsubscribe)
    owner = signed_in("links@example.com")
    list_id = create_list(owner)["list_id"]
    html = (
        f'<p><a href="{LINK}">Autumn</a> <a href="{OTHER_LINK}">Winter</a> <a href="{LINK}">again</a>'
        f' <a href="{PERSONAL_LINK}">Yours</a>'
        ' <a href="mailto:shop@example.com">Write</a> <a href="{{unsubscribe_url}}">Leave</a></p>'
    )
    body = {"list_id": list_id, "subject": "Seasons", "html": html, "text": "Seasons"}
    campaign_id = call("POST", "/campaigns", claims=owner, body=body).json()["campaign_id"]

    # Then a draft has no timeline and no link counts
    assert timeline(campaign_id, owner) == []
    assert call("GET", f"/campaigns/{campaign_id}/stats/links", claims=owner).json() == []

    # When it is sent
    add_contact(owner, list_id, "reader@example.org")
    assert call("POST", f"/campaigns/{campaign_id}/send", claims=owner).status == 202
    pipeline()

    # Then its links are listed once each, in the campaign's order, as written, at zero
    links = call("GET", f"/campaigns/{campaign_id}/stats/links", claims=owner)
    assert links.status == 200
    assert links.json() == [
        {"url": LINK, "clicks": 0, "unique_clicks": 0},
        {"url": OTHER_LINK, "clicks": 0, "unique_clicks": 0},
        {"url": PERSONAL_LINK, "clicks": 0, "unique_clicks": 0},
    ]
    assert len(timeline(campaign_id, owner)) == 1  # the send's hour


def test_a_link_built_from_the_recipients_values_is_counted_as_written_never_with_them(aws, pipeline):
    # Given a campaign sent to a reader who allows tracking, with a link built from their address
    owner = signed_in("personal@example.com")
    list_id = create_list(owner)["list_id"]
    add_contact(owner, list_id, "ada.reader@example.org", tracking_consent=True)
    html = f'<p><a href="{PERSONAL_LINK}">Your offer</a> <a href="{LINK}">Autumn</a></p>'
    body = {"list_id": list_id, "subject": "Yours", "html": html, "text": "Yours"}
    campaign_id = call("POST", "/campaigns", claims=owner, body=body).json()["campaign_id"]
    assert call("POST", f"/campaigns/{campaign_id}/send", claims=owner).status == 202
    pipeline()

    # When the reader, an hour later, clicks the personal link twice and the other once
    personal, autumn = click_tokens_in_email_to("ada.reader@example.org")
    with time_machine.travel(now() + timedelta(hours=1), tick=False):
        for token in (personal, personal, autumn):
            track("c", token)

    # Then the personal link is counted under the link as written, with every click and one person
    links = call("GET", f"/campaigns/{campaign_id}/stats/links", claims=owner).json()
    assert links == [
        {"url": PERSONAL_LINK, "clicks": 2, "unique_clicks": 1},
        {"url": LINK, "clicks": 1, "unique_clicks": 1},
    ]
    # and no statistic holds the reader's address (only their own contact and events do)
    assert [table for table, _ in holding("ada.reader@example.org") if "campaigns" in table] == []
    # and the reader's own export shows the links they clicked on their send marker, as JSON
    export = SubjectRequestService().export_of(email_hash("ada.reader@example.org"), now())
    [contact] = export["contacts"]
    [marker] = [event for event in contact["events"] if event["record"] == "send"]
    assert len(marker["clicked_links"]) == 2
    assert json.loads(json.dumps(export)) == export


@pytest.mark.promise("retention.events.13m")
def test_after_the_13_month_purge_the_timeline_and_links_are_gone_and_say_why(owner):
    # Given a campaign sent at a fixed time, delivered, opened and clicked within its first hour
    sent_at = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    with time_machine.travel(sent_at + timedelta(minutes=30), tick=False):
        campaign_id = sent_campaign(owner, sent_at)
        CounterRepository().save_link_order(campaign_id, [LINK], sent_at)
        reader = sent_to(owner, "reader@example.org", sent_at=sent_at)
        delivery = ses_event("ses_delivery", reader)
        delivery["mail"]["timestamp"] = iso(sent_at)
        delivery["delivery"]["timestamp"] = iso(sent_at + timedelta(minutes=5))
        ses_events(sqs_lambda_event(delivery), FakeContext())
        track("c", click_token(reader, LINK))
        before_timeline = call("GET", f"/campaigns/{campaign_id}/stats/timeline", claims=OWNER).json()
        before_links = call("GET", f"/campaigns/{campaign_id}/stats/links", claims=OWNER).json()
    assert total(before_timeline["buckets"], "delivered") == 1
    assert total(before_timeline["buckets"], "clicked") == 1
    assert before_links == [{"url": LINK, "clicks": 1, "unique_clicks": 1}]

    # When the hourly purge runs 13 months and 2 days later
    moment = add_months(sent_at, 13) + timedelta(days=2)
    summary = purge_as(moment)

    # Then the buckets, link counts and link order are deleted, not merely hidden
    assert summary["deleted"]["events"] >= 1
    table = CounterRepository()._table
    assert list(shard_item_keys(table, campaign_id)) == []
    assert "Item" not in table.get_item(Key={"campaign_id": campaign_id, "sk": "LINKS"})
    # and the routes read empty, the timeline and the stats saying why
    with time_machine.travel(moment, tick=False):
        after_timeline = call("GET", f"/campaigns/{campaign_id}/stats/timeline", claims=OWNER).json()
        after_links = call("GET", f"/campaigns/{campaign_id}/stats/links", claims=OWNER).json()
        stats = call("GET", f"/campaigns/{campaign_id}/stats", claims=OWNER).json()
    assert after_timeline == {"buckets": [], "statistics_expired": True}
    assert after_links == []
    assert (stats["delivered"], stats["clicked"], stats["statistics_expired"]) == (0, 0, True)


def test_link_counts_keep_the_campaigns_order_and_count_unique_contacts(owner):
    # Given a sent campaign whose links were kept in order at send start
    sent_at = now() - timedelta(hours=1)
    campaign_id = sent_campaign(owner, sent_at)
    CounterRepository().save_link_order(campaign_id, [OTHER_LINK, LINK], sent_at)
    readers = [sent_to(owner, f"clicker{n}@example.org", sent_at=sent_at) for n in range(2)]
    # When one reader clicks a link three times and another once; a scanner's HEAD adds nothing
    for _ in range(3):
        track("c", click_token(readers[0], LINK))
    track("c", click_token(readers[1], LINK))
    track("c", click_token(readers[1], LINK), method="HEAD")

    # Then the links come in the campaign's order, with all clicks and unique contacts
    links = call("GET", f"/campaigns/{campaign_id}/stats/links", claims=OWNER).json()
    assert links == [
        {"url": OTHER_LINK, "clicks": 0, "unique_clicks": 0},
        {"url": LINK, "clicks": 4, "unique_clicks": 2},
    ]


def test_the_sample_events_read_the_timeline_and_links_as_api_gateway_sends_them(owner):
    campaign_id = sent_campaign(owner, now() - timedelta(hours=1))
    CounterRepository().save_link_order(campaign_id, [LINK], now() - timedelta(hours=1))

    timeline = invoke(sample("campaigns_stats_timeline", OWNER, campaign_id=campaign_id))
    links = invoke(sample("campaigns_stats_links", OWNER, campaign_id=campaign_id))

    assert timeline.status == links.status == 200
    assert len(timeline.json()["buckets"]) == 2 and timeline.json()["statistics_expired"] is False
    assert links.json() == [{"url": LINK, "clicks": 0, "unique_clicks": 0}]


def test_another_accounts_campaign_answers_404_on_both_routes(owner):
    campaign_id = sent_campaign(owner, now() - timedelta(hours=1))
    for path in ("timeline", "links"):
        other = call("GET", f"/campaigns/{campaign_id}/stats/{path}", claims={"sub": "account-other"})
        unknown = call("GET", f"/campaigns/no-such-campaign/stats/{path}", claims=OWNER)
        assert other.status == unknown.status == 404
        assert other.problem["detail"] == unknown.problem["detail"]
        assert call("GET", f"/campaigns/{campaign_id}/stats/{path}").status == 401


def test_timeline_and_link_items_expire_13_months_after_the_events_they_count(owner):
    # Given a campaign whose reader clicked a link
    sent_at = now() - timedelta(hours=1)
    campaign_id = sent_campaign(owner, sent_at)
    reader = sent_to(owner, "reader@example.org", sent_at=sent_at)
    track("c", click_token(reader, LINK))
    clicked_at = now()
    counters = CounterRepository()
    assert counters.timeline(campaign_id, clicked_at) and counters.links(campaign_id, clicked_at)

    # Then every such item carries an expiry 13 months after the event, indexed for the purge
    table = counters._table
    items = [
        table.get_item(Key={"campaign_id": key["campaign_id"], "sk": key["sk"]})["Item"]
        for key in shard_item_keys(table, campaign_id)
        if key["sk"] != "COUNTER"
    ]
    assert items
    for item in items:
        assert abs(int(item["expires_at"]) - epoch(EVENT_DATA.after(clicked_at))) < 120
        assert item["expiry_bucket"]
    # and past that expiry they read as absent even before TTL or the purge removes them
    later = EVENT_DATA.after(clicked_at) + timedelta(minutes=5)
    assert counters.timeline(campaign_id, later) == [] and counters.links(campaign_id, later) == {}


def test_deleting_a_campaign_deletes_its_timeline_and_links(aws):
    owner = signed_in("deleting@example.com")
    list_id = create_list(owner)["list_id"]
    body = {"list_id": list_id, "subject": "Hi", "html": f'<a href="{LINK}">x</a>', "text": "Hi"}
    campaign_id = call("POST", "/campaigns", claims=owner, body=body).json()["campaign_id"]
    counters = CounterRepository()
    at = datetime.now(UTC)
    counters.add(campaign_id, {"sent": 1})
    counters.add_to_timeline(campaign_id, {"delivered": 1}, at)
    counters.add_click(campaign_id, LINK, True, at)

    assert call("DELETE", f"/campaigns/{campaign_id}", claims=owner).status == 204

    assert list(shard_item_keys(counters._table, campaign_id)) == []


def test_a_closed_accounts_still_valid_token_gets_the_same_401_on_both_routes(aws):
    # Given an account holder with a campaign, who closes the account while their token is valid
    owner = signed_in("closing@example.com")
    list_id = create_list(owner)["list_id"]
    body = {"list_id": list_id, "subject": "Autumn news", "html": f'<a href="{LINK}">x</a>', "text": "Hi"}
    campaign_id = call("POST", "/campaigns", claims=owner, body=body).json()["campaign_id"]
    assert call("GET", f"/campaigns/{campaign_id}/stats/timeline", claims=owner).status == 200
    assert call("DELETE", "/account", claims=owner).status == 202

    # Then the timeline and the links refuse it exactly as the campaign route does
    campaign_route = call("GET", f"/campaigns/{campaign_id}", claims=owner)
    for path in ("timeline", "links"):
        refused = call("GET", f"/campaigns/{campaign_id}/stats/{path}", claims=owner)
        assert refused.status == campaign_route.status == 401
        assert refused.text == campaign_route.text
