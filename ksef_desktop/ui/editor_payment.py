"""The editor's date of sale (one date or a period) and its payment terms.

Split from ``editor_form`` to keep each module small. ``SaleDates`` offers P_6 or OkresFa
(P_6_Od/P_6_Do): FA(3) holds one or the other, so a single choice decides which is
filled. ``PaymentFields`` makes the payment widgets and adds them, each with its problem
label, to the form's layout; ``payment()`` reads them into a domain ``Payment`` and
``load()`` shows one again. "Paid" (Zaplacono with DataZaplaty) takes the issue date
until the user changes it; FA(3) allows it together with a due date (TerminPlatnosci)
and any payment method, so nothing is disabled by it; ``check_invoice`` refuses a payment
date after the issue date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from ksef_desktop.domain.identifiers import normalize_account
from ksef_desktop.domain.invoice import Payment, PaymentMethod
from ksef_desktop.i18n import N_, _

PAYMENT_LABELS = (
    (None, N_("(not stated)")),
    (PaymentMethod.TRANSFER, N_("Bank transfer")),
    (PaymentMethod.CASH, N_("Cash")),
    (PaymentMethod.CARD, N_("Card")),
    (PaymentMethod.MOBILE, N_("Mobile payment")),
    (PaymentMethod.CREDIT, N_("Credit")),
    (PaymentMethod.VOUCHER, N_("Voucher")),
    (PaymentMethod.CHEQUE, N_("Cheque")),
)

SALE_DATE, SALE_PERIOD, SALE_NONE = "date", "period", "none"
SALE_LABELS = (
    (SALE_DATE, N_("one date")),
    (SALE_PERIOD, N_("a period (from – to)")),
    (SALE_NONE, N_("not stated")),
)


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def date_edit(day: date) -> QDateEdit:
    edit = QDateEdit(qdate(day))
    edit.setDisplayFormat("dd.MM.yyyy")
    edit.setCalendarPopup(True)
    return edit


def _opt(text: str) -> str | None:
    return text.strip() or None


class SaleDates(QWidget):
    """The date of sale: one date (P_6), a period (OkresFa) or none stated."""

    changed = Signal()

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = QComboBox()
        for value, label in SALE_LABELS:
            self.mode.addItem(_(label), value)
        self.mode.setAccessibleName(_("Date of sale or period"))
        self.day = date_edit(today)
        self.day.setAccessibleName(_("Date of sale"))
        self.start = date_edit(today.replace(day=1))
        self.start.setAccessibleName(_("Period from"))
        self.end = date_edit(today)
        self.end.setAccessibleName(_("Period to"))
        self.dash = QLabel("–")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.mode, self.day, self.start, self.dash, self.end):
            row.addWidget(w)
        row.addStretch(1)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        for e in (self.day, self.start, self.end):
            e.dateChanged.connect(self.changed)
        self._mode_changed()

    def selected(self) -> str:
        return str(self.mode.currentData() or SALE_DATE)

    def _mode_changed(self, *args: object) -> None:
        mode = self.selected()
        self.day.setVisible(mode == SALE_DATE)
        for w in (self.start, self.dash, self.end):
            w.setVisible(mode == SALE_PERIOD)
        self.changed.emit()

    def sale_date(self) -> date | None:
        return pydate(self.day.date()) if self.selected() == SALE_DATE else None

    def sale_period(self) -> tuple[date, date] | None:
        if self.selected() != SALE_PERIOD:
            return None
        return pydate(self.start.date()), pydate(self.end.date())

    def set_value(self, sale_date: date | None, period: tuple[date, date] | None) -> None:
        if period is not None:
            self.start.setDate(qdate(period[0]))
            self.end.setDate(qdate(period[1]))
            mode = SALE_PERIOD
        elif sale_date is not None:
            self.day.setDate(qdate(sale_date))
            mode = SALE_DATE
        else:
            mode = SALE_NONE
        self.mode.setCurrentIndex(max(0, self.mode.findData(mode)))


class PaymentFields:
    """The payment widgets of the form, added to its layout in ``add_rows``."""

    def __init__(self, today: date) -> None:
        self.method = QComboBox()
        for method, label in PAYMENT_LABELS:
            self.method.addItem(_(label), method)
        self.due_date = date_edit(today)
        self.has_due_date = QCheckBox(_("D&ue date:"))
        self.paid = QCheckBox(_("Fully paid &on:"))
        self.paid.setToolTip(
            _("Paid in full by the time the invoice is issued (e.g. cash or card).")
        )
        self.paid_date = date_edit(today)
        self.paid_date.setAccessibleName(_("Date of payment"))
        self.bank_account = QLineEdit()
        self.bank_account.setAccessibleName(_("Bank account (IBAN)"))
        self.check_account = QPushButton(_("Check on the white list"))
        self.check_account.setAutoDefault(False)
        self.account_note = QLabel()
        self.account_note.setWordWrap(True)
        self.account_note.setVisible(False)
        self.bank_name = QLineEdit()
        self.bank_name.setAccessibleName(_("Name of the bank"))
        self.bank_name.setPlaceholderText(_("e.g. mBank S.A."))
        self.bank_name_label = QLabel(_("Bank na&me:"))
        self.bank_name_label.setBuddy(self.bank_name)
        self.ipksef = QLineEdit()
        self.ipksef.setAccessibleName("IPKSeF")
        self.payment_link = QLineEdit()
        self.payment_link.setAccessibleName(_("Payment link"))
        self._issue_date = today
        self._update()

    def add_terms_rows(self, layout: QFormLayout, problem: Callable[[str], QLabel]) -> None:
        """How and when the buyer pays: the method, the due date, paid already."""
        layout.addRow(_("&Payment:"), self.method)
        layout.addRow(self.has_due_date, self.due_date)
        layout.addRow("", problem("payment.due_date"))
        layout.addRow(self.paid, self.paid_date)
        layout.addRow("", problem("payment.paid_date"))

    def add_account_rows(self, layout: QFormLayout, problem: Callable[[str], QLabel]) -> None:
        """Where the buyer pays: the account (its check on the white list under it, so
        that the number has the column's width), the bank, IPKSeF and the payment link."""
        layout.addRow(_("&Bank account:"), self.bank_account)
        check_row = QHBoxLayout()
        check_row.addWidget(self.check_account)
        check_row.addStretch(1)
        layout.addRow("", check_row)
        layout.addRow("", self.account_note)
        layout.addRow("", problem("payment.bank_account"))
        layout.addRow(self.bank_name_label, self.bank_name)
        layout.addRow("", problem("payment.bank_name"))
        layout.addRow("IPKSeF:", self.ipksef)
        layout.addRow("", problem("payment.ipksef"))
        layout.addRow(_("Payment link:"), self.payment_link)
        layout.addRow("", problem("payment.payment_link"))

    def connect(self, edited: Callable[..., None]) -> None:
        self.method.currentIndexChanged.connect(edited)
        for e in (self.due_date, self.paid_date):
            e.dateChanged.connect(edited)
        for c in (self.has_due_date, self.paid):
            c.toggled.connect(edited)
        for le in (self.bank_account, self.bank_name, self.ipksef, self.payment_link):
            le.textChanged.connect(edited)

    def _update(self) -> None:
        self.due_date.setEnabled(self.has_due_date.isChecked())
        self.paid_date.setEnabled(self.paid.isChecked())

    def update(self) -> None:
        self._update()

    def issue_date_changed(self, issue_date: date) -> None:
        """The payment date follows the issue date until it is set to another day."""
        if pydate(self.paid_date.date()) == self._issue_date:
            self.paid_date.setDate(qdate(issue_date))
        self._issue_date = issue_date

    def payment(self) -> Payment | None:
        account = _opt(self.bank_account.text())
        paid = self.paid.isChecked()
        payment = Payment(
            method=self.method.currentData(),
            due_date=pydate(self.due_date.date()) if self.has_due_date.isChecked() else None,
            bank_account=normalize_account(account) if account else None,
            bank_name=_opt(self.bank_name.text()),
            paid=paid,
            paid_date=pydate(self.paid_date.date()) if paid else None,
            ipksef=_opt(self.ipksef.text()),
            payment_link=_opt(self.payment_link.text()),
        )
        return None if payment == Payment() else payment

    def load(self, payment: Payment | None, issue_date: date) -> None:
        p = payment or Payment()
        self._issue_date = issue_date
        self.method.setCurrentIndex(max(0, self.method.findData(p.method)))
        self.has_due_date.setChecked(p.due_date is not None)
        if p.due_date is not None:
            self.due_date.setDate(qdate(p.due_date))
        self.paid.setChecked(p.paid)
        self.paid_date.setDate(qdate(p.paid_date or issue_date))
        self.bank_account.setText(p.bank_account or "")
        self.bank_name.setText(p.bank_name or "")
        self.ipksef.setText(p.ipksef or "")
        self.payment_link.setText(p.payment_link or "")
        self._update()
