"""The contacts table: one item per (list, address), keyed by list and a contact id derived from
the list and the address's keyed hash, so the same address on the same list is one contact.

No write here can bring back an erased address (docs/retention.md, "Erasure against concurrent
writers"): a contact is created (`create`, `subscribe`) in one transaction with the ledger entries
proving its consent and a check that the address's erasure tombstone is absent, and changed
(`replace`) only while it exists, never by a read followed by an unconditional put.

Access patterns (docs/architecture.md, data-access map): get, create (transaction with its
ledger entries), subscribe (transaction), replace an existing one (conditional, or a transaction
with the change's ledger entries), delete; claim the opt-in slot (conditional update); page
through a list (query with a cursor); every contact of a list; contacts of an address
(`by_email`)."""

import hashlib
from collections.abc import Iterator, Sequence
from datetime import datetime

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import iso
from consentmail.core.errors import AddressErased, Conflict, NotFound
from consentmail.core.records import ConsentRecord, Contact
from consentmail.core.tables import Table
from consentmail.store.consent import ledger_put
from consentmail.store.dynamo import conditionally, from_dynamo, live, query_items, to_dynamo, transact
from consentmail.store.suppression import erasure_lifted, tombstone_absent

_TIMES = ("created_at", "confirmed_at", "optin_sent_at")
ALREADY_ON_THE_LIST = "This address is already on the list."
CONTACT_GONE = "This contact no longer exists."
_NEW = "attribute_not_exists(contact_id)"
_EXISTING = "attribute_exists(contact_id)"


def contact_id_for(list_id: str, email_hash: str) -> str:
    return hashlib.sha256(f"{list_id}:{email_hash}".encode()).hexdigest()[:24]


def contact_item(contact: Contact) -> dict:
    """A contact as the table stores it."""
    data = contact.model_dump(mode="json", exclude_none=True)
    for name in _TIMES:
        value = getattr(contact, name)
        if value is not None:
            data[name] = iso(value)
    return to_dynamo(data)


def _contact(item: dict) -> Contact:
    return Contact.model_validate(from_dynamo(item))


class ContactRepository:
    def __init__(self, table=None):
        self._table = table or aws_clients.table(Table.CONTACTS)

    def get(self, list_id: str, contact_id: str, at: datetime) -> Contact | None:
        item = live(self._table.get_item(Key={"list_id": list_id, "contact_id": contact_id}).get("Item"), at)
        return _contact(item) if item else None

    def create(self, contact: Contact, ledger: Sequence[ConsentRecord] = ()) -> None:
        """Add a contact that does not exist yet with the ledger entries proving its consent, in
        one transaction: Conflict if the address is on the list, AddressErased while its erasure
        tombstone lives."""
        failed = self._write(contact, ledger, _NEW)
        if 0 in failed:
            raise AddressErased()
        if failed:
            raise Conflict(ALREADY_ON_THE_LIST)

    def subscribe(self, contact: Contact, ledger: Sequence[ConsentRecord]) -> None:
        """A subscription from a form: the contact, new or replacing the one on the list, with its
        ledger entry, in one transaction; AddressErased while the address's erasure tombstone lives."""
        if self._write(contact, ledger, None):
            raise AddressErased()

    def replace(
        self, contact: Contact, ledger: Sequence[ConsentRecord] = (), *, lift_erasure: bool = False
    ) -> None:
        """Replace a contact that exists with `contact`, appending the ledger entries that record
        the change (and, for a confirmation, lifting the address's `ERASED` suppression) in the same
        transaction. Never re-creates a contact that is gone (deleted, erased): NotFound;
        AddressErased while the address's erasure tombstone lives."""
        if not ledger and not lift_erasure:
            # A change alone creates nothing: existing is the only condition it needs.
            put = {"Item": contact_item(contact), "ConditionExpression": _EXISTING}
            if not conditionally(self._table.put_item, **put):
                raise NotFound(CONTACT_GONE)
            return
        failed = self._write(
            contact, ledger, _EXISTING, [erasure_lifted(contact.email_hash)] if lift_erasure else []
        )
        if 0 in failed:
            raise AddressErased()
        if failed:
            raise NotFound(CONTACT_GONE)

    def _write(
        self,
        contact: Contact,
        ledger: Sequence[ConsentRecord],
        condition: str | None,
        also: list | None = None,
    ) -> set[int]:
        """The contact and its ledger entries, all or none, unless the address's erasure tombstone
        lives (action 0) or the contact's `condition` fails (action 1)."""
        put: dict = {"TableName": self._table.name, "Item": contact_item(contact)}
        if condition:
            put["ConditionExpression"] = condition
        at = max((record.at for record in ledger), default=contact.created_at)
        actions = [
            tombstone_absent(contact.email_hash, at),
            {"Put": put},
            *map(ledger_put, ledger),
            *(also or []),
        ]
        return transact(self._table.meta.client, actions)

    def claim_optin_slot(self, contact: Contact, at: datetime, not_before: datetime) -> bool:
        """Record that an opt-in email goes out now, unless one went out after `not_before`.
        Conditional, so two concurrent subscribes send one email."""
        return conditionally(
            self._table.update_item,
            Key={"list_id": contact.list_id, "contact_id": contact.contact_id},
            UpdateExpression="SET optin_sent_at = :now",
            ConditionExpression="attribute_exists(contact_id) AND "
            "(attribute_not_exists(optin_sent_at) OR optin_sent_at < :limit)",
            ExpressionAttributeValues={":now": iso(at), ":limit": iso(not_before)},
        )

    def delete(self, list_id: str, contact_id: str) -> None:
        self._table.delete_item(Key={"list_id": list_id, "contact_id": contact_id})

    def page(self, list_id: str, at: datetime, start: dict | None = None, limit: int = 100):
        """One page of a list's contacts and the key to continue from (None at the end)."""
        kwargs: dict = {"KeyConditionExpression": Key("list_id").eq(list_id), "Limit": limit}
        if start:
            kwargs["ExclusiveStartKey"] = start
        result = self._table.query(**kwargs)
        contacts = [_contact(i) for i in result.get("Items", []) if live(i, at)]
        return contacts, result.get("LastEvaluatedKey")

    def all_of_list(self, list_id: str, at: datetime) -> Iterator[Contact]:
        start = None
        while True:
            contacts, start = self.page(list_id, at, start, limit=500)
            yield from contacts
            if not start:
                return

    def with_email_hash(self, email_hash: str, at: datetime) -> list[Contact]:
        """Every contact holding this address, in every list of every account."""
        by_email = Key("email_hash").eq(email_hash)
        items = query_items(self._table, IndexName="by_email", KeyConditionExpression=by_email)
        return [_contact(i) for i in items if live(i, at)]
