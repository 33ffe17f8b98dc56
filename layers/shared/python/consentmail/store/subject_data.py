"""Everything held about one address, across tables, found by its keyed hash: what a subject
request reads (access), changes (rectification) and deletes (erasure).

Finding is by index or partition, never by scan: contacts by `by_email`, consent records by their
partition (the hash), events by the partition of each contact id, suppressions and requests by
their partition (the hash). Erasure reads without the expiry filter: an expired item that TTL has
not removed yet still holds the address.

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
from consentmail.store.dynamo import from_dynamo, query_items, to_dynamo
from consentmail.store.events import SEND, EventRepository
from consentmail.store.list_counts import ListCounts
from consentmail.store.suppression import ERASED, account_scope

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
            if not is_expired(s, at)
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
        return [
            from_dynamo(i)
            for i in query_items(self._consent, KeyConditionExpression=Key("email_hash").eq(email_hash))
        ]

    def event_items(self, contact_id: str) -> list[dict]:
        return [
            from_dynamo(i)
            for i in query_items(self._event_table, KeyConditionExpression=Key("contact_id").eq(contact_id))
        ]

    def suppression_items(self, email_hash: str) -> list[dict]:
        return [
            from_dynamo(i)
            for i in query_items(self._suppression, KeyConditionExpression=Key("email_hash").eq(email_hash))
        ]

    # --- changing ----------------------------------------------------------------------------

    def update_contact(self, contact: Contact, names: dict[str, str], attributes: dict) -> None:
        """Apply a rectification to one contact: names set, attributes replaced as given."""
        sets = [f"#{name} = :{name}" for name in names]
        values = {f":{name}": value for name, value in names.items()}
        names_map = {f"#{name}": name for name in names}
        sets.append("#attributes = :attributes")
        values[":attributes"] = to_dynamo(attributes)
        names_map["#attributes"] = "attributes"
        self._contacts.update_item(
            Key={"list_id": contact.list_id, "contact_id": contact.contact_id},
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression="attribute_exists(contact_id)",
            ExpressionAttributeNames=names_map,
            ExpressionAttributeValues=values,
        )

    # --- erasing -----------------------------------------------------------------------------

    def erase_contact(self, contact: Contact) -> int:
        """The contact's events and send markers, then the contact itself; returns items deleted."""
        deleted = self._events.delete_contact(contact.contact_id)
        key = {"list_id": contact.list_id, "contact_id": contact.contact_id}
        old = self._contacts.delete_item(Key=key, ReturnValues="ALL_OLD").get("Attributes")
        if old and old.get("status"):
            ListCounts().moved(contact.list_id, str(old["status"]), None)
        return deleted + 1

    def erase_consent(self, email_hash: str) -> int:
        keys = [
            {"email_hash": i["email_hash"], "record_id": i["record_id"]}
            for i in query_items(
                self._consent,
                KeyConditionExpression=Key("email_hash").eq(email_hash),
                ProjectionExpression="email_hash, record_id",
            )
        ]
        with self._consent.batch_writer() as batch:
            for key in keys:
                batch.delete_item(Key=key)
        return len(keys)

    def erase_account_suppressions(self, email_hash: str) -> int:
        """Per-account bounce and complaint suppressions: the global ERASED one replaces them all."""
        keys = [
            {"email_hash": i["email_hash"], "scope": i["scope"]}
            for i in self.suppression_items(email_hash)
            if i["scope"] != ERASED
        ]
        for key in keys:
            self._suppression.delete_item(Key=key)
        return len(keys)
