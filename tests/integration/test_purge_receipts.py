"""Deletion receipts from the purge, in-process against moto: per account and run-wide, on time
within the purge's hour, late beyond it, and the late deletion reaches the purge's summary (whose
metric the operator's alarm watches)."""

from datetime import timedelta

import boto3
import pytest

from consentmail.core.receipts import receipt_key, verify
from consentmail.core.settings import get_settings
from consentmail.core.signing_keys import get_keyring
from consentmail.core.tables import Table
from consentmail.receipts.service import ReceiptService
from consentmail.store.receipts import ReceiptRepository, to_receipt
from tests.integration.test_purge import START, add_list_with_contact, purge_as, sent_campaign
from tools.audit import report


@pytest.fixture
def campaign(aws) -> dict:
    list_id, contact_id = add_list_with_contact("account-sender", "reader@example.org", START)
    return {"campaign_id": sent_campaign("account-sender", list_id, contact_id, START)}


def stored() -> list:
    table = boto3.resource("dynamodb").Table(get_settings().table(Table.RECEIPTS))
    return [to_receipt(item) for item in table.scan()["Items"]]


@pytest.mark.promise("retention.receipts", "retention.content.6d")
def test_content_deleted_within_the_purges_hour_leaves_an_on_time_receipt_for_its_account(campaign):
    summary = purge_as(START + timedelta(days=6, minutes=40))

    receipts = {(r.kind.value, r.scope): r for r in stored()}
    assert set(receipts) == {("content", "account-sender"), ("content", "all")}
    mine = receipts[("content", "account-sender")]
    assert mine.items_deleted == 1 and mine.late_by_seconds_max == 0
    assert mine.oldest_deadline == mine.latest_deadline == START + timedelta(days=6)
    assert verify(mine, receipt_key(get_keyring().hash_key))
    assert summary["receipts"] == 2 and summary["late_by_seconds_max"] == 0
    page, _ = ReceiptRepository().page("account-sender", None, 10)
    assert [r.receipt_id for r in page] == [mine.receipt_id]


@pytest.mark.promise("retention.receipts")
def test_a_deletion_a_day_after_its_deadline_is_late_and_the_summary_says_by_how_much(campaign):
    summary = purge_as(START + timedelta(days=7))

    late = {r.scope: r.late_by_seconds_max for r in stored() if r.kind.value == "content"}
    assert late == {"account-sender": 23 * 3600, "all": 23 * 3600}
    assert summary["late_by_seconds_max"] == 23 * 3600
    # The operator's audit fails on it, naming the late receipts.
    audit = ReceiptService().audit(START, START + timedelta(days=8))
    assert not audit.passed and not audit.bad_signatures
    assert sorted(r.scope for r in audit.late) == ["account-sender", "all"]
    assert report(audit, START, START + timedelta(days=8)).count("LATE") == 2


@pytest.mark.promise("retention.receipts", "retention.events.13m")
def test_events_leave_a_receipt_and_nothing_about_the_person(campaign):
    from consentmail.core.retention import add_months

    purge_as(START + timedelta(days=6, minutes=30))
    purge_as(add_months(START, 13) + timedelta(minutes=30))

    events = [r for r in stored() if r.kind.value == "events"]
    # The send marker, which holds the open.
    assert {(r.scope, r.items_deleted, r.late_by_seconds_max) for r in events} == {
        ("account-sender", 1, 0),
        ("all", 1, 0),
    }
    raw = str(boto3.resource("dynamodb").Table(get_settings().table(Table.RECEIPTS)).scan()["Items"])
    assert "reader@example.org" not in raw and "list-account-" not in raw
