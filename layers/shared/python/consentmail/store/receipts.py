"""The receipts table: signed deletion receipts, kept DELETION_RECEIPTS (5 years).

Access patterns:
- an account's receipts, newest first, a page at a time: partition `ACCOUNT#<id>` (run-wide
  summaries under `ALL`), sort `<run_at>#<receipt_id>`;
- every receipt of a month, from a time on (the operator's audit): GSI `by_month` (partition
  `YYYY-MM` of the run, sort as above);
- the account a campaign belongs to (content and counters carry none): the campaign's metadata
  item in the campaigns table, read once per campaign and run.
"""

from collections.abc import Iterator
from datetime import datetime

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import iso, parse_iso
from consentmail.core.receipts import ALL, Receipt, ReceiptKind
from consentmail.core.retention import DELETION_RECEIPTS, add_months, ttl_attributes
from consentmail.core.tables import Table
from consentmail.store import cursors
from consentmail.store.campaigns import CAMPAIGN
from consentmail.store.dynamo import conditionally, from_dynamo, query_items

MONTH_INDEX = "by_month"


def scope_pk(scope: str) -> str:
    return "ALL" if scope == ALL else f"ACCOUNT#{scope}"


def to_receipt(item: dict) -> Receipt:
    data = from_dynamo(item)
    return Receipt(
        receipt_id=str(data["receipt_id"]),
        run_at=parse_iso(str(data["run_at"])),
        kind=ReceiptKind(data["kind"]),
        scope=str(data["scope"]),
        items_deleted=int(data["items_deleted"]),
        oldest_deadline=parse_iso(str(data["oldest_deadline"])),
        latest_deadline=parse_iso(str(data["latest_deadline"])),
        late_by_seconds_max=int(data["late_by_seconds_max"]),
        signature=str(data.get("signature", "")),
    )


class ReceiptRepository:
    def __init__(self, table=None, campaigns=None):
        self._table = table or aws_clients.table(Table.RECEIPTS)
        self._campaigns = campaigns

    def put(self, receipt: Receipt) -> bool:
        """Store a receipt once; False if one with its id is already there (a repeated erasure
        keeps the first receipt: nothing overwrites evidence)."""
        sk = f"{iso(receipt.run_at)}#{receipt.receipt_id}"
        expiry = DELETION_RECEIPTS.after(receipt.run_at)
        return conditionally(
            self._table.put_item,
            Item={
                "pk": scope_pk(receipt.scope),
                "sk": sk,
                "month": f"{iso(receipt.run_at)[:7]}",
                **receipt.fields(),
                **ttl_attributes(expiry, sk),
            },
            ConditionExpression="attribute_not_exists(pk)",
        )

    def page(self, scope: str, cursor: str | None, limit: int) -> tuple[list[Receipt], str | None]:
        """A page of a scope's receipts, newest first, and the cursor of the next page."""
        pk = scope_pk(scope)
        start = cursors.decode(cursor, {"pk": pk}, ("pk", "sk"))
        kwargs: dict = {"KeyConditionExpression": Key("pk").eq(pk), "ScanIndexForward": False, "Limit": limit}
        if start:
            kwargs["ExclusiveStartKey"] = start
        result = self._table.query(**kwargs)
        return [to_receipt(i) for i in result.get("Items", [])], cursors.encode(
            result.get("LastEvaluatedKey")
        )

    def since(self, moment: datetime, until: datetime) -> Iterator[Receipt]:
        """Every receipt of a run from `moment` to `until`, oldest first, read month by month."""
        month = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        while month <= until:
            yield from (
                to_receipt(item)
                for item in query_items(
                    self._table,
                    IndexName=MONTH_INDEX,
                    KeyConditionExpression=Key("month").eq(f"{month:%Y-%m}")
                    & Key("sk").between(iso(moment), iso(until) + "~"),
                )
            )
            month = add_months(month, 1)

    def campaign_owner(self, campaign_id: str) -> str | None:
        """The account a campaign belongs to, expired or not (the purge asks after the fact)."""
        campaigns = self._campaigns or aws_clients.table(Table.CAMPAIGNS)
        item = campaigns.get_item(
            Key={"campaign_id": campaign_id, "sk": CAMPAIGN}, ProjectionExpression="account_id"
        ).get("Item")
        return str(item["account_id"]) if item and item.get("account_id") else None
