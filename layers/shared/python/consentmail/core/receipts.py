"""Deletion receipts: the evidence that retention ran. Each purge run and each erasure leaves, per
kind of data and per account it deleted something of, a receipt of what it deleted (a count), the
deadlines those items had and how late the latest one was, plus one run-wide summary per kind
(scope "all"). A receipt holds counts, dates and ids only: never an address, a name or a hash of one.

Receipts are signed with HMAC-SHA256 under a key derived, for this purpose only, from the signing
secret's hash key (docs/retention.md says why): editing a stored receipt breaks its signature,
which `make audit` checks.

Deadlines and lateness, per kind:
- content, events, statistics, request_export: the item's `expires_at`; the purge runs every
  PURGE_INTERVAL, so a deletion within that interval after the deadline is on time;
- closed_account: `deletion_due` minus the account tables' recovery period, so that no backup
  holds the account after `deletion_due`; the purge finishes accounts an interval before it;
- erasure: the request's due date (receipt + 30 days).
`late_by_seconds_max` is the largest lateness beyond that allowance, 0 when all were on time.
"""

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from consentmail.core.clock import iso
from consentmail.core.retention import PURGE_INTERVAL

ALL = "all"
# Domain separation: this key signs receipts and nothing else, whatever else the hash key keys.
KEY_LABEL = b"consentmail/deletion-receipt/v1"
SIGNATURE_PREFIX = "v1."


class ReceiptKind(StrEnum):
    CONTENT = "content"
    EVENTS = "events"
    STATISTICS = "statistics"
    CLOSED_ACCOUNT = "closed_account"
    ERASURE = "erasure"
    REQUEST_EXPORT = "request_export"


ON_TIME_ALLOWANCE: dict[ReceiptKind, timedelta] = {
    ReceiptKind.CONTENT: PURGE_INTERVAL,
    ReceiptKind.EVENTS: PURGE_INTERVAL,
    ReceiptKind.STATISTICS: PURGE_INTERVAL,
    ReceiptKind.REQUEST_EXPORT: PURGE_INTERVAL,
    ReceiptKind.CLOSED_ACCOUNT: timedelta(0),
    ReceiptKind.ERASURE: timedelta(0),
}


@dataclass(frozen=True)
class Receipt:
    receipt_id: str
    run_at: datetime
    kind: ReceiptKind
    scope: str
    items_deleted: int
    oldest_deadline: datetime
    latest_deadline: datetime
    late_by_seconds_max: int
    signature: str = ""

    def fields(self) -> dict:
        """The receipt as the API and the store show it (dates in ISO 8601, UTC)."""
        return {
            "receipt_id": self.receipt_id,
            "run_at": iso(self.run_at),
            "kind": self.kind.value,
            "scope": self.scope,
            "items_deleted": self.items_deleted,
            "oldest_deadline": iso(self.oldest_deadline),
            "latest_deadline": iso(self.latest_deadline),
            "late_by_seconds_max": self.late_by_seconds_max,
            "signature": self.signature,
        }

    @property
    def late(self) -> bool:
        return self.late_by_seconds_max > 0


def receipt_key(hash_key: bytes) -> bytes:
    """The receipt-signing key: HMAC of a fixed label under the secret's hash key (which never
    rotates, so receipts stay verifiable for their whole retention)."""
    return hmac.new(hash_key, KEY_LABEL, hashlib.sha256).digest()


def canonical(receipt: Receipt) -> bytes:
    """The signed bytes: every field but the signature, as sorted compact JSON."""
    body = {k: v for k, v in receipt.fields().items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign(receipt: Receipt, key: bytes) -> Receipt:
    mac = hmac.new(key, canonical(receipt), hashlib.sha256).digest()
    return replace(receipt, signature=SIGNATURE_PREFIX + base64.urlsafe_b64encode(mac).rstrip(b"=").decode())


def verify(receipt: Receipt, key: bytes) -> bool:
    return hmac.compare_digest(sign(receipt, key).signature, receipt.signature)


def lateness(kind: ReceiptKind, deadline: datetime, deleted_at: datetime) -> int:
    """Seconds past the deadline beyond the kind's on-time allowance (0 if on time)."""
    late = (deleted_at - deadline - ON_TIME_ALLOWANCE[kind]).total_seconds()
    return max(0, int(late))


@dataclass
class _Tally:
    items: int = 0
    oldest: datetime | None = None
    latest: datetime | None = None
    late: int = 0

    def add(self, deadline: datetime, count: int, late: int) -> None:
        self.items += count
        self.oldest = deadline if self.oldest is None else min(self.oldest, deadline)
        self.latest = deadline if self.latest is None else max(self.latest, deadline)
        self.late = max(self.late, late)


@dataclass
class ReceiptCollector:
    """Counts one run's deletions by kind and account, with their deadlines; `receipts()` turns
    them into one receipt per (kind, account) and one run-wide summary per kind."""

    run_at: datetime
    id_prefix: str = ""
    _tallies: dict[tuple[ReceiptKind, str], _Tally] = field(default_factory=dict)

    def record(self, kind: ReceiptKind, account_id: str | None, deadline: datetime, count: int = 1) -> None:
        """`count` items of `kind` (of one account, or of none known) whose deadline was `deadline`
        were deleted at this run's time. A count of 0 still makes a receipt: an erasure that found
        nothing to delete was carried out all the same."""
        if count < 0:
            raise ValueError("a deletion count cannot be negative")
        deadline = deadline.astimezone(UTC)
        late = lateness(kind, deadline, self.run_at)
        scopes = (account_id, ALL) if account_id else (ALL,)
        for scope in scopes:
            self._tallies.setdefault((kind, scope), _Tally()).add(deadline, count, late)

    def __bool__(self) -> bool:
        return bool(self._tallies)

    def receipts(self) -> list[Receipt]:
        made = []
        for (kind, scope), tally in sorted(self._tallies.items()):
            assert tally.oldest is not None and tally.latest is not None  # noqa: S101 - set by add()
            receipt_id = f"{self.id_prefix}{kind.value}:{scope}" if self.id_prefix else uuid.uuid4().hex
            made.append(
                Receipt(
                    receipt_id=receipt_id,
                    run_at=self.run_at,
                    kind=kind,
                    scope=scope,
                    items_deleted=tally.items,
                    oldest_deadline=tally.oldest,
                    latest_deadline=tally.latest,
                    late_by_seconds_max=tally.late,
                )
            )
        return made
