"""The offline panel: every issued invoice KSeF has not accepted yet, with live countdowns.

One ``QTimer`` serves the whole panel: it is armed for the next moment anything visible
changes (``OfflineTableModel.next_tick``: the next minute of a countdown or the next
urgency change from ``next_change``), recomputes from the absolute deadlines, re-arms.
A banner says when the program switched to an offline mode by itself, and why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop.domain.offline import OfflineMode
from ksef_desktop.domain.offline_watch import Urgency, mode_label
from ksef_desktop.i18n import _, ngettext
from ksef_desktop.ui.formatting import fmt_moment
from ksef_desktop.ui.ksef_state import KsefState, ModeDecision
from ksef_desktop.ui.ledger import OfflineRow, OutboxCounts, counts_text
from ksef_desktop.ui.offline_model import OfflineTableModel, urgency_of

#: Longest single wait (ms); QTimer takes an int and the clock may be adjusted meanwhile.
MAX_WAIT_MS = 60 * 60 * 1000


class OfflinePanel(QWidget):
    send_requested = Signal(object)  # None: every waiting invoice
    alert = Signal(str, str)  # title, text: something is due within 24 h or overdue

    def __init__(self, now: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._now = now
        self._notified: set[tuple[int, Urgency]] = set()
        self.counts = OutboxCounts()

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setObjectName("offline-banner")
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner.setStyleSheet(
            "#offline-banner { background: #fff3cd; color: #3d2c00; padding: 8px;"
            " border: 1px solid #d8a200; }"
        )
        self.banner.hide()
        self.ksef = QLabel()
        self.mode = QLabel()
        self.summary = QLabel()

        self.model = OfflineTableModel(now(), self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setAccessibleName(_("Invoices waiting for KSeF"))

        self.send = QPushButton(_("Send &now"))
        self.send.setShortcut(QKeySequence("Ctrl+Return"))
        self.send.setToolTip(_("Send every waiting invoice to KSeF now"))
        self.send.clicked.connect(self._send_clicked)
        self.empty = QLabel(_("No invoice is waiting for KSeF."))

        top = QHBoxLayout()
        top.addWidget(self.ksef)
        top.addStretch(1)
        top.addWidget(self.mode)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary)
        bottom.addStretch(1)
        bottom.addWidget(self.send)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(bottom)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.tick)
        self.set_ksef(KsefState())
        self.set_rows([])

    # --- inputs ---------------------------------------------------------------------------

    def set_rows(self, rows: list[OfflineRow]) -> None:
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        self.send.setEnabled(bool(rows))
        self.tick()

    def set_ksef(self, state: KsefState) -> None:
        text = _("KSeF: {state}").format(state=state.summary())
        if state.checked_at is not None:
            text += " " + _("(checked {moment})").format(moment=fmt_moment(state.checked_at))
        self.ksef.setText(text)

    def set_mode(self, decision: ModeDecision) -> None:
        self.mode.setText(_("New invoices: {mode}").format(mode=mode_label(decision.mode)))
        if decision.mode is None:
            self.banner.hide()
            return
        if decision.mode is OfflineMode.AWARIA_CALKOWITA:
            # Never "sent as soon as KSeF can take them": such invoices need not be sent.
            text = _(
                "KSeF Desktop switched to offline mode by itself: {reason} New invoices are "
                "issued outside KSeF, without QR codes; they do not have to be sent to KSeF "
                "afterwards."
            )
        elif decision.automatic:
            text = _(
                "KSeF Desktop switched to offline mode by itself: {reason} New invoices are "
                "issued in mode {mode} and sent as soon as KSeF can take them."
            )
        else:
            text = _("{reason} New invoices are issued in mode {mode}.")
        self.banner.setText(text.format(reason=decision.reason, mode=mode_label(decision.mode)))
        self.banner.show()

    # --- the one timer --------------------------------------------------------------------

    def tick(self) -> None:
        now = self._now()
        self.model.set_now(now)
        self._update_summary(now)
        self._notify(now)
        nxt = self.model.next_tick()
        if nxt is None:
            self.timer.stop()
            return
        ms = int((nxt - now).total_seconds() * 1000) + 1
        self.timer.start(max(1, min(ms, MAX_WAIT_MS)))

    def set_counts(self, counts: OutboxCounts) -> None:
        """The counts the status bar shows too (one source: the store's count)."""
        self.counts = counts
        self._update_summary(self._now())

    def _update_summary(self, now: datetime) -> None:
        rows = self.model.rows
        urgent = sum(1 for r in rows if urgency_of(r, now) is Urgency.LESS_THAN_24H)
        overdue = sum(1 for r in rows if urgency_of(r, now) is Urgency.OVERDUE)
        total = self.counts.total
        parts = [
            ngettext(
                "{n} invoice not yet in KSeF ({counts})",
                "{n} invoices not yet in KSeF ({counts})",
                total,
            ).format(n=total, counts=counts_text(self.counts))
        ]
        if urgent:
            parts.append(
                ngettext("{n} due within 24 hours", "{n} due within 24 hours", urgent).format(
                    n=urgent
                )
            )
        if overdue:
            parts.append(ngettext("{n} overdue", "{n} overdue", overdue).format(n=overdue))
        self.summary.setText(", ".join(parts))

    def _notify(self, now: datetime) -> None:
        for r in self.model.rows:
            urgency = urgency_of(r, now)
            if urgency not in (Urgency.LESS_THAN_24H, Urgency.OVERDUE):
                continue
            key = (r.invoice_id, urgency)
            if key in self._notified:
                continue
            self._notified.add(key)
            if urgency is Urgency.OVERDUE:
                title = _("Invoice {number} is overdue").format(number=r.number)
                text = _("It had to reach KSeF by {moment}.")
            else:
                title = _("Invoice {number} is due within 24 hours").format(number=r.number)
                text = _("It must reach KSeF by {moment}.")
            due = r.deadline.due if r.deadline is not None else None
            self.alert.emit(title, text.format(moment=fmt_moment(due) if due else "—"))

    # --- actions ----------------------------------------------------------------------------

    def _send_clicked(self) -> None:
        self.send_requested.emit(None)
