"""The scheduled purge through its function, run "as" later dates (the event's `time`), against
moto, whose DynamoDB never deletes expired items: whatever is gone, the purge removed."""

import copy
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError

from consentmail.accounts.service import AccountService
from consentmail.core.addresses import email_hash
from consentmail.core.clock import epoch, iso, parse_iso
from consentmail.core.records import (
    CampaignRecord,
    CampaignStatus,
    ConsentAction,
    ConsentProof,
    Contact,
    ContactStatus,
    Content,
    MailingList,
    RequestType,
)
from consentmail.core.retention import add_months, ttl_attributes
from consentmail.core.settings import get_settings
from consentmail.core.tables import SCHEMAS, Table
from consentmail.purge.service import CLOSURE_LEAD
from consentmail.store.campaigns import CampaignRepository
from consentmail.store.consent import ConsentRepository
from consentmail.store.contacts import ContactRepository, contact_id_for
from consentmail.store.content import ContentRepository
from consentmail.store.counters import CounterRepository
from consentmail.store.events import EventRepository
from consentmail.store.expiry import ExpiryIndex
from consentmail.store.lists import ListRepository
from consentmail.store.requests import RequestRepository
from consentmail.store.suppression import Reason, SuppressionRepository
from functions.purge.handler import handler
from tests.accounts_helpers import account_holder
from tests.http_events import FakeContext, load_event
from tests.stored_items import every_item, holding
from tests.tracking_helpers import sent_and_opened

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def purge_as(moment: datetime) -> dict:
    event = copy.deepcopy(load_event("scheduled_purge"))
    event["time"] = iso(moment)
    return handler(event, FakeContext())


def add_list_with_contact(account_id: str, address: str, at: datetime) -> tuple[str, str]:
    list_id = f"list-{account_id[:8]}"
    ListRepository().create(
        MailingList(
            list_id=list_id, account_id=account_id, name="News", from_email="news@example.com", created_at=at
        )
    )
    hashed = email_hash(address)
    contact_id = contact_id_for(list_id, hashed)
    ContactRepository().create(
        Contact(
            contact_id=contact_id,
            list_id=list_id,
            account_id=account_id,
            email=address,
            email_hash=hashed,
            status=ContactStatus.CONFIRMED,
            consent=ConsentProof(source="fair", obtained_at=at, text="Yes"),
            created_at=at,
        )
    )
    ConsentRepository().append(
        email_hash=hashed,
        account_id=account_id,
        list_id=list_id,
        contact_id=contact_id,
        action=ConsentAction.ADDED_BY_ACCOUNT,
        at=at,
    )
    return list_id, contact_id


def sent_campaign(account_id: str, list_id: str, contact_id: str, at: datetime) -> str:
    """A campaign sent at `at` to one contact, who opened it: content, counters, marker, event."""
    campaign_id = f"campaign-{account_id[:8]}"
    CampaignRepository().create(
        CampaignRecord(
            campaign_id=campaign_id,
            account_id=account_id,
            list_id=list_id,
            status=CampaignStatus.SENT,
            created_at=at,
            updated_at=at,
            sent_at=at,
        )
    )
    ContentRepository().put(campaign_id, Content(subject="Hello", html="<p>Hi</p>", text="Hi"), at)
    sent_and_opened(
        contact_id=contact_id, campaign_id=campaign_id, account_id=account_id, list_id=list_id, at=at
    )
    return campaign_id


@pytest.fixture
def campaign(aws) -> dict:
    list_id, contact_id = add_list_with_contact("account-sender", "reader@example.org", START)
    campaign_id = sent_campaign("account-sender", list_id, contact_id, START)
    return {"campaign_id": campaign_id, "contact_id": contact_id}


def test_purge_runs_as_the_events_time_and_returns_its_summary(aws):
    summary = purge_as(START)

    assert summary["ran_as"] == iso(START)
    assert set(summary["deleted"]) >= {"content", "events", "account"}
    assert summary["accounts_finished"] == 0
    assert summary["requests_near_due"] == 0


