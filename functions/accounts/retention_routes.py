"""The account's deletion receipts: evidence that its content, events, statistics and erasures were
deleted on time, newest first, a page at a time. Counts and deadlines only, no personal data."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from consentmail.composition import accounts as services
from consentmail.core.clock import now
from consentmail.receipts.models import ReceiptOut, ReceiptPage
from consentmail.web.account_responses import documented
from consentmail.web.auth import active_account_id

router = APIGatewayRouter()
TAGS = ["account"]


@router.get(
    "/account/retention",
    tags=TAGS,
    summary="My deletion receipts, newest first",
    responses=documented(200, ReceiptPage),
)
def retention(
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ReceiptPage:
    account_id = active_account_id(router, services.accounts(), now())
    page, next_cursor = services.receipts().page(account_id, cursor, limit)
    return ReceiptPage(items=[ReceiptOut.of(receipt) for receipt in page], next_cursor=next_cursor)
