"""The invoice list's collective identifier, through the real window against the built-in
Sandbox: three accepted invoices are picked with Ctrl+click, Ctrl+Shift+I generates their
identifier in the background, and the transfer title is copied; a selection that cannot
go together is explained without asking KSeF; one invoice's transfer title is copied."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from ksef_desktop.domain.collective import collective_identifier_is_valid
from ksef_desktop.store.invoices import create_draft, get_invoice
from ksef_desktop.store.states import InvoiceState
from tests.gui.helpers import wait_ready
from tests.integration.submit_support import issue_many
from tests.unit.test_store_support import PID, sample_invoice


def _click_rows(qtbot, listing, ids: list[int]) -> None:
    """Click the first row, Ctrl+click the others, as a user picks several invoices."""
    table = listing.table
    for n, invoice_id in enumerate(ids):
        qtbot.waitUntil(lambda i=invoice_id: listing.model.row_of(i) is not None, timeout=10_000)
        row = listing.model.row_of(invoice_id)
        table.scrollTo(listing.model.index(row, 0))
        rect = table.visualRect(listing.model.index(row, 1))
        modifier = Qt.KeyboardModifier.ControlModifier if n else Qt.KeyboardModifier.NoModifier
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())
    assert sorted(listing.selected_ids()) == sorted(ids)


def _press(qtbot, window, listing, key: Qt.Key) -> None:
    window.activateWindow()
    listing.table.setFocus()
    qtbot.waitUntil(listing.table.hasFocus)
    modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(listing.table, key, modifiers)


def test_three_accepted_invoices_one_identifier_and_its_transfer_title(qtbot, make_shell):
    shell = make_shell()
    wait_ready(qtbot, shell)
    window = shell.window
    panels = window.panels
    store = shell.ctx.store()
    conn = store.db.connection()
    ids = issue_many(store, 4, now=shell.ctx.now)
    with store.db.transaction() as tx:
        draft = create_draft(tx, sample_invoice(), now=shell.ctx.now(), profile_id=PID)
    shell.controller.send_pending()
    qtbot.waitUntil(
        lambda: all(
            get_invoice(conn, i, profile_id=PID).state is InvoiceState.ACCEPTED for i in ids
        ),
        timeout=60_000,
    )
    listing = panels.invoices
    listing.model.reload()
    sandbox_made = shell.ctx.sandbox.core.state.collective

    # three accepted invoices → one identifier, generated in the background
    picked = ids[:3]
    _click_rows(qtbot, listing, picked)
    order = listing.selected_ids()  # the list's order, newest first
    _press(qtbot, window, listing, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: panels.collective is not None, timeout=5_000)
    dialog = panels.collective
    qtbot.waitUntil(lambda: bool(dialog.identifier.text()), timeout=30_000)
    identifier = dialog.identifier.text()
    assert collective_identifier_is_valid(identifier)
    assert list(sandbox_made) == [identifier]
    assert dialog.title.text() == f"KSeF {identifier}"
    gross = sum(get_invoice(conn, i, profile_id=PID).gross for i in picked)
    assert dialog.amount.text() == f"{gross:.2f}".replace(".", ",") + " zł"
    assert "3 faktur" in dialog.state.text()
    QTest.mouseClick(dialog.copy_title_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == f"KSeF {identifier}"
    QTest.mouseClick(dialog.copy_identifier_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == identifier

    # the list of identifiers made, expandable to the invoices
    assert dialog.tree.topLevelItemCount() == 1
    top = dialog.tree.topLevelItem(0)
    assert top.text(0) == identifier
    assert top.isExpanded()
    shown = [top.child(n).text(1) for n in range(top.childCount())]
    assert shown == [get_invoice(conn, i, profile_id=PID).number for i in order]
    dialog.close()

    # an accepted invoice with a draft: why, and KSeF is not asked
    _click_rows(qtbot, listing, [ids[3], draft])
    _press(qtbot, window, listing, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.state.property("problem"), timeout=30_000)
    assert "nie ma jeszcze numeru KSeF" in dialog.state.text()
    assert not dialog.identifier.text()
    dialog.activateWindow()  # tabbing into the list must not bring an old identifier back
    dialog.tree.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(dialog.tree.hasFocus)
    assert not dialog.identifier.text()
    assert not dialog.copy_title_button.isEnabled()
    assert list(sandbox_made) == [identifier]

    # one invoice's transfer title: its KSeF number, then its number
    QGuiApplication.clipboard().clear()
    _click_rows(qtbot, listing, [ids[3]])
    _press(qtbot, window, listing, Qt.Key.Key_C)
    single = get_invoice(conn, ids[3], profile_id=PID)
    expected = f"KSeF {single.ksef_number} {single.number}"
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == expected, timeout=10_000)


def test_the_ksef_menu_lists_identifiers_without_a_selection(qtbot, make_shell):
    shell = make_shell()
    wait_ready(qtbot, shell)
    window = shell.window
    (action,) = [a for a in window.actions() if a.text() == "Identyfikatory &zbiorcze…"]
    action.trigger()
    dialog = window.panels.collective
    assert dialog is not None
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.loading, timeout=10_000)
    assert dialog.tree.topLevelItemCount() == 0
    assert not dialog.copy_title_button.isEnabled()
    assert "Zaznacz na liście faktury" in dialog.state.text()
