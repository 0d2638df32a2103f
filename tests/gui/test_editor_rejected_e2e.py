"""End to end: KSeF rejects an invoice (the Sandbox refuses a seller NIP other than the
logged-in one, code 410); the list shows the official code with its Polish explanation;
a technical correction opened from the list with the keyboard fixes the seller from the
settings, keeps the number, and is accepted."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.domain.identifiers import ksef_number_is_valid
from ksef_desktop.domain.invoice import PolishNip
from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.store.invoices import create_draft, get_invoice
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.ui.invoice_list_model import STATE
from ksef_desktop.ui.settings import DEMO_NIP
from tests.gui.helpers import wait_ready
from tests.unit.test_store_support import sample_invoice

pytestmark = pytest.mark.qt_log_ignore(
    "QAbstractItemView::commitData called with an editor that does not belong to this view"
)


def test_rejected_invoice_shows_the_code_and_gets_a_technical_correction(qtbot, make_shell):
    shell = make_shell()
    wait_ready(qtbot, shell)
    window, controller = shell.window, shell.controller
    assert window is not None
    assert controller is not None
    panels = window.panels
    store = panels.store()
    now = datetime.now(UTC)
    wrong = sample_invoice(day=warsaw_date(now))
    wrong = replace(
        wrong, seller=replace(wrong.seller, tax_id=PolishNip("1111111111")), payment=None
    )
    assert DEMO_NIP != "1111111111"
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=now)
        draft = create_draft(conn, wrong, now=now)
    issue_invoice(
        store.db, store.archive, draft, now=lambda: now, series_id=series, mode=None,
        deadline=None,
    )  # fmt: skip
    controller.reload()
    controller.check_now()
    conn = store.db.connection()
    qtbot.waitUntil(lambda: get_invoice(conn, draft).state is InvoiceState.REJECTED, timeout=60_000)
    rejected = get_invoice(conn, draft)
    assert rejected.rejection_code == 410
    assert "uprawnie" in (rejected.rejection_details or "")  # the Polish explanation

    listing = panels.invoices
    listing.state.setCurrentIndex(listing.state.findData("rejected"))
    qtbot.waitUntil(lambda: listing.model.rowCount() == 1 and not listing.model.loading)
    index = listing.model.index(0, STATE)
    assert index.data() == "odrzucona przez KSeF"
    assert index.data(Qt.ItemDataRole.ToolTipRole) == "Odrzucona przez KSeF z kodem 410."

    window.activateWindow()
    listing.table.setFocus()
    listing.table.selectRow(0)
    qtbot.waitUntil(listing.table.hasFocus)
    before = set(panels.editors)
    QTest.keyClick(
        listing.table,
        Qt.Key.Key_K,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: len(set(panels.editors) - before) == 1, timeout=10_000)
    editor = (set(panels.editors) - before).pop()
    qtbot.waitUntil(lambda: editor.ready, timeout=10_000)
    assert editor.form.valid, [p.text() for p in editor.form.problems]
    QTest.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editor.issued is not None, timeout=20_000)
    fixed = editor.issued.invoice
    assert fixed.number == rejected.number
    assert fixed.corrects_id == rejected.id
    assert fixed.invoice.seller.tax_id == PolishNip(DEMO_NIP)
    QTest.keyClick(editor.send_now_button, Qt.Key.Key_Space)
    qtbot.waitUntil(
        lambda: get_invoice(conn, fixed.id).state in (InvoiceState.ACCEPTED, InvoiceState.REJECTED),
        timeout=60_000,
    )
    accepted = get_invoice(conn, fixed.id)
    assert accepted.state is InvoiceState.ACCEPTED, accepted.rejection_details
    assert ksef_number_is_valid(accepted.ksef_number or "")
