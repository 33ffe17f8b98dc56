"""The events table: event data, each item expiring 13 calendar months after its event.

Items of one contact share a partition (pk = contact_id), so access, erasure and closure find
them in one query. Sort keys:
- `SEND#<campaign_id>`: the send marker, written conditionally before the SES call so a contact
  gets a campaign at most once; it also holds the first time of each outcome (`delivered_at`,
  `opened_at`, `clicked_at`, `bounced_at`, `complained_at`, `unsubscribed_at`), set with a
  condition, which is what makes unique opens and clicks, and idempotent SES events, cheap.
  It also holds the links the contact clicked (`clicked_links`, hashes), for unique link clicks.
- `EVENT#<campaign_id>#<iso time>#<type>#<id>`: one item per event (open, click, SES event).

No write here brings an erased contact's data back (docs/retention.md, "Erasure against
concurrent writers"): a marker is changed only while it exists; what one email or one hit writes
(a marker's claim, an open or click) is a plain put that its writer follows with a strongly
consistent read of the address's erasure tombstone, undoing the put if it lives (`release_send`,
`forget`); what an SES event writes (an event item, the soft-bounce tally) is a transaction that
the tombstone refuses.

Access patterns (docs/architecture.md, data-access map): claim a send marker (conditional put),
finish (conditional), release, settle a stale one; get a marker; a contact's latest send; first
time of an outcome, first click of a link (conditional updates); count soft bounces
(transaction); record an event (put, or a transaction refused by the tombstone), forget one; a
contact's events; delete a contact's events (strongly consistent).
"""

import hashlib
import uuid
from datetime import datetime

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import iso
from consentmail.core.errors import AddressErased
from consentmail.core.retention import RetentionClass, expires_at, ttl_attributes
from consentmail.core.tables import Table
from consentmail.store.dynamo import conditionally, from_dynamo, live, query_items, to_dynamo, transact
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

    def first_link_click(self, contact_id: str, campaign_id: str, url: str, at: datetime) -> bool:
        """Record on the send marker that the contact clicked this link; True only the first time,
        which is what makes a link's unique clicks unique contacts."""
        link = hashlib.sha256(url.encode()).hexdigest()[:32]
        return conditionally(
            self._table.update_item,
            Key=send_key(contact_id, campaign_id),
            UpdateExpression="ADD clicked_links :links",
            ConditionExpression="attribute_exists(sk) AND NOT contains(clicked_links, :link)",
            ExpressionAttributeValues={":links": {link}, ":link": link},
        )

    def record(
        self, *, contact_id: str, campaign_id: str, account_id: str, kind: str, at: datetime, detail: dict
    ) -> dict:
        """Append one event item (no raw IP or user agent: callers store verdicts); returns its
        key. A plain put: the caller reads the address's erasure tombstone right after it, and
        `forget`s the item if it lives."""
        item = _event(contact_id, campaign_id, account_id, kind, at, detail)
        self._table.put_item(Item=to_dynamo(item))
        return {"contact_id": contact_id, "sk": item["sk"]}

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
        """`record`, in a transaction that the erasure tombstone of the address `email_hash`
        refuses (AddressErased)."""
        item = _event(contact_id, campaign_id, account_id, kind, at, detail)
        put = {"Put": {"TableName": self._table.name, "Item": to_dynamo(item)}}
        if transact(self._table.meta.client, [tombstone_absent(email_hash, at), put]):
            raise AddressErased()

    def forget(self, key: dict) -> None:
        """Delete one event item: a hit recorded while its address was being erased."""
        self._table.delete_item(Key=key)

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
