"""The dialog of documents outside KSeF, with real widgets and the real worker over a real
store: a paper purchase invoice typed in, refused while its amount is wrong, then saved,
listed, and in the month's rows."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox
from shiboken6 import Shiboken

from ksef_desktop.jpk.model import Marker, Period
from ksef_desktop.services.jpk_month import gather_month
from ksef_desktop.ui.jpk_entries import JpkEntriesDialog
from tests.unit.test_store_support import make_store, sample_profile

MARCH = Period(2026, 3)


def _ok(editor) -> None:
    button = editor.buttons.button(QDialogButtonBox.StandardButton.Ok)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_paper_purchase_invoice_is_entered_and_listed(qtbot, runner, tmp_path) -> None:
    store = make_store(tmp_path)
    profile = sample_profile(store)
    now = datetime(2026, 4, 3, 9, 0, tzinfo=UTC)
    dialog = JpkEntriesDialog(runner, lambda: store, lambda: profile, lambda: now, MARCH)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.reload()
    changes: list[int] = []
    dialog.entries_changed.connect(lambda: changes.append(1))

    QTest.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    editor = dialog.editor
    assert editor is not None
    qtbot.waitUntil(editor.isVisible)
    assert editor.current_side().value == "purchase"
    assert editor.amounts.rowCount() == 8  # K_40 … K_47
    QTest.keyClicks(editor.number, "FZ/118/2026")
    QTest.keyClicks(editor.issue_date, "2026-03-10")
    QTest.keyClicks(editor.second_date, "2026-03-12")
    editor.party_number.clear()
    QTest.keyClicks(editor.party_number, "1111111111")
    editor.party_name.clear()
    QTest.keyClicks(editor.party_name, "Hurtownia Papieru sp. z o.o.")
    assert editor.marker.currentText() == "BFK"
    editor.set_amount("K_42", "1 000,00")
    editor.set_amount("K_43", "230,001")  # a tenth of a grosz: refused by the register

    _ok(editor)
    qtbot.waitUntil(lambda: "230.001" in editor.problem.text(), timeout=10_000)
    assert editor.isVisible()
    assert dialog.table.topLevelItemCount() == 0

    editor.set_amount("K_43", "230,00")
    _ok(editor)
    qtbot.waitUntil(lambda: dialog.table.topLevelItemCount() == 1, timeout=10_000)
    assert not Shiboken.isValid(editor)  # closed (and deleted) once saved
    assert dialog.editor is None
    row = dialog.table.topLevelItem(0)
    assert row is not None
    assert [row.text(n) for n in range(4)] == ["zakup", "FZ/118/2026", "10.03.2026", "BFK"]
    assert "Hurtownia Papieru" in row.text(4)
    assert "K_43 230,00" in row.text(6)
    assert "FZ/118/2026" in dialog.state.text()
    assert changes == [1]

    (bought,) = gather_month(store, profile, MARCH).purchases
    assert bought.ksef == Marker.BFK
    assert bought.amounts == {"K_42": Decimal("1000.00"), "K_43": Decimal("230.00")}
    store.close()
