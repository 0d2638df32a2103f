"""Collective identifiers ("identyfikator zbiorczy"): one bank transfer for many invoices.

The dialog generates an identifier for the invoices picked in the list (in the worker:
the store says first why they cannot go together, and only then is KSeF asked), shows it
with a ready transfer title and copy buttons, and lists every identifier made in this
environment, each expandable to its invoices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop.domain.collective import collective_transfer_title
from ksef_desktop.i18n import _, ngettext
from ksef_desktop.store import Store
from ksef_desktop.store.collective import (
    CoveredInvoice,
    StoredCollective,
    covered_invoices,
    list_collectives,
)
from ksef_desktop.store.profiles import Profile
from ksef_desktop.ui.formatting import fmt_moment, fmt_money
from ksef_desktop.ui.invoice_list_model import guarded
from ksef_desktop.worker import Failure
from ksef_desktop.worker.runner import Runner

#: How many identifiers the list shows (newest first).
SHOWN = 200

NUMBER = Qt.ItemDataRole.UserRole
AMOUNT = 3  # the tree's column of amounts
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

if TYPE_CHECKING:
    from ksef_desktop.ksef.workflows import KsefClient


@dataclass(frozen=True)
class Listed:
    identifier: StoredCollective
    invoices: list[CoveredInvoice]

    def total(self) -> tuple[Decimal, str] | None:
        """The amount of one transfer paying them all (None: several currencies or an
        invoice this store does not have)."""
        currencies = {i.currency for i in self.invoices}
        if len(currencies) != 1 or any(i.gross is None for i in self.invoices):
            return None
        return sum((i.gross or Decimal(0) for i in self.invoices), Decimal(0)), currencies.pop()


def load_listed(store: Store, profile: Profile) -> list[Listed]:
    """Runs in the worker: the identifiers made in ``profile`` with their invoices."""
    conn = store.db.connection()
    return [
        Listed(c, covered_invoices(conn, c.ksef_numbers, profile_id=profile.id))
        for c in list_collectives(conn, profile_id=profile.id, limit=SHOWN)
    ]


class CollectiveDialog(QDialog):
    def __init__(
        self,
        runner: Runner,
        store: Callable[[], Store],
        client: Callable[[], KsefClient],
        profile: Callable[[], Profile],
        now: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = guarded(self, runner.submit)
        self.store = store
        #: The current profile's KSeF client (``AppContext.ksef_client``, worker side).
        self.client = client
        #: The current profile (``AppContext.profile_now``, worker side).
        self.profile = profile
        self.now = now
        self.listed: list[Listed] = []
        self.generating = False
        self.loading = False
        self.setWindowTitle(_("Collective identifiers"))
        self._build()
        self.resize(900, 560)

    # --- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        self.state = QLabel(
            _("Select invoices accepted by KSeF in the list, then choose Collective identifier.")
        )
        self.state.setWordWrap(True)
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.identifier = QLineEdit()
        self.identifier.setReadOnly(True)
        self.identifier.setAccessibleName(_("Collective identifier"))
        self.title = QLineEdit()
        self.title.setReadOnly(True)
        self.title.setAccessibleName(_("Transfer title"))
        self.amount = QLabel()
        self.amount.setAccessibleName(_("Amount of the transfer"))
        self.copy_identifier_button = QPushButton(_("Copy &identifier"))
        self.copy_title_button = QPushButton(_("Copy transfer &title"))
        self.copy_identifier_button.clicked.connect(lambda: self._copy(self.identifier.text()))
        self.copy_title_button.clicked.connect(lambda: self._copy(self.title.text()))
        form = QFormLayout()
        form.addRow(_("Identifier:"), self.identifier)
        form.addRow(_("Transfer title:"), self.title)
        form.addRow(_("To pay:"), self.amount)
        copy_row = QHBoxLayout()
        copy_row.addStretch(1)
        copy_row.addWidget(self.copy_identifier_button)
        copy_row.addWidget(self.copy_title_button)

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(
            [_("Identifier / KSeF number"), _("Invoice"), _("Buyer"), _("Amount"), _("Created")]
        )
        self.tree.setAccessibleName(_("Collective identifiers created"))
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._current_changed)
        listed_label = QLabel(_("Identifiers &created:"))
        listed_label.setBuddy(self.tree)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addLayout(form)
        layout.addLayout(copy_row)
        layout.addWidget(listed_label)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self._show_identifier(None)

    # --- generating -----------------------------------------------------------------------

    def generate(self, invoice_ids: Sequence[int]) -> None:
        """Ask KSeF (in the worker) for an identifier covering ``invoice_ids``."""
        from ksef_desktop.services.collective import create_collective

        if self.generating:
            return
        ids = list(invoice_ids)
        self.generating = True
        self._show_identifier(None)
        self._set_state(
            ngettext(
                "Generating a collective identifier for {n} invoice in KSeF…",
                "Generating a collective identifier for {n} invoices in KSeF…",
                len(ids),
            ).format(n=len(ids))
        )
        store, client, now, profile = self.store, self.client, self.now, self.profile

        def run(job: object) -> StoredCollective:
            return create_collective(store().db, client, ids, profile=profile(), now=now)

        self._submit(run, self._generated, self._refused, name="collective")

    def _generated(self, stored: StoredCollective) -> None:
        self.generating = False
        self._set_state(
            ngettext(
                "KSeF gave a collective identifier for {n} invoice. Put the transfer title "
                "in the buyer's transfer.",
                "KSeF gave a collective identifier for {n} invoices. Put the transfer title "
                "in the buyer's transfer.",
                len(stored.ksef_numbers),
            ).format(n=len(stored.ksef_numbers))
        )
        self.reload(select=stored.number)

    def _refused(self, failure: Failure) -> None:
        self.generating = False
        self._show_identifier(None)  # nothing was made: no identifier stands for these
        if not failure.cancelled:
            self._set_state(
                _("No collective identifier was made:") + "\n" + failure.message, problem=True
            )

    def _set_state(self, text: str, problem: bool = False) -> None:
        self.state.setText(text)
        self.state.setStyleSheet("color: #b00020;" if problem else "")
        self.state.setProperty("problem", problem)

    # --- the list -------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        store, profile = self.store, self.profile
        self.loading = True

        def done(listed: list[Listed]) -> None:
            self.loading = False
            self._fill(listed, select)

        def failed(failure: Failure) -> None:
            self.loading = False
            self._refused(failure)

        self._submit(lambda job: load_listed(store(), profile()), done, failed, name="collectives")

    def _fill(self, listed: list[Listed], select: str | None) -> None:
        self.listed = listed
        self.tree.clear()
        chosen: QTreeWidgetItem | None = None
        for entry in listed:
            c = entry.identifier
            total = entry.total()
            count = ngettext("{n} invoice", "{n} invoices", len(c.ksef_numbers)).format(
                n=len(c.ksef_numbers)
            )
            top = QTreeWidgetItem(
                [c.number, count, "", fmt_money(*total) if total else "", fmt_moment(c.created_at)]
            )
            top.setData(0, NUMBER, c.number)
            top.setTextAlignment(AMOUNT, RIGHT)
            for invoice in entry.invoices:
                child = QTreeWidgetItem(
                    [
                        invoice.ksef_number,
                        invoice.number or _("(not in this program)"),
                        invoice.buyer_name,
                        fmt_money(invoice.gross, invoice.currency) if invoice.gross else "",
                        "",
                    ]
                )
                child.setData(0, NUMBER, c.number)
                child.setTextAlignment(AMOUNT, RIGHT)
                top.addChild(child)
            self.tree.addTopLevelItem(top)
            if c.number == select:
                chosen = top
        if chosen is not None:
            self.tree.setCurrentItem(chosen)
            chosen.setExpanded(True)
        else:
            # An explicit "none": otherwise the view makes its first row current when it
            # next gets the focus, and an old identifier would stand beside a refusal.
            self.tree.setCurrentIndex(QModelIndex())

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        if self.generating:  # the fields wait for the new identifier (or the refusal)
            return
        number = current.data(0, NUMBER) if current is not None else None
        entry = next((e for e in self.listed if e.identifier.number == number), None)
        self._show_identifier(entry)

    def _show_identifier(self, entry: Listed | None) -> None:
        if entry is None:
            self.identifier.clear()
            self.title.clear()
            self.amount.clear()
        else:
            self.identifier.setText(entry.identifier.number)
            self.title.setText(collective_transfer_title(entry.identifier.number))
            total = entry.total()
            self.amount.setText(
                fmt_money(*total)
                if total
                else _("unknown (several currencies, or invoices not in this program)")
            )
        self.copy_identifier_button.setEnabled(entry is not None)
        self.copy_title_button.setEnabled(entry is not None)

    def _copy(self, text: str) -> None:
        if text:
            QGuiApplication.clipboard().setText(text)
            self._set_state(_("Copied: {text}").format(text=text))
