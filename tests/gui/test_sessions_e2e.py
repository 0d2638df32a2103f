"""End to end against the Sandbox, through the real window: a Polish-buyer invoice with
three VAT rates is typed into the editor, issued, sent after the undo pause, accepted
with a KSeF number, and shows up in the session browser with its UPOs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ksef_desktop.domain.identifiers import ksef_number_is_valid
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.sessions import upos
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.ui.sessions_model import KSEF, LOCAL
from tests.gui.helpers import wait_ready
from tests.gui.panels_support import fill_line, type_polish_buyer
from tests.unit.test_store_support import PID

pytestmark = pytest.mark.qt_log_ignore(
    "QAbstractItemView::commitData called with an editor that does not belong to this view"
)


def test_typed_invoice_is_accepted_and_browsable_in_the_session_history(
    qtbot, qtmodeltester, make_shell
):
    shell = make_shell()
    wait_ready(qtbot, shell)
    window = shell.window
    assert window is not None
    panels = window.panels
    editor = panels.open_editor()
    qtbot.waitUntil(lambda: editor.ready, timeout=10_000)
    form = editor.form
    type_polish_buyer(form)
    fill_line(qtbot, form, "Usługa programistyczna", "10", "150,00", "23%")
    fill_line(qtbot, form, "Książka", "2", "49,90", "5%")
    fill_line(qtbot, form, "Catering", "1", "200", "8%")
    assert form.valid, [p.text() for p in form.problems]
    QTest.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editor.issued is not None, timeout=20_000)
    assert "Tryb: online." in editor.state.text()
    QTest.keyClick(editor.send_now_button, Qt.Key.Key_Space)
    QTest.keyClick(editor, Qt.Key.Key_Escape)  # closing after "send now" keeps the send

    store = shell.ctx.store()
    invoice_id = editor.issued.invoice.id
    conn = store.db.connection()
    qtbot.waitUntil(
        lambda: get_invoice(conn, invoice_id, profile_id=PID).state is InvoiceState.ACCEPTED,
        timeout=60_000,
    )
    accepted = get_invoice(conn, invoice_id, profile_id=PID)
    assert accepted.ksef_number is not None
    assert ksef_number_is_valid(accepted.ksef_number)

    # the list shows it with its KSeF number
    model = panels.invoices.model

    def shown_with_number() -> bool:
        row = model.row_of(invoice_id)
        return row is not None and model.row_at(row).ksef_number == accepted.ksef_number

    qtbot.waitUntil(shown_with_number, timeout=15_000)  # reloaded after the send reported

    # the session browser: the session, its invoice reconciled, both UPOs
    window.tabs.setCurrentWidget(panels.sessions)
    sessions = panels.sessions
    qtmodeltester.check(sessions.model)
    qtmodeltester.check(sessions.invoices)
    sessions.apply_filter()
    qtbot.waitUntil(lambda: sessions.model.rowCount() >= 1 and not sessions.model.loading,
                    timeout=30_000)  # fmt: skip
    sessions.table.setFocus()
    sessions.table.selectRow(0)
    qtbot.waitUntil(lambda: sessions.detail is not None, timeout=30_000)
    assert sessions.detail is not None, sessions.upo_note.text()
    lines = sessions.invoices
    assert lines.rowCount() == 1
    assert lines.index(0, KSEF).data() == accepted.ksef_number
    assert lines.index(0, LOCAL).data() == "przyjęta przez KSeF"
    assert sessions.session_upo_button.isEnabled()
    window.activateWindow()
    sessions.table.setFocus()
    qtbot.waitUntil(sessions.table.hasFocus)
    QTest.keyClick(sessions.table, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(sessions.dialogs) == 1, timeout=30_000)
    assert accepted.ksef_number in sessions.dialogs[0].text.toPlainText()
    sessions.dialogs[0].reject()
    reference = sessions.model.row_at(0).reference
    assert upos(conn, session_ref=reference, profile_id=PID)

    window.activateWindow()
    sessions.invoice_table.setFocus()
    sessions.invoice_table.selectRow(0)
    qtbot.waitUntil(sessions.invoice_table.hasFocus)
    QTest.keyClick(
        sessions.invoice_table,
        Qt.Key.Key_U,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: len(sessions.dialogs) == 1, timeout=30_000)
    assert accepted.ksef_number in sessions.dialogs[0].text.toPlainText()


def test_correction_of_an_accepted_invoice_is_issued_and_accepted(qtbot, make_shell):
    from ksef_desktop.domain.invoice import InvoiceKind
    from ksef_desktop.domain.totals import compute_totals
    from ksef_desktop.ui.editor_lines import QUANTITY
    from tests.gui.panels_support import type_cell, type_text

    shell = make_shell()
    wait_ready(qtbot, shell)
    window = shell.window
    assert window is not None
    panels = window.panels
    editor = panels.open_editor()
    qtbot.waitUntil(lambda: editor.ready, timeout=10_000)
    type_polish_buyer(editor.form)
    fill_line(qtbot, editor.form, "Usługa programistyczna", "10", "150,00", "23%")
    fill_line(qtbot, editor.form, "Książka", "2", "49,90", "5%")
    editor.issue()
    qtbot.waitUntil(lambda: editor.issued is not None, timeout=20_000)
    editor.send_now()
    store = shell.ctx.store()
    conn = store.db.connection()
    original_id = editor.issued.invoice.id
    qtbot.waitUntil(
        lambda: get_invoice(conn, original_id, profile_id=PID).state is InvoiceState.ACCEPTED,
        timeout=60_000,
    )
    original = get_invoice(conn, original_id, profile_id=PID)
    editor.close()

    listing = panels.invoices
    qtbot.waitUntil(lambda: listing.select_id(original_id), timeout=30_000)
    window.activateWindow()
    listing.table.setFocus()
    qtbot.waitUntil(listing.table.hasFocus)
    before = set(panels.editors)
    QTest.keyClick(listing.table, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(set(panels.editors) - before) == 1, timeout=30_000)
    kor = (set(panels.editors) - before).pop()
    qtbot.waitUntil(lambda: kor.ready, timeout=30_000)
    form = kor.form
    assert form.selected_kind() is InvoiceKind.KOR
    assert form.lines.rowCount() == 4
    assert original.number in form.correction_label.text()
    assert original.ksef_number in form.correction_label.text()
    assert not form.lines.flags(form.lines.index(0, QUANTITY)) & Qt.ItemFlag.ItemIsEditable
    type_cell(qtbot, form.table, 1, QUANTITY, "8")
    type_text(form.correction_reason, "Rabat posprzedażowy")
    assert form.valid, [p.text() for p in form.problems]
    assert form.totals.gross_text == "-369,00 zł"  # 2 h × 150 zł + 23 %
    kor.issue()
    qtbot.waitUntil(lambda: kor.issued is not None, timeout=20_000)
    kor.send_now()
    kor_id = kor.issued.invoice.id
    qtbot.waitUntil(
        lambda: (
            get_invoice(conn, kor_id, profile_id=PID).state
            in (InvoiceState.ACCEPTED, InvoiceState.REJECTED)
        ),
        timeout=60_000,
    )
    corrected = get_invoice(conn, kor_id, profile_id=PID)
    assert corrected.state is InvoiceState.ACCEPTED, corrected.rejection_details
    assert ksef_number_is_valid(corrected.ksef_number or "")
    assert corrected.invoice.correction is not None
    assert corrected.invoice.correction.corrected[0].ksef_number == original.ksef_number
    assert str(compute_totals(corrected.invoice).gross) == "-369.00"
