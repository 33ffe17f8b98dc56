"""SES events through the ses_events function (SNS-invoked), against moto: every event type in
both shapes, counters moving once per contact whatever the redeliveries and the order, and
bounces and complaints suppressing the address in every list of the account."""

import json
from datetime import UTC, datetime

import pytest

from consentmail.core.addresses import email_hash
from consentmail.core.clock import now
from consentmail.core.records import ContactStatus, MailingList
from consentmail.store.contacts import ContactRepository
from consentmail.store.counters import CounterRepository
from consentmail.store.events import EventRepository
from consentmail.store.lists import ListRepository
from consentmail.store.suppression import Reason, SuppressionRepository, account_scope
from functions.ses_events.handler import handler
from tests.http_events import FakeContext, load_event
from tests.sending_helpers import add_contact
from tests.tracking_helpers import CAMPAIGN, sent_to, ses_event, sqs_lambda_event, totals

ADDRESS = "reader@example.org"


def deliver(*messages: dict) -> dict:
    return handler(sqs_lambda_event(*messages), FakeContext())


def status(contact) -> ContactStatus:
    return ContactRepository().get(contact.list_id, contact.contact_id, now()).status


def kinds(contact) -> list[str]:
    return sorted(e["kind"] for e in EventRepository().of_contact(contact.contact_id, now()) if "kind" in e)


