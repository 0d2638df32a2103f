"""The contractors' table: a ``QAbstractTableModel`` over ``store.contractors`` rows."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt

from ksef_desktop.domain.checks import Problem, check_invoice
from ksef_desktop.domain.invoice import (
    Address,
    Invoice,
    InvoiceKind,
    Line,
    Party,
    PolishNip,
    VatRate,
)
from ksef_desktop.i18n import N_, _
from ksef_desktop.store.contractors import Contractor
from ksef_desktop.store.serialize import identifier_text
from ksef_desktop.ui.table_model import RowsTableModel

Index = QModelIndex | QPersistentModelIndex

COLUMNS = (N_("Name"), N_("Identifier"), N_("Country"), N_("Address"))
NAME, IDENTIFIER, COUNTRY, ADDRESS = range(len(COLUMNS))

_PROBE_SELLER = Party(PolishNip("5265877635"), "probe", Address("PL", "probe"))
_PROBE_MOMENT = datetime(2026, 1, 1, tzinfo=UTC)


def party_problems(party: Party) -> list[Problem]:
    """What ``check_invoice`` says about ``party`` as a buyer (the same rules as issuing)."""
    probe = Invoice(
        kind=InvoiceKind.VAT,
        number="probe",
        issue_date=_PROBE_MOMENT.date(),
        seller=_PROBE_SELLER,
        buyer=party,
        lines=(Line("probe", VatRate.R23, Decimal(1), Decimal(1)),),
        created_at=_PROBE_MOMENT,
    )
    return [
        p for p in check_invoice(probe, today=_PROBE_MOMENT.date()) if p.field.startswith("buyer")
    ]


class ContractorsModel(RowsTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(COLUMNS, parent)
        self._rows: list[Contractor] = []

    def set_contractors(self, rows: list[Contractor]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def contractor(self, row: int) -> Contractor:
        return self._rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        c = self._rows[index.row()]
        if role == Qt.ItemDataRole.UserRole:
            return c.id
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        party = c.party
        column = index.column()
        if column == NAME:
            return party.name
        if column == IDENTIFIER:
            return identifier_text(party.tax_id) or _("(none)")
        if column == COUNTRY:
            return party.address.country if party.address else ""
        if column == ADDRESS:
            if party.address is None:
                return ""
            return ", ".join(x for x in (party.address.line1, party.address.line2) if x)
        return None
