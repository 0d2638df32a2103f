"""The buyer: picked from the contractors or typed (Polish NIP, EU VAT, other, private)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from ksef_desktop.domain.identifiers import normalize_eu_vat, normalize_nip
from ksef_desktop.domain.invoice import (
    Address,
    EuVatNumber,
    NoTaxId,
    OtherTaxId,
    Party,
    PolishNip,
    TaxId,
)
from ksef_desktop.i18n import N_, _
from ksef_desktop.store.contractors import Contractor
from ksef_desktop.ui.formatting import fmt_nip

KINDS = (
    ("pl", N_("Polish company (NIP)")),
    ("eu", N_("EU company (VAT number)")),
    ("other", N_("Other country (tax identifier)")),
    ("none", N_("Private person (no identifier)")),
)


def kind_of(tax_id: TaxId) -> str:
    if isinstance(tax_id, PolishNip):
        return "pl"
    if isinstance(tax_id, EuVatNumber):
        return "eu"
    if isinstance(tax_id, OtherTaxId):
        return "other"
    return "none"


def describe_party(party: Party) -> str:
    tax_id = party.tax_id
    if isinstance(tax_id, PolishNip):
        return f"{party.name} (NIP {fmt_nip(tax_id.nip)})"
    if isinstance(tax_id, EuVatNumber):
        return f"{party.name} ({tax_id.country}{tax_id.number})"
    if isinstance(tax_id, OtherTaxId):
        return f"{party.name} ({tax_id.number})"
    return party.name


def problem_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet("color: #b71c1c")
    label.setWordWrap(True)
    label.setVisible(False)
    return label


class BuyerPicker(QGroupBox):
    changed = Signal()
    #: Emitted when the user wants this buyer kept among the contractors.
    save_requested = Signal(object)  # Party
    #: The user asks the VAT white list (or VIES) about the identifier: (country, text).
    lookup_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Buyer"), parent)
        self.contractors = QComboBox()
        self.contractors.setAccessibleName(_("Choose a contractor"))
        self.contractors.addItem(_("— type the buyer below —"), None)
        self.kind = QComboBox()
        for key, label in KINDS:
            self.kind.addItem(_(label), key)
        self.kind.setAccessibleName(_("Kind of buyer"))
        self.country = QLineEdit("PL")
        self.country.setMaxLength(2)
        self.country.setAccessibleName(_("Country (two letters)"))
        self.identifier = QLineEdit()
        self.identifier.setAccessibleName(_("Tax identifier"))
        self.name = QLineEdit()
        self.name.setAccessibleName(_("Buyer's name"))
        self.line1 = QLineEdit()
        self.line1.setAccessibleName(_("Address, line 1"))
        self.line2 = QLineEdit()
        self.line2.setAccessibleName(_("Address, line 2"))
        self._other_country = ""
        self.problems = {
            "buyer.tax_id": problem_label(),
            "buyer.name": problem_label(),
            "buyer.address": problem_label(),
        }
        form = QFormLayout(self)
        form.addRow(_("&Contractor:"), self.contractors)
        form.addRow(_("&Type:"), self.kind)
        # The country beside the identifier (one row less for the editor's first screen),
        # and issue 20's look-up in the VAT white list (VIES for EU numbers).
        self.lookup_button = QPushButton(_("Look up"))
        self.lookup_button.setToolTip(_("Fill in the buyer from the VAT white list or VIES."))
        self.lookup_button.setAutoDefault(False)
        self.lookup_button.clicked.connect(self._lookup)
        self.check_note = QLabel()
        self.check_note.setWordWrap(True)
        self.check_note.setVisible(False)
        identifier = QHBoxLayout()
        identifier.addWidget(self.country)
        identifier.addWidget(self.identifier, 1)
        identifier.addWidget(self.lookup_button)
        self.country.setMaximumWidth(self.country.fontMetrics().horizontalAdvance("MMMM") + 12)
        identifier_label = QLabel(_("Identi&fier:"))
        identifier_label.setBuddy(self.identifier)
        identifier_label.setToolTip(_("Country (two letters) and tax identifier"))
        form.addRow(identifier_label, identifier)
        form.addRow("", self.check_note)
        form.addRow("", self.problems["buyer.tax_id"])
        form.addRow(_("&Name:"), self.name)
        form.addRow("", self.problems["buyer.name"])
        form.addRow(_("&Address:"), self.line1)
        form.addRow("", self.line2)
        form.addRow("", self.problems["buyer.address"])
        self.contractors.activated.connect(self._picked)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        for edit in (self.country, self.identifier, self.name, self.line1, self.line2):
            edit.textChanged.connect(lambda _text: self.changed.emit())
        self._kind_changed()

    def _lookup(self) -> None:
        if self.identifier.text().strip():
            self.lookup_requested.emit(self.country.text().strip().upper(), self.identifier.text())

    def show_check(self, text: str) -> None:
        """What the register said (status, date checked; a warning) under the identifier."""
        self.check_note.setText(text)
        self.check_note.setVisible(bool(text))

    # --- contractors -----------------------------------------------------------------------

    def set_contractors(self, contractors: list[Contractor]) -> None:
        current = self.contractors.currentData()
        self.contractors.blockSignals(True)
        while self.contractors.count() > 1:
            self.contractors.removeItem(1)
        for c in contractors:
            self.contractors.addItem(describe_party(c.party), c)
        if current is not None:
            self.contractors.setCurrentIndex(max(0, self._index_of(current.id)))
        self.contractors.blockSignals(False)

    def _index_of(self, contractor_id: int) -> int:
        for i in range(1, self.contractors.count()):
            if self.contractors.itemData(i).id == contractor_id:
                return i
        return -1

    def pick_contractor(self, contractor_id: int) -> bool:
        i = self._index_of(contractor_id)
        if i < 0:
            return False
        self.contractors.setCurrentIndex(i)
        self._picked(i)
        return True

    def _picked(self, i: int) -> None:
        contractor = self.contractors.itemData(i)
        if contractor is not None:
            self.set_party(contractor.party)

    # --- the party ---------------------------------------------------------------------------

    def _kind_changed(self) -> None:
        key = self.kind.currentData()
        self.identifier.setEnabled(key != "none")
        self.country.setEnabled(key != "pl")
        if key == "pl":
            typed = self.country.text().strip().upper()
            if typed != "PL":
                self._other_country = typed  # given back when another kind is chosen
            self.country.setText("PL")
            # An example shape, never anyone's real NIP (and never the seller's own).
            self.identifier.setPlaceholderText(_("10 digits, e.g. 123-456-32-18"))
        elif self._other_country and self.country.text().strip().upper() == "PL":
            self.country.setText(self._other_country)
        if key == "eu":
            self.identifier.setPlaceholderText(_("e.g. 123456789 (without the country)"))
        elif key != "pl":
            self.identifier.setPlaceholderText("")
        self.changed.emit()

    def require_kind(self, key: str) -> None:
        """Switch to kind ``key`` ("pl", "eu") unless the buyer already is one."""
        if self.kind.currentData() != key:
            self.kind.setCurrentIndex(self.kind.findData(key))
            if key == "eu" and self.country.text().strip().upper() == "PL":
                self.country.clear()  # a Polish NIP holder is no EU buyer: ask the country

    def set_party(self, party: Party) -> None:
        widgets = (self.kind, self.country, self.identifier, self.name, self.line1, self.line2)
        for w in widgets:
            w.blockSignals(True)
        tax_id = party.tax_id
        self.kind.setCurrentIndex(self.kind.findData(kind_of(tax_id)))
        country = party.address.country if party.address else "PL"
        ident = ""
        if isinstance(tax_id, PolishNip):
            ident, country = tax_id.nip, "PL"
        elif isinstance(tax_id, EuVatNumber):
            ident, country = tax_id.number, tax_id.country
        elif isinstance(tax_id, OtherTaxId):
            ident, country = tax_id.number, tax_id.country or country
        self.country.setText(country)
        self.identifier.setText(ident)
        self.name.setText(party.name)
        self.line1.setText(party.address.line1 if party.address else "")
        self.line2.setText((party.address.line2 or "") if party.address else "")
        for w in widgets:
            w.blockSignals(False)
        self._kind_changed()

    def party(self) -> Party:
        key = self.kind.currentData()
        country = self.country.text().strip().upper()
        ident = self.identifier.text()
        tax_id: TaxId
        if key == "pl":
            tax_id = PolishNip(normalize_nip(ident))
        elif key == "eu":
            code, number = normalize_eu_vat(country, ident)
            tax_id = EuVatNumber(code, number)
        elif key == "other":
            tax_id = OtherTaxId(ident.strip(), country or None)
        else:
            tax_id = NoTaxId()
        address = None
        if self.line1.text().strip() or self.line2.text().strip():
            # Addresses use ISO codes (GR); Greek VAT numbers say EL.
            address_country = "GR" if country == "EL" else country
            address = Address(
                address_country or "PL",
                self.line1.text().strip(),
                self.line2.text().strip() or None,
            )
        return Party(tax_id=tax_id, name=self.name.text().strip(), address=address)

    def show_problems(self, problems: dict[str, str]) -> None:
        for prefix, label in self.problems.items():
            text = "\n".join(t for f, t in problems.items() if f.startswith(prefix))
            label.setText(text)
            label.setVisible(bool(text))
