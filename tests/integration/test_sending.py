"""The send pipeline end to end against moto: the send route starts it once, the fan-out function
turns the list into send-queue batches, the sender function turns batches into one SES email per
sendable contact, exactly once, paced, with throttling retried and failures counted."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.exceptions import ClientError

import functions.fanout.handler as fanout_function
import functions.sender.handler as sender_function
from consentmail.adapters.ses import not_sent, send_raw
from consentmail.campaigns.models import CampaignCreate
from consentmail.campaigns.service import CampaignService
from consentmail.composition import fanout as fanout_services
from consentmail.composition import sender as sender_services
from consentmail.core.records import CampaignStatus, ContactStatus
from consentmail.sending.fanout import FanOut
from consentmail.sending.models import FanOutMessage, SendBatch
from consentmail.sending.pacing import RateLimiter
from consentmail.sending.sender import OutOfTime, Sender
from consentmail.store.campaigns import CampaignRepository
from consentmail.store.contacts import ContactRepository
from consentmail.store.counters import CounterRepository
from consentmail.store.events import EventRepository
from consentmail.store.suppression import Reason, SuppressionRepository
from tests.conftest import sent_messages
from tests.http_events import FakeContext, load_event
from tests.sending_helpers import add_contact, parse

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
HTML = '<p>Hello</p><p><a href="https://example.com/?a=1&amp;b=2">Read</a></p>'


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def make_sender(fake_time: FakeTime, send=send_raw, rate: float = 14.0) -> Sender:
    return Sender(
        limiter=RateLimiter(rate, clock=fake_time.clock, sleep=fake_time.sleep),
        send=send,
        sleep=fake_time.sleep,
        clock=lambda: AT,
    )


@pytest.fixture
def functions_wired(aws, fake_time, monkeypatch):
    """Both functions with fresh services bound to this test's moto; the sender on a fake clock."""
    fanout = FanOut()
    monkeypatch.setattr(fanout_services, "fanout", lambda: fanout)
    sender = make_sender(fake_time)
    monkeypatch.setattr(sender_services, "sender", lambda: sender)
    return sender


def queue_url(aws, name: str) -> str:
    return aws.environment[f"CONSENTMAIL_{name.upper()}_QUEUE_URL"]


def sqs():
    return boto3.client("sqs", region_name="eu-west-3")


def as_event(messages: list[dict]) -> dict:
    """SQS messages in the shape the event source mapping hands to a function."""
    template = load_event("sqs_send")["Records"][0]
    return {
        "Records": [
            {**template, "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"]}
            for m in messages
        ]
    }


