"""The tracking function's service: opens and clicks, on the hottest path we have."""

from consentmail.core.container import per_container
from consentmail.tracking.service import TrackingService


@per_container
def tracking() -> TrackingService:
    return TrackingService()
