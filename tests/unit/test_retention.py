"""The retention periods at their boundaries, with the clock moved by time-machine: content at 6
days, events at 13 calendar months (31 January, leap years), account data at closure + 3 months.
An item is present until the second before its expiry, absent to readers from that second, and
the purge deletes it then and never a second earlier."""

from datetime import UTC, datetime, timedelta

import boto3
import pytest
import time_machine

from consentmail.accounts.models import NewAccount
from consentmail.accounts.service import AccountService
from consentmail.core.clock import now
from consentmail.core.records import Content
from consentmail.core.retention import (
    ACCOUNT_AFTER_CLOSURE,
    EVENT_DATA,
    EXPIRY_SHARDS,
    MESSAGE_CONTENT,
    RetentionClass,
    add_months,
    expires_at,
    expiry_bucket,
    is_expired,
    ttl_attributes,
)
from consentmail.core.settings import get_settings
from consentmail.core.tables import ACCOUNT_DATA_RECOVERY_DAYS, SCHEMAS, Table
from consentmail.purge.service import CLOSURE_LEAD, PurgeService, months_between
from consentmail.store.content import ContentRepository
from consentmail.store.events import EventRepository

SECOND = timedelta(seconds=1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- the calendar ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2027-01-31T10:00:00", 1, "2027-02-28T10:00:00"),
        ("2028-01-31T10:00:00", 1, "2028-02-29T10:00:00"),
        # 31 January + 13 months: the last day of the next February, 28 or 29 days long.
        ("2026-01-31T10:00:00", 13, "2027-02-28T10:00:00"),
        ("2027-01-31T10:00:00", 13, "2028-02-29T10:00:00"),
        ("2028-02-29T23:59:59", 13, "2029-03-29T23:59:59"),
        ("2027-12-31T00:00:00", 13, "2029-01-31T00:00:00"),
        ("2026-11-30T12:00:00", 3, "2027-02-28T12:00:00"),
        ("2027-11-30T12:00:00", 3, "2028-02-29T12:00:00"),
    ],
)
def test_calendar_months_end_on_the_last_day_when_the_month_is_shorter(start, months, expected):
    assert add_months(at(start), months) == at(expected)


@pytest.mark.promise("retention.content.6d", "retention.events.13m", "retention.account.3m")
def test_the_three_promised_periods():
    start = at("2027-01-31T10:00:00")
    assert expires_at(RetentionClass.CONTENT, start) == start + timedelta(days=6)
    assert expires_at(RetentionClass.EVENTS, start) == at("2028-02-29T10:00:00")
    assert expires_at(RetentionClass.ACCOUNT, start) == at("2027-04-30T10:00:00")
    assert (MESSAGE_CONTENT.days, EVENT_DATA.months, ACCOUNT_AFTER_CLOSURE.months) == (6, 13, 3)


def test_an_item_is_expired_from_its_expiry_second_and_not_a_second_before():
    expiry = at("2027-02-06T10:00:00")
    item = ttl_attributes(expiry, "key")
    assert not is_expired(item, expiry - SECOND)
    assert is_expired(item, expiry)
    assert not is_expired({}, expiry + timedelta(days=9999))


def test_the_expiry_bucket_is_the_expiry_month_and_a_stable_shard():
    bucket = expiry_bucket(at("2028-02-29T10:00:00"), "contact-1")
    assert bucket.startswith("2028-02#")
    assert bucket == expiry_bucket(at("2028-02-01T00:00:00"), "contact-1")
    assert 0 <= int(bucket.split("#")[1]) < EXPIRY_SHARDS


def test_months_between_crosses_years():
    assert months_between("2027-11", "2028-02") == ["2027-11", "2027-12", "2028-01", "2028-02"]
    assert months_between("2028-03", "2028-02") == []


@pytest.mark.promise("retention.backups")
def test_closed_accounts_are_finished_early_enough_for_their_backups():
    assert timedelta(days=ACCOUNT_DATA_RECOVERY_DAYS, hours=1) == CLOSURE_LEAD
    for table in (Table.ACCOUNTS, Table.LISTS, Table.CONTACTS, Table.CONSENT, Table.CAMPAIGNS):
        assert SCHEMAS[table].recovery_days == ACCOUNT_DATA_RECOVERY_DAYS
    # Content (6 days) and events (13 months) keep no backups at all: any would outlive them.
    assert SCHEMAS[Table.CONTENT].recovery_days is None
    assert SCHEMAS[Table.EVENTS].recovery_days is None


