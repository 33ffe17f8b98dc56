"""The contacts table: one item per (list, address), keyed by list and a contact id derived from
the list and the address's keyed hash, so the same address on the same list is one contact.

No write here can bring back an erased address (docs/retention.md, "Erasure against concurrent
writers"): a contact is created (`create`, `subscribe`) in one transaction with the ledger entries
proving its consent and a check that the address's erasure tombstone is absent, and changed
(`replace`) only while it exists, never by a read followed by an unconditional put.

Every write that creates a contact, changes its status or deletes it moves the list's counts by
status (store/list_counts.py) from the status it replaced, with no read first: a plain write
learns it from ReturnValues; a transaction answers no values, so it is conditional on the status
its caller read (or on the contact's absence), and when another write changed that status
meanwhile the transaction fails with the item as it found it (ReturnValuesOnConditionCheckFailure)
and is tried again from there.

Access patterns (docs/architecture.md, data-access map): get, create (transaction with its
ledger entries), subscribe (transaction), replace an existing one (conditional, or a transaction
with the change's ledger entries), delete; claim the opt-in slot (conditional update); page
through a list (query with a cursor); search a list by status and address or name prefix
(filtered query of its partition, a cursor); every contact of a list; contacts of an address
(`by_email`); which of many exist, with the large import's row that created each (BatchGetItem).
Many new contacts at once (imports) are written by `store.accounts.BulkContacts`.

The contact record (a pydantic model) is imported when a contact is built, not with this module,
and so are the ledger's: the tracking function reads a contact's consent (`tracking_consent`)
without them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from boto3.dynamodb.conditions import Attr, Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import iso
from consentmail.core.errors import AddressErased, Conflict, NotFound, Retryable
from consentmail.core.tables import Table
from consentmail.store.dynamo import (
    conditionally,
    from_dynamo,
    live,
    query_items,
    to_dynamo,
    transact,
    translated_errors,
)
from consentmail.store.list_counts import ListCounts
from consentmail.store.suppression import erasure_lifted, tombstone_absent

if TYPE_CHECKING:
    from consentmail.core.records import ConsentRecord, Contact

_TIMES = ("created_at", "confirmed_at", "optin_sent_at")
ALREADY_ON_THE_LIST = "This address is already on the list."
CONTACT_GONE = "This contact no longer exists."
_NEW = "attribute_not_exists(contact_id)"
_EXISTING = "attribute_exists(contact_id)"
_WAS = "#status = :was"
# A transaction whose contact changed status meanwhile is tried again this many times in all.
_STATUS_RETRIES = 4


@dataclass(frozen=True)
class TrackingConsent:
    """What the tracking function needs of a contact: whose it is and whether it allows tracking."""

    account_id: str
    tracking_consent: bool


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
        read as `get`, without building the record, and only the two attributes."""
        item = live(
            self._table.get_item(
                Key={"list_id": list_id, "contact_id": contact_id},
                ProjectionExpression="account_id, tracking_consent, expires_at",
            ).get("Item"),
            at,
        )
        if item is None:
            return None
        return TrackingConsent(str(item["account_id"]), bool(item.get("tracking_consent", False)))

    def create(self, contact: Contact, ledger: Sequence[ConsentRecord] = ()) -> None:
        """Add a contact that does not exist yet with the ledger entries proving its consent, in
        one transaction: Conflict if the address is on the list, AddressErased while its erasure
        tombstone lives."""
        failed = self._write(contact, ledger, _NEW)
        if 0 in failed:
            raise AddressErased()
        if failed:
            raise Conflict(ALREADY_ON_THE_LIST)
        self.counts.moved(contact.list_id, None, contact.status.value)

    def subscribe(self, contact: Contact, ledger: Sequence[ConsentRecord], *, was: str | None) -> None:
        """A subscription from a form: the contact, new or replacing the one on the list (whose
        status its caller read as `was`, None when there was none), with its ledger entry, in one
        transaction; AddressErased while the address's erasure tombstone lives."""
        self._write_from(contact, ledger, was, absent_ok=True)

    def replace(
        self,
        contact: Contact,
        ledger: Sequence[ConsentRecord] = (),
        *,
        was: str | None = None,
        lift_erasure: bool = False,
    ) -> None:
        """Replace a contact that exists with `contact`, appending the ledger entries that record
        the change (and, for a confirmation, lifting the address's `ERASED` suppression) in the same
        transaction. `was` is the status its caller read (by default the one `contact` keeps).
        Never re-creates a contact that is gone (deleted, erased): NotFound; AddressErased while
        the address's erasure tombstone lives."""
        if not ledger and not lift_erasure:
            # A change alone creates nothing: existing is the only condition it needs, and the
            # status it replaced comes back with it.
            put = {"Item": contact_item(contact), "ConditionExpression": _EXISTING, "ReturnValues": "ALL_OLD"}
            try:
                with translated_errors():
                    old = self._table.put_item(**put).get("Attributes")
            except Conflict as gone:
                raise NotFound(CONTACT_GONE) from gone
            self.counts.moved(contact.list_id, _status(old), contact.status.value)
            return
        also = [erasure_lifted(contact.email_hash)] if lift_erasure else []
        self._write_from(contact, ledger, was or contact.status.value, absent_ok=False, also=also)

    def _write_from(
        self,
        contact: Contact,
        ledger: Sequence[ConsentRecord],
        was: str | None,
        *,
        absent_ok: bool,
        also: list | None = None,
    ) -> None:
        """The contact written over the one whose status was `was` (None: absent), then the
        list's counts moved from it. When another write changed the contact meanwhile, the
        transaction answers it as it is, and is tried again from its status (the last write wins,
        as a put would, and the counts stay right); NotFound when it is gone and `absent_ok` is
        not set."""
        for _ in range(_STATUS_RETRIES):
            condition = _NEW if was is None else _WAS
            failed = self._write(contact, ledger, condition, also, was)
            if 0 in failed:
                raise AddressErased()
            if not failed:
                self.counts.moved(contact.list_id, was, contact.status.value)
                return
            found = failed[1]
            if found is None and not absent_ok:
                raise NotFound(CONTACT_GONE)
            was = _status(found)
        raise Retryable("the contact kept changing")

    def _write(
        self,
        contact: Contact,
        ledger: Sequence[ConsentRecord],
        condition: str,
        also: list | None = None,
        was: str | None = None,
    ) -> dict[int, dict | None]:
        """The contact and its ledger entries, all or none, unless the address's erasure tombstone
        lives (action 0) or the contact's `condition` fails (action 1, with the contact as it
        found it)."""
        from consentmail.store.consent import ledger_put

        put: dict = {
            "TableName": self._table.name,
            "Item": contact_item(contact),
            "ConditionExpression": condition,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if condition == _WAS:
            put["ExpressionAttributeNames"] = {"#status": "status"}
            put["ExpressionAttributeValues"] = {":was": was}
        at = max((record.at for record in ledger), default=contact.created_at)
        actions = [
            tombstone_absent(contact.email_hash, at),
            {"Put": put},
            *map(ledger_put, ledger),
            *(also or []),
        ]
        return transact(self._table.meta.client, actions)

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
