"""Pacing to the SES maximum send rate and the backoff schedule, on an injected clock."""

from consentmail.sending.pacing import RateLimiter, backoff_delays


def test_the_limiter_spaces_calls_to_the_configured_rate():
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(5, clock=lambda: now[0], sleep=sleep)
    for _ in range(11):
        limiter.acquire()

    elapsed = now[0] - 100.0
    assert abs(elapsed - 2.0) < 1e-9  # 11 calls at 5 a second: the last one 2 seconds after the first


def test_the_limiter_does_not_wait_when_calls_are_already_slow_enough():
    now = [0.0]
    waits: list[float] = []
    limiter = RateLimiter(2, clock=lambda: now[0], sleep=waits.append)

    for _ in range(3):
        limiter.acquire()
        now[0] += 1.0

    assert waits == []


def test_backoff_grows_and_is_capped():
    delays = backoff_delays(8, base=0.5, cap=4.0)

    assert len(delays) == 7
    assert 0.25 <= delays[0] <= 0.5
    assert all(d <= 4.0 for d in delays) and delays[-1] >= 2.0
