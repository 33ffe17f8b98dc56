"""The fanout function's service: the fan-out of one campaign send onto the send queue."""

from consentmail.core.container import per_container
from consentmail.sending.fanout import FanOut


@per_container
def fanout() -> FanOut:
    return FanOut()
