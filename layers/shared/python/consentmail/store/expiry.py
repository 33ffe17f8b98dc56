"""The expiry index (`by_expiry`) of every table, as the purge reads it: the keys of items whose
`expires_at` has come, found month bucket by month bucket and shard by shard, never by a scan.

The index is sparse (only expiring items have `expiry_bucket`) and keys-only, so a query returns
the table's keys and nothing else; each read is as cheap as the items that are actually due.
"""

from collections.abc import Iterator
from datetime import datetime

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import epoch
from consentmail.core.errors import Conflict
from consentmail.core.retention import EXPIRY_BUCKET_ATTRIBUTE, EXPIRY_INDEX, EXPIRY_SHARDS, TTL_ATTRIBUTE
from consentmail.core.tables import SCHEMAS, Table
from consentmail.store.dynamo import from_dynamo, query_items, translated_errors


def key_names(table: Table) -> tuple[str, ...]:
    schema = SCHEMAS[table]
    return (schema.partition.name,) + ((schema.sort.name,) if schema.sort else ())


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
        return self.delete_due(key, at) is not None

    def delete_due(self, key: dict, at: datetime) -> dict | None:
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

    def get(self, key: dict) -> dict | None:
        return self._table.get_item(Key=key, ConsistentRead=True).get("Item")
