"""The status bar: environment, NIP, KSeF's state, the outbox, and the running job."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from ksef_desktop.domain.offline_watch import Availability
from ksef_desktop.i18n import _
from ksef_desktop.ui.context import environment_label, environment_short
from ksef_desktop.ui.formatting import fmt_moment, fmt_nip
from ksef_desktop.ui.ksef_state import KsefState
from ksef_desktop.ui.ledger import OutboxCounts, counts_text
from ksef_desktop.worker import Progress
from ksef_desktop.worker.runner import Job, Runner

GOOD, WARN, BAD = "#1b5e20", "#8a5300", "#b71c1c"


class ElidedLabel(QLabel):
    """A one-line label that may get narrower than its text: it ends in "…" instead of
    widening the window (long translations); the whole text stays in the tooltip."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), 60), hint.height())

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setAccessibleName(text)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        self.style().drawItemText(
            painter,
            rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            self.palette(),
            self.isEnabled(),
            text,
            self.foregroundRole(),
        )


class JobProgress(QWidget):
    """A progress bar with Cancel, shown while a job reports progress."""

    def __init__(self, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._job: Job | None = None
        self.text = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(160)
        self.cancel = QPushButton(_("&Cancel"))
        self.cancel.setToolTip(_("Stop the running operation"))
        self.cancel.clicked.connect(self._cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.text, self.bar, self.cancel):
            layout.addWidget(w)
        self.hide()
        runner.job_progress.connect(self._progress)
        runner.job_finished.connect(self._finished)

    def _progress(self, job: Job, progress: Progress) -> None:
        self._job = job
        self.bar.setRange(0, max(progress.total, 0))
        self.bar.setValue(progress.done)
        self.text.setText(progress.text)
        self.show()

    def _finished(self, job: Job) -> None:
        if job is self._job:
            self._job = None
            self.hide()

    def _cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()


class KsefStatusBar(QStatusBar):
    def __init__(self, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.environment = ElidedLabel()
        self.nip = ElidedLabel()
        self.ksef = ElidedLabel()
        self.outbox = ElidedLabel()
        self.progress = JobProgress(runner)
        for label in (self.environment, self.nip, self.ksef, self.outbox):
            self.addPermanentWidget(label)
        self.addPermanentWidget(self.progress)
        self.set_ksef(KsefState())
        self.set_outbox(OutboxCounts())

    def set_identity(self, env: str, nip: str, token_stored: bool) -> None:
        self.environment.setText(_("Environment: {name}").format(name=environment_short(env)))
        self.environment.setToolTip(environment_label(env))
        token = _("token stored") if token_stored else _("no token")
        self.nip.setText(_("NIP: {nip} ({token})").format(nip=fmt_nip(nip) or "—", token=token))
        self.nip.setToolTip(self.nip.text())
        self.nip.setStyleSheet("" if token_stored else f"color: {WARN}")

    def set_ksef(self, state: KsefState) -> None:
        self.ksef.setText(_("KSeF: {state}").format(state=state.summary()))
        if not state.checked:
            colour = ""
        elif state.availability in (None, Availability.AVAILABLE) and state.reachable:
            colour = GOOD
        elif state.availability is Availability.MAINTENANCE:
            colour = WARN
        else:
            colour = BAD
        self.ksef.setStyleSheet(f"color: {colour}; font-weight: bold" if colour else "")
        tip = []
        if state.checked_at is not None:
            tip.append(_("Checked at {moment}").format(moment=fmt_moment(state.checked_at)))
        if state.problem:
            tip.append(state.problem)
        self.ksef.setToolTip("\n".join(tip))

    def set_outbox(self, counts: OutboxCounts) -> None:
        self.outbox.setText(_("Outbox: {counts}").format(counts=counts_text(counts)))
        self.outbox.setToolTip(self.outbox.text())
        self.outbox.setStyleSheet(f"color: {BAD}" if counts.failed or counts.rejected else "")
