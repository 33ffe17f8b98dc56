"""The consent ledger: append-only. Entries are added with a condition that they are new and are
never updated; they leave only with the contact's erasure or the account's purge.

Every entry is written in a transaction that its address's erasure tombstone refuses
(`tombstone_absent`): alone (`append`), or with the contact change it records (`ledger_put`, in
the contacts repository's transactions), so a contact is never created without the entry that
proves its consent, which is also how an erasure finds every contact of an address at once (the
ledger is read strongly consistent; the contacts' `by_email` index is not).

Access patterns (docs/architecture.md, data-access map): append an entry (transaction, never
updated); entries of an address (partition); entries of a contact (partition, filtered)."""

import hashlib
import uuid
from datetime import UTC, datetime

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import iso
from consentmail.core.errors import AddressErased
from consentmail.core.records import ConsentAction, ConsentRecord, Contact, Visitor
from consentmail.core.tables import Table
from consentmail.store.dynamo import from_dynamo, live, query_items, to_dynamo, transact
from consentmail.store.suppression import tombstone_absent


def new_record_id(at: datetime) -> str:
    """Sortable by time (microseconds), unique by its random suffix."""
    return f"{at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}#{uuid.uuid4().hex[:12]}"


def new_entry(
    *,
    email_hash: str,
    account_id: str,
    list_id: str,
    contact_id: str,
    action: ConsentAction,
    at: datetime,
    ip: str = "",
    user_agent: str = "",
    text: str = "",
    source: str = "",
) -> ConsentRecord:
    """A ledger entry, not written yet."""
    return ConsentRecord(
        email_hash=email_hash,
        record_id=new_record_id(at),
        account_id=account_id,
        list_id=list_id,
        contact_id=contact_id,
        action=action,
        at=at,
        ip=ip,
        user_agent=user_agent[:512],
        text=text,
        source=source,
    )


def entry_for(
    contact: Contact,
    action: ConsentAction,
    at: datetime,
    *,
    visitor: Visitor | None = None,
    text: str = "",
    source: str = "",
) -> ConsentRecord:
    """An entry about one contact, made by `visitor` (none when the system acts); not written yet."""
    return new_entry(
        email_hash=contact.email_hash,
        account_id=contact.account_id,
        list_id=contact.list_id,
        contact_id=contact.contact_id,
        action=action,
        at=at,
        ip=visitor.ip if visitor else "",
        user_agent=visitor.user_agent if visitor else "",
        text=text,
        source=source,
    )


def ledger_item(record: ConsentRecord) -> dict:
    item = record.model_dump(mode="json")
    item["at"] = iso(record.at)
    return to_dynamo(item)


def ledger_put(record: ConsentRecord, table_name: str | None = None) -> dict:
    """The transaction action appending `record` (never over an existing entry)."""
    return {
        "Put": {
            "TableName": table_name or aws_clients.table(Table.CONSENT).name,
            "Item": ledger_item(record),
            "ConditionExpression": "attribute_not_exists(record_id)",
        }
    }


def record_id_for(at: datetime, *what: str) -> str:
    """Like `new_record_id`, but the same for the same entry: its suffix is a digest of `what`
    (a large import's row and action), so a chunk written again after a crash writes the very
    same entries, never a second copy."""
    digest = hashlib.sha256("\x1f".join(what).encode()).hexdigest()[:12]
    return f"{at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}#{digest}"


class ConsentRepository:
    def __init__(self, table=None):
        self._table = table or aws_clients.table(Table.CONSENT)

    def append(self, **fields) -> ConsentRecord:
        """Append an entry made of `fields` (those of `new_entry`); AddressErased while the
        address's erasure tombstone lives."""
        record = new_entry(**fields)
        actions = [tombstone_absent(record.email_hash, record.at), ledger_put(record, self._table.name)]
        if 0 in transact(self._table.meta.client, actions):
            raise AddressErased()
        return record

    def of_email_hash(self, email_hash: str, at: datetime) -> list[ConsentRecord]:
        items = query_items(self._table, KeyConditionExpression=Key("email_hash").eq(email_hash))
        return [ConsentRecord.model_validate(from_dynamo(i)) for i in items if live(i, at)]

    def of_contact(self, email_hash: str, contact_id: str, at: datetime) -> list[ConsentRecord]:
        return [r for r in self.of_email_hash(email_hash, at) if r.contact_id == contact_id]
