"""The "VAT deduction" dialog of the Purchases tab (issue 19): the category, the deductible
share and the month of the deduction of the selected purchase invoices, and for one under
reverse charge (P_13_10) the kind of output tax its buyer owes and the rate, showing what
is chosen now. The reverse-charge fields are always there, with a hint: the list does not
know which invoices carry P_13_10, and JPK_V7M's notices name those that need it.
What may be chosen is decided in ``services.purchase_deductions``; the dialog
only asks (a share it cannot read is said at once, and the dialog stays open)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from ksef_desktop.i18n import _, ngettext
from ksef_desktop.jpk.model import DeductionCategory, SelfAssessment
from ksef_desktop.services.purchase_deductions import (
    LATER_MONTHS,
    NO_REVERSE,
    Deduction,
    DeductionRefused,
    ReverseChoice,
    add_months,
    change_deductions,
    check_reverse,
    deduction_of,
    deduction_text,
    month_text,
    parse_rate,
    parse_share,
    reverse_label,
)

if TYPE_CHECKING:
    from ksef_desktop.ui.purchases_panel import PurchasesPanel


def _months_after(deduction: Deduction) -> int:
    return (deduction.month.year - deduction.receipt.year) * 12 + (
        deduction.month.month - deduction.receipt.month
    )


def _one(values: Sequence[object]) -> object | None:
    """The value all of ``values`` share, None when they differ."""
    return values[0] if values and all(v == values[0] for v in values) else None


def share_input(share: Decimal) -> str:
    """The share as a percent to edit: ``50``, ``33,33``."""
    return f"{(share * 100).normalize():f}".replace(".", ",")


class DeductionDialog(QDialog):
    """Category, share (percent) and month for ``current`` (one or more invoices); a
    field that differs among them starts as "unchanged" and is kept unless set."""

    def __init__(self, current: Sequence[Deduction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("VAT deduction"))
        self.current = list(current)
        self.share_value: Decimal | None = None
        self.reverse_value: ReverseChoice | None = None
        if len(self.current) == 1:
            only = self.current[0]
            heading = _("Invoice {number} ({ksef})").format(
                number=only.number, ksef=only.ksef_number
            )
        else:
            heading = ngettext(
                "{n} purchase invoice", "{n} purchase invoices", len(self.current)
            ).format(n=len(self.current))
        unchanged = _("(unchanged)")

        self.category = QComboBox()
        self.category.setAccessibleName(_("Category"))
        category = _one([d.category for d in self.current])
        if category is None:
            self.category.addItem(unchanged, None)
        self.category.addItem(_("Other purchases (K_42/K_43)"), DeductionCategory.OTHER.value)
        self.category.addItem(_("Fixed asset (K_40/K_41)"), DeductionCategory.FIXED_ASSETS.value)
        if isinstance(category, DeductionCategory):
            self.category.setCurrentIndex(self.category.findData(category.value))

        share = _one([d.share for d in self.current])
        self.share = QLineEdit(share_input(share) if isinstance(share, Decimal) else "")
        self.share.setAccessibleName(_("Deductible share in percent"))
        if share is None:
            self.share.setPlaceholderText(unchanged)

        self.month = QComboBox()
        self.month.setAccessibleName(_("Month of the deduction"))
        offset = _one([_months_after(d) for d in self.current])
        if offset is None:
            self.month.addItem(unchanged, None)
        receipt = _one([d.receipt for d in self.current])
        for n in range(LATER_MONTHS + 1):
            if receipt is not None:
                month = month_text(add_months(self.current[0].receipt, n))
                label = _("{month} (month of receipt)").format(month=month) if n == 0 else month
            elif n == 0:
                label = _("The month of receipt")
            else:
                label = ngettext(
                    "{n} month after the month of receipt",
                    "{n} months after the month of receipt",
                    n,
                ).format(n=n)
            self.month.addItem(label, n)
        if isinstance(offset, int):
            self.month.setCurrentIndex(self.month.findData(offset))

        reverse = _one([d.reverse for d in self.current])
        self.reverse_kind = QComboBox()
        self.reverse_kind.setAccessibleName(_("Reverse charge: the tax owed by the buyer"))
        if reverse is None:
            self.reverse_kind.addItem(unchanged, None)
        self.reverse_kind.addItem(_("— none —"), "")
        for kind in SelfAssessment:
            self.reverse_kind.addItem(reverse_label(kind), kind.value)
        self.reverse_rate = QLineEdit()
        self.reverse_rate.setAccessibleName(_("Reverse charge: the rate in percent"))
        if isinstance(reverse, ReverseChoice):
            kind_value = "" if reverse.kind is None else reverse.kind.value
            self.reverse_kind.setCurrentIndex(self.reverse_kind.findData(kind_value))
            if reverse.rate is not None:
                self.reverse_rate.setText(f"{reverse.rate.normalize():f}")
        self.reverse_kind.currentIndexChanged.connect(self._reverse_changed)
        self._reverse_changed()
        reverse_note = QLabel(
            _(
                "Reverse charge: only for an invoice under reverse charge (P_13_10, rate "
                "“oo”). You owe its tax yourself (e.g. K_31/K_32, art. 17 ust. 1 pkt 5 of the "
                "VAT act) at your rate and deduct it in the same JPK_V7M."
            )
        )
        reverse_note.setWordWrap(True)

        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setVisible(False)
        note = QLabel(
            _(
                "0 %: no right to deduct (the invoice is left out of JPK_V7M). The VAT is "
                "deducted in the month of receipt or in one of the three months after it "
                "(art. 86 ust. 10, 10b, 11 of the VAT act); later, only by correcting the "
                "declaration of the month in which the right arose (art. 86 ust. 13)."
            )
        )
        note.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(QLabel(heading))
        form.addRow(_("C&ategory:"), self.category)
        form.addRow(_("Deductible &share (%):"), self.share)
        form.addRow(_("&Month of the deduction:"), self.month)
        form.addRow(note)
        form.addRow(_("&Reverse charge:"), self.reverse_kind)
        form.addRow(_("Reverse-charge &rate (%):"), self.reverse_rate)
        form.addRow(reverse_note)
        form.addRow(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def chosen_category(self) -> DeductionCategory | None:
        data = self.category.currentData()
        return None if data is None else DeductionCategory(data)

    def chosen_month(self) -> int | None:
        """Months after the month of receipt (0: that month); None: unchanged."""
        data = self.month.currentData()
        return None if data is None else int(data)

    def _reverse_changed(self) -> None:
        """The rate is given only with a kind ("— none —" clears it)."""
        none = self.reverse_kind.currentData() == ""
        self.reverse_rate.setEnabled(not none)
        if none:
            self.reverse_rate.clear()

    def chosen_reverse(self) -> ReverseChoice | None:
        """The reverse charge asked for (None: unchanged); DeductionRefused when it cannot
        be read or is not a kind with a Polish rate."""
        data = self.reverse_kind.currentData()
        text = self.reverse_rate.text().strip()
        if data is None and not text:
            return None
        if data == "":
            return NO_REVERSE
        rate = parse_rate(text) if text else None
        kind = None if data is None else SelfAssessment(data)
        return check_reverse(ReverseChoice(kind, rate))

    def _refuse(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(True)

    def accept(self) -> None:
        """Close only with a share that can be read (a percent, ``%`` optional) and a
        reverse charge that is a kind with a Polish rate (or none)."""
        try:
            self.reverse_value = self.chosen_reverse()
        except DeductionRefused as exc:
            self._refuse(exc.message())
            return
        text = self.share.text().strip()
        if not text:
            if _one([d.share for d in self.current]) is not None:
                self.problem.setText(_("Give the deductible share in percent (0–100)."))
                self.problem.setVisible(True)
                return
            self.share_value = None
        else:
            try:
                self.share_value = parse_share(text if text.endswith("%") else f"{text}%")
            except DeductionRefused as exc:
                self.problem.setText(exc.message())
                self.problem.setVisible(True)
                return
        super().accept()


def open_deduction(panel: PurchasesPanel) -> DeductionDialog | None:
    """Ask for the deduction of the panel's selected invoices (or its current one),
    showing what is chosen now; on OK keep it in the worker and reload the list."""
    table = panel.table
    rows = sorted(i.row() for i in table.selectionModel().selectedRows())
    if not rows and table.currentIndex().isValid():
        rows = [table.currentIndex().row()]
    if not rows:
        return None
    current = [deduction_of(panel.model.row_at(r)) for r in rows]  # type: ignore[arg-type]
    dialog = DeductionDialog(current, panel)
    panel.dialogs.append(dialog)
    dialog.finished.connect(lambda _r: panel.dialogs.remove(dialog))
    ids = [d.purchase_id for d in current]

    def keep() -> None:
        keep_deduction(
            panel, ids, dialog.chosen_category(), dialog.share_value, dialog.chosen_month(),
            dialog.reverse_value,
        )  # fmt: skip

    dialog.accepted.connect(keep)
    dialog.open()
    return dialog


def keep_deduction(
    panel: PurchasesPanel,
    ids: list[int],
    category: DeductionCategory | None,
    share: Decimal | None,
    months_after: int | None,
    reverse: ReverseChoice | None = None,
) -> None:
    """Write the choice in the worker (one transaction); a refusal is the panel's message."""
    store, profile, now = panel.store, panel.profile, panel.now

    def op() -> Any:
        return change_deductions(
            store().db, ids, profile_id=profile().id, now=now, category=category,
            share=share, month=months_after, reverse=reverse,
        )  # fmt: skip

    def done(chosen: list[Deduction]) -> None:
        panel.model.reload()
        if len(chosen) == 1:
            text = f"{chosen[0].number}: {deduction_text(chosen[0])}"
        else:
            text = _("VAT deduction chosen for {n} invoices.").format(n=len(chosen))
        panel.message.emit(text)
        panel.deduction_chosen.emit(chosen)

    panel._run("purchase-deduction", op, done)
