"""Stores filled with real invoices for the panels' tests (drafts, issued, accepted)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.store import Store
from ksef_desktop.store.invoices import create_draft
from ksef_desktop.store.numbering import create_series
from tests.unit.test_store_support import PID, open_profiled, sample_invoice

BUYERS = ("Żabka Polska sp. z o.o.", "Orlen S.A.", "Biedronka Jeronimo", "Łódzka Spółdzielnia")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def fill(root: Path, drafts: int, issued: int = 0) -> Store:
    """A store under ``root`` with ``drafts`` drafts and ``issued`` issued (queued) invoices."""
    store = open_profiled(root)
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{n}", now=NOW, profile_id=PID)
        for i in range(drafts):
            day = date(2026, 1, 1) + timedelta(days=i % 300)
            invoice = sample_invoice(
                buyer=BUYERS[i % len(BUYERS)], day=day, price=f"{10 + (i * 37) % 900}.{i % 100:02d}"
            )
            create_draft(conn, invoice, now=NOW, profile_id=PID)
    for i in range(issued):
        with store.db.transaction() as conn:
            draft = create_draft(
                conn,
                sample_invoice(buyer=BUYERS[i % 4], price=f"{100 + i}.00"),
                now=NOW,
                profile_id=PID,
            )
        issue_invoice(
            store.db, store.archive, draft, now=lambda: NOW, series_id=series, mode=None,
            deadline=None,
         profile_id=PID,)  # fmt: skip
    return store


def type_text(widget, text: str) -> None:
    """Type ``text`` into ``widget`` key by key (Polish letters too).

    ``QTest.keyClicks`` handles ASCII only (Qt asserts on other characters); those are
    sent as key events carrying their text, as an input method delivers them.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    for char in text:
        if char.isascii():
            QTest.keyClicks(widget, char)
        else:
            QTest.sendKeyEvent(
                QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, char,
                Qt.KeyboardModifier.NoModifier,
            )  # fmt: skip


SELLER_NIP = "5265877635"


def type_cell(qtbot, table, row: int, column: int, text: str) -> None:
    """Select a cell of ``table``, type ``text`` (starts the editor), press Enter."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    table.setFocus()
    table.setCurrentIndex(table.model().index(row, column))
    table.edit(table.currentIndex())
    editor = table.focusWidget()
    QTest.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(editor, text)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.model().index(row, column).data(Qt.ItemDataRole.EditRole) == text)


def choose_rate(qtbot, table, row: int, label_start: str) -> None:
    """Open the rate cell's combo box and pick the rate by keyboard."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QComboBox

    from ksef_desktop.ui.editor_lines import RATE

    table.setFocus()
    table.setCurrentIndex(table.model().index(row, RATE))
    QTest.keyClick(table, Qt.Key.Key_F2)
    combo = table.focusWidget()
    assert isinstance(combo, QComboBox)
    QTest.keyClick(combo, Qt.Key.Key_Home)
    while not combo.currentText().startswith(label_start):
        before = combo.currentIndex()
        QTest.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() != before, f"no rate {label_start!r}"
    QTest.keyClick(combo, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: str(table.model().index(row, RATE).data()).startswith(label_start))


def fill_line(
    qtbot, form, name: str, quantity: str, price: str, rate: str, unit: str = "szt."
) -> int:
    """Add a line through the form's button and type it in."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from ksef_desktop.ui.editor_lines import NAME, PRICE, QUANTITY, UNIT

    QTest.mouseClick(form.add_line, Qt.MouseButton.LeftButton)
    row: int = form.lines.rowCount() - 1
    type_cell(qtbot, form.table, row, NAME, name)
    type_cell(qtbot, form.table, row, UNIT, unit)
    type_cell(qtbot, form.table, row, QUANTITY, quantity)
    type_cell(qtbot, form.table, row, PRICE, price)
    choose_rate(qtbot, form.table, row, rate)
    return row


def type_polish_buyer(form, nip: str = "1111111111") -> None:
    from PySide6.QtTest import QTest

    buyer = form.buyer
    buyer.kind.setFocus()
    buyer.kind.setCurrentIndex(buyer.kind.findData("pl"))
    QTest.keyClicks(buyer.identifier, nip)
    type_text(buyer.name, "Żabka Polska sp. z o.o.")
    type_text(buyer.line1, "ul. Krzywa 2")
    type_text(buyer.line2, "30-002 Kraków")
