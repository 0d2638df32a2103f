"""The published rate limits (KSEF-PROTOCOL.md §9), per (group, context, client IP).

Sliding windows of 1 s, 60 s and 1 h, all three at once. Unauthenticated endpoints
("anonymous", 60 req/s) and the "other" group count per endpoint and IP; the named groups
per group, context and IP; on top of them "global" counts every /v2 request of an IP.
A request over a limit gets 429 with ``Retry-After``; repeated attempts while
blocked double the penalty (capped at one hour). ``scale`` multiplies every limit but
"global" (at least 1 per window); None or 0 switches limits off. Time is the monotonic clock, so a
test clock that stands still does not freeze the windows.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

from ksef_desktop.sandbox.errors import TooManyRequests

WINDOWS = (1.0, 60.0, 3600.0)
_WINDOW_WORDS = ("sekundę", "minutę", "godzinę")

# group -> (per second, per minute, per hour); None = no limit for that window (GET
# /rate-limits reports it as -1). Values of open-api.json 2.9.0 (x-rate-limits and the
# example of GET /rate-limits).
PRODUCTION: dict[str, tuple[int | None, int | None, int | None]] = {
    "onlineSession": (10, 30, 120),
    "onlineSessionClose": (20, 60, 240),
    "batchSession": (10, 20, 60),
    "batchSessionClose": (20, 40, 120),
    "invoiceSend": (10, 30, 180),
    "invoiceStatus": (30, 120, 1200),
    "sessionList": (5, 10, 60),
    "sessionInvoiceList": (10, 20, 200),
    "sessionMisc": (10, 120, 1200),
    "invoiceMetadata": (8, 16, 20),
    "invoiceExport": (8, 16, 20),
    "invoiceExportStatus": (10, 60, 600),
    "invoiceDownload": (8, 16, 64),
    "collectiveIdentifier": (20, 120, 240),
    "other": (10, 30, 120),
    # Unauthenticated operations, each counted on its own per IP (their 429 tables name
    # no group).
    "anonymous": (60, None, None),
    # Every /v2 request of one IP address, whatever its group. Not scaled: it protects
    # the server rather than sharing out work, and a scaled-down one would stop a client's
    # login (five requests in a second) before any group limit could be tried.
    "global": (75, None, None),
}
UNSCALED = ("global",)
REPORTED_GROUPS = list(PRODUCTION)
PER_ENDPOINT = ("other", "anonymous")
UNLIMITED = 1_000_000
NO_LIMIT = -1
MAX_PENALTY = 3600


class RateLimiter:
    def __init__(
        self, scale: float | None, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.scale = scale or 0.0
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._hits: dict[tuple[str, str, str], deque[float]] = {}
        self._blocked: dict[tuple[str, str, str], tuple[float, int]] = {}
        # /testdata/rate-limits: a context's own limits, as given (not scaled).
        self._overrides: dict[str, dict[str, tuple[int | None, int | None, int | None]]] = {}

    def override(
        self, context: str, limits: Mapping[str, tuple[int | None, int | None, int | None]] | None
    ) -> None:
        with self._lock:
            if limits is None:
                self._overrides.pop(context, None)
            else:
                self._overrides[context] = dict(limits)

    @property
    def enabled(self) -> bool:
        return self.scale > 0

    def limits(self, group: str, context: str = "") -> tuple[int | None, int | None, int | None]:
        own = self._overrides.get(context, {}).get(group)
        if own is not None:
            return own
        base = PRODUCTION.get(group, PRODUCTION["other"])
        if not self.enabled:
            return (UNLIMITED, UNLIMITED, UNLIMITED)
        scale = 1.0 if group in UNSCALED else self.scale
        scaled = [None if n is None else max(1, math.floor(n * scale)) for n in base]
        return (scaled[0], scaled[1], scaled[2])

    def effective(self, context: str = "") -> dict[str, dict[str, int]]:
        """The body of GET /rate-limits for a context."""
        out: dict[str, dict[str, int]] = {}
        for group in REPORTED_GROUPS:
            per_s, per_m, per_h = self.limits(group, context)
            out[group] = {
                "perSecond": NO_LIMIT if per_s is None else per_s,
                "perMinute": NO_LIMIT if per_m is None else per_m,
                "perHour": NO_LIMIT if per_h is None else per_h,
            }
        return out

    def check(self, group: str, counter: str, context: str, client_ip: str) -> None:
        """Count one request or raise TooManyRequests. ``counter`` separates endpoints."""
        if not self.enabled:
            return
        key = (counter, context, client_ip)
        limits = self.limits(group, context)
        now = self._monotonic()
        with self._lock:
            blocked = self._blocked.get(key)
            if blocked is not None and now < blocked[0]:
                strikes = blocked[1] + 1
                penalty = min(MAX_PENALTY, math.ceil(blocked[0] - now) * 2)
                self._blocked[key] = (now + penalty, strikes)
                raise TooManyRequests(
                    penalty,
                    f"Przekroczono limit żądań. Spróbuj ponownie po {penalty} sekundach.",
                )
            hits = self._hits.setdefault(key, deque())
            horizon = max(w for w, n in zip(WINDOWS, limits, strict=True) if n is not None)
            while hits and hits[0] <= now - horizon:
                hits.popleft()
            for window, limit, word in zip(WINDOWS, limits, _WINDOW_WORDS, strict=True):
                if limit is None:
                    continue
                in_window = [t for t in hits if t > now - window] if window < horizon else hits
                if len(in_window) >= limit:
                    oldest_needed = list(in_window)[len(in_window) - limit]
                    wait = max(1, math.ceil(oldest_needed + window - now))
                    strikes = blocked[1] + 1 if blocked is not None else 1
                    penalty = min(MAX_PENALTY, wait * 2 ** (strikes - 1))
                    self._blocked[key] = (now + penalty, strikes)
                    raise TooManyRequests(
                        penalty,
                        f"Przekroczono limit {limit} żądań na {word}. "
                        f"Spróbuj ponownie po {penalty} sekundach.",
                    )
            hits.append(now)
            if blocked is not None:
                # Served again after a block: the next abuse starts from a small penalty,
                # unless it comes soon (strikes decay only after a quiet hour).
                self._blocked[key] = (now, blocked[1] if now - blocked[0] < 3600 else 0)
