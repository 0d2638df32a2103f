"""Form fields shared by the first-run wizard and the settings dialog.

``SetupValues`` is what both collect; the token is carried only from the form to the
keyring (``AppContext.store_token``) and never written anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from ksef_desktop.domain.identifiers import nip_is_valid, normalize_nip
from ksef_desktop.i18n import _
from ksef_desktop.ksef import environments
from ksef_desktop.ui.context import environment_label


@dataclass(frozen=True)
class SetupValues:
    environment: str
    nip: str
    company_name: str
    company_address: str
    certificate: str  # a certificate file to import ("" or the kept one: nothing new)
    token: str = ""  # only on its way to the keyring; empty = keep what is stored
    certificate_key: str = ""  # its private key file (not needed for .p12/.pfx)
    certificate_password: str = ""  # only on its way to the import, never kept

    def __repr__(self) -> str:  # never show a secret, not even in a traceback
        return (
            f"SetupValues(environment={self.environment!r}, nip={self.nip!r}, "
            f"certificate={self.certificate!r}, "
            f"token={'<set>' if self.token else '<empty>'})"
        )


def nip_problem(text: str) -> str:
    """A translated reason why ``text`` is not a usable NIP, or "" when it is one."""
    nip = normalize_nip(text)
    if not nip:
        return _("Enter the seller's NIP.")
    if not nip_is_valid(nip):
        return _("The NIP {nip} is not valid (check digit).").format(nip=nip)
    return ""


def environment_combo(current: str) -> QComboBox:
    combo = QComboBox()
    for name in environments.NAMES:
        combo.addItem(environment_label(name), name)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


class NipEdit(QWidget):
    """A NIP field that says at once what is wrong with it."""

    def __init__(self, value: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(value)
        self.edit.setPlaceholderText("5265877635")
        self.edit.setMaxLength(20)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b71c1c")
        self.problem.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.problem, 1)
        self.edit.textChanged.connect(self._check)
        self.setFocusProxy(self.edit)
        self._check()

    def _check(self) -> None:
        self.problem.setText(nip_problem(self.edit.text()) if self.edit.text() else "")

    @property
    def nip(self) -> str:
        return normalize_nip(self.edit.text())

    def is_valid(self) -> bool:
        return not nip_problem(self.edit.text())


def token_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(_("paste the KSeF token here"))
    edit.setAccessibleName(_("KSeF token"))
    return edit


class FilePicker(QWidget):
    """A path field with a Browse… button."""

    def __init__(self, value: str, placeholder: str, filters: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._filters = filters
        self.edit = QLineEdit(value)
        self.edit.setPlaceholderText(placeholder)
        browse = QPushButton(_("&Browse…"))
        browse.clicked.connect(self._browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(browse)
        self.setFocusProxy(self.edit)

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.edit.placeholderText(), str(Path.home()), self._filters
        )
        if path:
            self.edit.setText(path)

    @property
    def path(self) -> str:
        return self.edit.text().strip()


class CertificatePicker(QWidget):
    """The offline certificate, its private key file and the key's password.

    Checked and imported (key into the keyring) in the background when the form is
    accepted; the password is never kept.
    """

    def __init__(self, value: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.certificate = FilePicker(
            value,
            _("optional: offline certificate (.crt, .pem, .der, .p12)"),
            _("Certificates (*.crt *.pem *.der *.cer *.p12 *.pfx);;All files (*)"),
        )
        self.key = FilePicker(
            "",
            _("its private key (.key, .pem); not needed for .p12"),
            _("Private keys (*.key *.pem);;All files (*)"),
        )
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("the key's password, if it has one"))
        self.password.setAccessibleName(_("Password of the private key"))
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(_("&Certificate:"), self.certificate)
        form.addRow(_("Private &key:"), self.key)
        form.addRow(_("Pass&word:"), self.password)
        self.setFocusProxy(self.certificate)

    @property
    def path(self) -> str:
        return self.certificate.path
