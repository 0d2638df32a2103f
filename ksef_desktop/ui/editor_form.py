"""The invoice form: every field of a VAT, KOR or ZAL invoice, totals and messages live.

``invoice()`` builds the domain ``Invoice`` from what is typed; ``check()`` runs
``check_invoice`` on it and shows each problem next to its field (``Problem.field`` →
the widget's message label; line problems colour the cell). ``problems`` holds the last
result, and ``valid`` is what the Issue button follows. An invoice with no problems may
still be wrong in law (a date of sale art. 106i does not allow, ...): ``warnings`` holds
what fa3/semantic says about it, shown below the totals; they do not stop issuing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.domain.checks import Problem, check_invoice
from ksef_desktop.domain.exchange import rate_day, tax_point_of
from ksef_desktop.domain.invoice import (
    Correction,
    Exemption,
    ExemptionBasis,
    Invoice,
    InvoiceKind,
    Party,
    PolishNip,
    VatRate,
)
from ksef_desktop.domain.money import parse_decimal
from ksef_desktop.domain.transaction import RULES, TransactionRule, TransactionType, type_of
from ksef_desktop.i18n import N_, _
from ksef_desktop.services.invoice_actions import DRAFT_NUMBER
from ksef_desktop.ui.editor_buyer import BuyerPicker, problem_label
from ksef_desktop.ui.editor_lines import FIELD_COLUMNS, LineRow, LinesModel, RateDelegate
from ksef_desktop.ui.editor_marks import LineMarks
from ksef_desktop.ui.editor_money import MoneyFields
from ksef_desktop.ui.editor_payment import PaymentFields, SaleDates, date_edit, pydate, qdate
from ksef_desktop.ui.editor_totals import TotalsBox

if TYPE_CHECKING:
    from ksef_desktop.fa3.semantic import SemanticWarning

KIND_LABELS = (
    (InvoiceKind.VAT, N_("VAT invoice")),
    (InvoiceKind.KOR, N_("Correction (KOR)")),
    (InvoiceKind.ZAL, N_("Advance invoice (ZAL)")),
)
BASIS_LABELS = (
    (ExemptionBasis.ACT, N_("Polish VAT act or regulation")),
    (ExemptionBasis.DIRECTIVE, N_("Directive 2006/112/EC")),
    (ExemptionBasis.OTHER, N_("Other legal basis")),
)


def _decimal(text: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return parse_decimal(text)
    except ValueError:
        return None


def _opt(text: str) -> str | None:
    return text.strip() or None


class LinesTable(QTableView):
    """The lines' table: it asks for a few rows' height only (it grows with the window),
    so that the payment and the totals below it fit the editor's first screen."""

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width(), 100)


