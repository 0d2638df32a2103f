"""The one way to run work in the background (DESIGN.md §5).

One long-lived ``QThread`` runs a ``_Worker`` object (``moveToThread``). The GUI thread
calls ``Runner.submit(op, on_success, on_error, on_progress)``; the operation is handed to
the worker through a queued signal, so operations run one after another in the order
they were submitted, and their results, errors and progress come back to the GUI thread
through queued signals, where the callbacks run. The GUI thread never waits for an
operation, except in ``stop()`` at shutdown.

An operation is a plain callable taking a ``JobContext`` (``check()`` for cancellation,
``progress()`` for the progress bar) and returning its result; it must not touch widgets.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from ksef_desktop.worker.errors import Failure, describe
from ksef_desktop.worker.jobs import Cancelled, CancelToken, JobContext, Progress

log = logging.getLogger(__name__)

T = TypeVar("T")

_ids = itertools.count(1)
_abandoned: list[QThread] = []


@dataclass(eq=False)
class Job(Generic[T]):
    """One submitted operation; ``cancel()`` asks it to stop (or skips it if not started)."""

    op: Callable[[JobContext], T]
    on_success: Callable[[T], None] | None
    on_error: Callable[[Failure], None] | None
    on_progress: Callable[[Progress], None] | None
    name: str = ""
    id: int = field(default_factory=lambda: next(_ids))
    token: CancelToken = field(default_factory=CancelToken)
    started: bool = False

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled


class _Worker(QObject):
    """Lives in the worker thread; runs each job it receives, in order."""

    started = Signal(object)
    finished = Signal(object, object, object)  # job, result, exception (or None)
    progressed = Signal(object, object)  # job, Progress

    @Slot(object)
    def run(self, job: Job[Any]) -> None:
        if job.cancelled:
            self.finished.emit(job, None, Cancelled())
            return
        self.started.emit(job)
        context = JobContext(job.token, lambda p: self.progressed.emit(job, p))
        try:
            result = job.op(context)
        except Exception as exc:  # noqa: BLE001 - delivered to on_error, never dropped
            self.finished.emit(job, None, exc)
        else:
            self.finished.emit(job, result, None)


class Runner(QObject):
    """Owns the worker thread; create one per application, ``stop()`` it at exit."""

    _dispatch = Signal(object)
    #: A job started / reported progress / finished (for the progress bar and idleness).
    job_started = Signal(object)
    job_progress = Signal(object, object)
    job_finished = Signal(object)
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: dict[int, Job[Any]] = {}
        self._thread = QThread()
        self._thread.setObjectName("ksef-worker")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        queued = Qt.ConnectionType.QueuedConnection
        self._dispatch.connect(self._worker.run, queued)
        self._worker.started.connect(self._on_started, queued)
        self._worker.finished.connect(self._on_finished, queued)
        self._worker.progressed.connect(self._on_progress, queued)
        self._thread.start()

    # --- the API --------------------------------------------------------------------

    def submit(
        self,
        op: Callable[[JobContext], T],
        on_success: Callable[[T], None] | None = None,
        on_error: Callable[[Failure], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        *,
        name: str = "",
    ) -> Job[T]:
        """Run ``op`` after everything submitted before it; callbacks run on this thread."""
        if QThread.currentThread() is not self.thread():
            raise RuntimeError("Runner.submit() must be called from the thread that owns it")
        if not self._thread.isRunning():
            raise RuntimeError("the worker has been stopped")
        job: Job[T] = Job(op, on_success, on_error, on_progress, name)
        self._pending[job.id] = job
        self._dispatch.emit(job)
        return job

    @property
    def pending(self) -> int:
        """Jobs submitted whose callbacks have not run yet."""
        return len(self._pending)

    def is_idle(self) -> bool:
        return not self._pending

    @property
    def running(self) -> bool:
        """False once ``stop()`` ended the worker thread."""
        return bool(self._thread.isRunning())

    def cancel_all(self) -> None:
        for job in list(self._pending.values()):
            job.cancel()

    def stop(self, timeout_ms: int = 60_000) -> bool:
        """Cancel everything, let the running operation return, end the thread.

        Callbacks of operations that had not reported back by then are never called.
        """
        self.cancel_all()
        self._thread.quit()
        done = bool(self._thread.wait(timeout_ms))
        self._pending.clear()  # results still in the event queue are dropped, not delivered
        if not done:
            log.error("the worker thread did not stop within %d ms", timeout_ms)
            _abandoned.append(self._thread)  # never destroy a running QThread (Qt aborts)
        return done

    # --- deliveries on the GUI thread -------------------------------------------------

    @Slot(object)
    def _on_started(self, job: Job[Any]) -> None:
        job.started = True
        self.job_started.emit(job)

    @Slot(object, object)
    def _on_progress(self, job: Job[Any], progress: Progress) -> None:
        if job.id not in self._pending:
            return
        if job.on_progress is not None:
            job.on_progress(progress)
        self.job_progress.emit(job, progress)

    @Slot(object, object, object)
    def _on_finished(self, job: Job[Any], result: object, error: BaseException | None) -> None:
        if self._pending.pop(job.id, None) is None:
            return  # the runner was stopped meanwhile: nobody waits for this any more
        try:
            if error is None:
                if job.on_success is not None:
                    job.on_success(result)
            else:
                failure = describe(error)
                if job.on_error is not None:
                    job.on_error(failure)
                elif not failure.cancelled:
                    log.warning("background operation %r failed: %s", job.name, failure.message)
        finally:
            self.job_finished.emit(job)
            if not self._pending:
                self.idle.emit()
