"""Token buckets: the method throttling API Gateway applies per route (steady rate, burst)."""

import threading
import time
from collections.abc import Callable

from consentmail.core.routes import Throttle


class TokenBucket:
    def __init__(self, throttle: Throttle, clock: Callable[[], float] = time.monotonic):
        self.rate = float(throttle.rate)
        self.capacity = float(throttle.burst)
        self._tokens = self.capacity
        self._clock = clock
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Spend one token if there is one: True means the request may pass."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False
