"""The subject_requests function's service: receiving, verifying and carrying out GDPR requests."""

from consentmail.core.container import per_container
from consentmail.subject_requests.service import SubjectRequestService


@per_container
def subject_requests() -> SubjectRequestService:
    return SubjectRequestService()
