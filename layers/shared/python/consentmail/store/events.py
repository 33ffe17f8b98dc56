"""The events table: event data, each item expiring 13 calendar months after its event.

Items of one contact share a partition (pk = contact_id), so access, erasure and closure find
them in one query. Sort keys:
- `SEND#<campaign_id>`: the send marker, written conditionally before the SES call so a contact
  gets a campaign at most once; it expires 13 months after the send. It also holds the first time
  of each outcome (`delivered_at`, `opened_at`, `clicked_at`, `machine_opened_at`,
  `machine_clicked_at`, `bounced_at`, `complained_at`, `unsubscribed_at`, ...), set with a
  condition, which is what makes unique opens and clicks, and idempotent SES events, cheap, and the
  links the contact clicked (`clicked_links`, hashes), for unique link clicks. The marker is the
  whole record of a delivery, an open and a click: no event item is written for them.
- `EVENT#<campaign_id>#<iso time>#<type>#<id>`: one item per SES event that is more than a first
  time (a bounce, a complaint, with their details).

No write here brings an erased contact's data back (docs/retention.md, "Erasure against
concurrent writers"): a marker is changed only while it exists (an open or a click too: one
conditional update); a marker's claim is a plain put that the sender follows with a strongly
consistent read of the address's erasure tombstone, releasing the claim if it lives
(`release_send`); what an SES event writes (an event item, the soft-bounce tally) is a
transaction that the tombstone refuses.

Access patterns (docs/architecture.md, data-access map): claim a send marker (conditional put),
finish (conditional), release, settle a stale one; get a marker; a contact's latest send; first
time of an outcome (conditional update); an open or a click (one conditional update answering the
marker as it was); count soft bounces (transaction); record an SES event (a transaction refused
by the tombstone); a contact's events; delete a contact's events (strongly consistent).
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import epoch, iso
from consentmail.core.errors import AddressErased
from consentmail.core.retention import TTL_ATTRIBUTE, RetentionClass, expires_at, ttl_attributes
from consentmail.core.tables import Table
from consentmail.store.dynamo import (
    conditionally,
    from_dynamo,
    live,
    query_items,
    to_dynamo,
    transact,
    update_returning,
)
from consentmail.store.suppression import tombstone_absent

SEND = "SEND#"
EVENT = "EVENT#"
# The tally of a contact's transient/undetermined bounces (suppression after repeated failures).
SOFT_BOUNCES = "SOFT_BOUNCES"

OUTCOMES = ("delivered", "opened", "clicked", "bounced", "complained", "unsubscribed")
# Outcomes counted once per contact that stats keep apart: machine opens and clicks, sends SES
# refused (Reject, Rendering Failure), addresses on SES's suppression list, soft bounces.
OUTCOMES += ("machine_opened", "machine_clicked", "failed", "suppressed", "soft_bounced")


def send_key(contact_id: str, campaign_id: str) -> dict:
    return {"contact_id": contact_id, "sk": f"{SEND}{campaign_id}"}


def _link_hash(link: str) -> str:
    return hashlib.sha256(link.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Tracked:
    """What one hit did to its send marker: whether it was recorded, and the marker as it was
    just before (whether recorded or not; None when there was none)."""

    recorded: bool
    before: dict | None

    def first(self, outcome: str) -> bool:
        """Whether the hit recorded this outcome's first time."""
        return self.recorded and f"{outcome}_at" not in (self.before or {})

    def first_click_of(self, link: str) -> bool:
        """Whether the hit was the contact's first click on this link (as written)."""
        return self.recorded and _link_hash(link) not in set((self.before or {}).get("clicked_links") or ())


def _event(contact_id: str, campaign_id: str, account_id: str, kind: str, at: datetime, detail: dict) -> dict:
    return {
        "contact_id": contact_id,
        "sk": f"{EVENT}{campaign_id}#{iso(at)}#{kind}#{uuid.uuid4().hex[:8]}",
        "campaign_id": campaign_id,
        "account_id": account_id,
        "kind": kind,
        "at": iso(at),
        "detail": detail,
        **ttl_attributes(expires_at(RetentionClass.EVENTS, at), contact_id),
    }


