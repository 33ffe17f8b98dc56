"""Campaign counters: sharded counter items in the campaigns table, each shard under a partition
key of its own (`<campaign_id>#<shard>`, sk `COUNTER`), so a large campaign's sends, deliveries
and opens spread over COUNTER_SHARDS partitions instead of one hot key; the totals are the sum of
the shards (one BatchGetItem). See docs/statistics.md.

Statistics are event data: each write sets the shard's `expires_at` 13 months after the event it
counts (so a shard lives 13 months after the last event it counted), with its `by_expiry` bucket,
so TTL and the hourly purge delete counters as they delete events; a read treats an expired shard
as absent.

Each failed recipient also counts under its reason (`failed:<code>`), so the report can say why.

The same shard partitions hold the campaign's timeline and link counts, each a small item of its
own, so a write never grows (and pays for) a large item:
- `TIMELINE#H#<hour>` or `TIMELINE#D#<day>`: the contract's timeline counts of one hour (while
  the contact's email is under 72 hours old) or one UTC day (after);
- `LINK#<hash of the link>`: clicks and unique clicks of one link, with the link as written in
  the campaign (never a contact's personalized value: see mail/campaign_email.py).
They are statistics too, so event data, written exactly like the counters: an atomic ADD on a
random shard (no hot key, no read first) that also sets the item's `expires_at` 13 months after
the event it adds, with its `by_expiry` bucket, so TTL and the hourly purge delete them as they
delete events, and a read leaves expired items out. The order of the campaign's links is one item
in the campaign's own partition (`LINKS`), written by the fan-out's first page (the content that
holds the links is gone 6 days after the send starts), expiring 13 months after the send.

Access patterns (docs/architecture.md, data-access map): add to one shard (atomic ADD, TTL
refreshed); totals (one BatchGetItem of every shard, expired shards left out); add to a timeline
bucket or a link on one shard (atomic ADD, TTL refreshed); the timeline and the links (one query
per shard, sort-key prefix, expired items left out); save and read the link order (one item);
every item key of the shards (campaign deletion, account closure)."""

import hashlib
import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import iso, now, parse_iso
from consentmail.core.retention import (
    EXPIRY_BUCKET_ATTRIBUTE,
    TTL_ATTRIBUTE,
    RetentionClass,
    expires_at,
    is_expired,
    ttl_attributes,
)
from consentmail.core.tables import Table
from consentmail.store.dynamo import from_dynamo, live, query_items

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


# What the timeline counts: machine opens and clicks stay out (they are no one's attention).
TIMELINE_NAMES = ("delivered", "opened", "clicked", "bounced", "complained", "unsubscribed")
LINK_NAMES = ("clicks", "unique_clicks")
TIMELINE = "TIMELINE#"
LINK = "LINK#"
LINK_ORDER_SK = "LINKS"
# Hourly buckets while an email is this young, daily after (the contract's timeline).
HOURLY_WINDOW = timedelta(hours=72)
HOUR, DAY = "H", "D"


def shard_partition(campaign_id: str, shard: int) -> str:
    return f"{campaign_id}#{shard:02d}"


def bucket_of(at: datetime, sent_at: datetime | None) -> tuple[str, datetime]:
    """The timeline bucket an event at `at` is written to: its hour while the email is under 72
    hours old (or when its send time is not at hand), else its UTC day."""
    if sent_at is not None and at - sent_at >= HOURLY_WINDOW:
        return DAY, at.replace(hour=0, minute=0, second=0, microsecond=0)
    return HOUR, at.replace(minute=0, second=0, microsecond=0)


def link_key(link: str) -> str:
    return hashlib.sha256(link.encode()).hexdigest()[:32]


def counter_keys(campaign_id: str) -> list[dict]:
    """The keys of every counter shard of a campaign (deleted and expired with the campaign)."""
    return [
        {"campaign_id": shard_partition(campaign_id, shard), "sk": COUNTER_SK}
        for shard in range(COUNTER_SHARDS)
    ]


def shard_item_keys(table, campaign_id: str) -> Iterator[dict]:
    """The key of every item in a campaign's shard partitions: counters, timeline buckets and
    links (one keys-only query per shard)."""
    for shard in range(COUNTER_SHARDS):
        yield from query_items(
            table,
            KeyConditionExpression=Key("campaign_id").eq(shard_partition(campaign_id, shard)),
            ProjectionExpression="campaign_id, sk",
        )


