"""The suppression table: addresses that must not be written to again, as keyed hashes only.

One item per (email_hash, scope):
- scope `ERASED`: global, after a GDPR erasure; no list of any account may hold the address again
  unless the person subscribes anew themselves. Kept without expiry: it holds nothing but the hash.
- scope `ACCOUNT#<account_id>`: a permanent bounce or a complaint for that account's sends; it
  leaves with the account (closure sets its expiry).

Access patterns (docs/architecture.md, data-access map): suppress erased or for an account, lift
an erasure; get, is erased, check, is suppressed for an account; which of many addresses are
blocked (BatchGetItem); every scope of an address.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import iso, parse_iso
from consentmail.core.tables import Table
from consentmail.store.dynamo import live

ERASED = "ERASED"
_BATCH = 100  # BatchGetItem's limit


class Reason(StrEnum):
    ERASURE = "erasure"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"


def account_scope(account_id: str) -> str:
    return f"ACCOUNT#{account_id}"


@dataclass(frozen=True)
class Suppression:
    email_hash: str
    scope: str
    reason: Reason
    at: datetime

    @property
    def erased(self) -> bool:
        return self.scope == ERASED


def _suppression(item: dict) -> Suppression:
    return Suppression(item["email_hash"], item["scope"], Reason(item["reason"]), parse_iso(item["at"]))


class SuppressionRepository:
    def __init__(self, table=None):
        self._table = table or aws_clients.table(Table.SUPPRESSION)

    def _put(self, email_hash: str, scope: str, reason: Reason, at: datetime) -> Suppression:
        self._table.put_item(
            Item={"email_hash": email_hash, "scope": scope, "reason": reason.value, "at": iso(at)}
        )
        return Suppression(email_hash, scope, reason, at)

    def suppress_erased(self, email_hash: str, at: datetime) -> Suppression:
        """After an erasure: the address may not be added, imported or sent to by anyone."""
        return self._put(email_hash, ERASED, Reason.ERASURE, at)

    def suppress_for_account(
        self, email_hash: str, account_id: str, reason: Reason, at: datetime
    ) -> Suppression:
        """After a permanent bounce or a complaint on one of this account's sends."""
        return self._put(email_hash, account_scope(account_id), reason, at)

    def lift_erased(self, email_hash: str) -> None:
        """The person subscribed again themselves (a new, explicit consent)."""
        self._table.delete_item(Key={"email_hash": email_hash, "scope": ERASED})

    def get(self, email_hash: str, scope: str, at: datetime) -> Suppression | None:
        item = live(self._table.get_item(Key={"email_hash": email_hash, "scope": scope}).get("Item"), at)
        return _suppression(item) if item else None

    def is_erased(self, email_hash: str, at: datetime) -> bool:
        return self.get(email_hash, ERASED, at) is not None

    def check(self, email_hash: str, account_id: str, at: datetime) -> Suppression | None:
        """What stops sending to this address for this account: the erasure first, then the
        account's own bounce or complaint; None when nothing does."""
        found = self.of_many([email_hash], account_id, at)
        return found.get(email_hash)

    def is_suppressed(self, email_hash: str, account_id: str, at: datetime) -> bool:
        return self.check(email_hash, account_id, at) is not None

    def of_many(self, email_hashes: list[str], account_id: str, at: datetime) -> dict[str, Suppression]:
        """`check` for many addresses at once (imports, send batches), by BatchGetItem."""
        scopes = (ERASED, account_scope(account_id))
        keys = [{"email_hash": h, "scope": s} for h in dict.fromkeys(email_hashes) for s in scopes]
        found: dict[str, Suppression] = {}
        # The resource's own client takes and returns plain Python values, like the Table does.
        resource = self._table.meta.client
        name = self._table.name
        for start in range(0, len(keys), _BATCH):
            request = {name: {"Keys": keys[start : start + _BATCH], "ConsistentRead": True}}
            while request:
                response = resource.batch_get_item(RequestItems=request)
                for raw in response.get("Responses", {}).get(name, []):
                    item = live(raw, at)
                    if item is None:
                        continue
                    suppression = _suppression(item)
                    current = found.get(suppression.email_hash)
                    if current is None or suppression.erased:
                        found[suppression.email_hash] = suppression
                request = response.get("UnprocessedKeys") or None
        return found

    def scopes_of(self, email_hash: str, at: datetime) -> list[Suppression]:
        items = self._table.query(KeyConditionExpression=Key("email_hash").eq(email_hash)).get("Items", [])
        return [_suppression(i) for i in items if live(i, at)]