def other_list(account_id: str, list_id: str) -> MailingList:
    mailing_list = MailingList(
        list_id=list_id,
        account_id=account_id,
        name=f"List {list_id}",
        from_email="other@example.com",
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    ListRepository().create(mailing_list)
    return mailing_list


@pytest.fixture
def reader(demo_list):
    return sent_to(demo_list, ADDRESS, tracking=True)


def test_the_sample_lambda_event_is_what_the_queue_delivers(aws):
    event = load_event("ses_events_sqs")
    assert json.loads(event["Records"][0]["body"])["eventType"] == "Delivery"
    assert handler(event, FakeContext()) == {"batchItemFailures": []}


def test_an_sns_envelope_is_read_too_when_the_subscription_is_not_raw(reader):
    envelope = {"Type": "Notification", "Message": json.dumps(ses_event("ses_delivery", reader))}
    event = sqs_lambda_event({})
    event["Records"][0]["body"] = json.dumps(envelope)

    handler(event, FakeContext())

    assert totals()["delivered"] == 1


def test_a_batch_writes_its_counters_once_per_campaign(demo_list, monkeypatch):
    readers = [sent_to(demo_list, f"reader{n}@example.org", tracking=True) for n in range(5)]
    counter_writes = []
    original = CounterRepository.add
    monkeypatch.setattr(
        CounterRepository, "add", lambda self, *a, **k: (counter_writes.append(a), original(self, *a, **k))[1]
    )

    deliver(*[ses_event("ses_delivery", r) for r in readers])

    assert len(counter_writes) == 1
    assert totals()["delivered"] == 5 and totals()["tracked"] == 5


def test_a_delivery_counts_delivered_and_tracked_once_per_contact(reader):
    delivery = ses_event("ses_delivery", reader)
    deliver(delivery)
    deliver(delivery)  # SNS delivers at least once

    counts = totals()
    assert counts["delivered"] == 1 and counts["tracked"] == 1
    assert kinds(reader) == []  # the send marker's delivered_at is the record
    assert EventRepository().get_send(reader.contact_id, CAMPAIGN, now())["delivered_at"]


def test_a_delivery_to_a_contact_without_tracking_consent_is_not_tracked(demo_list):
    contact = sent_to(demo_list, "private@example.org", tracking=False)

    deliver(ses_event("ses_delivery", contact))

    assert totals()["delivered"] == 1 and totals()["tracked"] == 0


def test_a_send_event_counts_nothing_and_writes_nothing_the_send_marker_does_not_hold(reader):
    deliver(ses_event("ses_send", reader))

    assert totals()["sent"] == 1  # the sender's own count, unchanged
    assert kinds(reader) == []  # the send marker already records the send


@pytest.mark.promise("suppression.bounces_complaints")
def test_a_permanent_bounce_suppresses_the_address_in_every_list_of_the_account_only(demo_list, reader):
    second = add_contact(other_list(demo_list.account_id, "list-second"), ADDRESS)
    stranger = add_contact(other_list("account-other", "list-other"), ADDRESS)

    deliver(ses_event("ses_bounce_permanent", reader))
    deliver(ses_event("ses_bounce_permanent", reader))

    assert totals()["bounced"] == 1
    assert status(reader) == ContactStatus.BOUNCED
    assert status(second) == ContactStatus.BOUNCED
    assert status(stranger) == ContactStatus.CONFIRMED
    suppression = SuppressionRepository()
    assert (
        suppression.get(email_hash(ADDRESS), account_scope(demo_list.account_id), now()).reason
        == Reason.BOUNCE
    )
    assert not suppression.is_suppressed(email_hash(ADDRESS), "account-other", now())


@pytest.mark.promise("suppression.bounces_complaints")
def test_a_complaint_suppresses_and_counts_once_even_before_its_delivery(demo_list, reader):
    deliver(ses_event("ses_complaint", reader))  # out of order: the complaint first
    deliver(ses_event("ses_delivery", reader))
    deliver(ses_event("ses_complaint", reader))

    counts = totals()
    assert counts["complained"] == 1 and counts["delivered"] == 1
    assert status(reader) == ContactStatus.COMPLAINED
    assert SuppressionRepository().is_suppressed(email_hash(ADDRESS), demo_list.account_id, now())


def test_a_complaint_suppresses_every_recipient_it_lists(demo_list):
    first = sent_to(demo_list, "first@example.org")
    second = sent_to(demo_list, "second@example.org")
    event = ses_event("ses_complaint", first)
    event["mail"]["destination"] = [first.email, second.email]
    event["complaint"]["complainedRecipients"] = [
        {"emailAddress": first.email},
        {"emailAddress": second.email},
    ]

    deliver(event)

    assert status(first) == status(second) == ContactStatus.COMPLAINED
    assert totals()["complained"] == 2


def test_an_address_on_the_ses_suppression_list_counts_as_suppressed_not_bounced(demo_list, reader):
    deliver(ses_event("ses_bounce_suppression_list", reader))
    deliver(ses_event("ses_bounce_suppression_list", reader))

    counts = totals()
    assert counts["suppressed"] == 1 and counts["bounced"] == 0
    assert SuppressionRepository().is_suppressed(email_hash(ADDRESS), demo_list.account_id, now())


def test_a_complaint_on_the_suppression_list_is_not_a_new_complaint(reader):
    event = ses_event("ses_complaint", reader)
    event["complaint"]["complaintSubType"] = "OnAccountSuppressionList"

    deliver(event)

    counts = totals()
    assert counts["suppressed"] == 1 and counts["complained"] == 0


def test_transient_bounces_suppress_only_after_three_campaigns(demo_list, reader):
    for number, campaign in enumerate(["campaign-demo", "campaign-2", "campaign-3"], start=1):
        if campaign != "campaign-demo":
            sent_to(demo_list, ADDRESS, campaign_id=campaign, contact=reader)
        deliver(ses_event("ses_bounce_transient", reader, campaign_id=campaign))
        deliver(ses_event("ses_bounce_transient", reader, campaign_id=campaign))  # a redelivery
        expected = ContactStatus.BOUNCED if number == 3 else ContactStatus.CONFIRMED
        assert status(reader) == expected
    assert totals()["bounced"] == 0


@pytest.mark.parametrize(
    "name, kind", [("ses_reject", "reject"), ("ses_rendering_failure", "rendering_failure")]
)
def test_rejected_and_unrenderable_sends_count_as_failed(reader, name, kind):
    deliver(ses_event(name, reader))
    deliver(ses_event(name, reader))

    assert totals()["failed"] == 1
    assert kinds(reader) == [kind]


def test_a_delivery_delay_is_kept_as_an_event_only(reader):
    deliver(ses_event("ses_delivery_delay", reader))

    assert kinds(reader) == ["delivery_delay"]
    assert totals()["delivered"] == 0 and status(reader) == ContactStatus.CONFIRMED


def test_an_optin_email_bounce_suppresses_without_campaign_counters(demo_list):
    contact = add_contact(demo_list, "newcomer@example.org", ContactStatus.PENDING)

    deliver(ses_event("ses_bounce_permanent", contact, kind="optin"))

    assert status(contact) == ContactStatus.BOUNCED
    assert totals()["bounced"] == 0
    assert kinds(contact) == ["bounce"]


@pytest.mark.parametrize(
    "name, expected",
    [
        ("ses_notification_bounce", ContactStatus.BOUNCED),
        ("ses_notification_complaint", ContactStatus.COMPLAINED),
    ],
)
def test_identity_notifications_without_tags_suppress_by_the_lists_sender(demo_list, name, expected):
    contact = add_contact(demo_list, "recipient@example.org")  # the samples' recipient
    elsewhere = add_contact(other_list("account-other", "list-other"), "recipient@example.org")

    assert handler(sqs_lambda_event(load_event(name)), FakeContext()) == {"batchItemFailures": []}

    assert status(contact) == expected
    assert status(elsewhere) == ContactStatus.CONFIRMED  # that list sends from another address


def test_an_identity_delivery_notification_changes_nothing(demo_list):
    contact = add_contact(demo_list, "recipient@example.org")

    deliver(load_event("ses_notification_delivery"))

    assert status(contact) == ContactStatus.CONFIRMED


def test_unknown_fields_are_tolerated(reader):
    event = ses_event("ses_bounce_permanent", reader)
    event["futureField"] = {"anything": [1, 2]}
    event["bounce"]["newDetail"] = "x"
    event["bounce"]["bouncedRecipients"][0]["extra"] = True

    deliver(event)

    assert totals()["bounced"] == 1


@pytest.mark.parametrize("message", ["not json", json.dumps({"hello": "world"}), json.dumps([1])])
def test_a_message_that_is_not_an_ses_event_is_dropped_not_retried(aws, message):
    event = sqs_lambda_event({})
    event["Records"][0]["body"] = message

    assert handler(event, FakeContext()) == {"batchItemFailures": []}


def test_events_of_ses_own_tracking_are_ignored(reader):
    event = ses_event("ses_delivery", reader)
    event["eventType"] = "Open"
    deliver(event)

    assert totals()["delivered"] == 0


def test_a_complaint_without_listed_recipients_applies_to_the_messages_destination(reader):
    event = ses_event("ses_complaint", reader)
    event["complaint"]["complainedRecipients"] = []

    deliver(event)

    assert status(reader) == ContactStatus.COMPLAINED and totals()["complained"] == 1


def test_a_bounce_of_our_own_system_email_suppresses_no_list(demo_list):
    contact = add_contact(demo_list, "recipient@example.org")
    event = load_event("ses_bounce_permanent")
    event["mail"]["source"] = demo_list.from_email
    event["mail"]["tags"] = {"cm_kind": ["subject_request"]}

    deliver(event)

    assert status(contact) == ContactStatus.CONFIRMED
