"""Contractors: typed in, checked like a buyer, saved, searched, edited, deleted; the editor
offers them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from ksef_desktop.domain.invoice import EuVatNumber, PolishNip
from ksef_desktop.store.contractors import search_contractors
from ksef_desktop.ui.contractors import ContractorsPanel
from ksef_desktop.ui.contractors_model import ContractorsModel
from tests.gui.panels_support import NOW, type_text
from tests.unit.test_store_support import NIP, open_profiled, sample_profile


def test_model_passes_the_model_tester(qtmodeltester, tmp_path):
    from ksef_desktop.domain.invoice import Address, Party
    from ksef_desktop.store.contractors import save_contractor

    store = open_profiled(tmp_path / "d")
    with store.db.transaction() as conn:
        save_contractor(
            conn,
            Party(PolishNip("1111111111"), "Ala", Address("PL", "ul. A 1")),
            now=NOW,
            company_nip=NIP,
        )
    model = ContractorsModel()
    qtmodeltester.check(model)
    model.set_contractors(search_contractors(store.db.connection(), "", company_nip=NIP))
    assert model.rowCount() == 1
    assert model.index(0, 1).data() == "1111111111"
    store.close()


def test_add_search_edit_and_delete_by_keyboard(qtbot, runner, tmp_path):
    store = open_profiled(tmp_path / "d")
    panel = ContractorsPanel(runner, lambda: store, lambda: sample_profile(store), lambda: NOW)
    qtbot.addWidget(panel)
    panel.show()
    panel.reload()
    panel.activateWindow()
    panel.table.setFocus()
    qtbot.waitUntil(panel.table.hasFocus)

    QTest.keyClick(panel.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible())
    dialog = panel.dialog
    assert dialog is not None
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    picker = dialog.picker
    picker.kind.setCurrentIndex(picker.kind.findData("eu"))
    picker.country.clear()
    QTest.keyClicks(picker.country, "DE")
    QTest.keyClicks(picker.identifier, "12345")
    type_text(picker.name, "Müller GmbH")
    assert not ok.isEnabled()
    assert "DE" in picker.problems["buyer.tax_id"].text()
    QTest.keyClicks(picker.identifier, "6789")
    QTest.keyClicks(picker.line1, "Hauptstr. 5, 10115 Berlin")
    assert ok.isEnabled()
    QTest.keyClick(ok, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1)
    saved = panel.model.contractor(0).party
    assert saved.tax_id == EuVatNumber("DE", "123456789")
    assert saved.address is not None
    assert saved.address.country == "DE"

    panel.table.setFocus()
    panel.table.selectRow(0)
    QTest.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.dialog is not dialog and panel.dialog is not None)
    edit = panel.dialog
    assert edit is not None
    assert edit.picker.name.text() == "Müller GmbH"
    edit.picker.name.clear()
    QTest.keyClicks(edit.picker.name, "Mueller AG")
    QTest.keyClick(edit.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.Key.Key_Space)
    qtbot.waitUntil(
        lambda: panel.model.rowCount() == 1 and panel.model.index(0, 0).data() == "Mueller AG"
    )
    assert len(search_contractors(store.db.connection(), "", company_nip=NIP)) == 1

    QTest.keyClicks(panel.search, "zzz")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0)
    panel.search.clear()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1)

    panel.activateWindow()
    panel.table.setFocus()
    panel.table.selectRow(0)
    qtbot.waitUntil(panel.table.hasFocus)
    QTest.keyClick(panel.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: panel.confirmation is not None and panel.confirmation.isVisible())
    assert panel.confirmation is not None
    QTest.keyClick(panel.confirmation.button(QMessageBox.StandardButton.Yes), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0)
    assert search_contractors(store.db.connection(), "", company_nip=NIP) == []
    store.close()


def test_the_editor_offers_saved_contractors(qtbot, runner, tmp_path):
    from tests.gui.test_editor import _editor

    store = open_profiled(tmp_path / "d")
    from ksef_desktop.domain.invoice import Address, Party
    from ksef_desktop.store.contractors import save_contractor

    with store.db.transaction() as conn:
        cid = save_contractor(
            conn,
            Party(PolishNip("1111111111"), "Żabka Polska", Address("PL", "ul. Krzywa 2")),
            now=NOW,
            company_nip=NIP,
        )
    dialog = _editor(qtbot, runner, store)
    assert dialog.form.buyer.pick_contractor(cid)
    assert dialog.form.buyer.name.text() == "Żabka Polska"
    assert dialog.form.buyer.party().tax_id == PolishNip("1111111111")
    assert not any(p.field.startswith("buyer") for p in dialog.form.problems)
    store.close()
