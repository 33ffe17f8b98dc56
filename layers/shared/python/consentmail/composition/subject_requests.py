"""The subject_requests function's service: receiving, verifying and carrying out GDPR requests
(an erasure leaves a signed deletion receipt)."""

from consentmail.core.container import per_container
from consentmail.receipts.service import ReceiptService
from consentmail.subject_requests.service import SubjectRequestService


@per_container
def receipts() -> ReceiptService:
    return ReceiptService()


@per_container
def subject_requests() -> SubjectRequestService:
    return SubjectRequestService(receipts=receipts())
