"""Client-side pacing under KSeF's published rate limits (KSEF-PROTOCOL.md §9).

KSeF counts requests per group in sliding windows of 1 s, 60 s and 1 h and answers 429
when any is exceeded. Pacing ourselves under the same windows keeps a long backlog from
running into 429 storms; 429 is still honoured by the transport when it happens.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

WINDOWS = (1.0, 60.0, 3600.0)


def margin(window: float) -> float:
    """Slack added to a window: KSeF counts arrivals, and arrivals bunch up in transit
    (a request delayed on the way lands in the same second as the ones after it)."""
    return 0.1 + 0.05 * window


@dataclass(frozen=True)
class Limit:
    """Requests allowed per second, per minute and per hour for one group."""

    per_second: int
    per_minute: int
    per_hour: int

    def counts(self) -> tuple[int, int, int]:
        return (self.per_second, self.per_minute, self.per_hour)


# The production values of GET /rate-limits (limity-api.md), used until KSeF tells ours.
PRODUCTION_LIMITS: dict[str, Limit] = {
    "onlineSession": Limit(10, 30, 120),
    "invoiceSend": Limit(10, 30, 180),
    "batchSession": Limit(10, 20, 60),
    "invoiceStatus": Limit(30, 120, 1200),
    "sessionList": Limit(5, 10, 60),
    "sessionInvoiceList": Limit(10, 20, 200),
    "sessionMisc": Limit(10, 120, 1200),
    "invoiceMetadata": Limit(8, 16, 20),
    "invoiceExport": Limit(8, 16, 20),
    "invoiceExportStatus": Limit(10, 60, 600),
    "invoiceDownload": Limit(8, 16, 64),
    "other": Limit(10, 30, 120),
}


class RateGate:
    """Sliding-window pacing per group; ``acquire`` sleeps (injected) until a slot is free."""

    def __init__(
        self,
        sleep: Callable[[float], None],
        monotonic: Callable[[], float],
        limits: dict[str, Limit] | None = None,
    ) -> None:
        self._sleep = sleep
        self._monotonic = monotonic
        self._limits = dict(PRODUCTION_LIMITS if limits is None else limits)
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def set_limits(self, limits: dict[str, Limit]) -> None:
        with self._lock:
            self._limits.update(limits)

    def limit(self, group: str) -> Limit | None:
        return self._limits.get(group)

    def _wait_needed(self, group: str, now: float) -> float:
        limit = self._limits.get(group)
        if limit is None:
            return 0.0
        sent = self._sent.setdefault(group, deque())
        while sent and sent[0] <= now - WINDOWS[-1] - margin(WINDOWS[-1]):
            sent.popleft()
        wait = 0.0
        for window, allowed in zip(WINDOWS, limit.counts(), strict=True):
            if allowed <= 0:
                continue
            in_window = [t for t in sent if t > now - window - margin(window)]
            if len(in_window) >= allowed:
                oldest_that_matters = in_window[len(in_window) - allowed]
                wait = max(wait, oldest_that_matters + window + margin(window) - now)
        return wait

    def acquire(self, group: str | None) -> None:
        if group is None:
            return
        while True:
            with self._lock:
                now = self._monotonic()
                wait = self._wait_needed(group, now)
                if wait <= 0:
                    self._sent.setdefault(group, deque()).append(now)
                    return
            self._sleep(wait + 0.001)

    def wait_time(self, group: str) -> float:
        """Seconds until a request of ``group`` may go (0: now); nothing is reserved."""
        with self._lock:
            return self._wait_needed(group, self._monotonic())
