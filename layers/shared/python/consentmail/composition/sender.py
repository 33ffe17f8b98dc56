"""The sender function's service: one sender whose rate limiter lives as long as the container,
so consecutive batches and invocations share one pace."""

from consentmail.core.container import per_container
from consentmail.core.settings import get_settings
from consentmail.sending.pacing import RateLimiter
from consentmail.sending.sender import Sender


@per_container
def sender() -> Sender:
    return Sender(limiter=RateLimiter(get_settings().max_send_rate))
