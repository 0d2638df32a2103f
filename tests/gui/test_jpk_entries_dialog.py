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


def _text(dialog: JpkEntriesDialog, row: int, column: int) -> str:
    item = dialog.table.topLevelItem(row)
    return "" if item is None else item.text(column)


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


def test_open_for_shows_the_current_profiles_entries_of_the_month_before(
    qtbot, runner, tmp_path
) -> None:
    """The hook the JPK dialog and the menu use: the profile the settings name, the month
    whose file is due (April 2026 → March), its entries listed; an entry is edited."""
    from ksef_desktop.services.jpk_entries import save_entry
    from ksef_desktop.store.jpk_entries import RegisterEntry, Side
    from ksef_desktop.ui.context import AppContext

    store = make_store(tmp_path)
    profile = sample_profile(store)
    now = datetime(2026, 4, 3, 9, 0, tzinfo=UTC)
    report = RegisterEntry(
        side=Side.SALES, period="2026-03", number="RO/2026/03",
        issue_date=datetime(2026, 3, 31).date(), party_number="BRAK", party_name="BRAK",
        ksef="DI", doc_type="RO",
        amounts={"K_19": Decimal("2000.00"), "K_20": Decimal("460.00")},
    )  # fmt: skip
    save_entry(store.db, report, profile, now=now)
    ctx = AppContext.open(tmp_path / "data", now=lambda: now)
    ctx._store = store
    ctx.settings["environment"], ctx.settings["nip"] = "sandbox", profile.nip
    dialog = JpkEntriesDialog.open_for(ctx, runner)
    qtbot.addWidget(dialog)
    assert dialog.period == MARCH
    assert dialog.month.text() == "2026-03"
    qtbot.waitUntil(lambda: dialog.table.topLevelItemCount() == 1, timeout=10_000)
    item = dialog.table.topLevelItem(0)
    assert item is not None
    assert (item.text(0), item.text(1), item.text(3), item.text(5)) == (
        "sprzedaż", "RO/2026/03", "DI", "RO",
    )  # fmt: skip

    dialog.table.setCurrentItem(item)
    assert dialog.edit_button.isEnabled()
    QTest.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
    editor = dialog.editor
    assert editor is not None
    assert editor.current_side() is Side.SALES
    assert editor.doc_type.currentData() == "RO"
    assert editor.amounts.rowCount() == 28  # K_10 … K_36 and K_360
    editor.set_amount("K_20", "461,00")
    _ok(editor)
    qtbot.waitUntil(lambda: "461,00" in _text(dialog, 0, 6), timeout=10_000)
    (sale,) = gather_month(store, profile, MARCH).sales
    assert sale.amounts["K_20"] == Decimal("461.00")
    assert sale.ksef == Marker.DI

    # another month: nothing listed
    dialog.month.setText("2026-04")
    QTest.keyClick(dialog.month, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.table.topLevelItemCount() == 0, timeout=10_000)
    store.close()


def test_an_entry_is_deleted_after_the_question(qtbot, runner, tmp_path, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from ksef_desktop.services.jpk_entries import list_entries, save_entry
    from ksef_desktop.store.jpk_entries import RegisterEntry, Side

    store = make_store(tmp_path)
    profile = sample_profile(store)
    now = datetime(2026, 4, 3, 9, 0, tzinfo=UTC)
    internal = RegisterEntry(
        side=Side.PURCHASE, period="2026-03", number="WEW/3",
        issue_date=now.date().replace(month=3), party_number="BRAK", party_name="BRAK",
        ksef="DI", doc_type="WEW",
        amounts={"K_44": Decimal("-12.00")},
    )  # fmt: skip
    save_entry(store.db, internal, profile, now=now)
    dialog = JpkEntriesDialog(runner, lambda: store, lambda: profile, lambda: now, MARCH)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.reload()
    qtbot.waitUntil(lambda: dialog.table.topLevelItemCount() == 1, timeout=10_000)
    first = dialog.table.topLevelItem(0)
    assert first is not None
    dialog.table.setCurrentItem(first)
    asked: list[str] = []

    def answer(no: bool):
        def question(parent, title, text, *args):
            asked.append(text)
            return QMessageBox.StandardButton.No if no else QMessageBox.StandardButton.Yes

        return question

    monkeypatch.setattr(QMessageBox, "question", answer(no=True))
    QTest.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert "WEW/3" in asked[0]
    assert len(list_entries(store.db, profile, MARCH)) == 1  # kept: the answer was No

    monkeypatch.setattr(QMessageBox, "question", answer(no=False))
    QTest.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.topLevelItemCount() == 0, timeout=10_000)
    assert list_entries(store.db, profile, MARCH) == []
    assert "WEW/3" in dialog.state.text()
    assert not dialog.delete_button.isEnabled()
    store.close()


def test_the_jpk_dialog_opens_the_months_entries_and_counts_a_new_one(
    qtbot, runner, tmp_path
) -> None:
    """From the JPK_V7M dialog: "Documents outside KSeF…" opens the month shown; a purchase
    entered there is counted by the JPK dialog at once (the declaration typed is kept)."""
    from ksef_desktop.ui.jpk_dialog import JpkDialog

    store = make_store(tmp_path)
    profile = sample_profile(store)
    now = datetime(2026, 4, 3, 9, 0, tzinfo=UTC)
    jpk = JpkDialog(runner, lambda: store, lambda: profile, lambda: now)
    qtbot.addWidget(jpk)
    jpk.show()
    jpk.select_month(MARCH)
    jpk.reload()
    qtbot.waitUntil(lambda: jpk.loaded is not None and runner.is_idle(), timeout=20_000)
    assert jpk.loaded is not None
    assert jpk.loaded.overview.documents.purchases == ()

    QTest.mouseClick(jpk.entries_button, Qt.MouseButton.LeftButton)
    dialog = jpk.entries
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.period == MARCH
    QTest.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    editor = dialog.editor
    assert editor is not None
    qtbot.waitUntil(editor.isVisible)
    QTest.keyClicks(editor.number, "FZ/7/2026")
    QTest.keyClicks(editor.issue_date, "2026-03-10")
    QTest.keyClicks(editor.second_date, "2026-03-12")
    editor.party_number.clear()
    QTest.keyClicks(editor.party_number, "1111111111")
    editor.party_name.clear()
    QTest.keyClicks(editor.party_name, "Hurtownia")
    editor.set_amount("K_42", "100,00")
    editor.set_amount("K_43", "23,00")
    _ok(editor)
    qtbot.waitUntil(
        lambda: jpk.loaded is not None and len(jpk.loaded.overview.documents.purchases) == 1,
        timeout=20_000,
    )
    assert jpk.loaded.overview.tax_deductible == Decimal("23.00")
    dialog.close()
    store.close()
