"""Client-side pacing under KSeF's published rate limits (KSEF-PROTOCOL.md §9, §12).

KSeF counts requests per group in sliding windows of 1 s, 60 s and 1 h and answers 429
when any is exceeded. Pacing ourselves under the same windows keeps a long backlog from
running into 429 storms; 429 is still honoured by the transport when it happens.

Since API 2.9.0 closing a session has its own group (``onlineSessionClose``,
``batchSessionClose``), every collective-identifier operation is in
``collectiveIdentifier``, unauthenticated calls count in ``anonymous``, and every call
also counts in ``global`` (per IP). A limit of -1 (or 0) means "no limit in that window".
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


GLOBAL = "global"
ANONYMOUS = "anonymous"
ONLINE_SESSION_CLOSE = "onlineSessionClose"
BATCH_SESSION_CLOSE = "batchSessionClose"

# The production values of GET /rate-limits (open-api.json 2.9.0, its example and the
# x-rate-limits of each operation), used until KSeF tells ours. A server that does not
# name a group (2.7.0 knew no close groups) leaves these values in force for it.
PRODUCTION_LIMITS: dict[str, Limit] = {
    "onlineSession": Limit(10, 30, 120),
    ONLINE_SESSION_CLOSE: Limit(20, 60, 240),
    "invoiceSend": Limit(10, 30, 180),
    "batchSession": Limit(10, 20, 60),
    BATCH_SESSION_CLOSE: Limit(20, 40, 120),
    "invoiceStatus": Limit(30, 120, 1200),
    "sessionList": Limit(5, 10, 60),
    "sessionInvoiceList": Limit(10, 20, 200),
    "sessionMisc": Limit(10, 120, 1200),
    "invoiceMetadata": Limit(8, 16, 20),
    "invoiceExport": Limit(8, 16, 20),
    "invoiceExportStatus": Limit(10, 60, 600),
    "invoiceDownload": Limit(8, 16, 64),
    "collectiveIdentifier": Limit(20, 120, 240),
    "other": Limit(10, 30, 120),
    ANONYMOUS: Limit(60, -1, -1),
    GLOBAL: Limit(75, -1, -1),
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
        limited = [w for w, allowed in zip(WINDOWS, limit.counts(), strict=True) if allowed > 0]
        horizon = max(limited, default=0.0)  # older arrivals no longer matter
        while sent and sent[0] <= now - horizon - margin(horizon):
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
        """Wait for a slot in ``group`` and in ``global`` (every request counts there too)."""
        if group is None:
            return
        groups = (group,) if group == GLOBAL else (group, GLOBAL)
        while True:
            with self._lock:
                now = self._monotonic()
                wait = max(self._wait_needed(g, now) for g in groups)
                if wait <= 0:
                    for g in groups:
                        self._sent.setdefault(g, deque()).append(now)
                    return
            self._sleep(wait + 0.001)

    def wait_time(self, group: str) -> float:
        """Seconds until a request of ``group`` may go (0: now); nothing is reserved."""
        with self._lock:
            return self._wait_needed(group, self._monotonic())
