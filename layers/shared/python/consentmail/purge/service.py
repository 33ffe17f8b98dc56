"""The purge, run hourly by EventBridge (and on demand in local mode, "as" any time):

1. finishes closed accounts whose deletion_due, minus the account tables' point-in-time recovery
   period and an hour of slack for the schedule, has come: every item and the Cognito user, so
   that not even a backup holds the account after deletion_due;
2. deletes every item whose `expires_at` has come, in every table, by querying the sparse
   `by_expiry` index bucket by bucket (expiry month x shard) from a stored watermark month up to
   the current month: the cost follows what is due, not the size of the tables;
3. deletes the large imports' and exports' files a day old from the transfer bucket (the files
   TTL cannot reach; an upload is deleted once imported, and the bucket's lifecycle rule is the
   backstop, but it rounds to the next midnight and removes lazily);
4. reports open subject requests nearing (or past) their due date: a log line each, a message to
   the operator's topic, and the count in the summary (the handler turns it into a metric).

`at` is the time the purge runs as; everything is computed from it, never from the wall clock.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aws_lambda_powertools import Logger

from consentmail.adapters.cognito import CognitoIdentity
from consentmail.adapters.s3 import TransferBucket
from consentmail.adapters.sns import OperatorTopic
from consentmail.core.clock import iso
from consentmail.core.records import SubjectRequest
from consentmail.core.retention import PURGE_INTERVAL, TRANSFER_FILES, add_months
from consentmail.core.tables import ACCOUNT_DATA_RECOVERY_DAYS, SCHEMAS, Table
from consentmail.receipts.service import PurgeTally, ReceiptService
from consentmail.store.closed_accounts import ClosedAccounts
from consentmail.store.expiry import ExpiryIndex
from consentmail.store.requests import RequestRepository

logger = Logger()

# A closed account is finished this long before its deletion_due: its tables' recovery period,
# plus the purge's own period (it runs hourly, so it may come up to an hour late).
CLOSURE_LEAD = timedelta(days=ACCOUNT_DATA_RECOVERY_DAYS) + PURGE_INTERVAL
# A run stops deleting when its invocation has less than this left (it must still report).
SAFETY_MARGIN_SECONDS = 10
# Subject requests due within this are reported to the operator.
NEAR_DUE = timedelta(days=5)
# The first run (no watermark yet) looks this far back: further than the longest period (13
# months), so anything TTL has missed since the tables exist is found.
FIRST_LOOKBACK_MONTHS = 14

# The retention class each table's expiring items belong to, as the summary reports them.
RETENTION_OF_TABLE: dict[Table, str] = {
    Table.CONTENT: "content",
    Table.EVENTS: "events",
    Table.REQUESTS: "subject_requests",
    Table.RECEIPTS: "receipts",
}
CLASSES = ("content", "events", "account", "subject_requests", "receipts", "transfer_files")


def retention_of(table: Table) -> str:
    return RETENTION_OF_TABLE.get(table, "account")


def month_of(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m}"


def months_between(first: str, last: str) -> list[str]:
    """Every "YYYY-MM" from first to last, both included (empty if first is after last)."""
    year, month = (int(part) for part in first.split("-"))
    months: list[str] = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclass
class PurgeSummary:
    ran_as: datetime
    deleted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))
    deleted_by_table: dict[str, int] = field(default_factory=lambda: {t.value: 0 for t in Table})
    accounts_finished: int = 0
    requests_near_due: int = 0
    months: list[str] = field(default_factory=list)
    # False when the run stopped before its end (time ran out); the next run carries on.
    complete: bool = True
    # The deletion receipts this run issued, and the latest of its deletions past its deadline.
    receipts: int = 0
    late_by_seconds_max: int = 0

    def count(self, table: Table, retention: str, n: int) -> None:
        self.deleted[retention] = self.deleted.get(retention, 0) + n
        self.deleted_by_table[table.value] += n

    def as_dict(self) -> dict:
        return {
            "deleted": dict(self.deleted),
            "deleted_by_table": dict(self.deleted_by_table),
            "accounts_finished": self.accounts_finished,
            "requests_near_due": self.requests_near_due,
            "months_checked": list(self.months),
            "complete": self.complete,
            "receipts": self.receipts,
            "late_by_seconds_max": self.late_by_seconds_max,
            "ran_as": iso(self.ran_as),
        }


class PurgeService:
    def __init__(
        self,
        requests=None,
        closed=None,
        indexes: dict | None = None,
        operator=None,
        identity=None,
        receipts=None,
        bucket=None,
    ):
        self.requests = requests or RequestRepository()
        self.closed = closed or ClosedAccounts()
        self._indexes = dict(indexes or {})
        self.operator = operator or OperatorTopic()
        self.identity = identity or CognitoIdentity()
        self.receipts: ReceiptService = receipts or ReceiptService()
        self._bucket = bucket

    @property
    def bucket(self) -> TransferBucket:
        if self._bucket is None:
            self._bucket = TransferBucket()
        return self._bucket

    def index(self, table: Table) -> ExpiryIndex:
        if table not in self._indexes:
            self._indexes[table] = ExpiryIndex(table)
        return self._indexes[table]

    def run(self, at: datetime, time_left: Callable[[], float] | None = None) -> PurgeSummary:
        """Purge as of `at`. `time_left` (seconds the invocation has left) lets a run with a
        large backlog stop cleanly before its timeout; the next run carries on where it stopped,
        since the watermark only moves after a complete pass."""
        at = at.astimezone(UTC)
        summary = PurgeSummary(ran_as=at)
        current = month_of(at)
        watermark = self.requests.purge_watermark()
        # A watermark ahead of `at` means an earlier run was "as" a later time (local mode's time
        # travel): it says nothing about what is due now, so look back as on a first run.
        if watermark is None or watermark > current:
            watermark = month_of(add_months(at, -FIRST_LOOKBACK_MONTHS))
        summary.months = months_between(watermark, current)
        enough_time = (lambda: time_left() > SAFETY_MARGIN_SECONDS) if time_left else (lambda: True)

        # The report first: it is cheap, and must not wait behind a large deletion backlog.
        self._report_near_due(at, summary)
        tally = PurgeTally(at, lambda: self.receipts.repository)
        self._finish_closed_accounts(at, watermark, summary, tally)
        # Files are few (at most a day's imports and exports) and hold personal data: before the
        # table backlog, which may take the rest of the run.
        summary.deleted["transfer_files"] = self.bucket.delete_created_before(TRANSFER_FILES.before(at))
        for table in SCHEMAS:
            if not self._delete_due(table, at, summary, enough_time, tally):
                summary.complete = False
                break
        # Receipts hook: what this run deleted, signed, even when it stopped early.
        issued = self.receipts.issue(tally.collector)
        summary.receipts = len(issued)
        summary.late_by_seconds_max = max((r.late_by_seconds_max for r in issued), default=0)
        if summary.complete:
            # Every month before the current one is now empty of due items; the current one may
            # still hold items due later this month, so the next run starts there.
            self.requests.set_purge_watermark(current, at)
        logger.info("purge finished", extra={"summary": summary.as_dict()})
        return summary

    def _delete_due(
        self,
        table: Table,
        at: datetime,
        summary: PurgeSummary,
        enough_time: Callable[[], bool],
        tally: PurgeTally,
    ) -> bool:
        """Delete the table's due items; False if time ran out first."""
        index = self.index(table)
        deleted = 0
        try:
            for month in summary.months:
                done = index.delete_due(month, at, enough_time, lambda item: tally.expired(table, item))
                deleted += done.deleted
                if not done.complete:
                    return False
            return True
        finally:
            summary.count(table, retention_of(table), deleted)

    def _finish_closed_accounts(
        self, at: datetime, watermark: str, summary: PurgeSummary, tally: PurgeTally
    ) -> None:
        """Closure gave each account's profile the expiry deletion_due; profiles due within the
        lead are the accounts to finish now."""
        horizon = at + CLOSURE_LEAD
        for profile in self.closed.closed_due(months_between(watermark, month_of(horizon)), horizon):
            if profile.deletion_due - CLOSURE_LEAD > at:
                continue
            deleted = self.closed.finish(profile)
            # The sign-in goes before the profile: a run stopped here still finds the account.
            self.identity.delete_user(profile.username)
            deleted[Table.ACCOUNTS] = deleted.get(Table.ACCOUNTS, 0) + self.closed.delete_profile(
                profile.account_id
            )
            for table, n in deleted.items():
                summary.count(table, "account", n)
            # Receipts hook: the account's items, against the deadline that keeps the promise.
            tally.account_finished(profile.account_id, profile.deletion_due, sum(deleted.values()))
            summary.accounts_finished += 1
            logger.info(
                "closed account finished",
                extra={"account_id": profile.account_id, "deletion_due": iso(profile.deletion_due)},
            )

    def _report_near_due(self, at: datetime, summary: PurgeSummary) -> None:
        near = self.requests.near_due(at, NEAR_DUE)
        summary.requests_near_due = len(near)
        for request in near:
            logger.warning("subject request near its due date", extra=_described(request, at))
        if near:
            self._notify_operator(near, at)

    def _notify_operator(self, near: list[SubjectRequest], at: datetime) -> None:
        lines = [
            f"- {r.request_id}: {r.type.value}, {r.status.value}, due {iso(r.due_at)}"
            + (" (OVERDUE)" if r.due_at <= at else "")
            for r in near
        ]
        self.operator.notify(
            f"consentmail: {len(near)} subject request(s) near their due date",
            "Subject requests due within 5 days and not yet carried out:\n" + "\n".join(lines),
        )


def _described(request: SubjectRequest, at: datetime) -> dict:
    return {
        "request_id": request.request_id,
        "type": request.type.value,
        "status": request.status.value,
        "due_at": iso(request.due_at),
        "overdue": request.due_at <= at,
    }
