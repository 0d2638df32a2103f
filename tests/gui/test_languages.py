"""Every user-visible string of the English interface is English, and of the Polish one
Polish (issue 15, item 9): the main window (every tab, menu and status bar), the invoice
editor, the settings and the first-run wizard are built in each language and every text
they show is read: labels, buttons, group titles, menu actions, tabs, combo box entries,
table headers, placeholders, tooltips and window titles.

The words of each language come from the catalogue itself: a word that only the Polish
translations use (never an English message id) must not appear in the English interface,
and one that only the English message ids use must not appear in the Polish interface; an
English message id shown as it is in the Polish interface is a translation not used.
User data (the demo company's name and address, numbers) is not the interface's wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from importlib import resources

import pytest
from babel.messages.pofile import read_po
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTabWidget,
    QWidget,
)

from ksef_desktop.ui.settings import DEMO_ADDRESS, DEMO_COMPANY, DEMO_NIP
from tests.gui.helpers import wait_ready

WORD = re.compile(r"[^\W\d_]{3,}")
#: Names that are the same in both languages (products, standards, abbreviations).
NAMES = {
    "ksef",
    "nip",
    "upo",
    "pdf",
    "xml",
    "iban",
    "ipksef",
    "nbp",
    "fa",
    "vat",
    "kor",
    "zal",
    "wdt",
    "oss",
    "jpk",
    "eur",
    "usd",
    "pln",
    "gbp",
    "chf",
    "czk",
    "sek",
    "nok",
    "dkk",
    "uah",
    "offline",
    "online",
    "sandbox",
    "test",
    "demo",
    "desktop",
    "token",
    "latarnia",
    "qr",
    "kod",
    "art",
    "ust",
    "pkt",
    "www",
    "crt",
    "pem",
    "der",
    "cer",
    "key",
    "ustawy",
    "bank",
}  # fmt: skip (a citation of the Polish act stays as it is)
#: Loanwords that are Polish words too, accepted whole with their Polish endings only.
#: "e-mail" (e-maila, e-mailem, e-maile…) is in the Polish dictionaries (SJP, PWN) and is
#: what Polish accountants call an e-mail and its address ("adres e-mail"); the column of
#: the invoice list that shows whether an invoice was e-mailed is headed "E-mail" in both
#: languages. A bare English "mail" ("mail server": "serwer poczty") is still caught.
LOANWORDS = re.compile(r"\be-mail\w*", re.IGNORECASE)
DATA = [DEMO_COMPANY, DEMO_ADDRESS, DEMO_NIP, "Polski", "English"]


@cache
def catalogue() -> dict[str, str]:
    folder = resources.files("ksef_desktop.resources").joinpath("locale", "pl")
    found: dict[str, str] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".po"):
            with entry.open("rb") as fh:
                for m in read_po(fh, locale="pl"):
                    if isinstance(m.id, str) and m.id and isinstance(m.string, str):
                        found[m.id] = m.string
                    elif m.id and isinstance(m.id, tuple) and isinstance(m.string, tuple):
                        for one, other in zip(m.id, m.string, strict=False):
                            found[one] = other
    return found


def words(text: str) -> set[str]:
    text = LOANWORDS.sub(" ", re.sub(r"\{[^}]*\}", " ", text))
    return {w.casefold() for w in WORD.findall(text)}


@cache
def only() -> tuple[frozenset[str], frozenset[str]]:
    """(words only Polish translations use, words only English message ids use)."""
    polish: set[str] = set()
    english: set[str] = set()
    for msgid, msgstr in catalogue().items():
        polish |= words(msgstr) - words(msgid)
        english |= words(msgid) - words(msgstr)
    return frozenset(polish - english - NAMES), frozenset(english - polish - NAMES)


def texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for everything ``root`` shows or will show on hover."""
    windows = [root, *root.findChildren(QDialog)]
    for w in windows:
        yield "title", w.windowTitle()
    for w in [root, *root.findChildren(QWidget)]:
        if w.toolTip():
            yield "tooltip", w.toolTip()
    for label in root.findChildren(QLabel):
        yield "label", label.text()
    for button in root.findChildren(QAbstractButton):
        yield "button", button.text()
    for box in root.findChildren(QGroupBox):
        yield "group", box.title()
    for action in root.findChildren(QAction):
        yield "action", action.text()
    for tabs in root.findChildren(QTabWidget):
        for i in range(tabs.count()):
            yield "tab", tabs.tabText(i)
    for combo in root.findChildren(QComboBox):
        for i in range(combo.count()):
            yield "combo", combo.itemText(i)
    for edit in root.findChildren(QLineEdit):
        yield "placeholder", edit.placeholderText()
    for view in root.findChildren(QAbstractItemView):
        model = view.model()
        for column in range(model.columnCount()):
            header = model.headerData(column, Qt.Orientation.Horizontal)
            if isinstance(header, str):
                yield "header", header


