"""The retention periods at their boundaries, as arithmetic: content at 6 days, events at 13
calendar months (31 January, leap years), account data at closure + 3 months, an item expired from
its expiry second. The same boundaries through the stores and the purge, with the clock moved, are
in tests/integration/test_retention_purge.py."""

from datetime import UTC, datetime, timedelta

import pytest

from consentmail.core.retention import (
    ACCOUNT_AFTER_CLOSURE,
    ERASURE_TOMBSTONE,
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
from consentmail.core.routes import Function
from consentmail.core.tables import ACCOUNT_DATA_RECOVERY_DAYS, SCHEMAS, Table
from consentmail.purge.service import CLOSURE_LEAD, months_between
from infra.timeouts import timeout_seconds

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


def test_an_erasures_tombstone_outlives_every_writer_that_read_before_it_and_no_more_than_an_hour():
    """A writer writes at most a function's timeout after it read (docs/retention.md, "Erasure
    against concurrent writers"): the tombstone must still refuse its write then, twice over."""
    longest = timedelta(seconds=max(timeout_seconds(function) for function in Function))
    assert 2 * longest <= ERASURE_TOMBSTONE <= timedelta(hours=1)
