"""Every Alt+letter in the invoice editor (and every letter within a menu of the main window)
does one thing, in Polish and in English.

When two widgets share a mnemonic Qt only moves the focus between them, so the letter of
"&Issue" would not issue. DESIGN §8: every action has a keyboard path.
"""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QWidget

from ksef_desktop import i18n
from ksef_desktop.domain.invoice import InvoiceKind
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.ui.editor import EditorDialog
from tests.gui.panels_support import NOW, fill_line, type_polish_buyer
from tests.unit.test_store_support import PID, open_profiled, sample_profile

#: Qt's delegate may deliver a focus-out commit for a cell editor it has just closed on
#: Enter (a timing race inside QAbstractItemView); the value was committed already.
pytestmark = pytest.mark.qt_log_ignore(
    "QAbstractItemView::commitData called with an editor that does not belong to this view"
)

MNEMONIC = re.compile(r"(?<!&)&([^&\s])")


@pytest.fixture
def store(tmp_path, runner):
    s = open_profiled(tmp_path / "data")
    yield s
    # The editor hands an issued invoice to the worker after its pause: the worker must
    # be stopped before the store is closed under it (a closed connection in use by the
    # worker thread crashed the process: SIGSEGV in sqlite).
    assert runner.stop()
    s.close()


@pytest.fixture(params=["pl", "en"])
def lang(request):
    before = i18n.current_language()
    i18n.set_language(request.param)
    yield request.param
    i18n.set_language(before)


def _editor(qtbot, runner, store) -> EditorDialog:
    dialog = EditorDialog(
        runner, lambda: store, sample_profile(store), lambda: NOW, lambda day: (None, None),
        lambda: "http://127.0.0.1/qr", draft_id=None, undo_seconds=30,
    )  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.ready)
    return dialog


def active(widget: QWidget) -> bool:
    """Qt takes a mnemonic into account only while its widget is visible and enabled."""
    return widget.isVisible() and widget.isEnabled()


def mnemonics(root: QWidget) -> dict[str, list[str]]:
    """Letter -> the texts of the active labels, buttons and group boxes that use it."""
    texts = [w.text() for w in root.findChildren(QLabel) if active(w)]
    texts += [w.text() for w in root.findChildren(QAbstractButton) if active(w)]
    texts += [w.title() for w in root.findChildren(QGroupBox) if active(w)]
    found: dict[str, list[str]] = {}
    for text in texts:
        match = MNEMONIC.search(text)
        if match:
            found.setdefault(match.group(1).lower(), []).append(text)
    return found


def assert_unique(found: dict[str, list[str]]) -> None:
    clashes = {letter: texts for letter, texts in found.items() if len(texts) > 1}
    assert not clashes, clashes
    # every letter is typed as Alt+letter on a Polish (programmer's) keyboard: no ą, ł, ż...
    assert all("a" <= letter <= "z" for letter in found), sorted(found)


def letter_of(text: str) -> str:
    match = MNEMONIC.search(text)
    assert match is not None, text
    return match.group(1).lower()


def press_alt(qtbot, dialog: QWidget, letter: str) -> None:
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    QTest.keyClick(
        dialog, getattr(Qt.Key, f"Key_{letter.upper()}"), Qt.KeyboardModifier.AltModifier
    )


@pytest.mark.parametrize("kind", [InvoiceKind.VAT, InvoiceKind.KOR, InvoiceKind.ZAL])
def test_every_mnemonic_in_the_editor_is_unique(qtbot, runner, store, lang, kind):
    dialog = _editor(qtbot, runner, store)
    form = dialog.form
    form.kind.setCurrentIndex(form.kind.findData(kind.value))
    assert form.kind.currentData() == kind.value
    form.currency.setCurrentText("EUR")  # the exchange rate's field too
    buyer = form.buyer
    buyer.kind.setCurrentIndex(buyer.kind.findData("eu"))  # the country field too
    assert buyer.country.isEnabled()
    assert buyer.identifier.isEnabled()
    found = mnemonics(dialog)
    assert sum(len(texts) for texts in found.values()) >= 20, found
    assert_unique(found)
    # the field that belongs to this kind answers to its label's letter
    field = {InvoiceKind.KOR: form.correction_reason, InvoiceKind.ZAL: form.advance}.get(kind)
    if field is not None:
        label = form.correction_reason_label if kind is InvoiceKind.KOR else form.advance_label
        form.notes.setFocus()
        press_alt(qtbot, dialog, letter_of(label.text()))
        qtbot.waitUntil(field.hasFocus)


def test_the_issue_letter_issues_a_valid_invoice(qtbot, runner, store, lang):
    dialog = _editor(qtbot, runner, store)
    form = dialog.form
    type_polish_buyer(form)
    fill_line(qtbot, form, "Usługa programistyczna", "10", "150,00", "23%")
    assert form.valid, [p.text() for p in form.problems]
    assert dialog.issue_button.isEnabled()
    form.notes.setFocus()
    press_alt(qtbot, dialog, letter_of(dialog.issue_button.text()))
    qtbot.waitUntil(lambda: dialog.issued is not None, timeout=15_000)
    assert dialog.issued is not None
    issued = get_invoice(store.db.connection(), dialog.issued.invoice.id, profile_id=PID)
    assert issued.state is InvoiceState.QUEUED  # queued at once, handed out after the pause
    assert issued.number == "FV/2026/11/1"
    # then the pause bar's "Send now" is among the active ones, and its letter is its own too
    qtbot.waitUntil(dialog.send_now_button.isVisible)
    assert_unique(mnemonics(dialog))


def menu_letters(menu: QWidget) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for action in menu.actions():
        if not action.isSeparator():
            found.setdefault(letter_of(action.text()), []).append(action.text())
    return found


@pytest.mark.parametrize("lang_name", ["pl", "en"])
def test_every_menu_of_the_main_window_has_its_own_letters(qtbot, make_shell, lang_name):
    shell = make_shell(lang=lang_name)
    window = shell.window
    assert window is not None
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    assert len(menus) >= 4
    assert_unique(menu_letters(window.menuBar()))  # the titles among themselves
    for menu in menus:
        assert_unique(menu_letters(menu))
    # the invoice list's context menu shows (a subset of) the list's own actions
    found = menu_letters(window.panels.invoices)
    assert sum(len(texts) for texts in found.values()) >= 12, found
    assert_unique(found)
