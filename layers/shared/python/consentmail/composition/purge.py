"""The purge function's service: the hourly purge."""

from consentmail.core.container import per_container
from consentmail.purge.service import PurgeService


@per_container
def purge() -> PurgeService:
    return PurgeService()