@pytest.mark.promise("retention.content.6d")
def test_at_7_days_a_sent_campaigns_content_is_gone_and_its_stats_remain(campaign):
    summary = purge_as(START + timedelta(days=7))

    assert summary["deleted"]["content"] == 1
    assert summary["deleted"]["events"] == 0
    content = boto3.client("dynamodb").get_item(
        TableName=get_settings().table(Table.CONTENT), Key={"campaign_id": {"S": campaign["campaign_id"]}}
    )
    assert "Item" not in content
    totals = CounterRepository().totals(campaign["campaign_id"])
    assert (totals["sent"], totals["delivered"], totals["opened"]) == (1, 1, 1)
    assert CampaignRepository().get(campaign["campaign_id"], START + timedelta(days=7)) is not None
    # The send marker, with the open's time.
    assert len(EventRepository().of_contact(campaign["contact_id"], START + timedelta(days=7))) == 1


@pytest.mark.promise("retention.events.13m")
def test_at_13_months_and_2_days_its_events_and_the_statistics_counting_them_are_gone(campaign):
    moment = add_months(START, 13) + timedelta(days=2)

    summary = purge_as(moment)

    # The send marker (with the open) and the counter shard that counted it: statistics are
    # event data.
    assert summary["deleted"]["events"] == 1
    assert EventRepository().delete_contact(campaign["contact_id"]) == 0
    assert CounterRepository().live_totals(campaign["campaign_id"], moment) is None


@pytest.mark.promise("retention.content.6d", "retention.events.13m")
def test_nothing_is_deleted_before_its_time(campaign):
    just_before_content = START + timedelta(days=6) - timedelta(seconds=1)
    summary = purge_as(just_before_content)
    assert sum(summary["deleted"].values()) == 0
    assert ContentRepository().get(campaign["campaign_id"], just_before_content) is not None

    just_before_events = add_months(START, 13) - timedelta(seconds=1)
    summary = purge_as(just_before_events)
    assert summary["deleted"]["events"] == 0
    assert len(EventRepository().of_contact(campaign["contact_id"], just_before_events)) == 1


@pytest.mark.promise("retention.content.6d", "retention.events.13m")
def test_nothing_overdue_survives_a_purge(aws):
    """Items in every table, expiring across a year (back to within the first run's 14-month
    look-back), each either due or not at the purge's time, some a second either side of it."""
    moment = START + timedelta(days=40)
    dynamodb = boto3.resource("dynamodb")
    expiries = [START - timedelta(days=300), START - timedelta(days=1)] + [
        START + timedelta(days=d, seconds=s) for d in (0, 6, 31, 39, 40, 41, 200) for s in (-1, 0, 1)
    ]
    for schema in SCHEMAS.values():
        table = dynamodb.Table(get_settings().table(schema.table))
        for n, expiry in enumerate(expiries):
            key = {schema.partition.name: f"overdue-test-{n}"}
            if schema.sort:
                key[schema.sort.name] = f"item-{n}"
            table.put_item(Item={**key, **ttl_attributes(expiry, key[schema.partition.name])})

    purge_as(moment)

    left = [item for _, item in every_item() if "expires_at" in item]
    assert left, "items not yet due must remain"
    assert all(int(item["expires_at"]["N"]) > epoch(moment) for item in left)
    not_due = sum(1 for e in expiries if epoch(e) > epoch(moment))
    test_items = [i for i in left if "overdue-test" in json.dumps(i)]
    assert len(test_items) == not_due * len(SCHEMAS)


def test_the_purge_resumes_from_its_watermark_month(aws):
    first = purge_as(START)
    second = purge_as(START + timedelta(days=40))

    assert first["months_checked"][0] == iso(add_months(START, -14))[:7]
    assert second["months_checked"] == ["2026-11", "2026-12", "2027-01"]


def test_an_item_given_a_later_expiry_after_the_index_was_read_is_not_deleted(campaign):
    """Conditional deletes: content extended by a send start stays, whatever the index said."""
    index = ExpiryIndex(Table.CONTENT)
    moment = START + timedelta(days=7)
    [key] = list(index.due_keys("2026-12", moment))
    ContentRepository().put(campaign["campaign_id"], Content(subject="Edited", html="<p>x</p>"), moment)

    assert index.delete_if_due(key, moment) is False
    assert ContentRepository().get(campaign["campaign_id"], moment) is not None


