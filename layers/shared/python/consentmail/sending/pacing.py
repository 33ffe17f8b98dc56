"""Pacing the sender to the SES maximum send rate, and backing off when SES throttles anyway.

The clock and the sleep are injected, so tests run without waiting."""

import random
import time
from collections.abc import Callable


class RateLimiter:
    """At most `rate` acquisitions per second, evenly spaced; one per SES call. Shared by every
    batch of an invocation (and of a warm container), so a batch never restarts the pace."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0

    def acquire(self) -> None:
        now = self._clock()
        wait = self._next - now
        if wait > 0:
            self._sleep(wait)
        self._next = max(now, self._next) + self.interval


def backoff_delays(attempts: int, base: float = 0.5, cap: float = 20.0) -> list[float]:
    """Exponential backoff with jitter: the pauses between `attempts` tries."""
    return [min(cap, base * 2**n) * random.uniform(0.5, 1.0) for n in range(attempts - 1)]
