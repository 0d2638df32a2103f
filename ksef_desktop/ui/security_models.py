"""The Security panel's tables: logins, KSeF tokens, KSeF certificates, permissions.

Plain rows in (services.credentials / services.access_rights), one cell text out; the
permission's explanation is the tooltip of its cell.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt

from ksef_desktop.domain.access import kind
from ksef_desktop.i18n import N_, _
from ksef_desktop.ksef.models_access import CertificateListItem, QueryTokensResponseItem
from ksef_desktop.services.access_rights import AUTHORIZATION, ENTITY, PermissionRow
from ksef_desktop.services.credentials import LoginRow
from ksef_desktop.ui.formatting import fmt_moment
from ksef_desktop.ui.table_model import RowsTableModel

Index = QModelIndex | QPersistentModelIndex

_STATUSES = {
    "Active": N_("active"),
    "Pending": N_("being activated"),
    "Revoking": N_("being revoked"),
    "Revoked": N_("revoked"),
    "Failed": N_("failed"),
    "Blocked": N_("blocked"),
    "Expired": N_("expired"),
    "Inactive": N_("inactive"),
}
_CATEGORIES = {
    "Token": N_("KSeF token"),
    "XadesSignature": N_("signature"),
    "NationalNode": N_("login.gov.pl"),
    "Other": N_("other"),
}
_KINDS = {
    ENTITY: N_("entity"),
    AUTHORIZATION: N_("authorisation"),
}


def status_text(status: str) -> str:
    msgid = _STATUSES.get(status)
    return _(msgid) if msgid else status


def _moment(value: datetime | None) -> str:
    return fmt_moment(value) if value is not None else "—"


class _Model(RowsTableModel):
    def cell(self, row: Any, column: int) -> str:
        raise NotImplementedError

    def tip(self, row: Any, column: int) -> str | None:
        return None

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> Any:
        return self._rows[index]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(row, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tip(row, index.column())
        return None


class LoginsModel(_Model):
    COLUMNS = (
        N_("Started"),
        N_("How"),
        N_("Method"),
        N_("From"),
        N_("This program's"),
        N_("Can be renewed until"),
        N_("Reference number"),
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(self.COLUMNS, parent)

    def cell(self, row: LoginRow, column: int) -> str:
        category = _CATEGORIES.get(row.category)
        return [
            _moment(row.started),
            _(category) if category else row.category,
            row.method,
            row.source or "—",
            _("yes (this login)") if row.current else "",
            _moment(row.refresh_until),
            row.reference,
        ][column]


class TokensModel(_Model):
    COLUMNS = (
        N_("Description"),
        N_("Permissions"),
        N_("Status"),
        N_("Created"),
        N_("Last used"),
        N_("Reference number"),
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(self.COLUMNS, parent)
        self.own_reference = ""  # the profile's token, marked in the list

    def cell(self, row: QueryTokensResponseItem, column: int) -> str:
        description = row.description
        if row.reference_number == self.own_reference:
            description = _("{description} (this program's)").format(description=description)
        return [
            description,
            ", ".join(kind(p).text() for p in row.requested_permissions),
            status_text(row.status),
            _moment(row.date_created),
            _moment(row.last_use_date),
            row.reference_number,
        ][column]

    def tip(self, row: QueryTokensResponseItem, column: int) -> str | None:
        if column == 1:
            kinds = [kind(p) for p in row.requested_permissions]
            return "\n".join(f"{k.text()}: {k.explain()}" for k in kinds)
        return None


class CertificatesModel(_Model):
    COLUMNS = (
        N_("Name"),
        N_("Type"),
        N_("Status"),
        N_("Valid until"),
        N_("Last used"),
        N_("Serial number"),
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(self.COLUMNS, parent)

    def cell(self, row: CertificateListItem, column: int) -> str:
        kinds = {"Offline": _("Offline (KOD II)"), "Authentication": _("Authentication (login)")}
        return [
            row.name,
            kinds.get(row.type, row.type),
            status_text(row.status),
            _moment(row.valid_to),
            _moment(row.last_use_date),
            row.certificate_serial_number,
        ][column]


class PermissionsModel(_Model):
    COLUMNS = (
        N_("Who"),
        N_("Name"),
        N_("Permission"),
        N_("Since"),
        N_("Description"),
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(self.COLUMNS, parent)

    def cell(self, row: PermissionRow, column: int) -> str:
        who = row.subject
        label = _KINDS.get(row.kind)
        if label:
            who = f"{who} ({_(label)})"
        return [
            who,
            row.name,
            kind(row.permission).text(),
            _moment(row.since),
            row.description,
        ][column]

    def tip(self, row: PermissionRow, column: int) -> str | None:
        return kind(row.permission).explain() if column == 2 else None