class EditorForm(QWidget):
    #: Anything changed (totals and messages are already updated).
    changed = Signal()

    def __init__(
        self, seller: Party, now: Callable[[], datetime], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.seller = seller
        self.now = now
        self.problems: list[Problem] = []
        self.warnings: list[SemanticWarning] = []
        self.correction: Correction | None = None
        self._base: Invoice | None = None  # the loaded draft (fields the form does not show)
        self._loading = False
        #: The exchange rate's day follows the tax point until the user sets another.
        self._rate_day_follows = True
        self._moving_rate_day = False
        today = warsaw_date(now())
        self.labels: dict[str, QLabel] = {}
        self._build(today)
        self.check()

    # --- layout ----------------------------------------------------------------------------------

    def _problem(self, field: str) -> QLabel:
        label = problem_label()
        label.setObjectName(f"problem:{field}")
        self.labels[field] = label
        return label

    def _build(self, today: date) -> None:
        self.kind = QComboBox()
        for kind, label in KIND_LABELS:
            self.kind.addItem(_(label), kind.value)
        self.series = QComboBox()
        self.series.setAccessibleName(_("Numbering series"))
        self.issue_date = date_edit(today)
        self.sale = SaleDates(today)
        self.issue_place = QLineEdit()
        head = self._head = QFormLayout()
        head.addRow(_("&Kind:"), self.kind)
        head.addRow(_("Numbering series:"), self.series)
        head.addRow("", self._problem("series"))
        head.addRow(_("Issu&e date:"), self.issue_date)
        head.addRow("", self._problem("issue_date"))
        sale_label = QLabel(_("Sale &date:"))
        sale_label.setBuddy(self.sale.mode)
        head.addRow(sale_label, self.sale)
        head.addRow("", self._problem("sale_date"))
        head.addRow("", self._problem("sale_period"))
        head.addRow(_("Place of issue:"), self.issue_place)
        self._sale_type_row(head)
        self.correction_label = QLabel()
        self.correction_label.setWordWrap(True)
        self.correction_reason = QLineEdit()
        self.correction_reason.setAccessibleName(_("Reason for the correction"))
        head.addRow(_("Corrects:"), self.correction_label)
        # "&Reason:" and "Advance &received:" may share a letter: only one of them is enabled
        # (for its kind of invoice), and Qt passes over the mnemonic of a disabled label.
        self.correction_reason_label = QLabel(_("&Reason:"))
        self.correction_reason_label.setBuddy(self.correction_reason)
        head.addRow(self.correction_reason_label, self.correction_reason)
        head.addRow("", self._problem("correction"))
        self.advance = QLineEdit()
        self.advance.setAccessibleName(_("Advance received (gross)"))
        self.advance_label = QLabel(_("Advance &received:"))
        self.advance_label.setBuddy(self.advance)
        head.addRow(self.advance_label, self.advance)
        head.addRow("", self._problem("advance_received"))

        seller = QLabel(self._seller_text())
        seller.setWordWrap(True)
        seller_box = QGroupBox(_("Seller (from the settings)"))
        seller_layout = QVBoxLayout(seller_box)
        seller_layout.addWidget(seller)
        seller_layout.addWidget(self._problem("seller"))

        self.buyer = BuyerPicker()

        # lines
        self.lines = LinesModel(self)
        self.table = LinesTable()
        self.table.setModel(self.lines)
        self.rates = RateDelegate(self.table)
        self.table.setItemDelegateForColumn(5, self.rates)
        self.marks = LineMarks(self.table)
        self.related_parties = self.marks.related_parties
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # headers whole
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName(_("Invoice lines"))
        self.table.setTabKeyNavigation(True)
        self.add_line = QPushButton(_("Add &line"))
        self.remove_line = QPushButton(_("Remo&ve line"))
        self.prices_gross = QCheckBox(_("Prices are &gross"))
        line_buttons = QHBoxLayout()
        for w in (self.add_line, self.remove_line, self.prices_gross, self.related_parties):
            line_buttons.addWidget(w)
        line_buttons.addStretch(1)
        self.exemption_basis = QComboBox()
        for basis, label in BASIS_LABELS:
            self.exemption_basis.addItem(_(label), basis.value)
        self.exemption_text = QLineEdit()
        self.exemption_text.setPlaceholderText(_("e.g. art. 43 ust. 1 pkt 37 ustawy o VAT"))
        self.exemption_text.setAccessibleName(_("Basis of the exemption"))
        exemption = QHBoxLayout()
        exemption.addWidget(QLabel(_("Exemption basis (zw):")))
        exemption.addWidget(self.exemption_basis)
        exemption.addWidget(self.exemption_text, 1)
        lines_box = QGroupBox(_("Lines"))
        lines_layout = QVBoxLayout(lines_box)
        lines_layout.addWidget(self.table, 1)
        lines_layout.addLayout(line_buttons)
        lines_layout.addWidget(self._problem("lines"))
        lines_layout.addLayout(exemption)
        lines_layout.addWidget(self._problem("exemption"))

        # money and payment
        self.money = MoneyFields(today)
        self.currency = self.money.currency
        self.exchange_rate = self.money.exchange_rate
        self.exchange_rate_date = self.money.exchange_rate_date
        self.rate_button = self.money.rate_button
        self.rate_table = self.money.rate_table
        self.pay = PaymentFields(today)
        self.payment_method = self.pay.method
        self.has_due_date = self.pay.has_due_date
        self.due_date = self.pay.due_date
        self.bank_account = self.pay.bank_account
        self.bank_name = self.pay.bank_name
        self.paid = self.pay.paid
        self.paid_date = self.pay.paid_date
        self.ipksef = self.pay.ipksef
        self.payment_link = self.pay.payment_link
        self.notes = QLineEdit()
        self.notes.setAccessibleName(_("Notes"))
        # The currency under the seller, whose three lines leave that column room: the
        # payment, the account and the totals below the lines then fit the editor's first
        # screen in three short columns (no scrolling down to the total due).
        money = QFormLayout()
        self.money.add_rows(money, self._problem)
        middle = QVBoxLayout()
        middle.addWidget(seller_box)
        middle.addLayout(money)
        middle.addStretch(1)
        terms = QFormLayout()
        self.pay.add_terms_rows(terms, self._problem)
        terms.addRow(_("Notes:"), self.notes)
        terms.addRow("", self._problem("notes"))
        account = QFormLayout()
        self.pay.add_account_rows(account, self._problem)

        self.totals = TotalsBox()
        self.other_problems = QLabel()
        self.other_problems.setStyleSheet("color: #b71c1c")
        self.other_problems.setWordWrap(True)
        self.warnings_label = QLabel()
        self.warnings_label.setStyleSheet("color: #8d5b00")
        self.warnings_label.setWordWrap(True)

        grid = QGridLayout(self)
        grid.addLayout(head, 0, 0)
        grid.addLayout(middle, 0, 1)
        grid.addWidget(self.buyer, 0, 2)
        grid.addWidget(lines_box, 1, 0, 1, 3)
        right = QVBoxLayout()
        right.addWidget(self.totals)
        right.addWidget(self.other_problems)
        right.addWidget(self.warnings_label)
        right.addStretch(1)
        # Below the lines, columns of their own: the account's column is the widest, so
        # that a whole IBAN shows in its field.
        bottom = QHBoxLayout()
        bottom.addLayout(terms, 3)
        bottom.addLayout(account, 4)
        bottom.addLayout(right, 3)
        grid.addLayout(bottom, 2, 0, 1, 3)
        grid.setRowStretch(1, 1)
        for column in range(3):
            grid.setColumnStretch(column, 1)

        for combo in (self.kind, self.series, self.exemption_basis):
            combo.currentIndexChanged.connect(self._edited)
        self.currency.currentTextChanged.connect(self._edited)
        self.issue_date.dateChanged.connect(self._issue_date_changed)
        for e in (self.issue_date, self.exchange_rate_date):
            e.dateChanged.connect(self._edited)
        self.exchange_rate_date.dateChanged.connect(self._rate_day_set)
        self.sale.changed.connect(self._follow_tax_point)
        self.sale.changed.connect(self._edited)
        self.sale_type.currentIndexChanged.connect(self._sale_type_chosen)
        self.pay.connect(self._edited)
        for le in (self.issue_place, self.correction_reason, self.advance, self.exchange_rate,
                   self.notes, self.exemption_text):  # fmt: skip
            le.textChanged.connect(self._edited)
        self.prices_gross.toggled.connect(self._gross_toggled)
        self.related_parties.toggled.connect(self._edited)
        self.buyer.changed.connect(self._edited)
        self.lines.dataChanged.connect(self._edited)
        self.lines.rowsInserted.connect(self._edited)
        self.lines.rowsRemoved.connect(self._edited)
        self.add_line.clicked.connect(self.append_line)
        self.remove_line.clicked.connect(self._remove_current)
        self._update_visibility()
        self._sale_type_chosen()

    def _sale_type_row(self, head: QFormLayout) -> None:
        self.sale_type = QComboBox()
        for sale_kind, rule in RULES.items():
            self.sale_type.addItem(_(rule.label), sale_kind.value)
        # Long names never widen the form: the list shows them whole when opened.
        self.sale_type.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.sale_type.setMinimumContentsLength(18)
        self.sale_type_note = QLabel()
        self.sale_type_note.setWordWrap(True)
        self.sale_type_note.setStyleSheet("color: palette(dark)")
        label = QLabel(_("Kind of sale:"))
        label.setBuddy(self.sale_type)
        head.addRow(label, self.sale_type)
        head.addRow("", self.sale_type_note)

    def _seller_text(self) -> str:
        s = self.seller
        nip = s.tax_id.nip if isinstance(s.tax_id, PolishNip) else ""
        address = ""
        if s.address is not None:
            address = s.address.line1 + (f", {s.address.line2}" if s.address.line2 else "")
        return f"<b>{s.name}</b><br>NIP {nip}<br>{address}"

    # --- editing ---------------------------------------------------------------------------------

    def append_line(self) -> None:
        row = self.lines.add_line(LineRow(rate=self.sale_rule().default_rate))
        self.table.setCurrentIndex(self.lines.index(row, 0))
        self.table.setFocus()

    def _remove_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.lines.remove_line(index.row())

    def _gross_toggled(self, on: bool) -> None:
        self.lines.set_prices_gross(on)
        self._edited()

    def _issue_date_changed(self, *args: object) -> None:
        if not self._loading:
            self.pay.issue_date_changed(pydate(self.issue_date.date()))
            self._follow_tax_point()

    # --- the exchange rate's day -------------------------------------------------------------

    def tax_point(self) -> date:
        return tax_point_of(
            pydate(self.issue_date.date()), self.sale.sale_date(), self.sale.sale_period()
        )

    def _follow_tax_point(self, *args: object) -> None:
        if self._loading or not self._rate_day_follows:
            return
        wanted = qdate(rate_day(self.tax_point()))
        if self.exchange_rate_date.date() != wanted:
            self._moving_rate_day = True
            try:
                self.exchange_rate_date.setDate(wanted)
            finally:
                self._moving_rate_day = False

    def _rate_day_set(self, *args: object) -> None:
        if not self._loading and not self._moving_rate_day:
            self._rate_day_follows = False  # the user chose the day: it stays

    # --- the kind of sale ----------------------------------------------------------------------

    def sale_kind(self) -> TransactionType:
        return TransactionType(self.sale_type.currentData() or TransactionType.DOMESTIC.value)

    def sale_rule(self) -> TransactionRule:
        return RULES[self.sale_kind()]

    def _sale_type_chosen(self, *args: object) -> None:
        """Every line takes the kind's rate, and the buyer the identifier it needs."""
        rule = self.sale_rule()
        self.sale_type_note.setText(_(rule.explanation))
        self.rates.rates = rule.rates
        if self._loading:
            return
        domestic = self.sale_kind() is TransactionType.DOMESTIC
        for i in range(self.lines.rowCount()):
            rate = self.lines.row(i).rate
            special = rate is not None and type_of([rate]) is not TransactionType.DOMESTIC
            if not domestic or special:  # back to domestic: 23% until another is chosen
                self.lines.set_rate(i, rule.default_rate)
        if rule.buyer is not None:
            self.buyer.require_kind(rule.buyer.value)
        self._edited()

    def _edited(self, *args: object) -> None:
        if self._loading:
            return
        self._update_visibility()
        self.check()
        self.changed.emit()

    def _update_visibility(self) -> None:
        kind = self.selected_kind()
        for w in (self.correction_label, self.correction_reason_label, self.correction_reason):
            w.setEnabled(kind is InvoiceKind.KOR)
        for w in (self.advance_label, self.advance):
            w.setEnabled(kind is InvoiceKind.ZAL)
        self.marks.set_advance(kind is InvoiceKind.ZAL)
        # Rows of another kind of invoice take no room (the first screen holds the rest).
        self._head.setRowVisible(self.correction_label, kind is InvoiceKind.KOR)
        self._head.setRowVisible(self.correction_reason, kind is InvoiceKind.KOR)
        self._head.setRowVisible(self.advance, kind is InvoiceKind.ZAL)
        self.money.set_foreign(self.currency.currentText().strip().upper() != "PLN")
        self.pay.update()
        exempt = any(self.lines.row(i).rate is VatRate.ZW for i in range(self.lines.rowCount()))
        self.exemption_basis.setEnabled(exempt)
        self.exemption_text.setEnabled(exempt)

    def selected_kind(self) -> InvoiceKind:
        return InvoiceKind(self.kind.currentData() or "VAT")

    # --- the invoice -----------------------------------------------------------------------------

    def invoice(self) -> Invoice:
        kind = self.selected_kind()
        currency = self.currency.currentText().strip().upper()
        foreign = currency != "PLN"
        lines = self.lines.lines()
        exemption = None
        if any(line.rate is VatRate.ZW for line in lines) or self.exemption_text.text().strip():
            exemption = Exemption(
                ExemptionBasis(self.exemption_basis.currentData()), self.exemption_text.text()
            )
        correction = None
        if kind is InvoiceKind.KOR and self.correction is not None:
            correction = replace(self.correction, reason=_opt(self.correction_reason.text()))
        notes: tuple[tuple[str, str], ...] = ()
        if self.notes.text().strip():
            notes = ((_("Notes"), self.notes.text().strip()),)
        base = self._base
        invoice = Invoice(
            kind=kind,
            number=base.number if base is not None else DRAFT_NUMBER,
            issue_date=pydate(self.issue_date.date()),
            seller=self.seller,
            buyer=self.buyer.party(),
            lines=lines,
            created_at=self.now(),
            issue_place=_opt(self.issue_place.text()),
            sale_date=self.sale.sale_date(),
            sale_period=self.sale.sale_period(),
            currency=currency,
            exchange_rate=_decimal(self.exchange_rate.text()) if foreign else None,
            exchange_rate_date=pydate(self.exchange_rate_date.date()) if foreign else None,
            prices_gross=self.prices_gross.isChecked(),
            payment=self.pay.payment(),
            correction=correction,
            advance_received=_decimal(self.advance.text()) if kind is InvoiceKind.ZAL else None,
            exemption=exemption,
            related_parties=self.related_parties.isChecked(),
            notes=notes,
        )
        if base is not None:
            invoice = replace(
                invoice,
                split_payment=base.split_payment,
                footer=base.footer,
                buyer=replace(invoice.buyer, email=base.buyer.email, phone=base.buyer.phone)
                if base.buyer.tax_id == invoice.buyer.tax_id
                else invoice.buyer,
            )
        return invoice

    def load(self, invoice: Invoice) -> None:
        """Show ``invoice`` (a draft) in the form."""
        self._loading = True
        try:
            self._base = invoice
            self.kind.setCurrentIndex(max(0, self.kind.findData(invoice.kind.value)))
            self.issue_date.setDate(qdate(invoice.issue_date))
            self.sale.set_value(invoice.sale_date, invoice.sale_period)
            self.issue_place.setText(invoice.issue_place or "")
            self.buyer.set_party(invoice.buyer)
            self.prices_gross.setChecked(invoice.prices_gross)
            self.related_parties.setChecked(invoice.related_parties)
            self.lines.set_prices_gross(invoice.prices_gross)
            self.lines.set_lines(invoice.lines)
            self.currency.setCurrentText(invoice.currency)
            self.exchange_rate.setText(
                ""
                if invoice.exchange_rate is None
                else str(invoice.exchange_rate).replace(".", ",")
            )
            point = tax_point_of(invoice.issue_date, invoice.sale_date, invoice.sale_period)
            rate_date = invoice.exchange_rate_date
            if rate_date is not None:
                self.exchange_rate_date.setDate(qdate(rate_date))
            self._rate_day_follows = rate_date is None or rate_date == rate_day(point)
            if rate_date is None:
                self.exchange_rate_date.setDate(qdate(rate_day(point)))
            kind = type_of(line.rate for line in invoice.lines)
            self.sale_type.setCurrentIndex(max(0, self.sale_type.findData(kind.value)))
            self.pay.load(invoice.payment, invoice.issue_date)
            self.correction = invoice.correction
            self.correction_reason.setText(
                (invoice.correction.reason or "") if invoice.correction else ""
            )
            self.correction_label.setText(self._corrected_text())
            self.advance.setText(
                "" if invoice.advance_received is None else str(invoice.advance_received)
            )
            if invoice.exemption is not None:
                self.exemption_basis.setCurrentIndex(
                    max(0, self.exemption_basis.findData(invoice.exemption.basis.value))
                )
                self.exemption_text.setText(invoice.exemption.text)
            self.notes.setText("; ".join(v for _k, v in invoice.notes))
        finally:
            self._loading = False
        self._sale_type_chosen()

    def _corrected_text(self) -> str:
        if self.correction is None or not self.correction.corrected:
            return ""
        c = self.correction.corrected[0]
        text = f"{c.number} ({c.issue_date:%d.%m.%Y})"
        return text + (f", KSeF {c.ksef_number}" if c.ksef_number else "")

    # --- checking --------------------------------------------------------------------------------

    def check(self) -> list[Problem]:
        invoice = self.invoice()
        today = warsaw_date(self.now())
        typed = self.lines.input_problems()
        covered = {p.field for p in typed}  # "dwa" is no number: not "enter the quantity"
        problems = [
            p
            for p in check_invoice(invoice, today=today)
            if p.field != "number" and p.field not in covered
        ]
        problems += typed
        if self.series.count() == 0 and invoice.correction is None:
            problems.append(
                Problem("series", N_("Choose a numbering series to issue the invoice."))
            )
        self.problems = problems
        self._show(problems)
        self._warn(invoice)
        line_problem = any(p.field.startswith("lines[") for p in problems)
        self.totals.show_invoice(None if line_problem else invoice)
        return problems

    @property
    def valid(self) -> bool:
        return not self.problems

    def _warn(self, invoice: Invoice) -> None:
        from ksef_desktop.fa3.semantic import invoice_warnings

        self.warnings = [] if self.problems else invoice_warnings(invoice)
        texts = [_("Warning: {message}").format(message=w.text()) for w in self.warnings]
        self.warnings_label.setText("\n".join(texts))
        self.warnings_label.setVisible(bool(texts))

    def _show(self, problems: list[Problem]) -> None:
        by_field: dict[str, list[str]] = {}
        for p in problems:
            by_field.setdefault(p.field, []).append(p.text())
        shown: set[str] = set()
        # lines: per cell
        cells: dict[tuple[int, int], str] = {}
        for field, texts in by_field.items():
            if field.startswith("lines[") and "]" in field:
                index = int(field[6 : field.index("]")])
                rest = field[field.index("]") + 2 :]
                column = FIELD_COLUMNS.get(rest, 0)
                cells[(index, column)] = "\n".join(texts)
                shown.add(field)
        self.lines.set_problems(cells)
        line_texts = [
            _("Line {n}: {text}").format(n=i + 1, text=t) for (i, _c), t in sorted(cells.items())
        ]
        buyer_texts = {f: "\n".join(t) for f, t in by_field.items() if f.startswith("buyer")}
        self.buyer.show_problems(buyer_texts)
        shown.update(buyer_texts)
        for key, label in self.labels.items():
            mine = [
                f
                for f in by_field
                if f not in shown and (f == key or f.startswith((key + ".", key + "[")))
            ]
            texts = [t for f in mine for t in by_field[f]]
            if key == "lines":
                texts += line_texts
            shown.update(mine)
            label.setText("\n".join(texts))
            label.setVisible(bool(texts))
        others = [t for f, ts in by_field.items() if f not in shown for t in ts]
        self.other_problems.setText("\n".join(others))