def drain(url: str, handler, rounds: int = 1000) -> int:
    """Deliver the queue's messages to the handler as Lambda would: delete what succeeded, make
    what failed visible again. Returns how many deliveries failed."""
    failures = 0
    for _ in range(rounds):
        messages = sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return failures
        try:
            response = handler(as_event(messages), FakeContext())
            failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        except BatchProcessingError:  # every record failed: Lambda retries the whole batch
            failed = {m["MessageId"] for m in messages}
        failures += len(failed)
        for message in messages:
            if message["MessageId"] in failed:
                sqs().change_message_visibility(
                    QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs().delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    raise AssertionError("the queue never drained")


def new_campaign(demo_list) -> str:
    view = CampaignService().create(
        demo_list.account_id, CampaignCreate(list_id=demo_list.list_id, subject="News", html=HTML), AT
    )
    return view.campaign_id


def start(demo_list, campaign_id: str) -> CampaignStatus:
    return CampaignService().start_send(demo_list.account_id, campaign_id, AT)


def recipients() -> list[str]:
    return [parse(m.raw_data)["To"] for m in sent_messages()]


def batch_of(demo_list, campaign_id: str, contacts) -> SendBatch:
    return SendBatch(
        campaign_id=campaign_id,
        account_id=demo_list.account_id,
        list_id=demo_list.list_id,
        contact_ids=[c.contact_id for c in contacts],
    )


def ses_error(code: str) -> Exception:
    """What the SES adapter raises when SES answers with this error code."""
    return not_sent(ClientError({"Error": {"Code": code, "Message": code}}, "SendEmail"))


def test_a_campaign_to_1000_contacts_sends_exactly_1000_emails(aws, demo_list, functions_wired, fake_time):
    for n in range(1000):
        add_contact(demo_list, f"reader{n:04d}@example.org", tracking=n % 2 == 0)
    campaign_id = new_campaign(demo_list)

    assert start(demo_list, campaign_id) == CampaignStatus.SENDING
    assert drain(queue_url(aws, "fanout"), fanout_function.handler) == 0
    assert drain(queue_url(aws, "send"), sender_function.handler) == 0

    sent = recipients()
    assert len(sent) == 1000 and len(set(sent)) == 1000
    totals = CounterRepository().totals(campaign_id)
    assert (totals["recipients"], totals["sent"], totals["failed"], totals["suppressed"]) == (
        1000,
        1000,
        0,
        0,
    )
    assert CampaignRepository().get(campaign_id, AT).status == CampaignStatus.SENT
    # Paced to 14 emails a second: 1,000 emails take at least 71 (simulated) seconds.
    assert fake_time.now >= 999 / 14 - 1e-6
    tracked = [m for m in sent_messages() if "/t/o/" in parse(m.raw_data).get_body(("html",)).get_content()]
    assert len(tracked) == 500


def test_a_campaign_to_an_internationalized_domain_goes_out_in_punycode(aws, demo_list, functions_wired):
    # Issue 12, finding 13: the contact is stored as typed (Unicode domain); the `To` header and
    # SES's destination carry the IDNA form every mail system reads, never an RFC 2047 word.
    add_contact(demo_list, "leser@bücher.de")
    campaign_id = new_campaign(demo_list)

    start(demo_list, campaign_id)
    assert drain(queue_url(aws, "fanout"), fanout_function.handler) == 0
    assert drain(queue_url(aws, "send"), sender_function.handler) == 0

    [message] = sent_messages()
    assert parse(message.raw_data)["To"] == "leser@xn--bcher-kva.de"
    assert set(message.destinations) == {"leser@xn--bcher-kva.de"}


def test_fanout_enqueues_batches_of_50_sendable_contacts(aws, demo_list, functions_wired):
    for n in range(120):
        add_contact(demo_list, f"r{n}@example.org")
    add_contact(demo_list, "pending@example.org", ContactStatus.PENDING)
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)

    drain(queue_url(aws, "fanout"), fanout_function.handler)

    bodies = []
    while (
        messages := sqs()
        .receive_message(QueueUrl=queue_url(aws, "send"), MaxNumberOfMessages=10)
        .get("Messages")
    ):
        bodies += [json.loads(m["Body"]) for m in messages]
        for m in messages:
            sqs().delete_message(QueueUrl=queue_url(aws, "send"), ReceiptHandle=m["ReceiptHandle"])
    assert sorted(len(b["contact_ids"]) for b in bodies) == [20, 50, 50]
    assert {(b["campaign_id"], b["account_id"], b["list_id"]) for b in bodies} == {
        (campaign_id, demo_list.account_id, demo_list.list_id)
    }


@pytest.mark.promise("suppression.bounces_complaints")
def test_every_excluded_status_is_never_sent_to(aws, demo_list, functions_wired):
    wanted = add_contact(demo_list, "confirmed@example.org")
    excluded = [
        add_contact(demo_list, f"{status.value}@example.org", status)
        for status in (
            ContactStatus.PENDING,
            ContactStatus.UNSUBSCRIBED,
            ContactStatus.BOUNCED,
            ContactStatus.COMPLAINED,
        )
    ]
    suppressed = add_contact(demo_list, "suppressed@example.org")
    SuppressionRepository().suppress_for_account(
        suppressed.email_hash, demo_list.account_id, Reason.COMPLAINT, AT
    )
    erased = add_contact(demo_list, "erased@example.org")
    SuppressionRepository().suppress_erased(erased.email_hash, AT)
    deleted = add_contact(demo_list, "deleted@example.org")
    ContactRepository().delete(demo_list.list_id, deleted.contact_id)
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)

    # The batch as a fan-out made it before their status changed: the sender reads them again.
    outcome = functions_wired.send_batch(
        batch_of(demo_list, campaign_id, [wanted, *excluded, suppressed, erased, deleted])
    )

    assert recipients() == ["confirmed@example.org"]
    assert (outcome.sent, outcome.suppressed, outcome.gone, outcome.failed) == (1, 6, 1, 0)
    assert CounterRepository().totals(campaign_id)["suppressed"] == 6