class EventRepository:
    def __init__(self, table=None):
        self._table = table or aws_clients.table(Table.EVENTS)

    def claim_send(
        self,
        *,
        contact_id: str,
        campaign_id: str,
        account_id: str,
        list_id: str,
        tracked: bool,
        at: datetime,
        status: str = "sending",
    ) -> bool:
        """Write the send marker unless one exists; False means this contact already had it.
        `status="skipped"` records, once, that the sender passed over the contact (not sendable)."""
        key = send_key(contact_id, campaign_id)
        item = {
            **key,
            "campaign_id": campaign_id,
            "account_id": account_id,
            "list_id": list_id,
            "status": status,
            "tracked": tracked,
            "at": iso(at),
            **ttl_attributes(expires_at(RetentionClass.EVENTS, at), contact_id),
        }
        return conditionally(self._table.put_item, Item=item, ConditionExpression="attribute_not_exists(sk)")

    def finish_send(self, contact_id: str, campaign_id: str, status: str, message_id: str = "") -> bool:
        """Mark the send `sent` (with SES's message id) or `failed`; False when the marker is gone
        (the contact was erased meanwhile), which is never re-created."""
        values = {":s": status, ":m": message_id}
        return conditionally(
            self._table.update_item,
            Key=send_key(contact_id, campaign_id),
            UpdateExpression="SET #status = :s, message_id = :m",
            ConditionExpression="attribute_exists(sk)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
        )

    def release_send(self, contact_id: str, campaign_id: str, status: str = "sending") -> bool:
        """Remove a marker still `sending` when SES did not take the message (throttled, an error
        answer), so a redelivery sends it; a finished marker is never removed. With `status`, a
        claim still in that state (a `skipped` one of an address being erased)."""
        return conditionally(
            self._table.delete_item,
            Key=send_key(contact_id, campaign_id),
            ConditionExpression="#status = :status",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":status": status},
        )

    def settle_stale_send(self, contact_id: str, campaign_id: str, claimed_before: datetime) -> bool:
        """A marker still `sending` since before `claimed_before` belongs to a sender that died
        between claim and outcome (a timeout): mark it `failed` (outcome unknown) so it is counted,
        never re-sent. True only for the one caller that settles it."""
        return conditionally(
            self._table.update_item,
            Key=send_key(contact_id, campaign_id),
            UpdateExpression="SET #status = :failed, settled = :true",
            ConditionExpression="#status = :sending AND #at < :limit",
            ExpressionAttributeNames={"#status": "status", "#at": "at"},
            ExpressionAttributeValues={
                ":failed": "failed",
                ":sending": "sending",
                ":true": True,
                ":limit": iso(claimed_before),
            },
        )

    def get_send(self, contact_id: str, campaign_id: str, at: datetime) -> dict | None:
        item = self._table.get_item(Key=send_key(contact_id, campaign_id)).get("Item")
        return from_dynamo(live(item, at)) if live(item, at) else None

    def latest_send(self, contact_id: str, at: datetime) -> dict | None:
        """The contact's most recent send marker (one query on its partition), e.g. to credit an
        unsubscribe to the campaign that prompted it."""
        condition = Key("contact_id").eq(contact_id) & Key("sk").begins_with(SEND)
        latest: dict | None = None
        for item in query_items(self._table, KeyConditionExpression=condition):
            if live(item, at) and (latest is None or str(item.get("at", "")) > str(latest.get("at", ""))):
                latest = item
        return from_dynamo(latest) if latest else None

    def add_soft_bounce(self, contact_id: str, email_hash: str, at: datetime) -> int:
        """Count one more transient or undetermined bounce for this contact; returns the tally.
        The tally is event data: it expires 13 months after its latest bounce. AddressErased
        while the address's erasure tombstone lives (the count may create the item)."""
        ttl = ttl_attributes(expires_at(RetentionClass.EVENTS, at), contact_id)
        key = {"contact_id": contact_id, "sk": SOFT_BOUNCES}
        count = {
            "Update": {
                "TableName": self._table.name,
                "Key": key,
                "UpdateExpression": "ADD bounces :one "
                "SET #at = :at, expires_at = :exp, expiry_bucket = :bucket",
                "ExpressionAttributeNames": {"#at": "at"},
                "ExpressionAttributeValues": {
                    ":one": 1,
                    ":at": iso(at),
                    ":exp": ttl["expires_at"],
                    ":bucket": ttl["expiry_bucket"],
                },
            }
        }
        if transact(self._table.meta.client, [tombstone_absent(email_hash, at), count]):
            raise AddressErased()
        # A transaction answers no values: the tally is read back, strongly consistent.
        return int(self._table.get_item(Key=key, ConsistentRead=True)["Item"]["bounces"])

    def first_outcome(self, contact_id: str, campaign_id: str, outcome: str, at: datetime) -> bool:
        """Record an outcome's first time on the send marker; True only the first time, so each
        outcome counts once per contact whatever the redeliveries or the order of events."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome}")
        return conditionally(
            self._table.update_item,
            Key=send_key(contact_id, campaign_id),
            UpdateExpression=f"SET {outcome}_at = :at",
            ConditionExpression=f"attribute_exists(sk) AND attribute_not_exists({outcome}_at)",
            ExpressionAttributeValues={":at": iso(at)},
        )

    def track(
        self,
        *,
        contact_id: str,
        campaign_id: str,
        account_id: str,
        outcomes: tuple[str, ...],
        at: datetime,
        link: str | None = None,
        arrived_by: datetime | None = None,
    ) -> Tracked:
        """One open or click, in one conditional UpdateItem on the send marker: each outcome's
        first time set unless it is set, and `link` (as written in the campaign) added to the
        links the contact clicked (hashes). Only while the marker exists and is the account's (so
        no hit re-creates a marker an erasure deleted) and, with `arrived_by`, if its email
        arrived by then (delivered, or sent when no delivery is known). The marker as it was comes
        back with the answer, whether the update happened or not: it says which outcomes and
        which link are firsts (DynamoDB applies each update atomically, so of two hits at once
        only one finds no first time)."""
        if unknown := set(outcomes) - set(OUTCOMES):
            raise ValueError(f"unknown outcomes {sorted(unknown)}")
        expression = "SET " + ", ".join(f"{o}_at = if_not_exists({o}_at, :at)" for o in outcomes)
        # A marker past its expiry that TTL has not removed yet is as gone as its token.
        condition = "attribute_exists(sk) AND account_id = :account AND #expires > :now"
        values: dict = {":at": iso(at), ":account": account_id, ":now": epoch(at)}
        names: dict = {"#expires": TTL_ATTRIBUTE}
        if link is not None:
            expression += " ADD clicked_links :links"
            values[":links"] = {_link_hash(link)}
        if arrived_by is not None:
            # Times are ISO 8601 to the second, in UTC: their order is their strings' order.
            condition += (
                " AND (delivered_at <= :arrived OR (attribute_not_exists(delivered_at) AND #at <= :arrived))"
            )
            values[":arrived"] = iso(arrived_by)
            names["#at"] = "at"
        recorded, before = update_returning(
            self._table,
            Key=send_key(contact_id, campaign_id),
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeValues=values,
            ExpressionAttributeNames=names,
            ReturnValues="ALL_OLD",
        )
        return Tracked(recorded, before or None)

    def record_unless_erased(
        self,
        *,
        email_hash: str,
        contact_id: str,
        campaign_id: str,
        account_id: str,
        kind: str,
        at: datetime,
        detail: dict,
    ) -> None:
        """Append one event item (an SES event's: kind, time, detail), in a transaction that the
        erasure tombstone of the address `email_hash` refuses (AddressErased)."""
        item = _event(contact_id, campaign_id, account_id, kind, at, detail)
        put = {"Put": {"TableName": self._table.name, "Item": to_dynamo(item)}}
        if transact(self._table.meta.client, [tombstone_absent(email_hash, at), put]):
            raise AddressErased()

    def of_contact(self, contact_id: str, at: datetime) -> list[dict]:
        items = query_items(self._table, KeyConditionExpression=Key("contact_id").eq(contact_id))
        return [from_dynamo(i) for i in items if live(i, at)]

    def delete_contact(self, contact_id: str) -> int:
        """Delete every event item of a contact (erasure, contact deletion); returns the count.
        Read strongly consistent: an item written just before must be found."""
        items = query_items(
            self._table,
            KeyConditionExpression=Key("contact_id").eq(contact_id),
            ProjectionExpression="contact_id, sk",
            ConsistentRead=True,
        )
        deleted = 0
        with self._table.batch_writer() as batch:
            for item in items:
                batch.delete_item(Key={"contact_id": item["contact_id"], "sk": item["sk"]})
                deleted += 1
        return deleted
