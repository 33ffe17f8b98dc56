"""The API representation of deletion receipts (`GET /account/retention`)."""

from typing import Literal

from pydantic import BaseModel, Field

from consentmail.core.receipts import Receipt


class ReceiptOut(BaseModel):
    receipt_id: str
    run_at: str = Field(description="When the deletion ran (ISO 8601, UTC)")
    kind: Literal["content", "events", "statistics", "closed_account", "erasure", "request_export"]
    scope: str = Field(
        description='The account the deleted data belonged to, or "all" for a run-wide summary'
    )
    items_deleted: int
    oldest_deadline: str = Field(description="The earliest deadline among the deleted items (ISO 8601, UTC)")
    latest_deadline: str = Field(description="The latest deadline among the deleted items (ISO 8601, UTC)")
    late_by_seconds_max: int = Field(
        description="Seconds the latest deletion came after its deadline; 0 if on time"
    )
    signature: str = Field(description="HMAC-SHA256 of the other fields; the operator's audit verifies it")

    @classmethod
    def of(cls, receipt: Receipt) -> "ReceiptOut":
        return cls.model_validate(receipt.fields())


class ReceiptPage(BaseModel):
    items: list[ReceiptOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")
