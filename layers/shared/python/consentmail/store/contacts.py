"""The contacts table: one item per (list, address), keyed by list and a contact id derived from
the list and the address's keyed hash, so the same address on the same list is one contact.

Access patterns (docs/architecture.md, data-access map): get, create (conditional), save, delete;
claim the opt-in slot (conditional update); page through a list (query with a cursor); search a
list by status and address or name prefix (filtered query of its partition, a cursor); every
contact of a list; contacts of an address (`by_email`). Every write that creates a contact,
changes its status or deletes it moves the list's counts by status (store/list_counts.py), from
the status the write itself replaced (ReturnValues), so no read comes first.

The contact record (a pydantic model) is imported when a contact is built, not with this module:
the tracking function reads a contact's consent (`tracking_consent`) without it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from boto3.dynamodb.conditions import Attr, Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import iso
from consentmail.core.tables import Table
from consentmail.store.dynamo import (
    conditionally,
    from_dynamo,
    live,
    query_items,
    to_dynamo,
    translated_errors,
)
from consentmail.store.list_counts import ListCounts

if TYPE_CHECKING:
    from consentmail.core.records import Contact

_TIMES = ("created_at", "confirmed_at", "optin_sent_at")


@dataclass(frozen=True)
class TrackingConsent:
    """What the tracking function needs of a contact: whose it is and whether it allows tracking."""

    account_id: str
    tracking_consent: bool


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
    from consentmail.core.records import Contact

    return Contact.model_validate(from_dynamo(item))


def _status(item: dict | None) -> str | None:
    return str(item["status"]) if item and item.get("status") else None


class ContactRepository:
    def __init__(self, table=None, counts: ListCounts | None = None):
        self._table = table or aws_clients.table(Table.CONTACTS)
        self._counts = counts

    @property
    def counts(self) -> ListCounts:
        if self._counts is None:
            self._counts = ListCounts()
        return self._counts

    def get(self, list_id: str, contact_id: str, at: datetime) -> Contact | None:
        item = live(self._table.get_item(Key={"list_id": list_id, "contact_id": contact_id}).get("Item"), at)
        return _contact(item) if item else None

    def tracking_consent(self, list_id: str, contact_id: str, at: datetime) -> TrackingConsent | None:
        """The account and tracking consent of a live contact (None when there is none): the same
        read as `get`, without building the record."""
        item = live(self._table.get_item(Key={"list_id": list_id, "contact_id": contact_id}).get("Item"), at)
        if item is None:
            return None
        return TrackingConsent(str(item["account_id"]), bool(item.get("tracking_consent", False)))

    def create(self, contact: Contact) -> None:
        """Add a contact that does not exist yet (Conflict if it does)."""
        with translated_errors("This address is already on the list."):
            self._table.put_item(Item=_item(contact), ConditionExpression="attribute_not_exists(contact_id)")
        self.counts.moved(contact.list_id, None, contact.status.value)

    def save(self, contact: Contact) -> None:
        old = self._table.put_item(Item=_item(contact), ReturnValues="ALL_OLD").get("Attributes")
        self.counts.moved(contact.list_id, _status(old), contact.status.value)

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
        key = {"list_id": list_id, "contact_id": contact_id}
        old = self._table.delete_item(Key=key, ReturnValues="ALL_OLD").get("Attributes")
        self.counts.moved(list_id, _status(old), None)

    def page(self, list_id: str, at: datetime, start: dict | None = None, limit: int = 100):
        """One page of a list's contacts and the key to continue from (None at the end)."""
        kwargs: dict = {"KeyConditionExpression": Key("list_id").eq(list_id), "Limit": limit}
        if start:
            kwargs["ExclusiveStartKey"] = start
        result = self._table.query(**kwargs)
        contacts = [_contact(i) for i in result.get("Items", []) if live(i, at)]
        return contacts, result.get("LastEvaluatedKey")

    def search_page(
        self,
        list_id: str,
        at: datetime,
        *,
        status: str | None,
        matches: Callable[[Contact], bool],
        start: dict | None = None,
        limit: int = 100,
        read_budget: int = 2000,
    ) -> tuple[list[Contact], dict | None]:
        """Up to `limit` contacts of the list with this status (DynamoDB filter) for which
        `matches` holds, reading at most about `read_budget` items before answering with what it
        found and the key to continue from, so one request stays short however large the list.

        A filtered query of the list's own partition, not an index: it reads (and is billed for)
        the list's items whether they match or not, about 0.5 read units per 4 KB, so a search
        of a 50,000-contact list costs about 3,000 read units (well under a cent). A search index
        on name and address prefixes would cost a write on every contact change for every account,
        for a search an account holder runs now and then; and prefixes are matched without
        regard to case, which DynamoDB's begins_with cannot do."""
        found: list[Contact] = []
        read = 0
        kwargs: dict = {"KeyConditionExpression": Key("list_id").eq(list_id)}
        if status:
            kwargs["FilterExpression"] = Attr("status").eq(status)
        while True:
            kwargs["Limit"] = min(max(limit - len(found), 1) * 4, 1000)
            if start:
                kwargs["ExclusiveStartKey"] = start
            result = self._table.query(**kwargs)
            read += int(result.get("ScannedCount", 0))
            for item in result.get("Items", []):
                if not live(item, at):
                    continue
                contact = _contact(item)
                if matches(contact):
                    found.append(contact)
                    if len(found) == limit:
                        # Continue right after this contact, not after the page read.
                        return found, {"list_id": list_id, "contact_id": contact.contact_id}
            start = result.get("LastEvaluatedKey")
            if not start or read >= read_budget:
                return found, start

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
