"""Typed work is never lost, and nothing is issued that should not be (issue 15, items 2,
3 and 7): closing a changed editor asks "Save the draft?"; a duplicate, a correction or a
technical correction leaves no draft until it is saved; an offline invoice without an
offline certificate (KOD II) is refused; an invoice already overdue is questioned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ksef_desktop.domain.offline import Deadline, DeadlineState, OfflineMode
from ksef_desktop.services.invoice_actions import duplicate_content
from ksef_desktop.services.issue import issue_invoice, technical_correction_content
from ksef_desktop.store.invoices import create_draft, get_invoice
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.outbox import Outbox
from ksef_desktop.store.queries import InvoiceFilter, count_invoices
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.ui.asking import button
from ksef_desktop.ui.editor import EditorDialog
from tests.gui.panels_support import NOW, fill_line, type_polish_buyer, type_text
from tests.unit.test_pdf import signing
from tests.unit.test_store_support import PID, open_profiled, sample_invoice, sample_profile

pytestmark = pytest.mark.qt_log_ignore(
    "QAbstractItemView::commitData called with an editor that does not belong to this view"
)
DRAFTS = InvoiceFilter(states=frozenset({InvoiceState.DRAFT}))


@pytest.fixture
def store(tmp_path, runner):
    s = open_profiled(tmp_path / "data")
    yield s
    assert runner.stop()  # no job of the worker may use the store closed under it
    s.close()


def _editor(qtbot, runner, store, *, terms=None, sign=None, **kwargs) -> EditorDialog:
    dialog = EditorDialog(
        runner, lambda: store, sample_profile(store), lambda: NOW,
        terms or (lambda day: (None, None)), lambda: "http://127.0.0.1/qr",
        undo_seconds=30, signing=sign, **kwargs,
    )  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.ready)
    return dialog


def drafts(store) -> int:
    return count_invoices(store.db.connection(), DRAFTS, profile_id=PID)


def issued_count(store) -> int:
    flt = InvoiceFilter(states=frozenset(set(InvoiceState) - {InvoiceState.DRAFT}))
    return count_invoices(store.db.connection(), flt, profile_id=PID)


# --- item 3: closing asks ------------------------------------------------------------------------


def test_escape_on_a_changed_editor_asks_and_saves_the_draft(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store)
    type_text(dialog.form.buyer.name, "Żabka Polska sp. z o.o.")
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    question = dialog.question
    assert question is not None
    qtbot.waitUntil(question.isVisible)
    assert question.windowTitle() == "Zapisać szkic?"
    assert dialog.isVisible()  # nothing closed while the question is open
    QTest.mouseClick(button(question, "Anuluj"), Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert drafts(store) == 0

    QTest.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)  # "Zamknij" asks too
    question = dialog.question
    assert question is not None
    qtbot.waitUntil(question.isVisible)
    QTest.mouseClick(button(question, "&Zapisz szkic"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert drafts(store) == 1
    assert dialog.draft_id is not None
    row = get_invoice(store.db.connection(), dialog.draft_id, profile_id=PID)
    assert row.invoice.buyer.name == "Żabka Polska sp. z o.o."


def test_discard_closes_without_a_draft_and_an_untouched_editor_just_closes(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store)
    type_text(dialog.form.buyer.name, "Orlen S.A.")
    dialog.close()  # the window's own close button
    question = dialog.question
    assert question is not None
    qtbot.waitUntil(question.isVisible)
    QTest.mouseClick(button(question, "&Odrzuć"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert drafts(store) == 0

    untouched = _editor(qtbot, runner, store)
    QTest.keyClick(untouched, Qt.Key.Key_Escape)
    assert not untouched.isVisible()
    assert untouched.question is None


# --- item 3: a duplicate or a correction is a draft only once saved ---------------------------


def _issued(store) -> int:
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{n}", now=NOW, profile_id=PID)
        draft = create_draft(conn, sample_invoice(), now=NOW, profile_id=PID)
    issue_invoice(
        store.db, store.archive, draft, now=lambda: NOW, series_id=series, mode=None,
        deadline=None, profile_id=PID,
    )  # fmt: skip
    return draft


def test_a_duplicate_opened_and_closed_leaves_no_draft(qtbot, runner, store):
    original = _issued(store)
    content = duplicate_content(store.db, original, profile_id=PID, now=lambda: NOW)
    dialog = _editor(qtbot, runner, store, content=content)
    assert dialog.form.buyer.name.text() == "Żabka Polska sp. z o.o."
    assert drafts(store) == 0
    QTest.keyClick(dialog, Qt.Key.Key_Escape)  # nothing typed: no question, no draft
    assert not dialog.isVisible()
    assert drafts(store) == 0


def test_a_technical_correction_is_saved_with_the_invoice_it_replaces(qtbot, runner, store):
    original = _issued(store)
    outbox = Outbox(store.db, store.archive, lambda: NOW, profile_id=PID)
    outbox.claim()
    outbox.mark_rejected(original, 450, "P_1 z przyszłości")
    content = technical_correction_content(store.db, original, profile_id=PID)
    dialog = _editor(qtbot, runner, store, content=content, corrects_id=original)
    assert drafts(store) == 0
    type_text(dialog.form.issue_place, "Kraków")
    saved: list[int] = []
    dialog.stored.connect(saved.append)
    QTest.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(saved))
    draft = get_invoice(store.db.connection(), saved[0], profile_id=PID)
    assert draft.corrects_id == original
    assert draft.invoice.issue_place == "Kraków"
    assert drafts(store) == 1


# --- item 2: no offline invoice without KOD II ---------------------------------------------------


def _offline24(day):
    return OfflineMode.OFFLINE24, Deadline(DeadlineState.DUE, NOW + timedelta(days=1))


def test_an_offline_invoice_without_a_certificate_is_not_issued(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store, terms=_offline24, sign=lambda: None)
    type_polish_buyer(dialog.form)
    fill_line(qtbot, dialog.form, "Usługa", "1", "100", "23%")
    dialog.issue()
    qtbot.waitUntil(lambda: "KOD II" in dialog.state.text(), timeout=10_000)
    assert "certyfikat offline" in dialog.state.text()
    assert "Ustawieniach" in dialog.state.text()  # and how to get one
    assert dialog.issued is None
    assert issued_count(store) == 0
    assert dialog.issue_button.isEnabled()  # the work is still there, to issue later


def test_an_offline_invoice_with_its_certificate_carries_kod_ii(qtbot, runner, store):
    dialog = _editor(qtbot, runner, store, terms=_offline24, sign=lambda: signing("ec"))
    type_polish_buyer(dialog.form)
    fill_line(qtbot, dialog.form, "Usługa", "1", "100", "23%")
    dialog.issue()
    qtbot.waitUntil(lambda: dialog.issued is not None, timeout=15_000)
    assert dialog.issued is not None
    assert dialog.issued.invoice.mode == "offline24"
    assert dialog.issued.pdf is not None, dialog.issued.pdf_problem
    dialog.undo()


# --- item 7: an invoice already overdue is questioned ------------------------------------------


def test_a_backdated_offline24_invoice_is_questioned_before_it_is_issued(qtbot, runner, store):
    def overdue(day):
        return OfflineMode.OFFLINE24, Deadline(DeadlineState.DUE, NOW - timedelta(days=22))

    dialog = _editor(qtbot, runner, store, terms=overdue, sign=lambda: signing("ec"))
    type_polish_buyer(dialog.form)
    fill_line(qtbot, dialog.form, "Usługa", "1", "100", "23%")
    dialog.issue()
    question = dialog.question
    assert question is not None
    qtbot.waitUntil(question.isVisible)
    assert "musiała trafić do KSeF do" in question.text()
    QTest.mouseClick(button(question, "Anuluj"), Qt.MouseButton.LeftButton)
    assert dialog.issued is None
    assert issued_count(store) == 0
    dialog.issue()
    question = dialog.question
    assert question is not None
    qtbot.waitUntil(question.isVisible)
    QTest.mouseClick(button(question, "Wystaw mimo to"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.issued is not None, timeout=15_000)
    assert issued_count(store) == 1
    dialog.undo()
