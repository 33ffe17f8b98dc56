"""The campaigns table: one `CAMPAIGN` item per campaign (who owns it, which list, its status and
times, the fan-out's progress), found by id or by account. The campaign's sharded counters live
beside it, each shard under its own partition key (see store/counters.py); this module never
touches them except to delete them with the campaign.

The status moves draft -> sending -> sent, only forward, each step a conditional update, so a
send starts exactly once however many times it is asked for. A scheduled send waits in
`scheduled` (back to `draft` when unscheduled); its start is the same conditional move, guarded by
the time it was scheduled for, so a schedule that fires twice, or one replaced meanwhile, starts
nothing twice.

Beside them, one counter item per account and day limits test sends (`TESTS#account#day`/`RATE`,
expiring after two days; not indexed by account, since it carries no `account_id`).

Access patterns (docs/architecture.md, data-access map): create, get, get for an account;
campaigns of an account (`by_account`); save a draft (conditional on status); schedule, unschedule,
start sending (now or as scheduled), undo start, finish fan-out (conditional status moves); save
the fan-out cursor; delete with its counters; take test-send slots (conditional counter)."""

from datetime import UTC, datetime, timedelta

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import iso
from consentmail.core.records import CampaignRecord, CampaignStatus
from consentmail.core.retention import EXPIRY_BUCKET_ATTRIBUTE, TTL_ATTRIBUTE, ttl_attributes
from consentmail.core.tables import Table
from consentmail.store.counters import shard_item_keys
from consentmail.store.dynamo import (
    conditionally,
    from_dynamo,
    live,
    query_items,
    to_dynamo,
    translated_errors,
)

CAMPAIGN = "CAMPAIGN"


_TIMES = ("created_at", "updated_at", "sent_at", "scheduled_at")
# Test sends of one account on one day: `TESTS#<account_id>#<day>` / `RATE`, expiring after 2 days.
TEST_SENDS = "RATE"


def _key(campaign_id: str) -> dict:
    return {"campaign_id": campaign_id, "sk": CAMPAIGN}


def _item(record: CampaignRecord) -> dict:
    data = record.model_dump(mode="json", exclude_none=True)
    for name in _TIMES:
        value = getattr(record, name)
        if value is not None:
            data[name] = iso(value)
    return to_dynamo({**data, "sk": CAMPAIGN})


def _record(item: dict) -> CampaignRecord:
    data = from_dynamo(item)
    data.pop("sk", None)
    return CampaignRecord.model_validate(data)