@pytest.fixture
def closed_account(aws) -> dict:
    profile = account_holder("holder@example.com", START)
    account_id = profile.account_id
    list_id, contact_id = add_list_with_contact(account_id, "reader@example.org", START)
    campaign_id = sent_campaign(account_id, list_id, contact_id, START + timedelta(days=20))
    SuppressionRepository().suppress_for_account(
        email_hash("bounced@example.org"), account_id, Reason.BOUNCE, START
    )
    ConsentRepository().append(
        email_hash=email_hash("bounced@example.org"),
        account_id=account_id,
        list_id=list_id,
        contact_id="gone-contact",
        action=ConsentAction.SUBSCRIBED,
        at=START,
    )
    closed = AccountService().close(account_id, START + timedelta(days=30))
    return {
        "account_id": account_id,
        "username": profile.username,
        "list_id": list_id,
        "contact_id": contact_id,
        "campaign_id": campaign_id,
        "deletion_due": closed.deletion_due,
    }


@pytest.mark.promise("retention.account.3m")
def test_a_closed_account_leaves_no_item_after_its_deletion_due(closed_account):
    summary = purge_as(closed_account["deletion_due"])

    assert summary["accounts_finished"] == 1
    for value in ("account_id", "list_id", "contact_id", "campaign_id"):
        assert holding(closed_account[value]) == [], value
    assert holding(email_hash("holder@example.com")) == []
    assert holding(email_hash("bounced@example.org")) == []
    with pytest.raises(ClientError) as error:
        boto3.client("cognito-idp").admin_get_user(
            UserPoolId=get_settings().user_pool_id, Username=closed_account["username"]
        )
    assert error.value.response["Error"]["Code"] == "UserNotFoundException"


@pytest.mark.promise("retention.backups")
def test_a_closed_account_is_finished_its_recovery_period_and_an_hour_before_deletion_due(closed_account):
    """So that point-in-time recovery, which keeps deleted items for 7 days, holds nothing of the
    account after deletion_due."""
    finish_at = closed_account["deletion_due"] - CLOSURE_LEAD

    early = purge_as(finish_at - timedelta(seconds=1))
    assert early["accounts_finished"] == 0
    assert holding(closed_account["contact_id"])

    on_time = purge_as(finish_at)
    assert on_time["accounts_finished"] == 1
    assert holding(closed_account["account_id"]) == []
    assert purge_as(finish_at + timedelta(hours=1))["accounts_finished"] == 0


@pytest.mark.promise("retention.account.3m")
def test_the_deletion_due_is_closure_plus_3_calendar_months(closed_account):
    closed_at = START + timedelta(days=30)
    assert closed_account["deletion_due"] == add_months(closed_at, 3)


@pytest.mark.promise("rights.deadline_watch")
def test_open_subject_requests_near_their_due_date_are_reported_to_the_operator(aws):
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName="operator-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    boto3.client("sns").subscribe(
        TopicArn=get_settings().operator_topic_arn, Protocol="sqs", Endpoint=queue_arn
    )
    requests = RequestRepository()
    verified = requests.create(
        email_hash="h" * 64, email="slow@example.org", request_type=RequestType.ERASURE, changes={}, at=START
    )
    requests.start(verified, START + timedelta(days=1))

    assert purge_as(START + timedelta(days=24))["requests_near_due"] == 0
    summary = purge_as(START + timedelta(days=26))

    assert summary["requests_near_due"] == 1
    [message] = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    body = json.loads(message["Body"])["Message"]
    assert verified.request_id in body and "slow@example.org" not in body
    assert parse_iso(iso(verified.due_at)) == START + timedelta(days=30)


def test_unverified_requests_lapse_with_their_link_and_are_purged(aws):
    requests = RequestRepository()
    requests.create(
        email_hash="h" * 64, email="late@example.org", request_type=RequestType.ACCESS, changes={}, at=START
    )

    summary = purge_as(START + timedelta(days=7))

    assert summary["deleted"]["subject_requests"] == 1
    assert holding("late@example.org") == []
    assert purge_as(START + timedelta(days=26))["requests_near_due"] == 0


def test_a_run_out_of_time_stops_cleanly_and_the_next_one_carries_on(campaign):
    from consentmail.purge.service import PurgeService

    moment = add_months(START, 13) + timedelta(days=2)
    stopped = PurgeService().run(moment, time_left=lambda: 0)

    assert stopped.complete is False
    assert RequestRepository().purge_watermark() is None
    finished = purge_as(moment)
    assert finished["complete"] is True
    assert finished["deleted"]["content"] == 1 and finished["deleted"]["events"] == 1
