"""Keeps what the window shows up to date, through the worker only.

Every few minutes (a setting) it asks KSeF's state; it reloads the offline rows and
the outbox counts; it decides the mode new invoices get; when KSeF is back and invoices
are waiting it sends them. Panels listen to its signals; nothing here touches a widget.

Every operation's changes pass through ``report`` (``services.changes.Changed``): the one
``changed`` signal tells the views, which decide whether to reload; the outbox is counted
again when it moved; invoices reported ``QUEUED`` go to KSeF as soon as it answers.
Reloading never sends: a send starts from an operation, from KSeF's answer, or from
leaving an offline mode, so a send's own reload cannot start another send.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from ksef_desktop.domain.offline import Deadline, OfflineMode, invoice_deadline
from ksef_desktop.i18n import _, ngettext
from ksef_desktop.services.changes import EVERYTHING, Changed
from ksef_desktop.services.ksef_state import KsefState, check_ksef, decide_mode
from ksef_desktop.services.ledger import (
    OfflineRow,
    OutboxCounts,
    SendReport,
    refine_deadline,
    send_message,
)
from ksef_desktop.services.ledger_store import StoreLedger
from ksef_desktop.services.sandbox_practice import Practice, practice_done, practise
from ksef_desktop.store.profiles import Environment, Profile
from ksef_desktop.ui.context import AppContext
from ksef_desktop.worker import Failure, JobContext
from ksef_desktop.worker.runner import Runner

if TYPE_CHECKING:
    from ksef_desktop.services.mail_outbox import MailReport

log = logging.getLogger(__name__)


class Controller(QObject):
    ksef_changed = Signal(object)  # KsefState
    mode_changed = Signal(object)  # ModeDecision
    rows_changed = Signal(object)  # list[OfflineRow]
    outbox_changed = Signal(object)  # OutboxCounts
    identity_changed = Signal(str, str, bool)  # environment, NIP, token stored
    profile_changed = Signal(object)  # Profile: the current one (another, or its data)
    profiles_changed = Signal(object)  # list[Profile]: every profile, for the menu
    store_damaged = Signal(str)  # the database cannot be read: why, and a restore is offered
    message = Signal(str)  # a passing note for the status bar
    changed = Signal(object)  # Changed: what an operation changed; each view decides
    alert = Signal(str, str)  # title, text: something the user must not miss (a rejection)

    def __init__(self, ctx: AppContext, runner: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.state = KsefState()
        self.decision = decide_mode(self.state, bool(ctx.settings["declared_offline24"]))
        self.rows: list[OfflineRow] = []
        self._stored_rows: list[OfflineRow] = []
        self.counts = OutboxCounts()
        self.token_stored = False
        self.profile: Profile | None = None
        self.profiles: list[Profile] = []
        self._recovered = False
        self._leaving_offline = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check_now)
        self.apply_settings()

    # --- settings ---------------------------------------------------------------------

    def apply_settings(self) -> None:
        self._decide()
        self._pace()

    def declare_offline24(self, on: bool) -> None:
        self.ctx.settings["declared_offline24"] = on
        settings, values = self.ctx.settings, self.ctx.settings.snapshot()
        self.runner.submit(lambda job: settings.write(values), on_error=self._note)
        self._decide()

    def stop(self) -> None:
        """No more periodic checks (the program is closing; the worker stops next)."""
        self._timer.stop()

    # --- profiles ---------------------------------------------------------------------------

    def needs_production_confirmation(self, environment: str, nip: str) -> bool:
        """Whether making ``(environment, nip)`` current must first be confirmed by the
        user: a Production profile, once (a practice invoice never goes there unasked)."""
        if environment != Environment.PROD:
            return False
        for p in self.profiles:
            if p.environment is Environment.PROD and p.nip == nip:
                return p.needs_production_confirmation
        return True

    def switch_profile(
        self,
        environment: str,
        nip: str,
        *,
        confirm_production: bool = False,
        company_name: str | None = None,
        company_address: str | None = None,
        token: str = "",
    ) -> None:
        """Make another profile current (made if new): everything reloads for it, and
        the one KSeF client is rebuilt for its environment."""
        ctx = self.ctx

        def select(job: JobContext) -> Profile:
            return ctx.select_profile(
                environment,
                nip,
                company_name=company_name,
                company_address=company_address,
                token=token,
                confirm_production=confirm_production,
            )

        self.runner.submit(select, self.profile_saved, self._note, name="switch-profile")

    def profile_saved(self, profile: Profile) -> None:
        """A profile was selected or its data changed in the worker: start over for it."""
        switched = self.profile is None or self.profile.id != profile.id
        self.profile = profile
        if switched:
            # Nothing of the old profile's environment may apply to the new one's invoices
            # (its announcements would move their deadlines): unknown until checked again.
            self.state = KsefState()
            self.ksef_changed.emit(self.state)
            self._decide()
            self.rows, self._stored_rows, self.counts = [], [], OutboxCounts()
            self.rows_changed.emit(self.rows)
            self.outbox_changed.emit(self.counts)
        self.start()

    # --- start-up -----------------------------------------------------------------------

    def start(self) -> None:
        """Resolve the current profile, bring up the sandbox (if it is the profile's
        environment), then check KSeF and load the rows."""
        ctx = self.ctx

        recover = not self._recovered
        self._recovered = True

        def resolve(job: JobContext) -> tuple[Profile, list[Profile]]:
            from ksef_desktop.store.profiles import list_profiles

            profile = ctx.profile_now()
            if recover:  # once a run: what a crash left issued but not queued goes out
                from ksef_desktop.services.issue import requeue_stranded

                store = ctx.store()
                count = requeue_stranded(store.db, store.archive, now=ctx.now)
                if count:
                    log.warning("queued %d issued invoices left unqueued by an earlier run", count)
            return profile, list_profiles(ctx.store().db.connection())

        self.runner.submit(resolve, self._resolved, self._start_failed, name="profile")

    def _start_failed(self, failure: Failure) -> None:
        """The store could not be opened: a damaged database is offered a restore."""
        from ksef_desktop.store.failures import DatabaseCorrupt

        if isinstance(failure.exception, DatabaseCorrupt):
            self.store_damaged.emit(failure.message)
        self._note(failure)

    def restore_backup(self, backup: str) -> None:
        """Put the data of ``backup`` (a zip of ``ksef-desktop backup create``) in place of
        the damaged database, then start over (every hash is checked first)."""
        ctx = self.ctx

        def restore(job: JobContext) -> str:
            from pathlib import Path

            from ksef_desktop.store.backup import restore_backup

            ctx.close_store()
            report = restore_backup(Path(backup), ctx.data_dir, now=ctx.now())
            return _(
                "Restored {invoices} invoices and {files} archived files; the damaged data "
                "is kept in {previous}."
            ).format(invoices=report.invoices, files=report.files, previous=report.previous)

        def done(text: str) -> None:
            self.message.emit(text)
            self.start()
            self.changed.emit(EVERYTHING)  # the views reload (start() counts and checks)

        self.runner.submit(restore, done, self._note, name="restore")

    def _resolved(self, result: tuple[Profile, list[Profile]]) -> None:
        self.profile, self.profiles = result
        self.profile_changed.emit(self.profile)
        self.profiles_changed.emit(self.profiles)
        self._start_environment()

    def _start_environment(self) -> None:
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
        self.reload()  # counted first: KSeF's answer then sends what waits
        self.check_now()
        self._remind_overdue()

    def refresh_identity(self) -> None:
        """Ask again whether the profile's token is stored (one was generated or revoked)."""
        ctx = self.ctx
        self.runner.submit(lambda job: ctx.token_stored(), self._identity, self._note, name="token")

    def _remind_overdue(self) -> None:
        """At start (and on another profile): say how many sales invoices are overdue."""
        from ksef_desktop.domain.calendar import warsaw_date
        from ksef_desktop.ui.everyday import overdue_reminder

        ctx = self.ctx
        self.runner.submit(
            lambda job: overdue_reminder(ctx, warsaw_date(ctx.now())),
            lambda text: self.message.emit(text) if text else None,
            self._note,
            name="overdue",
        )

    def send_mail(self) -> None:
        """Send the e-mails that are due (queued while offline); runs with every check."""
        from ksef_desktop.ui.everyday import send_mail

        ctx = self.ctx

        def done(report: MailReport) -> None:
            if report.sent:
                self.message.emit(
                    ngettext("{n} e-mail sent.", "{n} e-mails sent.", report.sent).format(
                        n=report.sent
                    )
                )
            self.report(report.changed)

        self.runner.submit(lambda job: send_mail(ctx), done, self._note, name="mail")

    def _identity(self, stored: bool) -> None:
        self.token_stored = bool(stored)
        self.identity_changed.emit(self.ctx.env_name, self.ctx.nip, self.token_stored)

    def replay(self) -> None:
        """Emit everything known again (a new window was built)."""
        if self.profile is not None:
            self.profile_changed.emit(self.profile)
            self.profiles_changed.emit(self.profiles)
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
        if self.profile is not None:
            self.send_mail()

    def _emit_rows(self) -> None:
        events = self.state.announcements
        self.rows = [refine_deadline(r, events) for r in self._stored_rows]
        self.rows_changed.emit(self.rows)

    def _checked(self, state: KsefState) -> None:
        self.state = state
        self.ksef_changed.emit(state)
        if self._stored_rows:
            self._emit_rows()
        self._decide()
        leaving, self._leaving_offline = self._leaving_offline, False
        if leaving or self.counts.waiting or self.counts.failed:
            self._send_if_ready()

    def _ready_to_send(self) -> bool:
        return bool(self.state.reachable) and self.decision.mode is None

    def _send_if_ready(self) -> None:
        if self._ready_to_send():
            self.send_pending(automatic=True)

    def _decide(self) -> None:
        decision = decide_mode(self.state, bool(self.ctx.settings["declared_offline24"]))
        left_offline = self.decision.mode is not None and decision.mode is None
        if decision != self.decision:
            self.decision = decision
        self.mode_changed.emit(decision)
        self._pace()
        if left_offline:
            # Offline no more (offline24 undeclared, an outage over): whatever waits goes
            # as soon as KSeF is confirmed to answer, not at the next periodic check.
            self._leaving_offline = True
            if self.state.reachable:
                self._leaving_offline = False
                self.send_pending(automatic=True)
            else:
                self.check_now()

    def _pace(self) -> None:
        """Check every few minutes (the setting); during an outage the program chose by
        itself, every minute, so that its end is noticed and the queue sent soon."""
        minutes = max(1, int(self.ctx.settings["availability_minutes"]))
        if self.decision.mode is not None and self.decision.automatic:
            minutes = 1
        if self._timer.interval() != minutes * 60_000 or not self._timer.isActive():
            self._timer.start(minutes * 60_000)

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

    @property
    def ledger(self) -> StoreLedger:
        ledger = self.ctx.ledger
        assert ledger is not None, "the Shell gives the context its ledger"
        return ledger

    def report(self, changed: Changed) -> None:
        """An operation changed ``changed``: every view hears it (one signal), the outbox
        is counted again when it moved, and invoices just queued are sent as soon as KSeF
        answers (never into an offline mode: ``_checked`` decides)."""
        if not changed:
            return
        self.changed.emit(changed)
        if changed & (Changed.OUTBOX | Changed.QUEUED):
            self.reload()
        if changed & Changed.QUEUED:
            self.check_now()
        if changed & Changed.CREDENTIALS:
            self.refresh_identity()  # a token generated or revoked

    def reload(self) -> None:
        ledger = self.ledger
        self.runner.submit(
            lambda job: (ledger.offline_rows(), ledger.outbox_counts()),
            self._loaded,
            self._note,
            name="reload",
        )

    def _loaded(self, result: tuple[list[OfflineRow], OutboxCounts]) -> None:
        self._stored_rows, self.counts = result
        self._emit_rows()
        self.outbox_changed.emit(self.counts)

    def send_pending(self, ids: Sequence[int] | None = None, automatic: bool = False) -> None:
        """Send every due invoice now, through the worker (the automatic send, too).

        Asked by the user (not ``automatic``), invoices waiting out the pause after a
        failed attempt are sent too. Two sends asked at once are harmless: the worker
        runs them one after the other, and the second finds nothing due."""
        ledger = self.ledger

        def done(report: SendReport) -> None:
            text = send_message(report, asked=not automatic)
            if report.rejected:  # hard to miss: a notification too, not only the status bar
                n = len(report.rejected)
                title = ngettext("KSeF rejected {n} invoice", "KSeF rejected {n} invoices", n)
                self.alert.emit(title.format(n=n), text)
            if text:
                self.message.emit(text)  # after the alert: the status bar keeps the details
            self.report(report.changed)

        def failed(failure: Failure) -> None:
            self._note(failure)
            self.report(Changed.OUTBOX)  # attempts may have been recorded

        def send(job: JobContext) -> SendReport:
            if not automatic:  # the user asked: no waiting out the pause after a failure
                ledger.retry_now(ids)
            return ledger.send_pending(job, ids)

        self.runner.submit(send, done, failed, name="send")

    def practise(self, what: Practice) -> None:
        """Start or end an outage in the built-in Sandbox, then look at KSeF at once: the
        mode follows, and an outage's end sends what waits (``_decide``)."""
        ctx = self.ctx

        def run(job: JobContext) -> Practice:
            sandbox = ctx.sandbox if ctx.env_name == "sandbox" else None
            practise(ctx.http(), getattr(sandbox, "server_url", None), what)
            return what

        def done(result: Practice) -> None:
            self.message.emit(practice_done(result))
            self.check_now()

        self.runner.submit(run, done, self._note, name="sandbox-practice")

    def _note(self, failure: Failure) -> None:
        if not failure.cancelled:
            self.message.emit(failure.message)
