"""The statement dialog with real widgets and the real worker over a store whose invoices
the statements pay: a statement imported, a proposed match accepted with one click and
undone; a pasted transfer title looked up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ksef_desktop.services.changes import Changed
from ksef_desktop.ui.statement_dialog import StatementDialog
from tests.unit.statement_support import STATEMENTS, ksef, seeded


def _row(dialog: StatementDialog, amount: str) -> int:
    """The id of the line shown with ``amount`` (as the dialog prints it)."""
    for n in range(dialog.table.topLevelItemCount()):
        item = dialog.table.topLevelItem(n)
        if item is not None and item.text(1) == amount:
            return int(item.data(0, Qt.ItemDataRole.UserRole))
    raise AssertionError(f"no line of {amount}")


def _item(dialog: StatementDialog, n: int):
    item = dialog.table.topLevelItem(n)
    assert item is not None
    return item


def _current(dialog: StatementDialog) -> str:
    line = dialog.current_line()
    assert line is not None
    return line.state.value


def test_import_accept_a_proposal_and_undo_it(qtbot, runner, tmp_path) -> None:
    s = seeded(tmp_path)
    dialog = StatementDialog(runner, lambda: s.store, lambda: None, lambda: s.profile, s.clock)
    qtbot.addWidget(dialog)
    dialog.show()
    changes: list[Changed] = []
    dialog.changed.connect(changes.append)

    dialog.import_file(str(STATEMENTS / "angle-split-account.mt940"))
    qtbot.waitUntil(lambda: dialog.table.topLevelItemCount() == 4, timeout=10_000)
    assert "4 nowe operacje: rozliczone 2, propozycje 1, nierozpoznane 1" in dialog.state.text()
    states = [_item(dialog, n).text(2) for n in range(4)]
    assert sorted(states) == ["nierozpoznana", "propozycja", "rozliczona", "rozliczona"]

    proposed = _row(dialog, "246,00 zł")  # from the buyer's white-list account
    dialog.select_line(proposed)
    assert dialog.accept_button.isEnabled()
    assert not dialog.undo_button.isEnabled()
    QTest.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: s.paid(5) == Decimal("246.00"), timeout=10_000)
    qtbot.waitUntil(lambda: dialog.undo_button.isEnabled(), timeout=10_000)
    assert _current(dialog) == "matched"
    assert "FV/2026/03/5" in dialog.state.text()

    QTest.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.accept_button.isEnabled(), timeout=10_000)
    assert s.paid(5) == 0
    assert _current(dialog) == "proposed"
    # the import, the accept, the undo: each says it moved payments (the views reload)
    assert len(changes) == 3
    assert all(Changed.PAYMENTS in c and Changed.PURCHASES in c for c in changes)

    # the same file again: nothing new, nothing changed
    before = s.snapshot()
    dialog.import_file(str(STATEMENTS / "angle-split-account.mt940"))
    qtbot.waitUntil(lambda: "Nic nowego" in dialog.state.text(), timeout=10_000)
    assert s.snapshot() == before
    s.store.close()


def test_a_pasted_title_lists_the_invoices_it_pays(qtbot, runner, tmp_path) -> None:
    s = seeded(tmp_path)
    dialog = StatementDialog(runner, lambda: s.store, lambda: None, lambda: s.profile, s.clock)
    qtbot.addWidget(dialog)
    dialog.show()
    number = ksef(6)
    dialog.title.setPlainText(f"zapłata ksef {number[:20].lower()}\n{number[20:].lower()}")
    QTest.mouseClick(dialog.look_up_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.found.topLevelItemCount() == 1, timeout=10_000)
    row = dialog.found.topLevelItem(0)
    assert row is not None
    assert [row.text(n) for n in range(5)] == [
        number,
        "FV/2026/03/6",
        "Żabka Polska sp. z o.o.",
        "492,00 zł",
        "492,00 zł",
    ]
    assert "1 fakturę" in dialog.state.text()
    s.store.close()


def test_ctrl_shift_b_in_the_invoice_list_opens_the_dialog(qtbot, runner, tmp_path) -> None:
    """The hook: the list's action (context menu, Ctrl+Shift+B) opens the dialog, and the
    list reloads when payments change."""
    from ksef_desktop.ui.context import AppContext
    from ksef_desktop.ui.invoice_list import InvoiceListPanel
    from ksef_desktop.ui.statement_dialog import ListStatements

    s = seeded(tmp_path)
    ctx = AppContext.open(tmp_path / "data", now=s.clock)
    ctx._store = s.store
    ctx.settings["environment"], ctx.settings["nip"] = "sandbox", s.profile.nip
    panel = InvoiceListPanel(runner, lambda: s.store, lambda: s.profile, s.clock, lambda: "")
    qtbot.addWidget(panel)
    hook = ListStatements(panel, ctx, runner)
    assert hook.action in panel.extra_actions
    panel.show()
    panel.apply_filter()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 9, timeout=10_000)
    panel.table.setFocus()
    qtbot.waitUntil(panel.table.hasFocus)
    QTest.keyClick(
        panel.table,
        Qt.Key.Key_B,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: hook.dialog is not None and hook.dialog.isVisible(), timeout=5_000)
    dialog = hook.dialog
    assert dialog is not None
    reloads: list[object] = []
    panel.model.modelReset.connect(lambda: reloads.append(1))
    reported: list[Changed] = []
    panel.changed.connect(reported.append)
    panel.changed.connect(panel.apply_changes)  # the window's controller, in short
    dialog.import_file(str(STATEMENTS / "zbp-tilde.mt940"))
    qtbot.waitUntil(lambda: dialog.table.topLevelItemCount() == 5, timeout=10_000)
    qtbot.waitUntil(lambda: bool(reloads), timeout=10_000)
    assert len(reported) == 1
    assert Changed.PAYMENTS in reported[0]
    assert s.paid(1) == Decimal("246.00")
    dialog.close()
    s.store.close()


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_the_dialog_speaks_one_language(qtbot, runner, tmp_path, lang) -> None:
    """Every text of the dialog (after an import and a look-up: the state line, the
    buttons it enables) in one language: the window's rule (tests/gui/test_languages.py)."""
    from PySide6.QtWidgets import QApplication

    from ksef_desktop import i18n
    from ksef_desktop.ui.qt_i18n import install_qt_catalog
    from tests.gui.test_languages import problems, texts

    before = i18n.current_language()
    i18n.set_language(lang)
    app = QApplication.instance()
    assert app is not None
    assert install_qt_catalog(app, lang)  # as the app does: Qt's own buttons too
    try:
        s = seeded(tmp_path)
        dialog = StatementDialog(runner, lambda: s.store, lambda: None, lambda: s.profile, s.clock)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.import_file(str(STATEMENTS / "angle-split-account.mt940"))
        qtbot.waitUntil(lambda: dialog.table.topLevelItemCount() == 4, timeout=10_000)
        dialog.select_line(_row(dialog, "246,00 zł" if lang == "pl" else "246.00 PLN"))
        assert len(list(texts(dialog))) > 10
        assert problems(dialog, lang) == []
        dialog.close()
        s.store.close()
    finally:
        i18n.set_language(before)
        install_qt_catalog(app, "en")  # take Qt's catalog out again, as the shell does
