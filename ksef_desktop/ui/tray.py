"""Desktop notifications through the system tray, when the desktop has one."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QSystemTrayIcon


def app_icon() -> QIcon:
    """The program's icon, drawn (no image files to package): "K" on KSeF red."""
    pixmap = QPixmap(64, 64)
    pixmap.fill(QColor("#c62828"))
    painter = QPainter(pixmap)
    painter.setPen(QColor("white"))
    font = QFont()
    font.setPixelSize(44)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, "K")
    painter.end()
    return QIcon(pixmap)


class Notifier(QObject):
    """Shows a message in the tray; remembers what it showed (for the status bar, tests)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.shown: list[tuple[str, str]] = []
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(app_icon(), self)
            self.tray.show()

    def notify(self, title: str, text: str) -> None:
        self.shown.append((title, text))
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Warning, 15_000)
