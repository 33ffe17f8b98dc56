"""Campaign counters: sharded counter items in the campaigns table, each shard under a partition
key of its own (`<campaign_id>#<shard>`, sk `COUNTER`), so a large campaign's sends, deliveries
and opens spread over COUNTER_SHARDS partitions instead of one hot key; the totals are the sum of
the shards (one BatchGetItem). See docs/statistics.md.

Access patterns (docs/architecture.md, data-access map): add to one shard (atomic ADD); totals
(one BatchGetItem of every shard)."""

import random

from consentmail.adapters import aws_clients
from consentmail.core.tables import Table
from consentmail.store.dynamo import from_dynamo

COUNTER_SK = "COUNTER"
COUNTER_SHARDS = 16
NAMES = (
    "recipients",
    "sent",
    "failed",
    "delivered",
    "bounced",
    "complained",
    "suppressed",
    "tracked",
    "opened",
    "clicked",
    "unsubscribed",
    "machine_opens",
    "machine_clicks",
)


def counter_keys(campaign_id: str) -> list[dict]:
    """The keys of every counter shard of a campaign (deleted and expired with the campaign)."""
    return [
        {"campaign_id": f"{campaign_id}#{shard:02d}", "sk": COUNTER_SK} for shard in range(COUNTER_SHARDS)
    ]


class CounterRepository:
    def __init__(self, table=None):
        self._table = table or aws_clients.table(Table.CAMPAIGNS)

    def add(self, campaign_id: str, counts: dict[str, int], shard: int | None = None) -> None:
        """Add to several counters in one write (a batch of sends adds its totals at once)."""
        counts = {name: value for name, value in counts.items() if value}
        if not counts:
            return
        unknown = set(counts) - set(NAMES)
        if unknown:
            raise ValueError(f"unknown counters {sorted(unknown)}")
        chosen = random.randrange(COUNTER_SHARDS) if shard is None else shard % COUNTER_SHARDS
        self._table.update_item(
            Key=counter_keys(campaign_id)[chosen],
            UpdateExpression="ADD " + ", ".join(f"#{n} :{n}" for n in counts),
            ExpressionAttributeNames={f"#{n}": n for n in counts},
            ExpressionAttributeValues={f":{n}": value for n, value in counts.items()},
        )

    def totals(self, campaign_id: str) -> dict[str, int]:
        totals = dict.fromkeys(NAMES, 0)
        # The resource's own client takes and returns plain Python values, like the Table does.
        client, name = self._table.meta.client, self._table.name
        request: dict | None = {name: {"Keys": counter_keys(campaign_id)}}
        while request:
            response = client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(name, []):
                for counter in NAMES:
                    totals[counter] += int(from_dynamo(item.get(counter, 0)))
            request = response.get("UnprocessedKeys") or None
        return totals
