"""The Security panel's dialogs: how to sign, a new token, a new permission. They only
ask; the panel does the work in the worker."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop.domain.access import (
    APP_TOKEN_PERMISSIONS,
    AUTHORIZATIONS,
    ENTITY_PERMISSIONS,
    PERSON_PERMISSIONS,
    TOKEN_PERMISSIONS,
    kind,
)
from ksef_desktop.i18n import _
from ksef_desktop.services.access_rights import GrantRequest
from ksef_desktop.services.credentials import CredentialsError
from ksef_desktop.ui.signature_picker import SignaturePicker


def _buttons(dialog: QDialog) -> QDialogButtonBox:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class SignatureDialog(QDialog):
    """How to sign the login that manages credentials."""

    def __init__(self, environment: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Log in with a signature"))
        note = QLabel(
            _(
                "KSeF lets only a login by signature generate tokens, request certificates "
                "and grant permissions. The login lasts until the program closes."
            )
        )
        note.setWordWrap(True)
        self.picker = SignaturePicker(environment, stored=True)
        self.buttons = _buttons(self)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.picker.changed.connect(lambda: ok.setEnabled(self.picker.is_complete()))
        ok.setEnabled(self.picker.is_complete())
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.picker)
        layout.addWidget(self.buttons)


class _Checks(QWidget):
    """One checkbox per permission, its explanation beside it."""

    def __init__(
        self, codes: tuple[str, ...], checked: tuple[str, ...], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        self._explanations: dict[str, QLabel] = {}
        for row, code in enumerate(codes):
            k = kind(code)
            box = QCheckBox(k.text())
            box.setChecked(code in checked)
            box.setToolTip(k.explain())
            explain = QLabel(k.explain())
            explain.setWordWrap(True)
            grid.addWidget(box, row, 0)
            grid.addWidget(explain, row, 1)
            self.boxes[code] = box
            self._explanations[code] = explain

    def chosen(self) -> list[str]:
        return [code for code, box in self.boxes.items() if box.isChecked()]

    def set_codes(self, codes: tuple[str, ...]) -> None:
        """Show only ``codes`` (the kinds a person, an entity or an authorisation has)."""
        for code, box in self.boxes.items():
            box.setVisible(code in codes)
            self._explanations[code].setVisible(code in codes)


class TokenDialog(QDialog):
    """A new KSeF token: permissions and a description; it goes to the keyring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("New KSeF token"))
        note = QLabel(
            _(
                "The token becomes the program's token for this profile, kept only in the "
                "system keyring; the token it replaces stays valid until you revoke it."
            )
        )
        note.setWordWrap(True)
        self.permissions = _Checks(TOKEN_PERMISSIONS, APP_TOKEN_PERMISSIONS)
        self.description = QLineEdit(_("KSeF Desktop"))
        self.description.setMaxLength(256)
        self.description.setAccessibleName(_("Description"))
        self.buttons = _buttons(self)
        form = QFormLayout()
        form.addRow(_("Desc&ription:"), self.description)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.permissions)
        layout.addLayout(form)
        layout.addWidget(self.buttons)


class GrantDialog(QDialog):
    """A permission for a person (NIP or PESEL) or an entity such as an accounting office."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Grant a permission"))
        self.group = QButtonGroup(self)
        self.to_person = QRadioButton(_("A &person (an employee; NIP or PESEL)"))
        self.to_entity = QRadioButton(_("A &company (e.g. an accounting office; NIP)"))
        self.as_authorization = QRadioButton(
            _("An &authorisation for a company (self-invoicing, tax representative …)")
        )
        for i, button in enumerate((self.to_person, self.to_entity, self.as_authorization)):
            self.group.addButton(button, i)
        self.to_person.setChecked(True)
        self.identifier = QLineEdit()
        self.identifier.setAccessibleName(_("NIP or PESEL"))
        self.first_name = QLineEdit()
        self.last_name = QLineEdit()
        self.full_name = QLineEdit()
        self.description = QLineEdit()
        self.description.setMaxLength(256)
        self.can_delegate = QCheckBox(_("The company may pass it on to its own people"))
        codes = tuple(dict.fromkeys(PERSON_PERMISSIONS + ENTITY_PERMISSIONS + AUTHORIZATIONS))
        self.permissions = _Checks(codes, ())
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b71c1c")
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("&NIP or PESEL:"), self.identifier)
        form.addRow(_("&First name:"), self.first_name)
        form.addRow(_("&Last name:"), self.last_name)
        form.addRow(_("Company's full na&me:"), self.full_name)
        form.addRow(_("Desc&ription:"), self.description)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for button in (self.to_person, self.to_entity, self.as_authorization):
            layout.addWidget(button)
        layout.addLayout(form)
        layout.addWidget(self.can_delegate)
        layout.addWidget(self.permissions)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.group.idToggled.connect(lambda _i, _on: self._kind_changed())
        self._kind_changed()
        self.request: GrantRequest | None = None

    def _kind_changed(self) -> None:
        person = self.to_person.isChecked()
        for edit in (self.first_name, self.last_name):
            edit.setEnabled(person)
        self.full_name.setEnabled(not person)
        self.can_delegate.setVisible(self.to_entity.isChecked())
        if person:
            self.permissions.set_codes(PERSON_PERMISSIONS)
        elif self.to_entity.isChecked():
            self.permissions.set_codes(ENTITY_PERMISSIONS)
        else:
            self.permissions.set_codes(AUTHORIZATIONS)

    def build(self) -> GrantRequest:
        """The request the form describes (``CredentialsError`` saying what is wrong)."""
        description = self.description.text()
        if self.to_person.isChecked():
            chosen = [c for c in self.permissions.chosen() if c in PERSON_PERMISSIONS]
            return GrantRequest.person(
                self.identifier.text(),
                chosen,
                description,
                self.first_name.text(),
                self.last_name.text(),
            )
        if self.to_entity.isChecked():
            chosen = [c for c in self.permissions.chosen() if c in ENTITY_PERMISSIONS]
            return GrantRequest.entity(
                self.identifier.text(),
                chosen,
                description,
                self.full_name.text(),
                can_delegate=self.can_delegate.isChecked(),
            )
        chosen = [c for c in self.permissions.chosen() if c in AUTHORIZATIONS]
        if len(chosen) != 1:
            raise CredentialsError(_("Choose exactly one authorisation."))
        return GrantRequest.authorization(
            self.identifier.text(), chosen[0], description, self.full_name.text()
        )

    def _accept(self) -> None:
        try:
            self.request = self.build()
        except CredentialsError as exc:
            self.problem.setText(str(exc))
            return
        self.accept()
