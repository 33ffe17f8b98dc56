"""The requests table: GDPR subject requests, their per-address daily rate limit, and the purge's
watermark.

Items:
- `SUBJECT#<email_hash>` / `REQUEST#<request_id>`: one subject request. While it is open it holds
  the raw address (the export link and the SES suppression removal need it) and, for a
  rectification, the changes; once done only the keyed hash, the type, the dates and the status
  remain. An open request carries `open_bucket` (the sparse `by_due` index), which the purge
  queries for requests nearing their due date.
- `SUBJECT#<email_hash>` / `RATE#<YYYY-MM-DD>`: how many requests the address made that day.
- `PURGE` / `WATERMARK`: the earliest expiry month the purge still has to look at.

All of one address's requests share a partition, so an erasure finds the others in one query.

Access patterns (docs/architecture.md, data-access map): take a daily slot (conditional counter);
create (conditional), get, every request of an address (partition); start, finish (conditional
status moves); open requests near due (`by_due`); read and set the purge's watermark.
"""

import uuid
from datetime import datetime, timedelta

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.clock import iso, parse_iso
from consentmail.core.records import RequestStatus, RequestType, SubjectRequest
from consentmail.core.retention import EMAILED_LINK, EVENT_DATA, SUBJECT_REQUEST_DUE, ttl_attributes
from consentmail.core.tables import Table
from consentmail.store.dynamo import (
    conditionally,
    from_dynamo,
    live,
    query_items,
    to_dynamo,
    translated_errors,
)

SUBJECT = "SUBJECT#"
REQUEST = "REQUEST#"
RATE = "RATE#"
# The one partition of the by_due index: open requests are few (a handful a day at most), so one
# partition stays small and a single query lists every request nearing its due date.
OPEN_BUCKET = "OPEN"
# Requests per address per calendar day (UTC); beyond it we answer the same and send nothing.
DAILY_LIMIT = 3
# Rate-limit counters only need to outlive their day.
RATE_KEPT = timedelta(days=2)
# A done request keeps its keyed hash, type and dates as long as event data: the operator's proof
# that requests were answered in time (GDPR art. 5(2)), with nothing that identifies the person.
DONE_KEPT = EVENT_DATA

WATERMARK_KEY = {"pk": "PURGE", "sk": "WATERMARK"}


def _key(email_hash: str, request_id: str) -> dict:
    return {"pk": f"{SUBJECT}{email_hash}", "sk": f"{REQUEST}{request_id}"}


def new_request_id(at: datetime) -> str:
    return f"{at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}"


def _request(item: dict) -> SubjectRequest:
    data = from_dynamo(item)
    for name in ("received_at", "due_at", "completed_at"):
        if data.get(name):
            data[name] = parse_iso(data[name])
    return SubjectRequest.model_validate(data)


