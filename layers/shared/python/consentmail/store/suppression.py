"""The suppression table: addresses that must not be written to again, as keyed hashes only.

One item per (email_hash, scope):
- scope `ERASED`: global, after a GDPR erasure; no list of any account may hold the address again
  unless the person subscribes anew themselves. Kept without expiry: it holds nothing but the hash.
- scope `TOMBSTONE`: an erasure's tombstone, written before it deletes anything and expiring
  `ERASURE_TOMBSTONE` (an hour) later. While it lives, no write about the address happens: every
  write that could add an item about an address is a transaction whose `ConditionCheck`
  (`tombstone_absent`) fails on it (a send marker: the sender reads the tombstone right after its
  claim), so an erasure wins against every writer that read before it and writes after it
  (docs/retention.md, "Erasure against concurrent writers"). The hash only, and no suppression.
- scope `ACCOUNT#<account_id>`: a permanent bounce or a complaint for that account's sends; it
  leaves with the account (closure sets its expiry).

Access patterns (docs/architecture.md, data-access map): begin an erasure (tombstone, then
`ERASED`), suppress for an account (transaction, refused by a tombstone), lift an erasure (an
action of the confirmation's transaction: `erasure_lifted`); get, is erased, is being erased
(consistent reads of tombstones, one or many), check, is suppressed for an account; which of many addresses
are blocked (BatchGetItem); every scope of an address.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import epoch, iso, parse_iso
from consentmail.core.errors import AddressErased
from consentmail.core.retention import ERASURE_TOMBSTONE, TTL_ATTRIBUTE, ttl_attributes
from consentmail.core.tables import Table
from consentmail.store.dynamo import live, transact

ERASED = "ERASED"
TOMBSTONE = "TOMBSTONE"
# What an erasure writes and keeps (the tombstone until it expires), not a per-account suppression.
ERASURE_SCOPES = (ERASED, TOMBSTONE)
_BATCH = 100  # BatchGetItem's limit


class Reason(StrEnum):
    ERASURE = "erasure"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"


def account_scope(account_id: str) -> str:
    return f"ACCOUNT#{account_id}"


def tombstone_absent(email_hash: str, at: datetime) -> dict:
    """The `ConditionCheck` every transaction writing about an address carries: it fails while the
    address's erasure tombstone lives (an expired one that TTL has not removed yet is absent)."""
    return {
        "ConditionCheck": {
            "TableName": aws_clients.table(Table.SUPPRESSION).name,
            "Key": {"email_hash": email_hash, "scope": TOMBSTONE},
            "ConditionExpression": "attribute_not_exists(email_hash) OR #expires <= :now",
            "ExpressionAttributeNames": {"#expires": TTL_ATTRIBUTE},
            "ExpressionAttributeValues": {":now": epoch(at)},
        }
    }


def erasure_lifted(email_hash: str) -> dict:
    """The transaction action that lifts an erasure's `ERASED` suppression (a new, confirmed
    subscription by the person), made in the same transaction as the confirmation itself."""
    return {
        "Delete": {
            "TableName": aws_clients.table(Table.SUPPRESSION).name,
            "Key": {"email_hash": email_hash, "scope": ERASED},
        }
    }


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

    def begin_erasure(self, email_hash: str, at: datetime) -> None:
        """Before an erasure deletes anything: its tombstone first, which from now on refuses
        every write about the address (so what the erasure then finds is all there is), then the
        `ERASED` suppression. In this order because a confirmation lifts `ERASED` in a
        transaction that the tombstone refuses: one that commits before the tombstone cannot lift
        the suppression written after it. Carrying the erasure out again renews the tombstone."""
        expiry = at + ERASURE_TOMBSTONE
        self._table.put_item(
            Item={
                "email_hash": email_hash,
                "scope": TOMBSTONE,
                "at": iso(at),
                **ttl_attributes(expiry, f"{email_hash}#{TOMBSTONE}"),
            }
        )
        self.suppress_erased(email_hash, at)

    def being_erased(self, email_hash: str, at: datetime) -> bool:
        """Whether the address's erasure tombstone lives (strongly consistent: it is read right
        after a write that must be undone if so)."""
        key = {"email_hash": email_hash, "scope": TOMBSTONE}
        return live(self._table.get_item(Key=key, ConsistentRead=True).get("Item"), at) is not None

    def being_erased_of(self, email_hashes: list[str], at: datetime) -> set[str]:
        """Which of these addresses are being erased (BatchGetItem, strongly consistent)."""
        keys = [{"email_hash": h, "scope": TOMBSTONE} for h in dict.fromkeys(email_hashes)]
        return {item["email_hash"] for item in self._batch_get(keys) if live(item, at)}

    def suppress_for_account(
        self, email_hash: str, account_id: str, reason: Reason, at: datetime
    ) -> Suppression:
        """After a permanent bounce or a complaint on one of this account's sends; AddressErased
        while the address's erasure tombstone lives."""
        item = {
            "email_hash": email_hash,
            "scope": account_scope(account_id),
            "reason": reason.value,
            "at": iso(at),
        }
        put = {"Put": {"TableName": self._table.name, "Item": item}}
        if transact(self._table.meta.client, [tombstone_absent(email_hash, at), put]):
            raise AddressErased()
        return Suppression(email_hash, account_scope(account_id), reason, at)

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
        for item in self._batch_get(keys):
            if live(item, at) is None:
                continue
            suppression = _suppression(item)
            current = found.get(suppression.email_hash)
            if current is None or suppression.erased:
                found[suppression.email_hash] = suppression
        return found

    def _batch_get(self, keys: list[dict]) -> Iterator[dict]:
        """The items of these keys that exist, read strongly consistent (BatchGetItem)."""
        # The resource's own client takes and returns plain Python values, like the Table does.
        resource = self._table.meta.client
        name = self._table.name
        for start in range(0, len(keys), _BATCH):
            request = {name: {"Keys": keys[start : start + _BATCH], "ConsistentRead": True}}
            while request:
                response = resource.batch_get_item(RequestItems=request)
                yield from response.get("Responses", {}).get(name, [])
                request = response.get("UnprocessedKeys") or None

    def scopes_of(self, email_hash: str, at: datetime) -> list[Suppression]:
        """Every suppression of the address (its erasure's tombstone is none)."""
        items = self._table.query(KeyConditionExpression=Key("email_hash").eq(email_hash)).get("Items", [])
        return [_suppression(i) for i in items if live(i, at) and i["scope"] != TOMBSTONE]
