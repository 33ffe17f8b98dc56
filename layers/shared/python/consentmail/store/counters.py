"""Campaign counters: sharded counter items in the campaigns table, each shard under a partition
key of its own (`<campaign_id>#<shard>`, sk `COUNTER`), so a large campaign's sends, deliveries
and opens spread over COUNTER_SHARDS partitions instead of one hot key; the totals are the sum of
the shards (one BatchGetItem). See docs/statistics.md.

Statistics are event data: each write sets the shard's `expires_at` 13 months after the event it
counts (so a shard lives 13 months after the last event it counted), with its `by_expiry` bucket,
so TTL and the hourly purge delete counters as they delete events; a read treats an expired shard
as absent.

Each failed recipient also counts under its reason (`failed:<code>`), so the report can say why.

Access patterns (docs/architecture.md, data-access map): add to one shard (atomic ADD, TTL
refreshed); totals (one BatchGetItem of every shard, expired shards left out)."""

import random
from datetime import datetime

from consentmail.adapters import aws_clients
from consentmail.core.clock import now
from consentmail.core.retention import (
    EXPIRY_BUCKET_ATTRIBUTE,
    TTL_ATTRIBUTE,
    RetentionClass,
    expires_at,
    is_expired,
    ttl_attributes,
)
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

# Why recipients were counted `failed`, one counter per reason code (`failed:<code>`): the
# campaign's report shows each reason with its count, never who.
FAILURE_PREFIX = "failed:"


def failure_counter(reason: str) -> str:
    """The counter of a failure reason: letters, digits and underscores, at most 64 of them."""
    code = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in reason)[:64]
    return f"{FAILURE_PREFIX}{code or 'unknown'}"


def counter_keys(campaign_id: str) -> list[dict]:
    """The keys of every counter shard of a campaign (deleted and expired with the campaign)."""
    return [
        {"campaign_id": f"{campaign_id}#{shard:02d}", "sk": COUNTER_SK} for shard in range(COUNTER_SHARDS)
    ]


class CounterRepository:
    def __init__(self, table=None):
        self._table = table or aws_clients.table(Table.CAMPAIGNS)

    def add(
        self, campaign_id: str, counts: dict[str, int], shard: int | None = None, at: datetime | None = None
    ) -> None:
        """Add to several counters in one write (a batch of sends adds its totals at once); `at`
        is when the counted events happened, and the shard expires 13 months after it."""
        counts = {name: value for name, value in counts.items() if value}
        if not counts:
            return
        unknown = {n for n in counts if n not in NAMES and not n.startswith(FAILURE_PREFIX)}
        if unknown:
            raise ValueError(f"unknown counters {sorted(unknown)}")
        chosen = random.randrange(COUNTER_SHARDS) if shard is None else shard % COUNTER_SHARDS
        key = counter_keys(campaign_id)[chosen]
        expiry = ttl_attributes(expires_at(RetentionClass.EVENTS, at or now()), key["campaign_id"])
        self._table.update_item(
            Key=key,
            UpdateExpression="ADD "
            + ", ".join(f"#c{i} :c{i}" for i in range(len(counts)))
            # Each write refreshes the shard's expiry: it lives 13 months after the latest event
            # it counted (a campaign's events are written roughly in the order they happen).
            + " SET #ttl = :ttl, #bucket = :bucket",
            ExpressionAttributeNames={f"#c{i}": n for i, n in enumerate(counts)}
            | {"#ttl": TTL_ATTRIBUTE, "#bucket": EXPIRY_BUCKET_ATTRIBUTE},
            ExpressionAttributeValues={f":c{i}": value for i, value in enumerate(counts.values())}
            | {":ttl": expiry[TTL_ATTRIBUTE], ":bucket": expiry[EXPIRY_BUCKET_ATTRIBUTE]},
        )

    def totals(self, campaign_id: str, at: datetime | None = None) -> dict[str, int]:
        """Every counter summed over the live shards (0 where none is left)."""
        return self.live_totals(campaign_id, at) or dict.fromkeys(NAMES, 0)

    def live_totals(self, campaign_id: str, at: datetime | None = None) -> dict[str, int] | None:
        """The totals, or None when no shard is left (never written, or expired and purged)."""
        at = at or now()
        totals = dict.fromkeys(NAMES, 0)
        live = False
        # The resource's own client takes and returns plain Python values, like the Table does.
        client, name = self._table.meta.client, self._table.name
        request: dict | None = {name: {"Keys": counter_keys(campaign_id)}}
        while request:
            response = client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(name, []):
                if is_expired(item, at):
                    continue
                live = True
                for counter in NAMES:
                    totals[counter] += int(from_dynamo(item.get(counter, 0)))
                for name, value in item.items():
                    if name.startswith(FAILURE_PREFIX):
                        totals[name] = totals.get(name, 0) + int(from_dynamo(value))
            request = response.get("UnprocessedKeys") or None
        return totals if live else None
