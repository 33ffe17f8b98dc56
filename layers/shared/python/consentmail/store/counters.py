"""Campaign counters: sharded counter items in the campaigns table (sk `COUNTER#<shard>`), so a
large campaign's sends, deliveries and opens spread over COUNTER_SHARDS items instead of one hot
key; the totals are the sum of the shards (one query). See docs/statistics.md."""

import random

from boto3.dynamodb.conditions import Key

from consentmail import aws_clients
from consentmail.store.dynamo import from_dynamo
from consentmail.tables import Table

COUNTER = "COUNTER#"
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
            Key={"campaign_id": campaign_id, "sk": f"{COUNTER}{chosen:02d}"},
            UpdateExpression="ADD " + ", ".join(f"#{n} :{n}" for n in counts),
            ExpressionAttributeNames={f"#{n}": n for n in counts},
            ExpressionAttributeValues={f":{n}": value for n, value in counts.items()},
        )

    def totals(self, campaign_id: str) -> dict[str, int]:
        totals = dict.fromkeys(NAMES, 0)
        page = self._table.query(
            KeyConditionExpression=Key("campaign_id").eq(campaign_id) & Key("sk").begins_with(COUNTER)
        )
        for item in page.get("Items", []):
            for name in NAMES:
                totals[name] += int(from_dynamo(item.get(name, 0)))
        return totals