def test_a_redelivered_batch_counts_skipped_contacts_once(aws, demo_list, functions_wired):
    contacts = [
        add_contact(demo_list, "pending@example.org", ContactStatus.PENDING),
        add_contact(demo_list, "ada@example.org"),
    ]
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)
    batch = batch_of(demo_list, campaign_id, contacts)

    functions_wired.send_batch(batch)
    functions_wired.send_batch(batch)

    totals = CounterRepository().totals(campaign_id)
    assert (totals["recipients"], totals["sent"], totals["suppressed"]) == (1, 1, 1)


def test_a_batch_short_of_time_stops_and_its_redelivery_sends_the_rest(aws, demo_list, fake_time):
    contacts = [add_contact(demo_list, f"r{n}@example.org") for n in range(4)]
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)
    batch = batch_of(demo_list, campaign_id, contacts)
    remaining = iter([300.0, 300.0, 5.0])

    with pytest.raises(OutOfTime):
        make_sender(fake_time).send_batch(batch, time_left=lambda: next(remaining))
    assert len(recipients()) == 2
    assert CounterRepository().totals(campaign_id)["sent"] == 2

    make_sender(fake_time).send_batch(batch)

    assert sorted(recipients()) == sorted(c.email for c in contacts)
    assert CounterRepository().totals(campaign_id)["sent"] == 4


def test_a_marker_left_sending_by_a_dead_sender_is_counted_failed_and_never_resent(aws, demo_list, fake_time):
    contact = add_contact(demo_list, "ada@example.org")
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)
    # A sender claimed the contact an hour ago and died before SES answered (or before it marked it).
    EventRepository().claim_send(
        contact_id=contact.contact_id,
        campaign_id=campaign_id,
        account_id=demo_list.account_id,
        list_id=demo_list.list_id,
        tracked=False,
        at=AT - timedelta(hours=1),
    )

    outcome = make_sender(fake_time).send_batch(batch_of(demo_list, campaign_id, [contact]))

    assert recipients() == []
    assert (outcome.recipients, outcome.failed) == (1, 1)
    assert EventRepository().get_send(contact.contact_id, campaign_id, AT)["status"] == "failed"


def test_a_fresh_marker_of_a_live_sender_is_left_alone(aws, demo_list, fake_time):
    contact = add_contact(demo_list, "ada@example.org")
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)
    EventRepository().claim_send(
        contact_id=contact.contact_id,
        campaign_id=campaign_id,
        account_id=demo_list.account_id,
        list_id=demo_list.list_id,
        tracked=False,
        at=AT - timedelta(seconds=30),
    )

    outcome = make_sender(fake_time).send_batch(batch_of(demo_list, campaign_id, [contact]))

    assert recipients() == [] and (outcome.already_sent, outcome.failed) == (1, 0)
    assert EventRepository().get_send(contact.contact_id, campaign_id, AT)["status"] == "sending"


def test_the_fanout_itself_enqueues_only_confirmed_contacts(aws, demo_list, functions_wired):
    add_contact(demo_list, "confirmed@example.org")
    for status in (
        ContactStatus.PENDING,
        ContactStatus.UNSUBSCRIBED,
        ContactStatus.BOUNCED,
        ContactStatus.COMPLAINED,
    ):
        add_contact(demo_list, f"{status.value}@example.org", status)
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)

    drain(queue_url(aws, "fanout"), fanout_function.handler)
    drain(queue_url(aws, "send"), sender_function.handler)

    assert recipients() == ["confirmed@example.org"]
    assert CounterRepository().totals(campaign_id)["recipients"] == 1


def test_a_batch_failing_half_way_and_redelivered_sends_each_contact_exactly_once(
    aws, demo_list, fake_time, monkeypatch
):
    contacts = [add_contact(demo_list, f"r{n}@example.org") for n in range(5)]
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)
    calls = {"n": 0}

    def flaky_send(raw, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # SES fails on the 3rd contact of the first delivery
            raise ses_error("InternalFailure")
        return send_raw(raw, **kwargs)

    flaky = make_sender(fake_time, send=flaky_send)
    monkeypatch.setattr(sender_services, "sender", lambda: flaky)
    sqs().send_message(
        QueueUrl=queue_url(aws, "send"),
        MessageBody=batch_of(demo_list, campaign_id, contacts).model_dump_json(),
    )

    failures = drain(queue_url(aws, "send"), sender_function.handler)

    assert failures == 1  # the first delivery failed half way, the redelivery succeeded
    assert sorted(recipients()) == sorted(c.email for c in contacts)
    totals = CounterRepository().totals(campaign_id)
    assert (totals["recipients"], totals["sent"], totals["failed"]) == (5, 5, 0)
    markers = [EventRepository().get_send(c.contact_id, campaign_id, AT) for c in contacts]
    assert {m["status"] for m in markers} == {"sent"} and all(m["message_id"] for m in markers)


def test_a_duplicated_batch_sends_nothing_twice(aws, demo_list, functions_wired):
    contacts = [add_contact(demo_list, f"r{n}@example.org") for n in range(3)]
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)
    body = batch_of(demo_list, campaign_id, contacts).model_dump_json()
    for _ in range(2):  # SQS delivers at least once
        sqs().send_message(QueueUrl=queue_url(aws, "send"), MessageBody=body)

    drain(queue_url(aws, "send"), sender_function.handler)

    assert len(recipients()) == 3
    assert CounterRepository().totals(campaign_id)["sent"] == 3


