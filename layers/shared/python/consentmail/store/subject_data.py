"""Everything held about one address, across tables, found by its keyed hash: what a subject
request reads (access), changes (rectification) and deletes (erasure).

Finding is by index or partition, never by scan: contacts by `by_email`, consent records by their
partition (the hash), events by the partition of each contact id, suppressions and requests by
their partition (the hash). Erasure reads without the expiry filter: an expired item that TTL has
not removed yet still holds the address.

Erasure runs after its tombstone is written, which refuses every later write about the address,
and reads strongly consistent, so it finds everything written before (docs/retention.md, "Erasure
against concurrent writers"). The one index it reads, `by_email`, is only eventually consistent:
a contact created a moment ago may not be in it yet. Every contact is created in one transaction
with a ledger entry naming it, so the contacts erased are those of the index and those the
ledger names.

Access patterns: contacts of an address (`by_email` index of contacts); consent records of an
address (consent partition); events and send markers of a contact (events partition);
suppressions of an address (suppression partition). What the subject sees of them (the export)
is built here too, since only the store knows which attributes are storage keys.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import iso
from consentmail.core.records import Contact
from consentmail.core.retention import TTL_ATTRIBUTE, is_expired
from consentmail.core.tables import Table
from consentmail.store.dynamo import conditionally, from_dynamo, query_items, to_dynamo
from consentmail.store.events import SEND, EventRepository
from consentmail.store.list_counts import ListCounts
from consentmail.store.suppression import ERASED, ERASURE_SCOPES, TOMBSTONE, account_scope

# Attributes that only serve our storage (index keys, the expiry bucket) stay out of exports.
_INTERNAL = {"expiry_bucket", "email_hash", "pk", "sk"}


def _exported(item: dict) -> dict:
    """An item as the subject sees it: no storage keys, expiry as a readable time."""
    # Sets (the links a contact clicked, as hashes, on a send marker) read as sorted lists in JSON.
    cleaned = {k: sorted(v) if isinstance(v, set) else v for k, v in item.items() if k not in _INTERNAL}
    if TTL_ATTRIBUTE in cleaned:
        cleaned[TTL_ATTRIBUTE] = iso(datetime.fromtimestamp(int(cleaned[TTL_ATTRIBUTE]), UTC))
    return cleaned


@dataclass(frozen=True)
class ExportedContact:
    """One contact holding the address, as exported: its fields and its events, storage keys left out."""

    list_id: str
    account_id: str
    email: str
    fields: dict
    events: list[dict]


@dataclass(frozen=True)
class HeldContact:
    """Where a contact of the address is (or was: the ledger names contacts that may be gone)."""

    account_id: str
    list_id: str
    contact_id: str


@dataclass(frozen=True)
class Held:
    """Everything held about an address that has not expired, as its export shows it."""

    contacts: list[ExportedContact]
    consent_records: list[dict]
    suppressions: list[dict]


class SubjectDataRepository:
    def __init__(self, tables: dict | None = None, events: EventRepository | None = None):
        tables = tables or {}
        self._contacts = tables.get(Table.CONTACTS) or aws_clients.table(Table.CONTACTS)
        self._consent = tables.get(Table.CONSENT) or aws_clients.table(Table.CONSENT)
        self._suppression = tables.get(Table.SUPPRESSION) or aws_clients.table(Table.SUPPRESSION)
        self._event_table = tables.get(Table.EVENTS) or aws_clients.table(Table.EVENTS)
        self._events = events or EventRepository(self._event_table)

    # --- reading -----------------------------------------------------------------------------

    def contacts(self, email_hash: str, at: datetime | None = None) -> list[Contact]:
        """The contacts holding the address in every list of every account; with `at`, only those
        not expired by then, without it every one (until deleted, an expired contact still holds
        the address)."""
        return [
            Contact.model_validate(item)
            for item in self.contact_items(email_hash)
            if at is None or not is_expired(item, at)
        ]

    def held(self, email_hash: str, at: datetime) -> Held:
        """Everything held about the address at `at` (GDPR art. 15 and 20), storage keys left out."""
        contacts = [
            ExportedContact(
                list_id=item["list_id"],
                account_id=item["account_id"],
                email=item["email"],
                fields=_exported(item),
                events=[
                    {"record": "send" if str(e.get("sk", "")).startswith(SEND) else "event", **_exported(e)}
                    for e in self.event_items(item["contact_id"])
                    if not is_expired(e, at)
                ],
            )
            for item in self.contact_items(email_hash)
            if not is_expired(item, at)
        ]
        consent = [_exported(c) for c in self.consent_items(email_hash) if not is_expired(c, at)]
        suppressions = [
            {
                "scope": "erased" if s["scope"] == ERASED else "account",
                "account_id": s["scope"].removeprefix(account_scope("")) if s["scope"] != ERASED else None,
                "reason": s.get("reason"),
                "at": s.get("at"),
            }
            for s in self.suppression_items(email_hash)
            # An erasure's tombstone is no suppression: it only holds writers off for an hour.
            if not is_expired(s, at) and s["scope"] != TOMBSTONE
        ]
        return Held(contacts, consent, suppressions)

    def contact_items(self, email_hash: str) -> list[dict]:
        """Every contact item holding the address, in every list of every account, expired or not.
        The by_email index projects all attributes, so no second read is needed."""
        return [
            from_dynamo(i)
            for i in query_items(
                self._contacts, IndexName="by_email", KeyConditionExpression=Key("email_hash").eq(email_hash)
            )
        ]

    def consent_items(self, email_hash: str) -> list[dict]:
        by_hash = Key("email_hash").eq(email_hash)
        return [
            from_dynamo(i)
            for i in query_items(self._consent, KeyConditionExpression=by_hash, ConsistentRead=True)
        ]

    def event_items(self, contact_id: str) -> list[dict]:
        by_contact = Key("contact_id").eq(contact_id)
        return [
            from_dynamo(i)
            for i in query_items(self._event_table, KeyConditionExpression=by_contact, ConsistentRead=True)
        ]

    def suppression_items(self, email_hash: str) -> list[dict]:
        by_hash = Key("email_hash").eq(email_hash)
        return [
            from_dynamo(i)
            for i in query_items(self._suppression, KeyConditionExpression=by_hash, ConsistentRead=True)
        ]

    def contacts_to_erase(self, email_hash: str) -> list[HeldContact]:
        """Every contact that may hold the address: those of the `by_email` index and those the
        consent ledger names (read strongly consistent, it has every contact created before the
        erasure's tombstone, which the index may not have yet). Some may be gone already."""
        found = {
            (item["list_id"], item["contact_id"]): HeldContact(
                item["account_id"], item["list_id"], item["contact_id"]
            )
            for item in self.contact_items(email_hash)
        }
        for record in self.consent_items(email_hash):
            key = (record.get("list_id"), record.get("contact_id"))
            if all(key):
                found.setdefault(key, HeldContact(record["account_id"], *key))
        return list(found.values())

    # --- changing ----------------------------------------------------------------------------

    def update_contact(self, contact: Contact, names: dict[str, str], attributes: dict) -> bool:
        """Apply a rectification to one contact: names set, attributes replaced as given; False
        when the contact is gone meanwhile (never re-created)."""
        sets = [f"#{name} = :{name}" for name in names]
        values = {f":{name}": value for name, value in names.items()}
        names_map = {f"#{name}": name for name in names}
        sets.append("#attributes = :attributes")
        values[":attributes"] = to_dynamo(attributes)
        names_map["#attributes"] = "attributes"
        return conditionally(
            self._contacts.update_item,
            Key={"list_id": contact.list_id, "contact_id": contact.contact_id},
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression="attribute_exists(contact_id)",
            ExpressionAttributeNames=names_map,
            ExpressionAttributeValues=values,
        )

    # --- erasing -----------------------------------------------------------------------------

    def erase_contact(self, contact: HeldContact) -> int:
        """The contact's events and send markers, then the contact itself (in this order, so an
        erasure that fails half-way still finds the contact); returns the items deleted."""
        deleted = self._events.delete_contact(contact.contact_id)
        key = {"list_id": contact.list_id, "contact_id": contact.contact_id}
        old = self._contacts.delete_item(Key=key, ReturnValues="ALL_OLD").get("Attributes")
        if old and old.get("status"):
            ListCounts().moved(contact.list_id, str(old["status"]), None)
        return deleted + (1 if old else 0)

    def erase_consent(self, email_hash: str) -> int:
        keys = [
            {"email_hash": i["email_hash"], "record_id": i["record_id"]}
            for i in query_items(
                self._consent,
                KeyConditionExpression=Key("email_hash").eq(email_hash),
                ProjectionExpression="email_hash, record_id",
                ConsistentRead=True,
            )
        ]
        with self._consent.batch_writer() as batch:
            for key in keys:
                batch.delete_item(Key=key)
        return len(keys)

    def erase_account_suppressions(self, email_hash: str) -> int:
        """Per-account bounce and complaint suppressions: the global ERASED one replaces them all
        (and the erasure's tombstone stays until it expires)."""
        keys = [
            {"email_hash": i["email_hash"], "scope": i["scope"]}
            for i in self.suppression_items(email_hash)
            if i["scope"] not in ERASURE_SCOPES
        ]
        for key in keys:
            self._suppression.delete_item(Key=key)
        return len(keys)
