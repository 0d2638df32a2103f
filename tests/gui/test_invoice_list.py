"""The invoice list over a real store: paging with fetchMore, filters, sorting, actions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ksef_desktop.domain.invoice import Invoice, InvoiceKind
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.queries import InvoiceFilter, count_invoices
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.ui.invoice_list import InvoiceListPanel, store_loader
from ksef_desktop.ui.invoice_list_model import BUYER, GROSS, NUMBER, InvoiceListModel
from tests.gui.panels_support import NOW, fill, type_text
from tests.unit.test_store_support import PID, sample_profile


def _load_all(qtbot, model: InvoiceListModel) -> None:
    qtbot.waitUntil(lambda: not model.loading)
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.loading)


@pytest.fixture
def store(tmp_path):
    s = fill(tmp_path / "data", drafts=430, issued=3)
    yield s
    s.close()


def test_model_pages_through_the_store_and_passes_the_model_tester(
    qtbot, qtmodeltester, runner, store
):
    model = InvoiceListModel(
        store_loader(lambda: store, lambda: sample_profile(store)), runner.submit, page_size=100
    )
    qtmodeltester.check(model)
    model.reload()
    qtbot.waitUntil(lambda: model.rowCount() >= 100)  # the tester itself fetches more
    _load_all(qtbot, model)
    assert model.rowCount() == 433
    assert not model.canFetchMore()
    assert model.complete
    ids = [model.row_at(i).id for i in range(model.rowCount())]
    assert len(set(ids)) == 433
    days = [model.row_at(i).issue_date for i in range(model.rowCount())]
    assert days == sorted(days, reverse=True)
    qtmodeltester.check(model)


def test_sorting_by_a_column_reloads_in_that_order(qtbot, qtmodeltester, runner, store):
    model = InvoiceListModel(
        store_loader(lambda: store, lambda: sample_profile(store)), runner.submit, page_size=150
    )
    qtmodeltester.check(model)
    model.sort(GROSS, Qt.SortOrder.AscendingOrder)
    _load_all(qtbot, model)
    gross = [model.row_at(i).gross for i in range(model.rowCount())]
    assert len(gross) == 433
    assert gross == sorted(gross)
    model.sort(BUYER, Qt.SortOrder.DescendingOrder)
    _load_all(qtbot, model)
    names = [model.index(i, BUYER).data() for i in range(model.rowCount())]
    assert names[0].startswith("Żabka")
    assert names[-1].startswith("Biedronka")


def test_a_page_of_an_older_filter_is_dropped(qtbot, runner, store):
    model = InvoiceListModel(
        store_loader(lambda: store, lambda: sample_profile(store)), runner.submit, page_size=50
    )
    model.set_filter(InvoiceFilter(buyer="orlen"))
    model.set_filter(InvoiceFilter(states=frozenset({InvoiceState.QUEUED})))
    qtbot.waitUntil(lambda: model.complete and not model.loading)
    assert model.rowCount() == 3
    assert {model.row_at(i).state for i in range(3)} == {InvoiceState.QUEUED}
    assert all(model.index(i, NUMBER).data().startswith("FV/2026/") for i in range(3))


def test_the_panels_filters_typed_by_keyboard(qtbot, runner, store):
    panel = InvoiceListPanel(
        runner,
        lambda: store,
        lambda: sample_profile(store),
        lambda: NOW,
        lambda: "http://127.0.0.1/qr",
    )
    qtbot.addWidget(panel)
    panel.show()
    panel.apply_filter()
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0 and not panel.model.loading)
    type_text(panel.buyer, "łódzka")
    qtbot.waitUntil(
        lambda: panel.model.filter.buyer == "łódzka" and not panel.model.loading, timeout=5000
    )
    _load_all(qtbot, panel.model)
    rows = [panel.model.row_at(i) for i in range(panel.model.rowCount())]
    assert rows
    assert all(r.buyer_name == "Łódzka Spółdzielnia" for r in rows)
    panel.state.setCurrentIndex(panel.state.findData("open"))
    qtbot.waitUntil(lambda: panel.model.complete and not panel.model.loading)
    assert [panel.model.row_at(i).state for i in range(panel.model.rowCount())] == []
    panel.buyer.clear()
    panel.apply_filter()
    qtbot.waitUntil(lambda: panel.model.complete and not panel.model.loading)
    assert panel.model.rowCount() == 3


def _select_first(qtbot, panel: InvoiceListPanel, state: str) -> int:
    panel.state.setCurrentIndex(panel.state.findData(state))
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0 and not panel.model.loading)
    panel.table.setFocus()
    panel.table.selectRow(0)
    invoice_id = panel.selected_id()
    assert invoice_id is not None
    return invoice_id


def test_duplicate_correct_xml_and_pdf_from_the_keyboard(qtbot, runner, store, tmp_path):
    panel = InvoiceListPanel(
        runner,
        lambda: store,
        lambda: sample_profile(store),
        lambda: NOW,
        lambda: "http://127.0.0.1/qr",
    )
    qtbot.addWidget(panel)
    panel.show()
    issued_id = _select_first(qtbot, panel, "open")
    opened: list[tuple[Invoice, int]] = []
    panel.content_ready.connect(lambda invoice, corrects: opened.append((invoice, corrects)))
    conn = store.db.connection()
    drafts = count_invoices(conn, InvoiceFilter(states=frozenset({InvoiceState.DRAFT})),
                            profile_id=PID)  # fmt: skip

    QTest.keyClick(panel.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(opened) == 1)
    original = get_invoice(conn, issued_id, profile_id=PID)
    copy, corrects = opened[0]
    assert corrects == 0
    assert copy.number == "(draft)"
    assert copy.lines == original.invoice.lines
    assert copy.buyer == original.invoice.buyer

    panel.select_id(issued_id) or _select_first(qtbot, panel, "open")
    QTest.keyClick(panel.table, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(opened) == 2)
    kor = opened[1][0]
    assert kor.kind is InvoiceKind.KOR
    assert kor.correction is not None
    assert kor.correction.corrected[0].number == original.number
    before = [line for line in kor.lines if line.before_correction]
    after = [line for line in kor.lines if not line.before_correction]
    assert len(before) == len(after) == len(original.invoice.lines)
    # Opened unsaved in the editor: no "(draft)" row until the user saves or issues.
    assert (
        count_invoices(conn, InvoiceFilter(states=frozenset({InvoiceState.DRAFT})), profile_id=PID)
        == drafts
    )

    qtbot.waitUntil(lambda: not panel.model.loading)
    _select_first(qtbot, panel, "open")
    QTest.keyClick(
        panel.table,
        Qt.Key.Key_X,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: len(panel.dialogs) == 1)
    assert "<Faktura" in panel.dialogs[0].text.toPlainText()
    panel.dialogs[0].reject()

    target = tmp_path / "out.pdf"
    panel.save_pdf(str(target))
    qtbot.waitUntil(lambda: target.exists() and target.stat().st_size > 1000, timeout=15_000)
    assert target.read_bytes().startswith(b"%PDF")


def test_actions_that_do_not_apply_say_why(qtbot, runner, store):
    panel = InvoiceListPanel(
        runner,
        lambda: store,
        lambda: sample_profile(store),
        lambda: NOW,
        lambda: "http://127.0.0.1/qr",
    )
    qtbot.addWidget(panel)
    messages: list[str] = []
    panel.message.connect(messages.append)
    _select_first(qtbot, panel, "draft")
    panel.correct()
    panel.show_upo()
    panel.show_xml()
    qtbot.waitUntil(lambda: len(messages) == 3)
    assert "Skorygować" in messages[0]
    assert "UPO" in messages[1]
    assert "XML" in messages[2]
    assert Decimal(0) <= panel.model.row_at(0).gross


def test_free_text_finds_invoice_and_ksef_numbers(qtbot, runner, store):
    conn = store.db.connection()
    conn.execute(
        "UPDATE invoices SET state = 'accepted', ksef_number = ? WHERE number = 'FV/2026/2'",
        ("5265877635-20261120-ABCDEF012345-6A",),
    )
    panel = InvoiceListPanel(
        runner,
        lambda: store,
        lambda: sample_profile(store),
        lambda: NOW,
        lambda: "http://127.0.0.1/qr",
    )
    qtbot.addWidget(panel)
    panel.show()
    QTest.keyClicks(panel.text, "FV/2026/3")
    qtbot.waitUntil(lambda: getattr(panel.model.filter, "text", "") == "FV/2026/3")
    qtbot.waitUntil(lambda: panel.model.complete and not panel.model.loading)
    assert [panel.model.row_at(i).number for i in range(panel.model.rowCount())] == ["FV/2026/3"]
    panel.text.clear()
    QTest.keyClicks(panel.text, "abcdef0123")
    qtbot.waitUntil(lambda: getattr(panel.model.filter, "text", "") == "abcdef0123")
    qtbot.waitUntil(lambda: panel.model.complete and not panel.model.loading)
    assert [panel.model.row_at(i).number for i in range(panel.model.rowCount())] == ["FV/2026/2"]
    QTest.keyClicks(panel.text, "%")
    qtbot.waitUntil(lambda: getattr(panel.model.filter, "text", "") == "abcdef0123%")
    qtbot.waitUntil(lambda: panel.model.complete and not panel.model.loading)
    assert panel.model.rowCount() == 0  # a % is a character, not a wildcard


def test_number_search_keeps_the_buyer_filter(qtbot, runner, store):
    panel = InvoiceListPanel(
        runner,
        lambda: store,
        lambda: sample_profile(store),
        lambda: NOW,
        lambda: "http://127.0.0.1/qr",
    )
    qtbot.addWidget(panel)
    panel.show()
    conn = store.db.connection()
    (buyer,) = conn.execute("SELECT buyer_name FROM invoices WHERE number = 'FV/2026/2'").fetchone()
    other = next(b for b in ("Orlen", "Biedronka") if b not in buyer)

    def shown(text: str, who: str) -> list[str | None]:
        panel.buyer.clear()
        panel.text.clear()
        type_text(panel.buyer, who)
        type_text(panel.text, text)
        qtbot.waitUntil(
            lambda: (
                getattr(panel.model.filter, "text", "") == text
                and panel.model.filter.buyer == (who or None)
            )
        )
        qtbot.waitUntil(lambda: panel.model.complete and not panel.model.loading)
        return [panel.model.row_at(i).number for i in range(panel.model.rowCount())]

    assert shown("FV/2026/2", "") == ["FV/2026/2"]
    assert shown("FV/2026/2", buyer.split()[0]) == ["FV/2026/2"]
    assert shown("FV/2026/2", other) == []