# --- time travel through the purge -----------------------------------------------------------


def raw_item(table: Table, key: dict) -> dict | None:
    return boto3.resource("dynamodb").Table(get_settings().table(table)).get_item(Key=key).get("Item")


def purge() -> dict:
    return PurgeService().run(now()).as_dict()


@pytest.mark.promise("retention.content.6d")
@pytest.mark.parametrize("written", ["2026-11-25T09:00:00", "2027-01-31T23:30:00", "2028-02-29T12:00:00"])
def test_content_is_read_and_kept_until_6_days_then_gone(aws, written):
    start = at(written)
    with time_machine.travel(start, tick=False):
        ContentRepository().put("campaign-1", Content(subject="Hi", html="<p>Hi</p>"), now())
    expiry = start + timedelta(days=6)

    with time_machine.travel(expiry - SECOND, tick=False):
        assert purge()["deleted"]["content"] == 0
        assert ContentRepository().get("campaign-1", now()) is not None
    with time_machine.travel(expiry, tick=False):
        assert ContentRepository().get("campaign-1", now()) is None
        assert purge()["deleted"]["content"] == 1
    assert raw_item(Table.CONTENT, {"campaign_id": "campaign-1"}) is None


@pytest.mark.parametrize(
    ("happened", "gone"),
    [
        ("2027-01-31T10:00:00", "2028-02-29T10:00:00"),  # 31 January into a leap February
        ("2026-01-31T10:00:00", "2027-02-28T10:00:00"),  # 31 January into a common February
        ("2028-02-29T10:00:00", "2029-03-29T10:00:00"),  # from a leap day
        ("2026-11-25T09:00:00", "2027-12-25T09:00:00"),
    ],
)
@pytest.mark.promise("retention.events.13m")
def test_events_are_kept_13_calendar_months_to_the_second(aws, happened, gone):
    with time_machine.travel(at(happened), tick=False):
        events = EventRepository()
        events.claim_send(
            contact_id="contact-1", campaign_id="c1", account_id="a1", list_id="l1", tracked=True, at=now()
        )
        events.record(
            contact_id="contact-1", campaign_id="c1", account_id="a1", kind="open", at=now(), detail={}
        )
    expiry = at(gone)

    with time_machine.travel(expiry - SECOND, tick=False):
        assert purge()["deleted"]["events"] == 0
        assert len(EventRepository().of_contact("contact-1", now())) == 2
    with time_machine.travel(expiry, tick=False):
        assert EventRepository().of_contact("contact-1", now()) == []
        assert purge()["deleted"]["events"] == 2
    assert EventRepository().delete_contact("contact-1") == 0


@pytest.mark.promise("retention.account.3m")
@pytest.mark.parametrize("closed", ["2026-11-30T12:00:00", "2027-11-30T12:00:00"])
def test_account_data_is_gone_by_closure_plus_3_months_and_not_finished_early(aws, closed):
    closed_at = at(closed)
    with time_machine.travel(closed_at - timedelta(days=10), tick=False):
        profile = AccountService().create_account(
            NewAccount(
                email="holder@example.com",
                password="correct horse 1!",
                first_name="Hedy",
                last_name="Lamarr",
                country="FR",
                accept_privacy_policy="2026-01",
            ),
            ip="198.51.100.1",
            at=now(),
        )
    with time_machine.travel(closed_at, tick=False):
        closed_profile = AccountService().close(profile.account_id, now())
    due = add_months(closed_at, 3)
    assert closed_profile.deletion_due == due
    key = {"pk": f"ACCOUNT#{profile.account_id}", "sk": "PROFILE"}

    with time_machine.travel(due - CLOSURE_LEAD - SECOND, tick=False):
        assert purge()["accounts_finished"] == 0
    assert raw_item(Table.ACCOUNTS, key) is not None
    with time_machine.travel(due - CLOSURE_LEAD, tick=False):
        assert purge()["accounts_finished"] == 1
    assert raw_item(Table.ACCOUNTS, key) is None
