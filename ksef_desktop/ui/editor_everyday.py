"""The editor's everyday helpers (issue 20): the buyer from the VAT white list or VIES,
the NBP rate of a foreign-currency invoice, completion of lines from the catalogue, the
payment defaults of a new invoice and the check of its account on the white list.

``EditorEveryday`` attaches to an ``EditorDialog``: it only shows and asks; the look-ups
run in the worker through ``services`` (``services.lookups``, the registries).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QCompleter,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from ksef_desktop.domain.catalogue import CatalogueItem, price_for
from ksef_desktop.domain.invoice import Payment, PaymentMethod, PolishNip
from ksef_desktop.domain.money import xml_decimal
from ksef_desktop.domain.payments import default_due_date
from ksef_desktop.i18n import _
from ksef_desktop.ui.editor_lines import NAME, LinesModel
from ksef_desktop.ui.editor_payment import pydate, qdate
from ksef_desktop.worker import Failure

if TYPE_CHECKING:
    from ksef_desktop.services.registers import Registers
    from ksef_desktop.store import Store
    from ksef_desktop.ui.editor import EditorDialog

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class EverydayServices:
    """What the editor's helpers need from the program (called in the worker)."""

    registers: Callable[[], Registers]
    payment_days: int = 14
    payment_method: str = "transfer"


@dataclass(frozen=True)
class Defaults:
    accounts: list[str]
    items: list[CatalogueItem]


def load_defaults(store: Store, profile_id: int, nip: str) -> Defaults:
    """Worker side: the company's bank accounts and catalogue."""
    from ksef_desktop.store.catalogue import search_items
    from ksef_desktop.store.company import bank_accounts

    conn = store.db.connection()
    return Defaults(
        bank_accounts(conn, profile_id), search_items(conn, limit=5000, company_nip=nip)
    )


