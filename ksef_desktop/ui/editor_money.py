"""The editor's currency and exchange rate (art. 31a of the VAT act).

Split from ``editor_form`` to keep each module small. ``MoneyFields`` makes the widgets
and adds them, each with its problem label, to a form layout of their own: the currency,
the rate with its "NBP rate" button (``editor_everyday`` asks NBP), the table the rate
came from, and the rate's date, which follows the tax point (``EditorForm``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton

from ksef_desktop.domain.currencies import COMMON as CURRENCIES
from ksef_desktop.domain.exchange import rate_day
from ksef_desktop.i18n import _
from ksef_desktop.ui.editor_payment import date_edit


class MoneyFields:
    """The currency widgets of the form, added to a layout in ``add_rows``."""

    def __init__(self, today: date) -> None:
        self.currency = QComboBox()
        self.currency.setEditable(True)
        self.currency.addItems(CURRENCIES)
        self.currency.setAccessibleName(_("Currency"))
        self.exchange_rate = QLineEdit()
        self.exchange_rate.setAccessibleName(_("Exchange rate"))
        self.exchange_rate_date = date_edit(rate_day(today))
        self.exchange_rate_date.setAccessibleName(_("Date of the exchange rate"))
        self.exchange_rate_date.setToolTip(
            _(
                "The NBP average rate of the last business day before the tax point "
                "(art. 31a ustawy o VAT)."
            )
        )
        self.rate_button = QPushButton(_("NBP rate"))
        self.rate_button.setAutoDefault(False)
        self.rate_button.setToolTip(
            _("The NBP average rate of the last business day before the tax point (art. 31a).")
        )
        #: Which NBP table the rate came from (filled by the editor's NBP look-up).
        self.rate_table = QLabel()
        self.rate_table.setWordWrap(True)

    def add_rows(self, layout: QFormLayout, problem: Callable[[str], QLabel]) -> None:
        layout.addRow(_("Currenc&y:"), self.currency)
        layout.addRow("", problem("currency"))
        rate_row = QHBoxLayout()
        rate_row.addWidget(self.exchange_rate, 1)
        rate_row.addWidget(self.rate_button)
        rate_label = QLabel(_("E&xchange rate:"))
        rate_label.setBuddy(self.exchange_rate)  # the row is a layout: no buddy by itself
        layout.addRow(rate_label, rate_row)
        layout.addRow(_("Rate's date:"), self.exchange_rate_date)
        layout.addRow("", self.rate_table)
        layout.addRow("", problem("exchange_rate"))

    def set_foreign(self, foreign: bool) -> None:
        """The rate's fields are for an invoice in a foreign currency only."""
        for w in (self.exchange_rate, self.exchange_rate_date, self.rate_button):
            w.setEnabled(foreign)
