"""The ses_events function's service: the processor of SES events (events, counters, suppression)."""

from consentmail.core.container import per_container
from consentmail.ses_events.processing import SesEventProcessor


@per_container
def processor() -> SesEventProcessor:
    return SesEventProcessor()