def test_throttling_is_retried_with_backoff_not_failed(aws, demo_list, fake_time):
    contact = add_contact(demo_list, "ada@example.org")
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)
    attempts = {"n": 0}

    def throttled_twice(raw, **kwargs):
        attempts["n"] += 1
        if attempts["n"] <= 2:
            raise ses_error("TooManyRequestsException")
        return send_raw(raw, **kwargs)

    outcome = make_sender(fake_time, send=throttled_twice).send_batch(
        batch_of(demo_list, campaign_id, [contact])
    )

    assert (outcome.sent, outcome.failed) == (1, 0)
    assert recipients() == ["ada@example.org"]
    backoffs = fake_time.sleeps[-2:]
    assert len(fake_time.sleeps) >= 2 and backoffs[1] > 0 and backoffs[0] > 0


def test_persistent_throttling_fails_the_batch_for_redelivery_without_counting_a_failure(
    aws, demo_list, fake_time
):
    contact = add_contact(demo_list, "ada@example.org")
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)
    batch = batch_of(demo_list, campaign_id, [contact])

    def always_throttled(raw, **kwargs):
        raise ses_error("ThrottlingException")

    with pytest.raises(Exception, match="ThrottlingException"):
        make_sender(fake_time, send=always_throttled).send_batch(batch)
    assert EventRepository().get_send(contact.contact_id, campaign_id, AT) is None
    assert CounterRepository().totals(campaign_id)["failed"] == 0

    make_sender(fake_time).send_batch(batch)  # the redelivery, once SES has room again

    assert recipients() == ["ada@example.org"]


def test_a_message_ses_refuses_is_counted_failed_and_the_rest_still_go_out(aws, demo_list, fake_time):
    contacts = [add_contact(demo_list, f"r{n}@example.org") for n in range(3)]
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)

    def refuse_second(raw, **kwargs):
        if kwargs["to"] == "r1@example.org":
            raise ses_error("MessageRejected")
        return send_raw(raw, **kwargs)

    outcome = make_sender(fake_time, send=refuse_second).send_batch(
        batch_of(demo_list, campaign_id, contacts)
    )

    assert (outcome.recipients, outcome.sent, outcome.failed) == (3, 2, 1)
    assert sorted(recipients()) == ["r0@example.org", "r2@example.org"]
    assert EventRepository().get_send(contacts[1].contact_id, campaign_id, AT)["status"] == "failed"
    totals = CounterRepository().totals(campaign_id)
    assert (totals["recipients"], totals["sent"], totals["failed"]) == (3, 2, 1)


def test_each_email_is_tagged_so_ses_events_map_back(aws, demo_list, fake_time):
    contact = add_contact(demo_list, "ada@example.org")
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)
    seen: list[dict] = []

    def spy(raw, **kwargs):
        seen.append(kwargs)
        return send_raw(raw, **kwargs)

    make_sender(fake_time, send=spy).send_batch(batch_of(demo_list, campaign_id, [contact]))

    assert seen == [
        {
            "from_email": "news@example.com",
            "to": "ada@example.org",
            "tags": {
                "cm_kind": "campaign",
                "cm_account": demo_list.account_id,
                "cm_campaign": campaign_id,
                "cm_contact": contact.contact_id,
                "cm_list": demo_list.list_id,
            },
        }
    ]