def wording(text: str) -> str:
    """``text`` without user data, accelerators and markup."""
    text = re.sub(r"<[^>]+>", " ", text).replace("&&", "&").replace("&", "")
    for data in DATA:
        text = text.replace(data, " ")
    return text


def problems(root: QWidget, lang: str) -> list[str]:
    polish_only, english_only = only()
    untranslated = {k for k, v in catalogue().items() if v and v != k}
    found = []
    for where, raw in texts(root):
        text = wording(raw).strip()
        if not text:
            continue
        if lang == "en":
            leaked = words(text) & polish_only
            polish_amount = re.search(r"\bzł\b|\d,\d\d\b", text)  # "0,00 zł"
            if leaked or polish_amount or re.search("[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]", text):
                found.append(f"{where}: {raw!r} is not English ({sorted(leaked)})")
        else:
            leaked = words(text) & english_only
            if leaked or raw in untranslated:
                found.append(f"{where}: {raw!r} is not Polish ({sorted(leaked)})")
    return found


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_the_main_window_speaks_one_language(qtbot, make_shell, lang) -> None:
    shell = make_shell(lang=lang)
    wait_ready(qtbot, shell)
    window = shell.window
    assert window is not None
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
    qtbot.waitUntil(shell.runner.is_idle, timeout=10_000)
    assert len(list(texts(window))) > 100  # the walk reaches the panels
    assert problems(window, lang) == []


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_the_editor_and_the_settings_speak_one_language(qtbot, make_shell, lang) -> None:
    shell = make_shell(lang=lang)
    wait_ready(qtbot, shell)
    assert shell.window is not None
    editor = shell.window.panels.open_editor()
    assert editor is not None
    qtbot.waitUntil(lambda: editor.ready, timeout=10_000)
    editor.undo_bar.setVisible(True)  # shown after issuing: its words count too
    assert problems(editor, lang) == []
    settings = shell.open_settings()
    assert problems(settings, lang) == []
    settings.reject()
    editor.dirty = False
    editor.close()


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_the_first_run_wizard_speaks_one_language(qtbot, make_shell, lang) -> None:
    shell = make_shell(lang=lang, setup=False)
    wizard = shell.open_wizard()
    for _page in range(4):
        assert problems(wizard, lang) == []
        wizard.next()
    wizard.reject()


def test_the_detector_finds_a_word_of_the_other_language(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    root = QLabel("Cofnij (undo)", parent)
    assert problems(parent, "en")  # the button the issue saw
    root.setText("Undo")
    assert problems(parent, "en") == []
    root.setText("1 234,50 zł")
    assert problems(parent, "en")
    root.setText("1,234.50 PLN")
    assert problems(parent, "en") == []
    root.setText("Save draft")
    assert problems(parent, "pl")
    root.setText("Zapisz szkic")
    assert problems(parent, "pl") == []
    root.setText("Adres e-mail nabywcy")  # a loanword Polish has taken in
    assert problems(parent, "pl") == []
    root.setText("Serwer mail")  # but not the English word inside it
    assert problems(parent, "pl")
