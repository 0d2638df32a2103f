"""End to end: KSeF rejects an invoice (issued with a date after the day KSeF receives it,
code 450); the list shows the official code with its Polish explanation; a technical
correction opened from the list with the keyboard, with the date typed right, keeps the
number and is accepted.

(An invoice of another seller, KSeF's 410, cannot be made any more: a profile issues for
its own NIP only, tests/unit/test_issue.py.)"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDateTimeEdit

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
from tests.unit.test_store_support import PID, sample_invoice

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
    store = shell.ctx.store()
    now = datetime.now(UTC)
    today = warsaw_date(now)
    wrong = sample_invoice(day=today + timedelta(days=1))  # P_1 after the day of receipt
    wrong = replace(wrong, seller=replace(wrong.seller, tax_id=PolishNip(DEMO_NIP)), payment=None)
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=now, profile_id=PID)
        draft = create_draft(conn, wrong, now=now, profile_id=PID)
    issue_invoice(
        store.db, store.archive, draft, now=lambda: now, series_id=series, mode=None,
        deadline=None,
     profile_id=PID,)  # fmt: skip
    messages: list[str] = []
    alerts: list[str] = []
    controller.message.connect(messages.append)
    controller.alert.connect(lambda title, _text: alerts.append(title))
    controller.reload()
    controller.check_now()
    conn = store.db.connection()
    qtbot.waitUntil(
        lambda: get_invoice(conn, draft, profile_id=PID).state is InvoiceState.REJECTED,
        timeout=60_000,
    )
    rejected = get_invoice(conn, draft, profile_id=PID)
    assert rejected.rejection_code == 450
    assert "semantyki" in (rejected.rejection_details or "")  # the Polish explanation
    # Announced as a rejection (a notification too), never as "sent to KSeF".
    qtbot.waitUntil(lambda: bool(alerts), timeout=15_000)
    assert alerts == ["KSeF odrzucił 1 fakturę"]
    assert any(f"ODRZUCIŁ fakturę {rejected.number}" in m for m in messages), messages
    assert not any("Wysłano" in m or "przyjął" in m for m in messages), messages
    # The offline panel and the status bar say the same, from the store's one count.
    qtbot.waitUntil(lambda: controller.counts.rejected == 1, timeout=15_000)
    assert "1 odrzucona" in window.status.outbox.text()
    assert "1 odrzucona" in window.offline.summary.text()
    assert window.offline.model.rowCount() == controller.counts.total == 1

    listing = panels.invoices
    listing.state.setCurrentIndex(listing.state.findData("rejected"))
    qtbot.waitUntil(lambda: listing.model.rowCount() == 1 and not listing.model.loading)
    index = listing.model.index(0, STATE)
    assert index.data() == "odrzucona przez KSeF (450)"
    official = "Treść faktury nie przeszła weryfikacji semantycznej KSeF."
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith(f"Odrzucona przez KSeF (kod 450): {official}"), tip

    window.activateWindow()
    listing.table.setFocus()
    listing.table.selectRow(0)
    qtbot.waitUntil(listing.table.hasFocus)
    # KSeF's words shown under the list, and only what applies is enabled.
    assert listing.rejection.isVisible()
    assert official in listing.rejection.text()
    assert rejected.number in listing.rejection.text()
    assert listing.technical_action.isEnabled()
    assert not listing.correct_action.isEnabled()  # a KOR of a rejected invoice: no
    assert not listing.upo_action.isEnabled()
    assert not listing.send_action.isEnabled()
    before = set(panels.editors)
    QTest.keyClick(
        listing.table,
        Qt.Key.Key_K,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: len(set(panels.editors) - before) == 1, timeout=10_000)
    editor = (set(panels.editors) - before).pop()
    qtbot.waitUntil(lambda: editor.ready, timeout=10_000)
    editor.form.issue_date.setFocus()
    editor.form.issue_date.setSelectedSection(QDateTimeEdit.Section.DaySection)
    QTest.keyClicks(editor.form.issue_date, today.strftime("%d%m%Y"))
    assert editor.form.invoice().issue_date == today
    assert editor.form.valid, [p.text() for p in editor.form.problems]
    QTest.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editor.issued is not None, timeout=20_000)
    fixed = editor.issued.invoice
    assert fixed.number == rejected.number
    assert fixed.corrects_id == rejected.id
    assert fixed.invoice.seller.tax_id == PolishNip(DEMO_NIP)
    QTest.keyClick(editor.send_now_button, Qt.Key.Key_Space)
    qtbot.waitUntil(
        lambda: (
            get_invoice(conn, fixed.id, profile_id=PID).state
            in (InvoiceState.ACCEPTED, InvoiceState.REJECTED)
        ),
        timeout=60_000,
    )
    accepted = get_invoice(conn, fixed.id, profile_id=PID)
    assert accepted.state is InvoiceState.ACCEPTED, accepted.rejection_details
    assert ksef_number_is_valid(accepted.ksef_number or "")
