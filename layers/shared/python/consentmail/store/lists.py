"""The lists table: one item per mailing list, found by id or by account.

Access patterns (docs/architecture.md, data-access map): create (conditional), get, get for an
account, save, delete (with its counts); lists of an account (`by_account`); the counts by
status of several lists (store/list_counts.py)."""

from datetime import datetime

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import iso
from consentmail.core.records import MailingList
from consentmail.core.tables import Table
from consentmail.store.dynamo import from_dynamo, live, query_items, to_dynamo, translated_errors
from consentmail.store.list_counts import ListCounts, is_count_item


def _item(mailing_list: MailingList) -> dict:
    data = mailing_list.model_dump(mode="json", exclude_none=True)
    data["created_at"] = iso(mailing_list.created_at)
    return to_dynamo(data)


class ListRepository:
    def __init__(self, table=None):
        self._table = table or aws_clients.table(Table.LISTS)

    def create(self, mailing_list: MailingList) -> None:
        with translated_errors("This list already exists."):
            self._table.put_item(
                Item=_item(mailing_list), ConditionExpression="attribute_not_exists(list_id)"
            )

    def get(self, list_id: str, at: datetime) -> MailingList | None:
        item = live(self._table.get_item(Key={"list_id": list_id}).get("Item"), at)
        # A list's count shards share the table: an id naming one is no list.
        if item is None or is_count_item(item):
            return None
        return MailingList.model_validate(from_dynamo(item))

    def get_for_account(self, account_id: str, list_id: str, at: datetime) -> MailingList | None:
        """The list only if it belongs to this account: another account's list is as absent as none."""
        found = self.get(list_id, at)
        return found if found and found.account_id == account_id else None

    def save(self, mailing_list: MailingList) -> None:
        with translated_errors("This list no longer exists."):
            self._table.put_item(Item=_item(mailing_list), ConditionExpression="attribute_exists(list_id)")

    def delete(self, list_id: str) -> None:
        """The list and its counts."""
        self._table.delete_item(Key={"list_id": list_id})
        ListCounts(self._table).delete(list_id)

    def counts(self, list_ids: list[str]) -> dict[str, dict[str, int]]:
        """Contacts by status of each list (store/list_counts.py)."""
        return ListCounts(self._table).of_lists(list_ids)

    def of_account(self, account_id: str, at: datetime) -> list[MailingList]:
        by_account = Key("account_id").eq(account_id)
        items = query_items(self._table, IndexName="by_account", KeyConditionExpression=by_account)
        return [MailingList.model_validate(from_dynamo(i)) for i in items if live(i, at)]
