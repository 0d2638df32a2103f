"""No two actions of one window share a keyboard shortcut: Qt would only say "Ambiguous
shortcut overload" and do neither. Every QAction, QShortcut and button of the main window
(every tab built) and of the editor is walked, in Polish and in English.

Two shortcuts are shared when they can fire from the same place, which is how Qt decides
ambiguity: an action of the whole window (its menus) against anything in it; an action or
button of a panel against those of the same panel (or of a panel inside it). The invoice
list and the session browser are separate tabs, never shown together, so each may have
its own Ctrl+R for "refresh this list"; the window's menus may not reuse it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QMenu, QWidget

from tests.gui.helpers import wait_ready

#: Alt+letter belongs to the mnemonics, whose own tests (test_*_accelerators) check them.
MNEMONIC = re.compile(r"Alt\+[^+]$")


@dataclass(frozen=True)
class Owner:
    who: str
    scope: QWidget | None  # None: the whole window

    def overlaps(self, other: Owner) -> bool:
        if self.scope is None or other.scope is None:
            return True
        return (
            self.scope.isAncestorOf(other.scope)
            or other.scope.isAncestorOf(self.scope)
            or (self.scope is other.scope)
        )


def shortcuts(root: QWidget) -> dict[str, list[Owner]]:
    """Every shortcut of ``root`` and its children: sequence -> who has it, and where."""
    owners: dict[str, list[Owner]] = {}
    seen: set[int] = set()

    def add(sequence: QKeySequence, who: str, scope: QWidget | None) -> None:
        text = sequence.toString(QKeySequence.SequenceFormat.PortableText)
        if text and not MNEMONIC.fullmatch(text):
            owners.setdefault(text, []).append(Owner(who, None if scope is root else scope))

    actions = list(root.actions()) + root.findChildren(QAction)
    for widget in root.findChildren(QWidget):
        actions += widget.actions()
    for action in actions:
        if id(action) in seen or action.isSeparator():
            continue
        seen.add(id(action))
        places = [
            o
            for o in action.associatedObjects()
            if isinstance(o, QWidget) and not isinstance(o, QMenu)
        ]
        scope = places[0] if places else root
        for sequence in action.shortcuts():
            add(sequence, f"action {action.text()!r}", scope)
    for shortcut in root.findChildren(QShortcut):
        parent = shortcut.parent()
        scope = parent if isinstance(parent, QWidget) else root
        add(shortcut.key(), f"shortcut {shortcut.objectName()!r}", scope)
    for button in root.findChildren(QAbstractButton):
        add(button.shortcut(), f"button {button.text()!r}", button)
    return owners


def shared(owners: dict[str, list[Owner]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, found in owners.items():
        for i, one in enumerate(found):
            for other in found[i + 1 :]:
                if one.overlaps(other):
                    out.setdefault(key, []).extend([one.who, other.who])
    return out


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_no_two_actions_of_the_main_window_share_a_shortcut(qtbot, make_shell, lang):
    shell = make_shell(lang=lang)
    wait_ready(qtbot, shell)
    window = shell.window
    assert window is not None
    for index in range(window.tabs.count()):  # the lazily built panels too
        window.tabs.setCurrentIndex(index)
    qtbot.waitUntil(lambda: shell.runner.is_idle(), timeout=10_000)
    owners = shortcuts(window)
    assert "Ctrl+Shift+O" in owners  # the walk sees the invoice list's actions
    assert "Ctrl+," in owners  # and the menus'
    assert not shared(owners), shared(owners)


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_no_two_actions_of_the_editor_share_a_shortcut(qtbot, make_shell, lang):
    shell = make_shell(lang=lang)
    wait_ready(qtbot, shell)
    assert shell.window is not None
    editor = shell.window.panels.open_editor(None)
    assert editor is not None
    qtbot.waitUntil(lambda: editor.ready, timeout=10_000)
    owners = shortcuts(editor)
    assert "Ctrl+Return" in owners
    assert not shared(owners), shared(owners)
    editor.close()


def test_the_walk_finds_a_shared_shortcut(qtbot):
    root = QWidget()
    qtbot.addWidget(root)
    for text in ("one", "two"):
        action = QAction(text, root)
        action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        root.addAction(action)
    assert shared(shortcuts(root)) == {"Ctrl+Shift+O": ["action 'one'", "action 'two'"]}
    # Two sibling panels (tabs) may each have their own; a window action may not.
    left, right = QWidget(root), QWidget(root)
    for panel in (left, right):
        action = QAction("refresh", panel)
        action.setShortcut(QKeySequence("Ctrl+R"))
        panel.addAction(action)
    assert "Ctrl+R" not in shared(shortcuts(root))
    menu = QAction("window refresh", root)
    menu.setShortcut(QKeySequence("Ctrl+R"))
    root.addAction(menu)
    assert len(shared(shortcuts(root))["Ctrl+R"]) == 4
