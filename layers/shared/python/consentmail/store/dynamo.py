"""What every repository shares: AWS error codes turned into domain errors, conditional writes
and transactions that answer whether they happened, queries read to their last page,
expiry-aware reads, and the conversions DynamoDB needs (no floats, no empty strings in keys)."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from consentmail.core.errors import Conflict, Retryable
from consentmail.core.retention import is_expired

_RETRYABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionConflictException",
}


# A transaction cancelled only by these may succeed when tried again.
_CANCELLED_TRANSIENTLY = {"None", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
_CONFLICT_RETRIES = 4
_CONFLICT_PAUSE = 0.05  # seconds, doubled at each retry
_DESERIALIZER = TypeDeserializer()


@contextmanager
def translated_errors(conflict_detail: str = "The item changed or already exists.") -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("ConditionalCheckFailedException", "TransactionCanceledException"):
            raise Conflict(conflict_detail) from error
        if code in _RETRYABLE:
            raise Retryable(code) from error
        raise


def conditionally(operation: Callable[..., object], **kwargs) -> bool:
    """Run a conditional write (`table.put_item`, `update_item`, `delete_item` with its
    ConditionExpression in `kwargs`): True when it happened, False when its condition failed.
    Every other error is translated as `translated_errors` does."""
    try:
        with translated_errors():
            operation(**kwargs)
    except Conflict:
        return False
    return True


def update_returning(table, **kwargs) -> tuple[bool, dict | None]:
    """Run a conditional `table.update_item` (its ConditionExpression and ReturnValues in `kwargs`)
    and answer whether it happened, with the item as it was: on success the attributes ReturnValues
    asked for, on a failed condition the whole item found (None when there was none), both in the
    same one request (`ReturnValuesOnConditionCheckFailure`). Other errors as `translated_errors`."""
    try:
        with translated_errors():
            answer = table.update_item(ReturnValuesOnConditionCheckFailure="ALL_OLD", **kwargs)
    except Conflict as refused:
        # The resource layer converts answers, not errors: the item found comes typed.
        cause = refused.__cause__
        found = cause.response.get("Item") if isinstance(cause, ClientError) else None
        return False, _plain(found)
    return True, from_dynamo(answer.get("Attributes") or {})


def transact(client, actions: list[dict]) -> dict[int, dict | None]:
    """Run `actions` (TransactWriteItems entries: `Put`, `Update`, `Delete`, `ConditionCheck`,
    each with its TableName) all or none. Answers the positions of the actions whose condition
    failed, each with the item it found when the action asked for it
    (`ReturnValuesOnConditionCheckFailure: ALL_OLD`; None otherwise or when there was none):
    empty when the transaction happened. `client` is a table's `meta.client`, which takes plain
    Python values as the table does. A conflict with another transaction on the same items is
    retried a few times, then raised as Retryable."""
    for attempt in range(_CONFLICT_RETRIES):
        try:
            client.transact_write_items(TransactItems=actions)
            return {}
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code != "TransactionCanceledException":
                with translated_errors():
                    raise
            reasons = error.response.get("CancellationReasons", [])
            codes = [str(r.get("Code") or "None") for r in reasons]
            failed = {
                n: _plain(reasons[n].get("Item"))
                for n, reason in enumerate(codes)
                if reason == "ConditionalCheckFailed"
            }
            if failed:
                return failed
            if set(codes) - _CANCELLED_TRANSIENTLY:
                raise
            if "TransactionConflict" not in codes:
                raise Retryable(", ".join(codes)) from error
            time.sleep(_CONFLICT_PAUSE * 2**attempt)
    raise Retryable("TransactionConflict")


def _plain(item: dict | None) -> dict | None:
    """An item a cancelled transaction answers, in DynamoDB's own typed form (the table's
    conversions do not reach errors), as plain Python values."""
    if not item:
        return None
    return {name: from_dynamo(_DESERIALIZER.deserialize(value)) for name, value in item.items()}


def query_items(table, **kwargs) -> Iterator[dict]:
    """Every item a query matches, page after page: `kwargs` are the query's own arguments.
    Lazy, so the next page is read only once the caller has taken this page's items."""
    while True:
        page = table.query(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def live(item: dict | None, at: datetime) -> dict | None:
    """The item, or None when it does not exist or is past its expires_at."""
    if item is None or is_expired(item, at):
        return None
    return item


def to_dynamo(value):
    """Python values as boto3's resource layer accepts them (Decimal, not float)."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_dynamo(v) for v in value]
    return value


def from_dynamo(value):
    """Items back as plain Python values (Decimal to int or float)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_dynamo(v) for v in value]
    return value
