"""Deletion receipts: counted per account and run-wide, late only beyond the purge's own hour,
signed so that any edit shows, and holding nothing about a person."""

import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from consentmail.core.receipts import (
    ALL,
    ReceiptCollector,
    ReceiptKind,
    lateness,
    receipt_key,
    sign,
    verify,
)

RUN = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
KEY = receipt_key(b"h" * 32)


def receipts_of(collector: ReceiptCollector) -> dict[tuple[str, str], dict]:
    return {(r.kind.value, r.scope): r.fields() for r in collector.receipts()}


@pytest.mark.promise("retention.receipts")
def test_a_run_makes_one_receipt_per_account_and_kind_and_a_run_wide_summary():
    collector = ReceiptCollector(run_at=RUN)
    collector.record(ReceiptKind.CONTENT, "acct-a", RUN - timedelta(minutes=40))
    collector.record(ReceiptKind.CONTENT, "acct-a", RUN - timedelta(minutes=10))
    collector.record(ReceiptKind.CONTENT, "acct-b", RUN - timedelta(minutes=20))
    collector.record(ReceiptKind.EVENTS, "acct-b", RUN - timedelta(minutes=5), count=3)

    made = receipts_of(collector)

    assert set(made) == {("content", "acct-a"), ("content", "acct-b"), ("content", ALL), ("events", "acct-b"),
                         ("events", ALL)}  # fmt: skip
    assert made[("content", "acct-a")]["items_deleted"] == 2
    assert made[("content", "acct-a")]["oldest_deadline"] == "2026-12-01T09:20:00Z"
    assert made[("content", "acct-a")]["latest_deadline"] == "2026-12-01T09:50:00Z"
    assert made[("content", ALL)]["items_deleted"] == 3
    assert made[("events", ALL)]["items_deleted"] == 3
    assert all(r["late_by_seconds_max"] == 0 for r in made.values())


@pytest.mark.promise("retention.receipts")
def test_a_deletion_is_late_only_beyond_the_purges_hour_and_closures_and_erasures_have_no_slack():
    deadline = RUN - timedelta(hours=1)
    assert lateness(ReceiptKind.CONTENT, deadline, RUN) == 0
    assert lateness(ReceiptKind.EVENTS, deadline, RUN + timedelta(seconds=1)) == 1
    assert lateness(ReceiptKind.CONTENT, RUN - timedelta(days=1), RUN) == 23 * 3600
    assert lateness(ReceiptKind.CLOSED_ACCOUNT, RUN - timedelta(seconds=5), RUN) == 5
    assert lateness(ReceiptKind.ERASURE, RUN + timedelta(days=2), RUN) == 0

    collector = ReceiptCollector(run_at=RUN)
    collector.record(ReceiptKind.CONTENT, "acct-a", RUN - timedelta(minutes=30))
    collector.record(ReceiptKind.CONTENT, "acct-a", RUN - timedelta(hours=3))
    (per_account, summary) = collector.receipts()
    assert per_account.late_by_seconds_max == summary.late_by_seconds_max == 2 * 3600
    assert per_account.late


@pytest.mark.promise("retention.receipts")
def test_a_signed_receipt_verifies_and_any_edit_breaks_it():
    collector = ReceiptCollector(run_at=RUN)
    collector.record(ReceiptKind.EVENTS, "acct-a", RUN - timedelta(minutes=30), count=7)
    (receipt, _) = [sign(r, KEY) for r in collector.receipts()]

    assert receipt.signature.startswith("v1.") and verify(receipt, KEY)
    for edited in (
        replace(receipt, items_deleted=6),
        replace(receipt, late_by_seconds_max=0, latest_deadline=RUN + timedelta(days=1)),
        replace(receipt, scope="acct-b"),
        replace(receipt, kind=ReceiptKind.CONTENT),
        replace(receipt, run_at=RUN - timedelta(days=1)),
    ):
        assert not verify(edited, KEY)
    assert not verify(receipt, receipt_key(b"x" * 32))


def test_the_receipt_key_is_bound_to_its_purpose():
    hash_key = b"h" * 32
    assert receipt_key(hash_key) != hash_key
    assert (
        receipt_key(hash_key)
        == hmac.new(hash_key, b"consentmail/deletion-receipt/v1", hashlib.sha256).digest()
    )


def test_an_erasure_that_found_nothing_still_leaves_a_receipt_and_ids_can_name_the_request():
    collector = ReceiptCollector(run_at=RUN, id_prefix="req-123:")
    collector.record(ReceiptKind.ERASURE, None, RUN + timedelta(days=30), 0)

    (receipt,) = collector.receipts()

    assert (receipt.receipt_id, receipt.scope, receipt.items_deleted) == ("req-123:erasure:all", ALL, 0)
    with pytest.raises(ValueError):
        collector.record(ReceiptKind.ERASURE, None, RUN, -1)


@pytest.mark.promise("retention.receipts")
def test_a_receipt_holds_counts_dates_and_ids_only():
    collector = ReceiptCollector(run_at=RUN)
    collector.record(ReceiptKind.CONTENT, "acct-a", RUN)
    (receipt, _) = collector.receipts()
    assert set(receipt.fields()) == {
        "receipt_id",
        "run_at",
        "kind",
        "scope",
        "items_deleted",
        "oldest_deadline",
        "latest_deadline",
        "late_by_seconds_max",
        "signature",
    }
