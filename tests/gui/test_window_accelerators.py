"""One widget per Alt+letter across the main window: the menu bar, the tabs and the page
shown (each tab in turn), in Polish and in English. A shared letter only moves the focus
between its owners in turn instead of doing what either says."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QWidget

from tests.gui.helpers import wait_ready

MNEMONIC = re.compile(r"(?<!&)&([^&\s])")


def _letters(window, page: QWidget) -> dict[str, list[str]]:
    texts = [a.text() for a in window.menuBar().actions()]
    texts += [window.tabs.tabText(i) for i in range(window.tabs.count())]
    texts += [w.text() for w in page.findChildren(QLabel) if w.isVisibleTo(window)]
    texts += [w.text() for w in page.findChildren(QAbstractButton) if w.isVisibleTo(window)]
    texts += [w.title() for w in page.findChildren(QGroupBox) if w.isVisibleTo(window)]
    found: dict[str, list[str]] = {}
    for text in texts:
        match = MNEMONIC.search(text)
        if match:
            found.setdefault(match.group(1).lower(), []).append(text)
    return found


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_every_tab_of_the_main_window_has_one_owner_per_letter(qtbot, make_shell, lang):
    shell = make_shell(lang=lang)
    wait_ready(qtbot, shell)
    window = shell.window
    assert window is not None
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        qtbot.waitUntil(lambda: shell.runner.is_idle(), timeout=10_000)
        letters = _letters(window, window.tabs.currentWidget())
        assert len(letters) >= window.tabs.count() + 4  # menus, tabs and the page's own
        shared = {k: v for k, v in letters.items() if len(v) > 1}
        assert not shared, (window.tabs.tabText(index), shared)
