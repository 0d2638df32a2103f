"""The sandbox's sliding-window rate limiter, on a hand-driven monotonic clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop.sandbox.errors import TooManyRequests
from ksef_desktop.sandbox.ratelimit import PRODUCTION, UNLIMITED, RateLimiter


class Tick:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _hit(limiter: RateLimiter, n: int, group: str = "sessionList", ip: str = "1.1.1.1") -> None:
    for _ in range(n):
        limiter.check(group, group, "5265877635", ip)


def test_per_second_window_then_recovery() -> None:
    tick = Tick()
    limiter = RateLimiter(1.0, tick)
    _hit(limiter, 5)  # sessionList: 5/s
    with pytest.raises(TooManyRequests) as info:
        _hit(limiter, 1)
    assert info.value.retry_after == 1
    tick.now += 1.01
    _hit(limiter, 1)


def test_per_minute_window_reports_the_wait() -> None:
    tick = Tick()
    limiter = RateLimiter(1.0, tick)
    for _ in range(10):  # sessionList: 10/min
        _hit(limiter, 1)
        tick.now += 1.5
    with pytest.raises(TooManyRequests) as info:
        _hit(limiter, 1)
    # The oldest of the 10 leaves the 60 s window 45 s from now.
    assert info.value.retry_after == 45
    assert "10 żądań na minutę" in info.value.detail


def test_retry_after_grows_on_repeated_abuse() -> None:
    tick = Tick()
    limiter = RateLimiter(1.0, tick)
    _hit(limiter, 5)
    waits = []
    for _ in range(3):
        with pytest.raises(TooManyRequests) as info:
            _hit(limiter, 1)
        waits.append(info.value.retry_after)
    assert waits[0] < waits[1] < waits[2]


def test_counters_are_per_context_and_ip() -> None:
    limiter = RateLimiter(1.0, Tick())
    _hit(limiter, 5, ip="1.1.1.1")
    _hit(limiter, 5, ip="2.2.2.2")
    limiter.check("sessionList", "sessionList", "9999999999", "1.1.1.1")


def test_scale_and_off() -> None:
    assert RateLimiter(0.1).limits("onlineSession") == (1, 3, 12)
    assert RateLimiter(2.0).limits("invoiceSend") == (20, 60, 360)
    assert RateLimiter(0.001).limits("anonymous") == (1, None, None)
    off = RateLimiter(None)
    assert not off.enabled
    assert off.effective()["invoiceSend"]["perSecond"] == UNLIMITED
    for _ in range(1000):
        off.check("sessionList", "sessionList", "", "1.1.1.1")


@given(st.floats(min_value=0.01, max_value=10, allow_nan=False))
def test_every_scaled_limit_is_at_least_one(scale: float) -> None:
    limiter = RateLimiter(scale)
    for group in PRODUCTION:
        assert all(n is None or n >= 1 for n in limiter.limits(group))
