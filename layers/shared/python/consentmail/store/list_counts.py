"""A list's contacts counted by status, kept as contacts change instead of counted by a scan.

Sharded counter items in the lists table, each under a partition key of its own
(`<list_id>#COUNTS#<nn>`, no `account_id`, so never in the `by_account` index), so an import or a
wave of bounces spreads its writes over COUNT_SHARDS partitions; a list's counts are the sum of
its shards (one BatchGetItem, several lists in one call). Only store/contacts.py and the bulk
writer move them, on every write that creates, changes the status of, or deletes a contact:
subscribe, confirm, unsubscribe, bounce, complaint, import, deletion, erasure.

Access patterns (docs/architecture.md, data-access map): add to one shard (atomic ADD, alone or in
the transaction of the write it goes with: a large import's checkpoint); the counts of several
lists (BatchGetItem of their shards); every shard's key (list deletion, closure)."""

import random
from collections.abc import Iterable

from consentmail.adapters import aws_clients
from consentmail.core.statuses import ContactStatus
from consentmail.core.tables import Table
from consentmail.store.dynamo import from_dynamo

COUNT_SHARDS = 8
# What every count item's partition key holds, and no list id does (list ids are hex): the
# functions that only move counts may update these items and no other (infra/constructs/shared.py).
COUNT_KEY_MARKER = "#COUNTS#"
STATUSES = tuple(status.value for status in ContactStatus)


def count_keys(list_id: str) -> list[dict]:
    return [{"list_id": f"{list_id}{COUNT_KEY_MARKER}{shard:02d}"} for shard in range(COUNT_SHARDS)]


def is_count_item(item: dict) -> bool:
    return COUNT_KEY_MARKER in str(item.get("list_id", ""))


class ListCounts:
    def __init__(self, table=None):
        self._table = table or aws_clients.table(Table.LISTS)

    def add(self, list_id: str, changes: dict[str, int]) -> None:
        """Add (or with negative values, take) to the statuses' counts in one write."""
        update = self._update(list_id, changes)
        if update:
            self._table.update_item(**update)

    def adding(self, list_id: str, changes: dict[str, int]) -> list[dict]:
        """`add` as TransactWriteItems actions, for a write the counts must move with, all or none
        (none when there is nothing to add)."""
        update = self._update(list_id, changes)
        return [{"Update": {"TableName": self._table.name, **update}}] if update else []

    @staticmethod
    def _update(list_id: str, changes: dict[str, int]) -> dict | None:
        changes = {str(status): value for status, value in changes.items() if value}
        if not changes:
            return None
        unknown = set(changes) - set(STATUSES)
        if unknown:
            raise ValueError(f"unknown statuses {sorted(unknown)}")
        return {
            "Key": count_keys(list_id)[random.randrange(COUNT_SHARDS)],
            "UpdateExpression": "ADD " + ", ".join(f"#{s} :{s}" for s in changes),
            "ExpressionAttributeNames": {f"#{s}": s for s in changes},
            "ExpressionAttributeValues": {f":{s}": value for s, value in changes.items()},
        }

    def moved(self, list_id: str, before: str | None, after: str | None) -> None:
        """One contact went from status `before` to `after` (None: absent)."""
        if before == after:
            return
        changes: dict[str, int] = {}
        if before:
            changes[before] = -1
        if after:
            changes[after] = changes.get(after, 0) + 1
        self.add(list_id, changes)

    def of_lists(self, list_ids: Iterable[str]) -> dict[str, dict[str, int]]:
        ids = list(dict.fromkeys(list_ids))
        counts = {list_id: dict.fromkeys(STATUSES, 0) for list_id in ids}
        keys = [key for list_id in ids for key in count_keys(list_id)]
        client, name = self._table.meta.client, self._table.name
        for start in range(0, len(keys), 100):
            request: dict | None = {name: {"Keys": keys[start : start + 100], "ConsistentRead": True}}
            while request:
                response = client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(name, []):
                    list_id = str(item["list_id"]).rsplit(COUNT_KEY_MARKER, 1)[0]
                    for status in STATUSES:
                        counts[list_id][status] += int(from_dynamo(item.get(status, 0)))
                request = response.get("UnprocessedKeys") or None
        # A count below 0 could only come from a write lost between a contact and its count.
        return {list_id: {s: max(v, 0) for s, v in c.items()} for list_id, c in counts.items()}

    def delete(self, list_id: str) -> None:
        with self._table.batch_writer() as batch:
            for key in count_keys(list_id):
                batch.delete_item(Key=key)
