"""The expiry index (`by_expiry`) of every table, as the purge reads it: the keys of items whose
`expires_at` has come, found month bucket by month bucket and shard by shard, never by a scan.

The index is sparse (only expiring items have `expiry_bucket`) and keys-only, so a query returns
the table's keys and nothing else; each read is as cheap as the items that are actually due.

Access patterns (docs/architecture.md, data-access map): due keys of a month (every shard, keys
only); delete an item if still due (conditional); delete a month's due items until time runs out.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import epoch
from consentmail.core.errors import Conflict
from consentmail.core.retention import EXPIRY_BUCKET_ATTRIBUTE, EXPIRY_INDEX, EXPIRY_SHARDS, TTL_ATTRIBUTE
from consentmail.core.tables import SCHEMAS, Table
from consentmail.store.accounts import PROFILE
from consentmail.store.dynamo import from_dynamo, query_items, translated_errors


def key_names(table: Table) -> tuple[str, ...]:
    schema = SCHEMAS[table]
    return (schema.partition.name,) + ((schema.sort.name,) if schema.sort else ())


@dataclass(frozen=True)
class DeletionPass:
    """What one pass over an expiry month deleted, and whether it got to the end of it."""

    deleted: int
    complete: bool


class ExpiryIndex:
    def __init__(self, table: Table, resource=None):
        self.kind = table
        self._table = resource or aws_clients.table(table)
        self._keys = key_names(table)

    def due_keys(self, month: str, until: datetime) -> Iterator[dict]:
        """The table keys of items in this expiry month (every shard) with expires_at <= until."""
        for shard in range(EXPIRY_SHARDS):
            for item in query_items(
                self._table,
                IndexName=EXPIRY_INDEX,
                KeyConditionExpression=Key(EXPIRY_BUCKET_ATTRIBUTE).eq(f"{month}#{shard}")
                & Key(TTL_ATTRIBUTE).lte(epoch(until)),
            ):
                yield {name: item[name] for name in self._keys}

    def delete_if_due(self, key: dict, at: datetime) -> bool:
        """Delete the item only if it is still due: a writer may have moved its expiry since the
        index was read (content edited, a send started), and the index itself lags the table."""
        return self.delete_item_if_due(key, at) is not None

    def delete_item_if_due(self, key: dict, at: datetime) -> dict | None:
        """As `delete_if_due`, answering the deleted item (its expiry and owner make the deletion's
        receipt) or None when it was not due. The item comes back with the delete: no extra read."""
        try:
            with translated_errors():
                response = self._table.delete_item(
                    Key=key,
                    ConditionExpression="#ttl <= :now",
                    ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
                    ExpressionAttributeValues={":now": epoch(at)},
                    ReturnValues="ALL_OLD",
                )
        except Conflict:
            return None
        return from_dynamo(response.get("Attributes") or dict(key))

    def delete_due(
        self,
        month: str,
        at: datetime,
        enough_time: Callable[[], bool],
        on_deleted: Callable[[dict], None] | None = None,
    ) -> DeletionPass:
        """Delete this month's due items, streamed page by page (a month of events can be millions
        of keys), stopping before the next item once `enough_time` says no. `on_deleted` sees each
        deleted item as the delete returned it (the purge's receipts are made of them)."""
        deleted = 0
        for key in self.due_keys(month, at):
            if not enough_time():
                return DeletionPass(deleted, complete=False)
            if self.kind == Table.ACCOUNTS and key.get("sk") == PROFILE:
                # A closed account's profile goes only with the whole account (ClosedAccounts): it
                # tells the next run that an account is still to be finished.
                continue
            item = self.delete_item_if_due(key, at)
            if item is not None:
                deleted += 1
                if on_deleted is not None:
                    on_deleted(item)
        return DeletionPass(deleted, complete=True)

    def get(self, key: dict) -> dict | None:
        return self._table.get_item(Key=key, ConsistentRead=True).get("Item")
