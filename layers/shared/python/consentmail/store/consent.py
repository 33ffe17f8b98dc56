"""The consent ledger: append-only. Entries are added with a condition that they are new and are
never updated; they leave only with the contact's erasure or the account's purge.

Access patterns (docs/architecture.md, data-access map): append an entry (conditional put, never
updated); entries of an address (partition); entries of a contact (partition, filtered)."""

import hashlib
import uuid
from datetime import UTC, datetime

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import iso
from consentmail.core.records import ConsentAction, ConsentRecord, Contact, Visitor
from consentmail.core.tables import Table
from consentmail.store.dynamo import from_dynamo, live, query_items, to_dynamo


def new_record_id(at: datetime) -> str:
    """Sortable by time (microseconds), unique by its random suffix."""
    return f"{at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}#{uuid.uuid4().hex[:12]}"


def record_id_for(at: datetime, *what: str) -> str:
    """Like `new_record_id`, but the same for the same entry: its suffix is a digest of `what`
    (a large import's row and action), so a chunk written again after a crash writes the very
    same entries, never a second copy."""
    digest = hashlib.sha256("\x1f".join(what).encode()).hexdigest()[:12]
    return f"{at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}#{digest}"


class ConsentRepository:
    def __init__(self, table=None):
        self._table = table or aws_clients.table(Table.CONSENT)

    def append(
        self,
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
        record = ConsentRecord(
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
        item = record.model_dump(mode="json")
        item["at"] = iso(at)
        self._table.put_item(Item=to_dynamo(item), ConditionExpression="attribute_not_exists(record_id)")
        return record

    def append_for(
        self,
        contact: Contact,
        action: ConsentAction,
        at: datetime,
        *,
        visitor: Visitor | None = None,
        text: str = "",
        source: str = "",
    ) -> ConsentRecord:
        """An entry about one contact, made by `visitor` (none when the system acts)."""
        return self.append(
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

    def of_email_hash(self, email_hash: str, at: datetime) -> list[ConsentRecord]:
        items = query_items(self._table, KeyConditionExpression=Key("email_hash").eq(email_hash))
        return [ConsentRecord.model_validate(from_dynamo(i)) for i in items if live(i, at)]

    def of_contact(self, email_hash: str, contact_id: str, at: datetime) -> list[ConsentRecord]:
        return [r for r in self.of_email_hash(email_hash, at) if r.contact_id == contact_id]
