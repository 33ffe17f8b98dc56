"""Issuing, listing and auditing deletion receipts (the record, its signature and its deadlines
are in core/receipts.py; the table in store/receipts.py).

The purge and the subject-request erasure each hand their deletions to a `ReceiptCollector`;
`ReceiptService.issue` signs the collector's receipts and stores them. `PurgeTally` is the purge's
hook: it turns each item the purge deleted into a (kind, account, deadline) entry.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aws_lambda_powertools import Logger

from consentmail.core.receipts import Receipt, ReceiptCollector, ReceiptKind, receipt_key, sign, verify
from consentmail.core.retention import TTL_ATTRIBUTE
from consentmail.core.tables import ACCOUNT_DATA_RECOVERY_DAYS, Table
from consentmail.store.campaigns import CAMPAIGN
from consentmail.store.receipts import ReceiptRepository
from consentmail.store.requests import REQUEST

logger = Logger(child=True)


def _default_key() -> bytes:
    from consentmail.core.signing_keys import get_keyring

    return receipt_key(get_keyring().hash_key)


class ReceiptService:
    def __init__(self, repository: ReceiptRepository | None = None, key: Callable[[], bytes] | None = None):
        self._repository = repository
        self._key = key or _default_key

    @property
    def repository(self) -> ReceiptRepository:
        if self._repository is None:
            self._repository = ReceiptRepository()
        return self._repository

    def issue(self, collector: ReceiptCollector) -> list[Receipt]:
        """Sign and store the collector's receipts; a late one is logged as an error (the purge's
        metric raises the operator's alarm)."""
        if not collector:
            return []
        key = self._key()
        issued = [sign(receipt, key) for receipt in collector.receipts()]
        for receipt in issued:
            self.repository.put(receipt)
            if receipt.late:
                logger.error("late deletion", extra={"receipt": receipt.fields()})
        return issued

    def page(self, account_id: str, cursor: str | None, limit: int) -> tuple[list[Receipt], str | None]:
        return self.repository.page(account_id, cursor, limit)

    def audit(self, since: datetime, until: datetime) -> "Audit":
        key = self._key()
        audit = Audit()
        for receipt in self.repository.since(since, until):
            audit.receipts.append(receipt)
            if not verify(receipt, key):
                audit.bad_signatures.append(receipt)
            elif receipt.late:
                audit.late.append(receipt)
        return audit


@dataclass
class Audit:
    receipts: list[Receipt] = field(default_factory=list)
    bad_signatures: list[Receipt] = field(default_factory=list)
    late: list[Receipt] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.bad_signatures and not self.late


class PurgeTally:
    """The purge's receipts hook: which kind of data each deleted item was, whose, and its deadline."""

    def __init__(self, at: datetime, repository: Callable[[], ReceiptRepository]):
        self.collector = ReceiptCollector(run_at=at.astimezone(UTC))
        self._repository = repository
        self._owners: dict[str, str | None] = {}

    def expired(self, table: Table, item: dict) -> None:
        """An item the expiry sweep deleted (as the delete returned it)."""
        kind = _kind_of(table, item)
        if kind is None or item.get(TTL_ATTRIBUTE) is None:
            return
        deadline = datetime.fromtimestamp(int(item[TTL_ATTRIBUTE]), UTC)
        self.collector.record(kind, self._owner(table, item), deadline)

    def account_finished(self, account_id: str, deletion_due: datetime, items: int) -> None:
        # The deadline that keeps the promise with backups: recovery keeps deleted items this long.
        deadline = deletion_due - timedelta(days=ACCOUNT_DATA_RECOVERY_DAYS)
        self.collector.record(ReceiptKind.CLOSED_ACCOUNT, account_id, deadline, items)

    def _owner(self, table: Table, item: dict) -> str | None:
        if item.get("account_id"):
            return str(item["account_id"])
        if table in (Table.CONTENT, Table.CAMPAIGNS):
            campaign_id = str(item["campaign_id"]).split("#", 1)[0]
            if campaign_id not in self._owners:
                self._owners[campaign_id] = self._repository().campaign_owner(campaign_id)
            return self._owners[campaign_id]
        return None


def _kind_of(table: Table, item: dict) -> ReceiptKind | None:
    """The receipt kind of an expired item; None for what no promise is about (rate-limit and
    login counters, receipts themselves) and for account data, which a closed account's receipt
    covers."""
    if table == Table.CONTENT:
        return ReceiptKind.CONTENT
    if table == Table.EVENTS:
        return ReceiptKind.EVENTS
    if table == Table.CAMPAIGNS and item.get("sk") != CAMPAIGN:
        # Counters, timelines, link counts: statistics, which the policy counts as event data.
        return ReceiptKind.STATISTICS
    if table == Table.REQUESTS and str(item.get("pk", "")).startswith(REQUEST):
        return ReceiptKind.REQUEST_EXPORT
    return None
