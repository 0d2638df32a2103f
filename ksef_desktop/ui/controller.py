"""Keeps what the window shows up to date, through the worker only.

Every few minutes (a setting) it asks KSeF's state; it reloads the offline rows and
the outbox counts; it decides the mode new invoices get; when KSeF is back and invoices
are waiting it sends them. Panels listen to its signals; nothing here touches a widget.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QObject, QTimer, Signal

from ksef_desktop.domain.offline import Deadline, OfflineMode, invoice_deadline
from ksef_desktop.i18n import _, ngettext
from ksef_desktop.ui.context import AppContext
from ksef_desktop.ui.ksef_state import KsefState, check_ksef, decide_mode
from ksef_desktop.ui.ledger import OutboxCounts, SendReport, refine_deadline
from ksef_desktop.worker import Failure, JobContext
from ksef_desktop.worker.runner import Runner

log = logging.getLogger(__name__)


class Controller(QObject):
    ksef_changed = Signal(object)  # KsefState
    mode_changed = Signal(object)  # ModeDecision
    rows_changed = Signal(object)  # list[OfflineRow]
    outbox_changed = Signal(object)  # OutboxCounts
    identity_changed = Signal(str, str, bool)  # environment, NIP, token stored
    message = Signal(str)  # a passing note for the status bar

    def __init__(self, ctx: AppContext, runner: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.state = KsefState()
        self.decision = decide_mode(self.state, bool(ctx.settings["declared_offline24"]))
        self.rows: list = []
        self._stored_rows: list = []
        self.counts = OutboxCounts()
        self.token_stored = False
        self._sending = False
        self._just_sent = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check_now)
        self.apply_settings()

    # --- settings ---------------------------------------------------------------------

    def apply_settings(self) -> None:
        minutes = max(1, int(self.ctx.settings["availability_minutes"]))
        self._timer.start(minutes * 60_000)
        self._decide()

    def declare_offline24(self, on: bool) -> None:
        self.ctx.settings["declared_offline24"] = on
        settings, values = self.ctx.settings, self.ctx.settings.snapshot()
        self.runner.submit(lambda job: settings.write(values), on_error=self._note)
        self._decide()

    def stop(self) -> None:
        """No more periodic checks (the program is closing; the worker stops next)."""
        self._timer.stop()

    # --- start-up -----------------------------------------------------------------------

    def start(self) -> None:
        """Bring up the sandbox (if chosen), then check KSeF and load the rows."""
        ctx = self.ctx
        if ctx.env_name == "sandbox":

            def failed(failure: Failure) -> None:
                self._note(failure)
                self._after_identity()

            self.runner.submit(
                lambda job: ctx.ensure_sandbox_token(job.check),
                lambda ok: self._after_identity(),
                failed,
                name="sandbox",
            )
        else:
            self._after_identity()

    def _after_identity(self) -> None:
        ctx = self.ctx
        self.runner.submit(
            lambda job: ctx.token_stored(),
            self._identity,
            self._note,
            name="token",
        )
        self.check_now()
        self.reload()

    def _identity(self, stored: bool) -> None:
        self.token_stored = bool(stored)
        self.identity_changed.emit(self.ctx.env_name, self.ctx.nip, self.token_stored)

    def replay(self) -> None:
        """Emit everything known again (a new window was built)."""
        self.identity_changed.emit(self.ctx.env_name, self.ctx.nip, self.token_stored)
        self.ksef_changed.emit(self.state)
        self.mode_changed.emit(self.decision)
        self.rows_changed.emit(self.rows)
        self.outbox_changed.emit(self.counts)

    # --- KSeF's state -------------------------------------------------------------------

    def check_now(self) -> None:
        if not self.runner.running:  # the program is closing: nothing may be submitted
            self._timer.stop()
            return
        ctx = self.ctx

        def check(job: JobContext) -> KsefState:
            env = ctx.environment()
            if env is None:
                return KsefState(ctx.now(), None, False, (), _("The Sandbox is not running."))
            return check_ksef(env, ctx.http(), ctx.now)

        self.runner.submit(check, self._checked, self._note, name="check")

    def _emit_rows(self) -> None:
        events = self.state.announcements
        self.rows = [refine_deadline(r, events) for r in self._stored_rows]
        self.rows_changed.emit(self.rows)

    def _checked(self, state: KsefState) -> None:
        self.state = state
        self._just_sent = False
        self.ksef_changed.emit(state)
        if self._stored_rows:
            self._emit_rows()
        self._decide()
        if self.counts.waiting or self.counts.failed:
            self._send_if_ready()

    def _ready_to_send(self) -> bool:
        return bool(self.state.reachable) and self.decision.mode is None

    def _send_if_ready(self) -> None:
        if self._ready_to_send():
            self.send_pending(automatic=True)

    def _decide(self) -> None:
        decision = decide_mode(self.state, bool(self.ctx.settings["declared_offline24"]))
        if decision != self.decision:
            self.decision = decision
        self.mode_changed.emit(decision)

    def terms_for(self, issued: date) -> tuple[OfflineMode | None, Deadline | None]:
        """The mode and deadline an invoice issued now with date ``issued`` gets (the editor's).

        During an announced failure that is ``awaria`` with the deadline the announcements
        give (not known until the failure's end is announced). The announcements are
        matched against this moment, so an event already over does not count.
        """
        mode = self.decision.mode
        if mode is None:
            return None, None
        now = self.ctx.now()
        return mode, invoice_deadline(mode, issued, self.state.announcements, issued_at=now)

    # --- rows and the outbox -------------------------------------------------------------

    def reload(self) -> None:
        ledger = self.ctx.ledger
        self.runner.submit(
            lambda job: (ledger.offline_rows(), ledger.outbox_counts()),
            self._loaded,
            self._note,
            name="reload",
        )

    def _loaded(self, result: tuple) -> None:
        self._stored_rows, self.counts = result
        self._emit_rows()
        self.outbox_changed.emit(self.counts)
        if self.counts.waiting and not self._just_sent:
            self._send_if_ready()

    def send_pending(self, ids: Sequence[int] | None = None, automatic: bool = False) -> None:
        """Send every due invoice now, through the worker (the automatic send, too).

        Asked by the user (not ``automatic``), invoices waiting out the pause after a
        failed attempt are sent too."""
        if self._sending:
            return
        self._sending = True
        ledger = self.ctx.ledger

        def done(report: SendReport) -> None:
            self._sending = False
            self._just_sent = True
            if report.problem:
                self.message.emit(report.problem)
            elif report.sent or not automatic:
                self.message.emit(
                    ngettext(
                        "{n} invoice sent to KSeF.", "{n} invoices sent to KSeF.", report.sent
                    ).format(n=report.sent)
                )
            self.reload()

        def failed(failure: Failure) -> None:
            self._sending = False
            self._just_sent = True
            self._note(failure)
            self.reload()

        def send(job: JobContext) -> SendReport:
            if not automatic:  # the user asked: no waiting out the pause after a failure
                ledger.retry_now(ids)
            return ledger.send_pending(job, ids)

        self.runner.submit(send, done, failed, name="send")

    def _note(self, failure: Failure) -> None:
        if not failure.cancelled:
            self.message.emit(failure.message)
