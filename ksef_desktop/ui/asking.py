"""A question in a message box that does not block: the answer calls back.

``QMessageBox.exec`` would run a nested event loop (and stop a test's); ``ask`` opens the
box window-modal and calls the chosen answer's function when it is clicked. The box is
returned (and kept by the caller) so that tests press its buttons like a person.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

Role = QMessageBox.ButtonRole
#: One answer: its text, its role (Accept, Reject, Destructive …) and what it does.
Answer = tuple[str, Role, Callable[[], object]]


def ask(
    parent: QWidget,
    title: str,
    text: str,
    answers: Sequence[Answer],
    *,
    icon: QMessageBox.Icon = QMessageBox.Icon.Question,
    default: int = 0,
) -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    actions: dict[int, Callable[[], object]] = {}
    buttons: list[QPushButton] = []
    for label, role, action in answers:
        button = box.addButton(label, role)
        actions[id(button)] = action
        buttons.append(button)
    box.setDefaultButton(buttons[default])
    for b, (_label, role, _action) in zip(buttons, answers, strict=True):
        if role == Role.RejectRole:
            box.setEscapeButton(b)  # Esc is the answer that changes nothing

    def clicked(button: object) -> None:
        action = actions.get(id(button))
        box.deleteLater()
        if action is not None:
            action()

    box.buttonClicked.connect(clicked)
    box.open()
    return box


def button(box: QMessageBox, text: str) -> QPushButton:
    """The button of ``box`` whose text is ``text`` (for tests)."""
    for b in box.buttons():
        if isinstance(b, QPushButton) and b.text() == text:
            return b
    raise LookupError(text)