class RequestRepository:
    def __init__(self, table=None):
        self._table = table or aws_clients.table(Table.REQUESTS)

    # --- rate limit ------------------------------------------------------------------------------

    def take_daily_slot(self, email_hash: str, at: datetime, limit: int = DAILY_LIMIT) -> bool:
        """Count one request of this address today; False once the day's limit is reached.
        Conditional, so concurrent requests cannot exceed it."""
        return conditionally(
            self._table.update_item,
            Key={"pk": f"{SUBJECT}{email_hash}", "sk": f"{RATE}{at:%Y-%m-%d}"},
            UpdateExpression="SET expires_at = :exp, expiry_bucket = :bucket ADD #count :one",
            ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues={
                ":one": 1,
                ":limit": limit,
                **_ttl_values(at + RATE_KEPT, email_hash),
            },
        )

    # --- requests --------------------------------------------------------------------------------

    def create(
        self, *, email_hash: str, email: str, request_type: RequestType, changes: dict, at: datetime
    ) -> SubjectRequest:
        request = SubjectRequest(
            request_id=new_request_id(at),
            email_hash=email_hash,
            type=request_type,
            status=RequestStatus.AWAITING_VERIFICATION,
            received_at=at,
            due_at=SUBJECT_REQUEST_DUE.after(at),
            email=email,
            changes=changes,
        )
        item = {
            **_key(email_hash, request.request_id),
            "request_id": request.request_id,
            "email_hash": email_hash,
            "type": request.type.value,
            "status": request.status.value,
            "received_at": iso(at),
            "due_at": iso(request.due_at),
            "open_bucket": OPEN_BUCKET,
            "email": email,
            "changes": changes,
            # An unverified request lapses with its verification link.
            **ttl_attributes(EMAILED_LINK.after(at), email_hash),
        }
        with translated_errors():
            self._table.put_item(Item=to_dynamo(item), ConditionExpression="attribute_not_exists(sk)")
        return request

    def get(self, email_hash: str, request_id: str, at: datetime) -> SubjectRequest | None:
        item = live(self._table.get_item(Key=_key(email_hash, request_id)).get("Item"), at)
        return _request(item) if item else None

    def of_subject(self, email_hash: str) -> list[SubjectRequest]:
        """Every request of this address, expired or not (an erasure clears them all)."""
        condition = Key("pk").eq(f"{SUBJECT}{email_hash}") & Key("sk").begins_with(REQUEST)
        return [_request(i) for i in query_items(self._table, KeyConditionExpression=condition)]

    def start(self, request: SubjectRequest, at: datetime) -> bool:
        """Move a verified request to in_progress (no longer lapsing); False if it was not
        awaiting verification any more (a second click, or already done)."""
        started = conditionally(
            self._table.update_item,
            Key=_key(request.email_hash, request.request_id),
            UpdateExpression="SET #status = :progress, verified_at = :at REMOVE expires_at, expiry_bucket",
            ConditionExpression="#status = :awaiting",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":progress": RequestStatus.IN_PROGRESS.value,
                ":awaiting": RequestStatus.AWAITING_VERIFICATION.value,
                ":at": iso(at),
            },
        )
        if not started:
            return False
        request.status = RequestStatus.IN_PROGRESS
        return True

    def finish(self, request: SubjectRequest, status: RequestStatus, at: datetime) -> None:
        """Close a request: from now on it holds only the keyed hash, its type, dates and status."""
        self._table.update_item(
            Key=_key(request.email_hash, request.request_id),
            UpdateExpression="SET #status = :status, completed_at = :at, expires_at = :exp, "
            "expiry_bucket = :bucket REMOVE email, changes, open_bucket",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":status": status.value,
                ":at": iso(at),
                **_ttl_values(DONE_KEPT.after(at), request.email_hash),
            },
        )
        request.status = status
        request.completed_at = at
        request.email = None
        request.changes = {}

    def near_due(self, at: datetime, within: timedelta) -> list[SubjectRequest]:
        """Open requests whose due date falls before `at + within` (overdue ones included)."""
        items = query_items(
            self._table,
            IndexName="by_due",
            KeyConditionExpression=Key("open_bucket").eq(OPEN_BUCKET) & Key("due_at").lte(iso(at + within)),
        )
        found = [_request(i) for i in items if live(i, at)]
        return [r for r in found if r.is_open]

    # --- the purge's watermark -------------------------------------------------------------------

    def purge_watermark(self) -> str | None:
        """The earliest expiry month ("YYYY-MM") the purge still has to look at, if known."""
        item = self._table.get_item(Key=WATERMARK_KEY).get("Item")
        return str(item["month"]) if item else None

    def set_purge_watermark(self, month: str, at: datetime) -> None:
        self._table.put_item(Item={**WATERMARK_KEY, "month": month, "updated_at": iso(at)})


def _ttl_values(expiry: datetime, key: str) -> dict:
    ttl = ttl_attributes(expiry, key)
    return {":exp": ttl["expires_at"], ":bucket": ttl["expiry_bucket"]}
