"""How the user signs a login: a certificate file, the profile's KSeF certificate, a
self-signed test certificate (Test and Sandbox only) or a request signed elsewhere.

The widget only asks; ``services.signing.resolve_choice`` turns the answer into a
signature in the worker. The password is read from the field when the choice is made
and never kept.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop.i18n import _
from ksef_desktop.services.signing import (
    EXTERNAL,
    FILE,
    SELF_SIGNED,
    SELF_SIGNED_ENVIRONMENTS,
    STORED,
    SignatureChoice,
)
from ksef_desktop.ui.fields import FilePicker


class SignaturePicker(QWidget):
    changed = Signal()
    #: The user wants the unsigned request saved (only when external signing is offered).
    save_request = Signal()

    def __init__(
        self,
        environment: str,
        *,
        stored: bool = False,
        external: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.group = QButtonGroup(self)
        self.by_file = QRadioButton(_("A certificate &file (.p12/.pfx, or a certificate and key)"))
        self.by_stored = QRadioButton(_("The profile's KSeF &certificate (in the system keyring)"))
        self.by_self_signed = QRadioButton(
            _("A self-signed &test certificate with the NIP (Test and Sandbox only)")
        )
        self.by_external = QRadioButton(_("Sign &elsewhere (trusted profile, a signing program)"))
        self.certificate = FilePicker(
            "",
            _("certificate (.p12, .pfx, .crt, .pem, .der)"),
            _("Certificates (*.p12 *.pfx *.crt *.pem *.der *.cer);;All files (*)"),
        )
        self.key = FilePicker(
            "",
            _("its private key (.key, .pem); not needed for .p12"),
            _("Private keys (*.key *.pem);;All files (*)"),
        )
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("the password, if the key has one"))
        self.password.setAccessibleName(_("Password of the private key"))
        self.signed = FilePicker(
            "",
            _("the signed request (.xml)"),
            _("XML files (*.xml);;All files (*)"),
        )
        self.save_button = QPushButton(_("&Save the request to sign…"))
        self.save_button.clicked.connect(self.save_request.emit)
        note = QLabel(
            _(
                "Save the request, sign it (XAdES) with the trusted profile or your signing "
                "program within 10 minutes, then choose the signed file."
            )
        )
        note.setWordWrap(True)

        files = QWidget()
        form = QFormLayout(files)
        form.setContentsMargins(24, 0, 0, 0)
        form.addRow(_("Certi&ficate:"), self.certificate)
        form.addRow(_("Private &key:"), self.key)
        form.addRow(_("Pass&word:"), self.password)
        outside = QWidget()
        column = QVBoxLayout(outside)
        column.setContentsMargins(24, 0, 0, 0)
        column.addWidget(note)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.signed, 1)
        column.addLayout(row)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for i, (button, detail) in enumerate(
            (
                (self.by_file, files),
                (self.by_stored, None),
                (self.by_self_signed, None),
                (self.by_external, outside),
            )
        ):
            self.group.addButton(button, i)
            layout.addWidget(button)
            if detail is not None:
                layout.addWidget(detail)
        self._files, self._outside = files, outside
        self.by_stored.setVisible(stored)
        self.by_external.setVisible(external)
        outside.setVisible(external)
        self.set_environment(environment)
        self.by_file.setChecked(True)
        self.group.idToggled.connect(lambda _i, _on: self._update())
        for edit in (self.certificate.edit, self.key.edit, self.signed.edit):
            edit.textChanged.connect(lambda _t: self.changed.emit())
        self._update()

    def set_environment(self, environment: str) -> None:
        allowed = environment in SELF_SIGNED_ENVIRONMENTS
        self.by_self_signed.setEnabled(allowed)
        if not allowed and self.by_self_signed.isChecked():
            self.by_file.setChecked(True)

    def _update(self) -> None:
        self._files.setEnabled(self.by_file.isChecked())
        self._outside.setEnabled(self.by_external.isChecked())
        self.changed.emit()

    def is_complete(self) -> bool:
        if self.by_file.isChecked():
            return bool(self.certificate.path)
        if self.by_external.isChecked():
            return bool(self.signed.path)
        return self.group.checkedButton() is not None

    def choice(self) -> SignatureChoice:
        if self.by_stored.isChecked():
            return SignatureChoice(STORED)
        if self.by_self_signed.isChecked():
            return SignatureChoice(SELF_SIGNED)
        if self.by_external.isChecked():
            return SignatureChoice(EXTERNAL, signed_request=self.signed.path)
        return SignatureChoice(FILE, self.certificate.path, self.key.path, self.password.text())
