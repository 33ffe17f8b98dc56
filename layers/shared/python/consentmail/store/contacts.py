"""The contacts table: one item per (list, address), keyed by list and a contact id derived from
the list and the address's keyed hash, so the same address on the same list is one contact.

Access patterns (docs/architecture.md, data-access map): get, create (conditional), save, delete;
create many (a large import's chunk: conditional puts, 16 at a time); which of many
exist, with the import row that created each (BatchGetItem); claim the opt-in slot (conditional
update); page through a list (query with a cursor); every contact of a list; the attribute names
of a list (query, attributes only); contacts of an address (`by_email`)."""

import hashlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import iso
from consentmail.core.errors import Conflict
from consentmail.core.records import Contact
from consentmail.core.tables import Table
from consentmail.store.dynamo import (
    conditionally,
    from_dynamo,
    live,
    query_items,
    to_dynamo,
    translated_errors,
)

_TIMES = ("created_at", "confirmed_at", "optin_sent_at")
# `create`'s condition, for `create_many` too: whatever guards one contact's creation guards each.
_NEW = "attribute_not_exists(contact_id)"
_PARALLEL_PUTS = 16


def contact_id_for(list_id: str, email_hash: str) -> str:
    return hashlib.sha256(f"{list_id}:{email_hash}".encode()).hexdigest()[:24]


def _item(contact: Contact) -> dict:
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

    def create(self, contact: Contact) -> None:
        """Add a contact that does not exist yet (Conflict if it does)."""
        with translated_errors("This address is already on the list."):
            self._table.put_item(Item=_item(contact), ConditionExpression="attribute_not_exists(contact_id)")

    def create_many(self, contacts: list[Contact]) -> set[str]:
        """Add contacts that do not exist yet, each with the same conditional put as `create`, so
        none ever overwrites a contact: returns the ids of those that already existed, left exactly
        as they were. Sixteen puts at a time (boto3 clients are thread-safe), so a large import's
        chunk of 1,000 takes the time of some 60 round trips, not 1,000."""
        client = self._table.meta.client
        name = self._table.name

        def put(contact: Contact) -> str | None:
            try:
                with translated_errors():
                    client.put_item(TableName=name, Item=_item(contact), ConditionExpression=_NEW)
            except Conflict:
                return contact.contact_id
            return None

        if not contacts:
            return set()
        with ThreadPoolExecutor(max_workers=min(_PARALLEL_PUTS, len(contacts))) as pool:
            return {contact_id for contact_id in pool.map(put, contacts) if contact_id}

    def import_rows(
        self, list_id: str, contact_ids: list[str], at: datetime, consistent: bool = False
    ) -> dict[str, str | None]:
        """Which of these contacts exist: each one's id, with the import row that created it (None
        for a contact added any other way). 100 keys a call; `consistent` reads see every write
        made before them (and cost twice)."""
        found: dict[str, str | None] = {}
        client = self._table.meta.client
        name = self._table.name
        ids = list(dict.fromkeys(contact_ids))
        for start in range(0, len(ids), 100):
            keys = [{"list_id": list_id, "contact_id": c} for c in ids[start : start + 100]]
            request: dict | None = {
                name: {
                    "Keys": keys,
                    "ProjectionExpression": "contact_id, import_row, expires_at",
                    "ConsistentRead": consistent,
                }
            }
            while request:
                response = client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(name, []):
                    if live(item, at):
                        found[item["contact_id"]] = item.get("import_row")
                request = response.get("UnprocessedKeys") or None
        return found

    def save(self, contact: Contact) -> None:
        self._table.put_item(Item=_item(contact))

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

    def all_of_list(self, list_id: str, at: datetime, page_size: int = 500) -> Iterator[Contact]:
        start = None
        while True:
            contacts, start = self.page(list_id, at, start, limit=page_size)
            yield from contacts
            if not start:
                return

    def attribute_names(self, list_id: str, at: datetime, page_size: int = 500) -> set[str]:
        """Every attribute name the list's contacts use (an export's CSV columns), reading only the
        attributes, page by page."""
        names: set[str] = set()
        items = query_items(
            self._table,
            KeyConditionExpression=Key("list_id").eq(list_id),
            ProjectionExpression="#a, expires_at",
            ExpressionAttributeNames={"#a": "attributes"},
            Limit=page_size,
        )
        for item in items:
            if live(item, at):
                names.update(item.get("attributes") or {})
        return names

    def with_email_hash(self, email_hash: str, at: datetime) -> list[Contact]:
        """Every contact holding this address, in every list of every account."""
        by_email = Key("email_hash").eq(email_hash)
        items = query_items(self._table, IndexName="by_email", KeyConditionExpression=by_email)
        return [_contact(i) for i in items if live(i, at)]