def link_order_key(campaign_id: str) -> dict:
    return {"campaign_id": campaign_id, "sk": LINK_ORDER_SK}


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
        self._add_to(counter_keys(campaign_id)[chosen], counts, at or now())

    def _add_to(self, key: dict, counts: dict[str, int], at: datetime, extra: dict | None = None) -> None:
        """One atomic ADD to one item of a shard, setting `extra` attributes too. Each write
        refreshes the item's expiry: it lives 13 months after the latest event it counted (a
        campaign's events are written roughly in the order they happen)."""
        expiry = ttl_attributes(expires_at(RetentionClass.EVENTS, at), key["campaign_id"])
        extra = extra or {}
        sets = ["#ttl = :ttl", "#bucket = :bucket", *(f"#x{i} = :x{i}" for i in range(len(extra)))]
        self._table.update_item(
            Key=key,
            UpdateExpression="ADD "
            + ", ".join(f"#c{i} :c{i}" for i in range(len(counts)))
            + " SET "
            + ", ".join(sets),
            ExpressionAttributeNames={f"#c{i}": n for i, n in enumerate(counts)}
            | {f"#x{i}": n for i, n in enumerate(extra)}
            | {"#ttl": TTL_ATTRIBUTE, "#bucket": EXPIRY_BUCKET_ATTRIBUTE},
            ExpressionAttributeValues={f":c{i}": value for i, value in enumerate(counts.values())}
            | {f":x{i}": value for i, value in enumerate(extra.values())}
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

    # --- timeline and links ------------------------------------------------------------------

    def add_to_timeline(
        self, campaign_id: str, counts: dict[str, int], at: datetime, sent_at: datetime | None = None
    ) -> None:
        """Add the timeline's share of `counts` (first outcomes only, so opens and clicks are
        unique contacts) to the bucket of `at`, on a random shard: no hot key, no read."""
        counts = {name: value for name, value in counts.items() if value and name in TIMELINE_NAMES}
        if not counts:
            return
        granularity, start = bucket_of(at, sent_at)
        shard = random.randrange(COUNTER_SHARDS)
        key = {
            "campaign_id": shard_partition(campaign_id, shard),
            "sk": f"{TIMELINE}{granularity}#{iso(start)}",
        }
        self._add_to(key, counts, at)

    def timeline(self, campaign_id: str, at: datetime) -> list[tuple[str, datetime, dict[str, int]]]:
        """Every live bucket, its shards summed: (granularity, start, counts), by start; empty
        once the buckets have expired with the events they counted."""
        buckets: dict[tuple[str, str], dict[str, int]] = {}
        for item in self._shard_items(campaign_id, TIMELINE, at):
            granularity, _, start = str(item["sk"])[len(TIMELINE) :].partition("#")
            counts = buckets.setdefault((granularity, start), dict.fromkeys(TIMELINE_NAMES, 0))
            for name in TIMELINE_NAMES:
                counts[name] += int(from_dynamo(item.get(name, 0)))
        return sorted(
            ((granularity, parse_iso(start), counts) for (granularity, start), counts in buckets.items()),
            key=lambda bucket: (bucket[1], bucket[0]),
        )

    def add_click(self, campaign_id: str, link: str, unique: bool, at: datetime) -> None:
        """One person's click on a link as written in the campaign (unique when it is this
        contact's first click on it), on a random shard: no hot key, no read."""
        shard = random.randrange(COUNTER_SHARDS)
        key = {"campaign_id": shard_partition(campaign_id, shard), "sk": f"{LINK}{link_key(link)}"}
        self._add_to(key, {"clicks": 1, "unique_clicks": int(unique)}, at, {"url": link})

    def links(self, campaign_id: str, at: datetime) -> dict[str, dict[str, int]]:
        """Clicks and unique clicks by link, shards summed, expired items left out."""
        links: dict[str, dict[str, int]] = {}
        for item in self._shard_items(campaign_id, LINK, at):
            counts = links.setdefault(str(item["url"]), dict.fromkeys(LINK_NAMES, 0))
            for name in LINK_NAMES:
                counts[name] += int(from_dynamo(item.get(name, 0)))
        return links

    def save_link_order(self, campaign_id: str, links: list[str], sent_at: datetime) -> None:
        """The campaign's links in the order they appear, kept as long as the event data of its
        send (its content is gone 6 days after the send starts)."""
        expiry = expires_at(RetentionClass.EVENTS, sent_at)
        self._table.put_item(
            Item={**link_order_key(campaign_id), "urls": links, **ttl_attributes(expiry, campaign_id)}
        )

    def link_order(self, campaign_id: str, at: datetime) -> list[str]:
        item = live(self._table.get_item(Key=link_order_key(campaign_id)).get("Item"), at)
        return [str(link) for link in item.get("urls", [])] if item else []

    def _shard_items(self, campaign_id: str, prefix: str, at: datetime) -> Iterator[dict]:
        for shard in range(COUNTER_SHARDS):
            for item in query_items(
                self._table,
                KeyConditionExpression=Key("campaign_id").eq(shard_partition(campaign_id, shard))
                & Key("sk").begins_with(prefix),
            ):
                if live(item, at):
                    yield item
