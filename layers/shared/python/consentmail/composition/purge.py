"""The purge function's service: the hourly purge, which signs a receipt of what it deleted."""

from consentmail.core.container import per_container
from consentmail.purge.service import PurgeService
from consentmail.receipts.service import ReceiptService


@per_container
def receipts() -> ReceiptService:
    return ReceiptService()


@per_container
def purge() -> PurgeService:
    return PurgeService(receipts=receipts())