class CampaignRepository:
    def __init__(self, table=None):
        self._table = table or aws_clients.table(Table.CAMPAIGNS)

    def create(self, record: CampaignRecord) -> None:
        with translated_errors("This campaign already exists."):
            self._table.put_item(Item=_item(record), ConditionExpression="attribute_not_exists(campaign_id)")

    def get(self, campaign_id: str, at: datetime) -> CampaignRecord | None:
        item = live(self._table.get_item(Key=_key(campaign_id), ConsistentRead=True).get("Item"), at)
        return _record(item) if item else None

    def get_for_account(self, account_id: str, campaign_id: str, at: datetime) -> CampaignRecord | None:
        """The campaign only if it belongs to this account: another account's is as absent as none."""
        found = self.get(campaign_id, at)
        return found if found and found.account_id == account_id else None

    def of_account(self, account_id: str, at: datetime) -> list[CampaignRecord]:
        """The account's campaigns, newest first (counter items carry no account_id: not indexed)."""
        items = query_items(
            self._table,
            IndexName="by_account",
            KeyConditionExpression=Key("account_id").eq(account_id),
            ScanIndexForward=False,
        )
        return [_record(i) for i in items if i.get("sk") == CAMPAIGN and live(i, at)]

    def save_draft(self, record: CampaignRecord) -> None:
        """Replace a draft; Conflict once its send has started (content is frozen from then on)."""
        with translated_errors("Only a draft campaign can be changed."):
            self._table.put_item(
                Item=_item(record),
                ConditionExpression="attribute_exists(campaign_id) AND #status = :draft",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":draft": CampaignStatus.DRAFT.value},
            )

    def start_sending(self, campaign_id: str, at: datetime) -> bool:
        """draft (or scheduled: send now instead) -> sending, once: True for the one caller that
        moved it, False for every other. A pending schedule's time is dropped, so its firing
        later starts nothing."""
        return self._update_if(
            campaign_id,
            update="SET #status = :sending, sent_at = :at, updated_at = :at REMOVE scheduled_at",
            condition="#status IN (:draft, :scheduled)",
            values={
                ":sending": CampaignStatus.SENDING.value,
                ":draft": CampaignStatus.DRAFT.value,
                ":scheduled": CampaignStatus.SCHEDULED.value,
                ":at": iso(at),
            },
        )

    def schedule(self, campaign_id: str, when: datetime, at: datetime) -> bool:
        """draft or scheduled -> scheduled for `when`; False once the send has started."""
        return self._update_if(
            campaign_id,
            update="SET #status = :scheduled, scheduled_at = :when, updated_at = :at",
            condition="#status IN (:draft, :scheduled)",
            values={
                ":scheduled": CampaignStatus.SCHEDULED.value,
                ":draft": CampaignStatus.DRAFT.value,
                ":when": iso(when),
                ":at": iso(at),
            },
        )

    def unschedule(self, campaign_id: str, at: datetime) -> bool:
        """scheduled -> draft; False if it was not scheduled (its send has started, or never was)."""
        return self._update_if(
            campaign_id,
            update="SET #status = :draft, updated_at = :at REMOVE scheduled_at",
            condition="#status = :scheduled",
            values={
                ":scheduled": CampaignStatus.SCHEDULED.value,
                ":draft": CampaignStatus.DRAFT.value,
                ":at": iso(at),
            },
        )

    def start_scheduled(self, campaign_id: str, when: datetime, at: datetime) -> bool:
        """scheduled for exactly `when` -> sending, once: the schedule that fires first wins; a
        second firing, or the firing of a schedule since replaced or cancelled, changes nothing."""
        return self._update_if(
            campaign_id,
            update="SET #status = :sending, sent_at = :at, updated_at = :at",
            condition="#status = :scheduled AND scheduled_at = :when",
            values={
                ":scheduled": CampaignStatus.SCHEDULED.value,
                ":sending": CampaignStatus.SENDING.value,
                ":when": iso(when),
                ":at": iso(at),
            },
        )

    def take_test_sends(self, account_id: str, count: int, limit: int, at: datetime) -> bool:
        """Take `count` of the account's `limit` test sends of the day (UTC); False when that would
        go over. Atomic, so parallel requests cannot together exceed it."""
        day = at.astimezone(UTC).date().isoformat()
        key = f"TESTS#{account_id}#{day}"
        expiry = ttl_attributes(at + timedelta(days=2), key)
        return conditionally(
            self._table.update_item,
            Key={"campaign_id": key, "sk": TEST_SENDS},
            UpdateExpression="ADD sent :n SET expires_at = :e, expiry_bucket = :b",
            ConditionExpression="attribute_not_exists(sent) OR sent <= :most",
            ExpressionAttributeValues={
                ":n": count,
                ":most": limit - count,
                ":e": expiry[TTL_ATTRIBUTE],
                ":b": expiry[EXPIRY_BUCKET_ATTRIBUTE],
            },
        )

    def undo_start(self, campaign_id: str, at: datetime) -> None:
        """sending -> draft, when the send could not be handed to the fan-out queue at all."""
        self._update_if(
            campaign_id,
            update="SET #status = :draft, updated_at = :at REMOVE sent_at",
            condition="#status = :sending AND attribute_not_exists(fanout_cursor)",
            values={
                ":sending": CampaignStatus.SENDING.value,
                ":draft": CampaignStatus.DRAFT.value,
                ":at": iso(at),
            },
        )

    def save_cursor(self, campaign_id: str, cursor: dict) -> bool:
        """Record the fan-out's progress (the last list page it enqueued); False when the campaign
        is no longer sending (deleted meanwhile), which tells the fan-out to stop."""
        return self._update_if(
            campaign_id,
            update="SET fanout_cursor = :cursor",
            condition="#status = :sending",
            values={":cursor": to_dynamo(cursor), ":sending": CampaignStatus.SENDING.value},
        )

    def finish_fanout(self, campaign_id: str, at: datetime) -> bool:
        """sending -> sent: every sendable contact of the list is in the send queue."""
        return self._update_if(
            campaign_id,
            update="SET #status = :sent, updated_at = :at REMOVE fanout_cursor",
            condition="#status = :sending",
            values={
                ":sending": CampaignStatus.SENDING.value,
                ":sent": CampaignStatus.SENT.value,
                ":at": iso(at),
            },
        )

    def _update_if(self, campaign_id: str, *, update: str, condition: str, values: dict) -> bool:
        """One step of the campaign item, guarded by `condition` on its status (`#status`);
        False when the guard failed."""
        return conditionally(
            self._table.update_item,
            Key=_key(campaign_id),
            UpdateExpression=update,
            ConditionExpression=f"attribute_exists(campaign_id) AND ({condition})",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
        )

    def delete(self, campaign_id: str) -> None:
        """The campaign's partition and its shards (counters, timeline, links)."""
        items = query_items(
            self._table,
            KeyConditionExpression=Key("campaign_id").eq(campaign_id),
            ProjectionExpression="campaign_id, sk",
        )
        with self._table.batch_writer() as batch:
            for item in items:
                batch.delete_item(Key={"campaign_id": item["campaign_id"], "sk": item["sk"]})
            for item in shard_item_keys(self._table, campaign_id):
                batch.delete_item(Key={"campaign_id": item["campaign_id"], "sk": item["sk"]})
