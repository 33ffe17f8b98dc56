"""The retention periods at their boundaries through the stores and the purge, against moto, with
the clock moved by time-machine: content at 6 days, events at 13 calendar months (31 January,
leap years), account data at closure + 3 months. An item is present until the second before its
expiry, absent to readers from that second, and the purge deletes it then and never a second
earlier. (The arithmetic alone is in tests/unit/test_retention.py.)"""

from datetime import UTC, datetime, timedelta

import boto3
import pytest
import time_machine

from consentmail.accounts.service import AccountService
from consentmail.core.clock import now
from consentmail.core.records import Content
from consentmail.core.retention import add_months
from consentmail.core.settings import get_settings
from consentmail.core.tables import Table
from consentmail.purge.service import CLOSURE_LEAD, PurgeService
from consentmail.store.content import ContentRepository
from consentmail.store.events import EventRepository
from tests.accounts_helpers import account_holder

SECOND = timedelta(seconds=1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


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
        events.record_unless_erased(
            email_hash="h1",
            contact_id="contact-1",
            campaign_id="c1",
            account_id="a1",
            kind="bounce",
            at=now(),
            detail={"type": "Permanent"},
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
        profile = account_holder("holder@example.com", now())
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
