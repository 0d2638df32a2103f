"""What an operation running in the background sees: a cancel token and a progress sink.

Plain Python, no Qt: the operations themselves (services) can be called and tested
without the worker, and take a ``JobContext`` only when they are long enough to report
progress or to be cancelled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class Cancelled(Exception):
    """The user cancelled the operation (raised by ``JobContext.check()``)."""


class CancelToken:
    """Set from the GUI thread, polled by the operation in the worker thread."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` steps (``total`` 0 = unknown), with a short translated text."""

    done: int
    total: int
    text: str = ""


#: Progress reports closer together than this are dropped (except the last one), so
#: that a fast loop cannot flood the GUI thread with events.
PROGRESS_INTERVAL_S = 0.05


class JobContext:
    """Handed to an operation: ``check()`` between steps, ``progress()`` as it goes."""

    def __init__(
        self,
        token: CancelToken,
        report: Callable[[Progress], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token = token
        self._report = report
        self._clock = clock
        self._last = float("-inf")

    @property
    def cancelled(self) -> bool:
        return self._token.cancelled

    def check(self) -> None:
        """Raise ``Cancelled`` when the user asked to stop."""
        if self._token.cancelled:
            raise Cancelled

    def progress(self, done: int, total: int = 0, text: str = "") -> None:
        if self._report is None:
            return
        now = self._clock()
        if now - self._last < PROGRESS_INTERVAL_S and not (total and done >= total):
            return
        self._last = now
        self._report(Progress(done, total, text))


def detached() -> JobContext:
    """A context for calling an operation directly (tests, CLI): never cancelled."""
    return JobContext(CancelToken())
