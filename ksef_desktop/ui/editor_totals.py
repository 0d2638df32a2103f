"""The editor's live totals: net, VAT and gross per VAT rate, as FA(3) declares them."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QWidget

from ksef_desktop.domain.invoice import Invoice
from ksef_desktop.domain.totals import compute_totals
from ksef_desktop.i18n import N_, _
from ksef_desktop.ui.formatting import fmt_money

GROUP_LABELS = {
    "1": N_("23% / 22%"),
    "2": N_("8% / 7%"),
    "3": N_("5%"),
    "4": N_("4% / 3%"),
    "5": N_("margin / taxi flat rate"),
    "6_1": N_("0% domestic"),
    "6_2": N_("0% WDT (intra-EU supply)"),
    "6_3": N_("0% export"),
    "7": N_("exempt (zw)"),
    "8": N_("np I (outside Poland)"),
    "9": N_("np II (EU services, art. 100)"),
    "10": N_("reverse charge (oo)"),
    "11": N_("margin"),
}


class TotalsBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Totals"), parent)
        self.grid = QGridLayout(self)
        self.rows: list[tuple[str, str, str, str]] = []
        self.gross_text = ""
        self._labels: list[QLabel] = []

    def show_invoice(self, invoice: Invoice | None) -> None:
        """Recompute from ``invoice`` (None: the lines cannot be totalled yet)."""
        for label in self._labels:
            self.grid.removeWidget(label)
            label.deleteLater()
        self._labels = []
        self.rows = []
        headers = (_("Rate"), _("Net"), _("VAT"), _("Gross"))
        for col, text in enumerate(headers):
            self._put(0, col, f"<b>{text}</b>")
        if invoice is None:
            self.gross_text = ""
            self._put(1, 0, _("Fix the lines to see the totals."))
            return
        totals = compute_totals(invoice)
        cur = invoice.currency
        r = 1
        for group, total in totals.groups.items():
            vat = total.vat if total.vat is not None else None
            gross = total.net + (vat or 0)
            row = (
                _(GROUP_LABELS.get(group, group)),
                fmt_money(total.net, cur),
                fmt_money(vat, cur) if vat is not None else "—",
                fmt_money(gross, cur),
            )
            self.rows.append(row)
            for col, text in enumerate(row):
                self._put(r, col, text)
            r += 1
        self.gross_text = fmt_money(totals.gross, cur)
        total_label = _("Total due")
        self._put(r, 0, f"<b>{total_label}</b>")
        self._put(r, 1, fmt_money(totals.net, cur))
        self._put(r, 2, fmt_money(totals.vat, cur))
        self._put(r, 3, f"<b>{self.gross_text}</b>")

    def _put(self, row: int, col: int, text: str) -> None:
        label = QLabel(text)
        label.setObjectName(f"totals-{row}-{col}")
        self._labels.append(label)
        self.grid.addWidget(label, row, col)
