"""The KSeF session browser: history with filters, one session's invoices, and the UPOs.

Everything that talks to KSeF runs in the worker through one client made on first use
(and kept, so its login is reused); the UPOs fetched go into the archive.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop.domain.calendar import WARSAW
from ksef_desktop.i18n import _
from ksef_desktop.services import sessions_sync as sync
from ksef_desktop.store import Store
from ksef_desktop.store.profiles import Profile
from ksef_desktop.ui.documents import DocumentDialog
from ksef_desktop.ui.invoice_list_model import guarded
from ksef_desktop.ui.sessions_model import SessionInvoicesModel, SessionsModel
from ksef_desktop.worker import Failure
from ksef_desktop.worker.runner import Runner


def _status_choices() -> tuple[tuple[str, str], ...]:
    return (
        ("", _("Any status")),
        ("InProgress", _("In progress")),
        ("Succeeded", _("Succeeded")),
        ("Failed", _("Failed")),
        ("Cancelled", _("Cancelled")),
    )


class SessionsPanel(QWidget):
    message = Signal(str)

    def __init__(
        self,
        runner: Runner,
        client: Callable[[], Any],
        store: Callable[[], Store],
        profile: Callable[[], Profile],
        now: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self._submit = guarded(self, runner.submit)
        #: The current profile's KSeF client, owned by the context: rebuilt there when
        #: the profile or its environment changes, never kept here.
        self.client = client
        self.store = store
        self.profile = profile
        self.now = now
        self.detail: sync.SessionDetail | None = None
        self.dialogs: list[DocumentDialog] = []

        def load(flt: sync.SessionFilter, token: str | None) -> sync.SessionsPage:
            return sync.sessions_page(client(), store(), flt, token, profile=profile())

        self.model = SessionsModel(load, runner.submit, self)
        self.model.failed.connect(self._note_text)  # the model says why in a sentence
        self.invoices = SessionInvoicesModel(self)
        self._build()

    def _build(self) -> None:
        self.kind = QComboBox()
        self.kind.addItem(_("Online sessions"), sync.ONLINE)
        self.kind.addItem(_("Batch sessions"), sync.BATCH)
        self.kind.setAccessibleName(_("Kind of session"))
        self.status = QComboBox()
        for key, label in _status_choices():
            self.status.addItem(label, key)
        self.status.setAccessibleName(_("Status"))
        self.use_period = QCheckBox(_("Opened &between:"))
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addMonths(-1))
        self.date_to = QDateEdit(today)
        for e in (self.date_from, self.date_to):
            e.setDisplayFormat("dd.MM.yyyy")
            e.setCalendarPopup(True)
            e.setEnabled(False)
        self.refresh_button = QPushButton(_("&Refresh"))
        top = QHBoxLayout()
        for w in (self.kind, self.status, self.use_period, self.date_from, QLabel("–"),
                  self.date_to):  # fmt: skip
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.refresh_button)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName(_("KSeF sessions"))
        self.invoice_table = QTableView()
        self.invoice_table.setModel(self.invoices)
        self.invoice_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.invoice_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.invoice_table.verticalHeader().setVisible(False)
        # Reference and KSeF numbers whole (issue 15): columns fit their contents; one
        # too long for the window loses its middle, never its end.
        for view in (self.table, self.invoice_table):
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.invoice_table.horizontalHeader().setSectionResizeMode(
            4, QHeaderView.ResizeMode.Stretch
        )
        self.invoice_table.setAccessibleName(_("Invoices of the session"))
        self.session_upo_button = QPushButton(_("Session &UPO"))
        self.invoice_upo_button = QPushButton(_("I&nvoice UPO"))
        self.upo_note = QLabel()
        self.upo_note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.upo_note, 1)
        buttons.addWidget(self.session_upo_button)
        buttons.addWidget(self.invoice_upo_button)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.invoice_table, 1)
        lower_layout.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        self.kind.currentIndexChanged.connect(self.apply_filter)
        self.status.currentIndexChanged.connect(self.apply_filter)
        self.use_period.toggled.connect(self._period)
        self.date_from.dateChanged.connect(self.apply_filter)
        self.date_to.dateChanged.connect(self.apply_filter)
        self.refresh_button.clicked.connect(self.apply_filter)
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        self.session_upo_button.clicked.connect(self.session_upo)
        self.invoice_upo_button.clicked.connect(self.invoice_upo)
        for text, key, slot in (
            (_("Session UPO"), "Ctrl+U", self.session_upo),
            (_("Invoice UPO"), "Ctrl+Shift+U", self.invoice_upo),
            (_("Refresh"), "Ctrl+R", self.apply_filter),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _c=False, s=slot: s())
            self.addAction(action)
        self._update_buttons()

    # --- filters ----------------------------------------------------------------------------

    def _period(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self.apply_filter()

    def current_filter(self) -> sync.SessionFilter:
        status = self.status.currentData() or ""
        date_from = date_to = None
        if self.use_period.isChecked():
            f, t = self.date_from.date(), self.date_to.date()
            date_from = datetime(f.year(), f.month(), f.day(), tzinfo=WARSAW)
            date_to = datetime.combine(date(t.year(), t.month(), t.day()), time.max, tzinfo=WARSAW)
        return sync.SessionFilter(
            kind=self.kind.currentData(),
            date_from=date_from,
            date_to=date_to,
            statuses=(status,) if status else (),
        )

    def profile_changed(self) -> None:
        """Another profile is current: its sessions come once its environment answers
        (``apply_filter`` again); nothing of the old one stays on screen meanwhile."""
        self.detail = None
        self.invoices.set_lines([])
        self.model.clear()
        self._update_buttons()

    def apply_filter(self) -> None:
        self.detail = None
        self.invoices.set_lines([])
        self.model.set_filter(self.current_filter())
        self._update_buttons()

    # --- one session ----------------------------------------------------------------------

    def selected_session(self) -> sync.SessionRow | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        session = self.selected_session()
        self.detail = None
        self.invoices.set_lines([])
        self._update_buttons()
        if session is None:
            return
        client, store, profile, reference = self.client, self.store, self.profile, session.reference

        def done(detail: sync.SessionDetail) -> None:
            current = self.selected_session()
            if current is None or current.reference != detail.reference:
                return
            self.detail = detail
            self.invoices.set_lines(detail.lines)
            self._update_buttons()

        self._submit(
            lambda job: sync.session_detail(client(), store(), reference, profile_id=profile().id),
            done,
            self._note,
            name="session-detail",
        )

    def _update_buttons(self) -> None:
        session = self.selected_session()
        closed = session is not None and session.closed
        self.session_upo_button.setEnabled(closed)
        self.invoice_upo_button.setEnabled(self.detail is not None and bool(self.detail.lines))
        if session is None:
            self.upo_note.setText(_("Choose a session to see its invoices."))
        elif not closed:
            self.upo_note.setText(
                _("This session is still open or being processed: its UPO comes once it is closed.")
            )
        else:
            self.upo_note.setText("")

    def session_upo(self) -> None:
        session = self.selected_session()
        if session is None:
            return
        if not session.closed:
            self._note_text(
                _("This session is still open or being processed: its UPO comes once it is closed.")
            )
            return
        client, store, now, reference = self.client, self.store, self.now, session.reference
        profile = self.profile
        self._submit(
            lambda job: sync.fetch_session_upo(
                client(), store(), reference, now, profile_id=profile().id
            ),
            lambda upo: self._show(_("Session UPO"), upo),
            self._note,
            name="session-upo",
        )

    def invoice_upo(self) -> None:
        index = self.invoice_table.currentIndex()
        if self.detail is None or not index.isValid():
            return
        line = self.invoices.line(index.row())
        client, store, now, profile = self.client, self.store, self.now, self.profile
        self._submit(
            lambda job: sync.fetch_invoice_upo(
                client(), store(), line, now, profile_id=profile().id
            ),
            lambda upo: self._show(_("Invoice UPO"), upo),
            self._note,
            name="invoice-upo",
        )

    def _show(self, title: str, data: bytes) -> None:
        dialog = DocumentDialog(title, data, "UPO.xml", self)
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self.dialogs.remove(dialog))
        dialog.open()

    def _note(self, failure: Failure) -> None:
        if not failure.cancelled:
            self._note_text(failure.message)

    def _note_text(self, text: str) -> None:
        self.upo_note.setText(text)
        self.message.emit(text)
