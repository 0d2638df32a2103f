"""'Save PDF…' in the list writes the invoice in the buyer's language, as the PDF made at
issue does (issue 15, item 2): a foreign buyer gets the bilingual invoice whatever
language the program speaks; a Polish buyer in PLN a Polish one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ksef_desktop.domain.invoice import Address, EuVatNumber
from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.store.invoices import create_draft
from ksef_desktop.store.numbering import create_series
from ksef_desktop.ui.invoice_list import InvoiceListPanel
from tests.gui.daily_loop_support import pdf_text
from tests.gui.panels_support import NOW
from tests.unit.test_store_support import PID, open_profiled, sample_invoice, sample_profile


@pytest.mark.parametrize(("foreign", "bilingual"), [(True, True), (False, False)])
def test_save_pdf_follows_the_buyer(qtbot, runner, tmp_path, foreign, bilingual):
    store = open_profiled(tmp_path / "data")
    invoice = sample_invoice()
    if foreign:
        buyer = replace(
            invoice.buyer,
            tax_id=EuVatNumber("DE", "136695976"),
            address=Address("DE", "Hauptstrasse 5", "10115 Berlin"),
        )
        invoice = replace(invoice, buyer=buyer)
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{n}", now=NOW, profile_id=PID)
        draft = create_draft(conn, invoice, now=NOW, profile_id=PID)
    issue_invoice(
        store.db, store.archive, draft, now=lambda: NOW, series_id=series, mode=None,
        deadline=None, profile_id=PID,
    )  # fmt: skip
    panel = InvoiceListPanel(
        runner, lambda: store, lambda: sample_profile(store), lambda: NOW, lambda: "http://q"
    )
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1 and not panel.model.loading)
    panel.table.selectRow(0)
    target = tmp_path / "out.pdf"
    panel.save_pdf(str(target))  # the interface speaks Polish
    qtbot.waitUntil(lambda: target.exists() and target.stat().st_size > 1000, timeout=15_000)
    text = pdf_text(target)
    assert ("Sprzedawca / Seller" in text) is bilingual
    assert "Sprzedawca" in text
    store.close()