class CatalogueDelegate(QStyledItemDelegate):
    """The name cell completes from the catalogue; a picked item fills the whole line."""

    def __init__(self, lines: LinesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lines = lines
        self.items: dict[str, CatalogueItem] = {}

    def set_items(self, items: list[CatalogueItem]) -> None:
        self.items = {i.name: i for i in items}

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        edit = QLineEdit(parent)
        completer = QCompleter(sorted(self.items), edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        edit.setCompleter(completer)
        return edit

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        editor.setText(str(index.data(Qt.ItemDataRole.EditRole) or ""))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        if not self.pick(index.row(), editor.text()):
            model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)

    def pick(self, row: int, name: str) -> bool:
        """Fill line ``row`` from the catalogue item called ``name``; False: none is."""
        item = self.items.get(name.strip())
        if item is None:
            return False
        price = price_for(item, self.lines.prices_gross)
        self.lines.fill_row(
            row,
            name=item.name,
            unit=item.unit,
            price=xml_decimal(price, 2).replace(".", ","),
            rate=item.rate,
            gtu=item.gtu,
        )
        return True


class EditorEveryday:
    def __init__(self, dialog: EditorDialog, services: EverydayServices) -> None:
        self.dialog = dialog
        self.services = services
        form = dialog.form
        self.form = form
        self.accounts: list[str] = []
        self.catalogue = CatalogueDelegate(form.lines, form.table)
        form.table.setItemDelegateForColumn(NAME, self.catalogue)
        form.buyer.lookup_requested.connect(self.lookup)
        form.rate_button.clicked.connect(lambda: self.fetch_rate())
        form.currency.currentTextChanged.connect(self._currency_changed)
        form.pay.check_account.clicked.connect(self.check_account)

    # --- loading ---------------------------------------------------------------------------

    def load(self, new_invoice: bool) -> None:
        store, profile = self.dialog.store, self.dialog.profile

        def loaded(found: Defaults) -> None:
            self.accounts = found.accounts
            self.catalogue.set_items(found.items)
            if new_invoice:
                dirty = self.dialog.dirty
                self.apply_payment_defaults()
                self.dialog.dirty = dirty  # defaults are not the user's typing

        self.dialog._submit(
            lambda job: load_defaults(store(), profile.id, profile.nip),
            loaded,
            self._failed,
            name="editor-defaults",
        )

    def apply_payment_defaults(self) -> None:
        """A new invoice: due in the settings' term, their method, the first account."""
        pay = self.form.pay
        issue = pydate(self.form.issue_date.date())
        method = PaymentMethod.__members__.get(self.services.payment_method.upper())
        current = pay.payment() or Payment()
        pay.load(
            replace(
                current,
                method=current.method or method,
                due_date=current.due_date or default_due_date(issue, self.services.payment_days),
                bank_account=current.bank_account or (self.accounts[0] if self.accounts else None),
            ),
            issue,
        )

    def _failed(self, failure: Failure) -> None:
        self.dialog._failed(failure)

    # --- the buyer -------------------------------------------------------------------------

    def lookup(self, country: str, identifier: str) -> None:
        """Ask the register about the typed identifier; fill the buyer and keep it."""
        from ksef_desktop.services.lookups import keep_buyer, lookup_buyer

        registers, store, now = self.services.registers, self.dialog.store, self.dialog.now
        nip = self.dialog.profile.nip
        kind = self.form.buyer.kind.currentData()
        country = "PL" if kind == "pl" else country

        def op(job: Any) -> Any:
            regs = registers()
            facts = lookup_buyer(
                identifier, whitelist=regs.whitelist, vies=regs.vies, country=country
            )
            with store().db.transaction() as conn:
                keep_buyer(conn, facts, company_nip=nip, now=now())
            return facts

        self.form.buyer.show_check(_("Looking up…"))
        self.dialog._submit(op, self._found, self._lookup_failed, name="buyer-lookup")

    def _found(self, facts: Any) -> None:
        buyer = self.form.buyer
        check = facts.check
        if facts.party is not None:
            buyer.set_party(facts.party)
        source = _("VAT white list") if check.source == "whitelist" else "VIES"
        text = _("Checked in the {source} on {day}.").format(
            source=source, day=check.checked_on.strftime("%d.%m.%Y")
        )
        if facts.from_cache:
            text += " " + _("(from the last check: no connection now)")
        if facts.warning:
            text += " " + facts.warning
        buyer.show_check(text)
        self.dialog.load_contractors()
        self.form.check()

    def _lookup_failed(self, failure: Failure) -> None:
        self.form.buyer.show_check(failure.message)

    # --- the exchange rate ----------------------------------------------------------------------

    def _currency_changed(self, text: str) -> None:
        if text.strip().upper() not in ("", "PLN") and not self.form.exchange_rate.text().strip():
            self.fetch_rate()

    def fetch_rate(self) -> None:
        from ksef_desktop.domain.exchange import tax_point

        invoice = self.form.invoice()
        if not invoice.is_foreign_currency:
            return
        currency, point = invoice.currency, tax_point(invoice)
        registers = self.services.registers
        self.form.rate_table.setText(_("Asking NBP…"))
        self.dialog._submit(
            lambda job: registers().nbp.rate_for(currency, point),
            self._rate,
            lambda f: self.form.rate_table.setText(f.message),
            name="nbp-rate",
        )

    def _rate(self, rate: Any) -> None:
        form = self.form
        form.exchange_rate.setText(f"{rate.mid:f}".replace(".", ","))
        form.exchange_rate_date.setDate(qdate(rate.effective_date))
        form.rate_table.setText(
            _("NBP table {table} of {day} (art. 31a of the VAT act).").format(
                table=rate.table, day=rate.effective_date.strftime("%d.%m.%Y")
            )
        )

    # --- the account ---------------------------------------------------------------------------

    def check_account(self) -> None:
        from ksef_desktop.services.lookups import check_seller_account

        pay = self.form.pay
        account = pay.bank_account.text().strip()
        seller = self.form.seller.tax_id
        if not account or not isinstance(seller, PolishNip):
            return
        amount = self._gross_pln()
        registers = self.services.registers
        pay.account_note.setVisible(True)
        pay.account_note.setText(_("Asking the VAT white list…"))
        self.dialog._submit(
            lambda job: check_seller_account(
                registers().whitelist, seller.nip, account, amount_pln=amount
            ),
            lambda verdict: pay.account_note.setText(verdict.text()),
            lambda f: pay.account_note.setText(f.message),
            name="account-check",
        )

    def _gross_pln(self) -> Decimal | None:
        from ksef_desktop.domain.totals import compute_totals

        invoice = self.form.invoice()
        try:
            gross = compute_totals(invoice).gross
        except (ArithmeticError, ValueError):
            return None
        if not invoice.is_foreign_currency:
            return gross
        return None if invoice.exchange_rate is None else gross * invoice.exchange_rate
