"""The contractors: search, add, edit, delete; the editor's buyer picker reads the same table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop.domain.invoice import Party
from ksef_desktop.i18n import _
from ksef_desktop.store import Store
from ksef_desktop.store.contractors import (
    Contractor,
    delete_contractor,
    save_contractor,
    search_contractors,
)
from ksef_desktop.store.profiles import Profile
from ksef_desktop.ui.contractors_model import ContractorsModel, party_problems
from ksef_desktop.ui.editor_buyer import BuyerPicker
from ksef_desktop.ui.invoice_list_model import guarded
from ksef_desktop.worker import Failure
from ksef_desktop.worker.runner import Runner

LIMIT = 1000


class ContractorDialog(QDialog):
    """One contractor's data, checked with the same rules as an invoice's buyer."""

    def __init__(self, party: Party | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Contractor"))
        self.picker = BuyerPicker()
        self.picker.setTitle("")
        self.picker.contractors.setVisible(False)
        form_layout = self.picker.layout()
        label = getattr(form_layout, "labelForField", lambda w: None)(self.picker.contractors)
        if label is not None:
            label.setVisible(False)
        if party is not None:
            self.picker.set_party(party)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picker)
        layout.addWidget(self.buttons)
        self.picker.changed.connect(self._check)
        self._check()

    def _check(self) -> None:
        problems = party_problems(self.picker.party())
        self.picker.show_problems({p.field: p.text() for p in problems})
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not problems)

    def party(self) -> Party:
        return self.picker.party()

    def accept(self) -> None:
        if not party_problems(self.party()):
            super().accept()


class ContractorsPanel(QWidget):
    changed = Signal()
    message = Signal(str)

    def __init__(
        self,
        runner: Runner,
        store: Callable[[], Store],
        profile: Callable[[], Profile],
        now: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self._submit = guarded(self, runner.submit)
        self.store = store
        #: The current profile (worker side); its company's contractors are shown.
        self.profile = profile
        self.now = now
        self.model = ContractorsModel(self)
        self.dialog: ContractorDialog | None = None
        self.confirmation: QMessageBox | None = None
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Search by name or identifier"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(_("Search contractors"))
        self.add_button = QPushButton(_("&Add contractor…"))
        self.edit_button = QPushButton(_("&Edit…"))
        self.delete_button = QPushButton(_("De&lete"))
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # headers whole
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setAccessibleName(_("Contractors"))
        # Enter and a double click both "activate" the row (QAbstractItemView).
        self.table.activated.connect(lambda _i: self.edit())
        top = QHBoxLayout()
        search_label = QLabel(_("Sea&rch:"))
        search_label.setBuddy(self.search)
        top.addWidget(search_label)
        top.addWidget(self.search, 1)
        for b in (self.add_button, self.edit_button, self.delete_button):
            top.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.delete_button.clicked.connect(self.delete)
        for text, key, slot in (
            (_("Delete contractor"), "Delete", self.delete),
            (_("Add contractor"), "Ctrl+N", self.add),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _c=False, s=slot: s())
            self.addAction(action)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._debounce.start())

    def reload(self) -> None:
        store, profile, text = self.store, self.profile, self.search.text()
        self._submit(
            lambda job: search_contractors(
                store().db.connection(), text, limit=LIMIT, company_nip=profile().nip
            ),
            self.model.set_contractors,
            self._failed,
            name="contractors",
        )

    def _failed(self, failure: Failure) -> None:
        if not failure.cancelled:
            self.message.emit(failure.message)

    def selected(self) -> Contractor | None:
        index = self.table.currentIndex()
        return self.model.contractor(index.row()) if index.isValid() else None

    def add(self) -> None:
        self._open(None)

    def edit(self) -> None:
        current = self.selected()
        if current is not None:
            self._open(current)

    def _open(self, contractor: Contractor | None) -> None:
        dialog = ContractorDialog(contractor.party if contractor else None, self)
        self.dialog = dialog
        contractor_id = contractor.id if contractor else None
        dialog.accepted.connect(lambda: self._save(dialog.party(), contractor_id))
        dialog.open()

    def _save(self, party: Party, contractor_id: int | None) -> None:
        store, profile, now = self.store, self.profile, self.now

        def op() -> int:
            nip = profile().nip
            with store().db.transaction() as conn:
                return save_contractor(
                    conn, party, company_nip=nip, now=now(), contractor_id=contractor_id
                )

        def done(_id: int) -> None:
            self.changed.emit()
            self.reload()

        self._submit(lambda job: op(), done, self._failed, name="save-contractor")

    def delete(self) -> None:
        """Ask first (a window that does not block); ``Yes`` deletes."""
        current = self.selected()
        if current is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            _("Delete contractor"),
            _("Delete contractor {name}?").format(name=current.party.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        self.confirmation = box
        yes = box.button(QMessageBox.StandardButton.Yes)

        def clicked(button: object) -> None:
            if button is yes:
                self._delete(current)

        box.buttonClicked.connect(clicked)
        box.open()

    def _delete(self, current: Contractor) -> None:
        store, profile = self.store, self.profile

        def op() -> None:
            nip = profile().nip
            with store().db.transaction() as conn:
                delete_contractor(conn, current.id, company_nip=nip)

        def done(_r: None) -> None:
            self.message.emit(
                _("Contractor {name} deleted (issued invoices keep their copy).").format(
                    name=current.party.name
                )
            )
            self.changed.emit()
            self.reload()

        self._submit(lambda job: op(), done, self._failed, name="delete-contractor")
