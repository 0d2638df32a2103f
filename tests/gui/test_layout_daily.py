"""Shortcomings of layout and wording seen in daily use (issue 15, item 9): headers and KSeF
numbers whole, the editor's payment and totals on its first screen, an empty list's count,
no layout-check switch for users, amounts in the English way, and a total-failure banner
that does not contradict itself."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QScrollArea, QTableView

from ksef_desktop import i18n
from ksef_desktop.domain.offline import OfflineMode
from ksef_desktop.domain.offline_watch import Availability
from ksef_desktop.ui.editor import EditorDialog
from ksef_desktop.ui.formatting import fmt_money
from ksef_desktop.ui.invoice_list import InvoiceListPanel
from ksef_desktop.ui.invoice_list_model import KSEF
from ksef_desktop.ui.settings import option
from tests.gui.helpers import wait_ready
from tests.gui.panels_support import NOW, fill
from tests.unit.test_store_support import open_profiled, sample_profile

KSEF_NUMBER = "5265877635-20261120-ABCDEF012345-6A"


@pytest.fixture(params=["pl", "en"])
def lang(request):
    before = i18n.current_language()
    i18n.set_language(request.param)
    yield request.param
    i18n.set_language(before)


def _panel(qtbot, runner, store) -> InvoiceListPanel:
    panel = InvoiceListPanel(
        runner, lambda: store, lambda: sample_profile(store), lambda: NOW, lambda: "http://q"
    )
    qtbot.addWidget(panel)
    panel.resize(900, 500)
    panel.show()
    return panel


def test_headers_and_ksef_numbers_are_never_cut(qtbot, runner, tmp_path, lang):
    store = fill(tmp_path / "data", drafts=2, issued=3)
    store.db.connection().execute(
        "UPDATE invoices SET state = 'accepted', ksef_number = ? WHERE number = 'FV/2026/2'",
        (KSEF_NUMBER,),
    )
    panel = _panel(qtbot, runner, store)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 5 and not panel.model.loading)
    header = panel.table.horizontalHeader()
    for column in range(panel.model.columnCount()):
        assert header.sectionSize(column) >= header.sectionSizeHint(column), panel.model.headerData(
            column, Qt.Orientation.Horizontal
        )
    row = next(i for i in range(5) if panel.model.row_at(i).ksef_number)
    index = panel.model.index(row, KSEF)
    assert index.data(Qt.ItemDataRole.ToolTipRole) == KSEF_NUMBER  # whole on hover
    width = panel.table.fontMetrics().horizontalAdvance(KSEF_NUMBER)
    assert header.sectionSize(KSEF) >= width  # and whole in its column
    assert panel.table.textElideMode() is Qt.TextElideMode.ElideMiddle  # if ever narrowed
    store.close()


def test_an_empty_list_counts_nothing_without_a_plus(qtbot, runner, tmp_path):
    store = open_profiled(tmp_path / "data")
    panel = _panel(qtbot, runner, store)
    qtbot.waitUntil(lambda: not panel.model.loading and panel.model.complete)
    qtbot.waitUntil(lambda: panel.count.text() == "Pokazane faktury: 0")
    store.close()


def test_the_editor_shows_payment_and_totals_at_its_size(qtbot, runner, tmp_path, lang):
    store = open_profiled(tmp_path / "data")
    dialog = EditorDialog(
        runner, lambda: store, sample_profile(store), lambda: NOW, lambda day: (None, None),
        lambda: "http://q",
    )  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.ready)
    scroll = dialog.findChild(QScrollArea)
    assert scroll is not None
    viewport = scroll.viewport()
    form = dialog.form
    for widget in (form.totals, form.payment_method, form.paid, form.bank_account,
                   form.payment_link, form.notes, form.table):  # fmt: skip
        place = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
        assert viewport.rect().contains(place), (widget, place, viewport.rect())
    header = form.table.horizontalHeader()
    for column in range(form.lines.columnCount()):  # "Cena jedn. (netto)" whole
        assert header.sectionSize(column) >= header.sectionSizeHint(column), column
    dialog.close()
    store.close()


def test_the_layout_check_is_not_a_users_setting(qtbot, make_shell):
    shell = make_shell()
    dialog = shell.open_settings()
    label = i18n._(option("stretch_strings").label)
    shown = [w.text() for w in dialog.findChildren(QLabel)] + [
        w.text() for w in dialog.findChildren(QCheckBox)
    ]
    assert not [t for t in shown if label.rstrip(":") in t]
    dialog.reject()


def test_amounts_are_written_the_way_the_language_writes_them():
    before = i18n.current_language()
    try:
        assert fmt_money(Decimal("1234.5")) == "1 234,50 zł"
        i18n.set_language("en")
        assert fmt_money(Decimal("1234.5")) == "1,234.50 PLN"
        assert fmt_money(Decimal("-0.5"), "EUR") == "-0.50 EUR"
    finally:
        i18n.set_language(before)


def test_the_total_failure_banner_does_not_promise_a_send(qtbot, make_shell):
    shell = make_shell()
    wait_ready(qtbot, shell)
    controller, window = shell.controller, shell.window
    assert controller is not None
    assert window is not None
    server = shell.ctx.sandbox.server_url
    httpx.post(f"{server}/_sandbox/total-failure", json={}).raise_for_status()
    controller.check_now()
    qtbot.waitUntil(
        lambda: controller.state.availability is Availability.TOTAL_FAILURE, timeout=15_000
    )
    assert controller.decision.mode is OfflineMode.AWARIA_CALKOWITA
    text = window.offline.banner.text()
    assert "bez kodów QR" in text
    assert "nie trzeba ich później przesyłać" in text
    assert "wysłane" not in text  # never "(no obligation to send) … and sent as soon as"
    httpx.post(f"{server}/_sandbox/failure/end", json={}).raise_for_status()


def test_no_header_of_the_main_window_is_cut(qtbot, make_shell, lang):
    shell = make_shell(lang=lang)
    wait_ready(qtbot, shell)
    window = shell.window
    assert window is not None
    window.resize(1100, 700)
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        qtbot.waitUntil(shell.runner.is_idle, timeout=10_000)
        for view in window.tabs.currentWidget().findChildren(QTableView):
            if not view.isVisible():
                continue
            header = view.horizontalHeader()
            for column in range(header.count()):
                if header.isSectionHidden(column):
                    continue
                assert header.sectionSize(column) >= header.sectionSizeHint(column), (
                    view.accessibleName(),
                    view.model().headerData(column, Qt.Orientation.Horizontal),
                )
