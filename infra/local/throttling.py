"""Local mode's throttles, the two kinds AWS applies: the route-wide token bucket of API Gateway's
method throttling (a safety net shared by every client), and the per-client limit of an AWS WAF
rate-based rule (at most N requests per window from one source address), which is the one that
stops abuse without locking anyone else out."""

import threading
import time
from collections import deque
from collections.abc import Callable

from consentmail.core.routes import ClientLimit, Throttle


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


class ClientWindows:
    """One sliding window per client address: a client may make `limit.requests` requests in any
    `limit.window_seconds`; the requests it is refused do not count (WAF counts them, but a
    client that keeps hammering stays refused either way, and this keeps memory bounded by
    `requests` timestamps per client)."""

    # Clients whose window emptied are forgotten when the table grows past this many.
    _SWEEP_AT = 10_000

    def __init__(self, limit: ClientLimit, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> bool:
        """Count one request of `client` if its window has room: True means it may pass."""
        with self._lock:
            now = self._clock()
            start = now - self.limit.window_seconds
            if len(self._seen) > self._SWEEP_AT:
                self._seen = {key: times for key, times in self._seen.items() if times and times[-1] > start}
            times = self._seen.setdefault(client, deque())
            while times and times[0] <= start:
                times.popleft()
            if len(times) >= self.limit.requests:
                return False
            times.append(now)
            return True

    def retry_after(self, client: str) -> int:
        """Whole seconds until `client`'s oldest counted request leaves its window."""
        with self._lock:
            times = self._seen.get(client)
            if not times:
                return 0
            return max(1, int(times[0] + self.limit.window_seconds - self._clock()) + 1)