def test_a_repeated_send_call_sends_each_email_once(aws, demo_list, functions_wired):
    for n in range(3):
        add_contact(demo_list, f"r{n}@example.org")
    campaign_id = new_campaign(demo_list)

    statuses = [start(demo_list, campaign_id) for _ in range(3)]
    drain(queue_url(aws, "fanout"), fanout_function.handler)
    statuses.append(start(demo_list, campaign_id))
    drain(queue_url(aws, "send"), sender_function.handler)

    assert statuses == [
        CampaignStatus.SENDING,
        CampaignStatus.SENDING,
        CampaignStatus.SENDING,
        CampaignStatus.SENT,
    ]
    assert len(recipients()) == 3


def test_a_fanout_short_of_time_continues_in_a_new_message_without_duplicates(
    aws, demo_list, functions_wired, monkeypatch
):
    for n in range(25):
        add_contact(demo_list, f"r{n:02d}@example.org")
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)
    fanout = FanOut(page_size=10)
    message = FanOutMessage(campaign_id=campaign_id, account_id=demo_list.account_id)

    first = fanout.run(message, AT, time_left=lambda: 5.0)  # one page, then hand over

    assert not first.finished and first.contacts == 10
    assert CampaignRepository().get(campaign_id, AT).fanout_cursor
    # The continuation message, then a redelivered copy of the original: both resume from the cursor.
    monkey_fanout = FanOut(page_size=10)
    monkeypatch.setattr(fanout_services, "fanout", lambda: monkey_fanout)
    drain(queue_url(aws, "fanout"), fanout_function.handler)
    fanout.run(message, AT)
    drain(queue_url(aws, "send"), sender_function.handler)

    assert sorted(recipients()) == sorted(f"r{n:02d}@example.org" for n in range(25))
    assert CampaignRepository().get(campaign_id, AT).status == CampaignStatus.SENT


def test_sample_send_event_is_processed(aws, demo_list, functions_wired):
    event = load_event("sqs_send")
    body = json.loads(event["Records"][0]["body"])
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)
    contact = add_contact(demo_list, "ada@example.org")
    body.update(campaign_id=campaign_id, contact_ids=[contact.contact_id, uuid.uuid4().hex[:24]])
    event["Records"][0]["body"] = json.dumps(body)

    response = sender_function.handler(event, FakeContext())

    assert response == {"batchItemFailures": []}
    assert recipients() == ["ada@example.org"]


def test_a_poison_message_is_reported_as_a_batch_item_failure(aws, demo_list, functions_wired):
    contact = add_contact(demo_list, "ada@example.org")
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)
    good = load_event("sqs_send")["Records"][0]
    good["body"] = batch_of(demo_list, campaign_id, [contact]).model_dump_json()
    poison = {**good, "messageId": "poison", "body": "not json"}

    response = sender_function.handler({"Records": [good, poison]}, FakeContext())

    assert response == {"batchItemFailures": [{"itemIdentifier": "poison"}]}
    assert recipients() == ["ada@example.org"]


def test_a_campaign_deleted_during_its_fanout_stops_it_quietly(aws, demo_list, functions_wired):
    for n in range(15):
        add_contact(demo_list, f"r{n:02d}@example.org")
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)
    message = FanOutMessage(campaign_id=campaign_id, account_id=demo_list.account_id)
    pages = FanOut(page_size=10)
    original_page = pages.contacts.page

    def page_then_delete(*args, **kwargs):
        found = original_page(*args, **kwargs)
        CampaignService().delete(demo_list.account_id, campaign_id, AT)
        return found

    pages.contacts.page = page_then_delete

    result = pages.run(message, AT)

    assert not result.finished and result.contacts == 10
    drain(queue_url(aws, "send"), sender_function.handler)
    assert recipients() == []  # the sender finds no campaign: nothing goes out


def test_a_batch_running_after_the_content_expired_counts_its_contacts_failed(aws, demo_list, fake_time):
    contact = add_contact(demo_list, "ada@example.org")
    campaign_id = new_campaign(demo_list)
    start(demo_list, campaign_id)
    late = Sender(
        limiter=RateLimiter(14, clock=fake_time.clock, sleep=fake_time.sleep),
        sleep=fake_time.sleep,
        clock=lambda: AT + timedelta(days=6, seconds=1),
    )

    outcome = late.send_batch(batch_of(demo_list, campaign_id, [contact]))

    assert recipients() == []
    assert (outcome.recipients, outcome.failed) == (1, 1)
    assert CounterRepository().totals(campaign_id)["failed"] == 1
