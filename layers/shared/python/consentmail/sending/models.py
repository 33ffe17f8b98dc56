"""The SQS messages of the send pipeline: a fan-out request and a batch of contacts to send to."""

from pydantic import BaseModel, Field

BATCH_SIZE = 50


class FanOutMessage(BaseModel):
    """Body of a fan-out queue message: start (or continue) enqueuing a campaign's recipients."""

    campaign_id: str
    account_id: str
    # Set by a campaign's one-time schedule (adapters/scheduler.py): the time it was scheduled
    # for. The fan-out then starts the send itself, only if the campaign is still scheduled for it.
    scheduled_at: str | None = None


class SendBatch(BaseModel):
    """Body of a send queue message: up to 50 contacts of one list to send one campaign to."""

    campaign_id: str
    account_id: str
    list_id: str
    contact_ids: list[str] = Field(min_length=1, max_length=BATCH_SIZE)
