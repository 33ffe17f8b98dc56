"""Everything held about one address, across tables, found by its keyed hash: what a subject
request reads (access), changes (rectification) and deletes (erasure).

Finding is by index or partition, never by scan: contacts by `by_email`, consent records by their
partition (the hash), events by the partition of each contact id, suppressions and requests by
their partition (the hash). Erasure reads without the expiry filter: an expired item that TTL has
not removed yet still holds the address.
"""

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.tables import Table
from consentmail.store.dynamo import from_dynamo, query_items, to_dynamo
from consentmail.store.events import EventRepository
from consentmail.store.suppression import ERASED


class SubjectDataRepository:
    def __init__(self, tables: dict | None = None, events: EventRepository | None = None):
        tables = tables or {}
        self._contacts = tables.get(Table.CONTACTS) or aws_clients.table(Table.CONTACTS)
        self._consent = tables.get(Table.CONSENT) or aws_clients.table(Table.CONSENT)
        self._suppression = tables.get(Table.SUPPRESSION) or aws_clients.table(Table.SUPPRESSION)
        self._event_table = tables.get(Table.EVENTS) or aws_clients.table(Table.EVENTS)
        self._events = events or EventRepository(self._event_table)

    # --- reading -----------------------------------------------------------------------------

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

    def update_contact(self, list_id: str, contact_id: str, names: dict[str, str], attributes: dict) -> None:
        """Apply a rectification to one contact: names set, attributes replaced as given."""
        sets = [f"#{name} = :{name}" for name in names]
        values = {f":{name}": value for name, value in names.items()}
        names_map = {f"#{name}": name for name in names}
        sets.append("#attributes = :attributes")
        values[":attributes"] = to_dynamo(attributes)
        names_map["#attributes"] = "attributes"
        self._contacts.update_item(
            Key={"list_id": list_id, "contact_id": contact_id},
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression="attribute_exists(contact_id)",
            ExpressionAttributeNames=names_map,
            ExpressionAttributeValues=values,
        )

    # --- erasing -----------------------------------------------------------------------------

    def erase_contact(self, list_id: str, contact_id: str) -> int:
        """The contact's events and send markers, then the contact itself; returns items deleted."""
        deleted = self._events.delete_contact(contact_id)
        self._contacts.delete_item(Key={"list_id": list_id, "contact_id": contact_id})
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
