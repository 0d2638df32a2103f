"""Everything the first-run wizard asked, and the rest of the settings, changeable later.

Labels come from the declarations in ``ui/settings.py``. The token field is empty: a
token typed there replaces the stored one; the dialog only says whether one is stored.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop.i18n import _
from ksef_desktop.store.profiles import Profile
from ksef_desktop.ui.fields import CertificatePicker, NipEdit, SetupValues, environment_combo
from ksef_desktop.ui.fields import token_edit as make_token_edit
from ksef_desktop.ui.settings import PROFILE_LABELS, Settings, option


def _label(key: str) -> str:
    label = PROFILE_LABELS.get(key) or option(key).label
    return _(label) + ":"


class SettingsDialog(QDialog):
    """The settings; the environment, NIP and company fields are the current profile's
    (another environment or NIP switches to that profile, making it if new)."""

    def __init__(
        self,
        settings: Settings,
        token_stored: bool,
        profile: Profile | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(_("Settings"))
        self.setMinimumWidth(760)
        s = settings
        self.environment = environment_combo(
            profile.environment.value if profile else s["environment"]
        )
        self.nip = NipEdit(profile.nip if profile else s["nip"])
        self.company_name = QLineEdit(profile.company_name if profile else "")
        self.company_address = QLineEdit(profile.company_address if profile else "")
        self.token = make_token_edit()
        self.token.setPlaceholderText(_("leave empty to keep the stored token"))
        self.token_state = QLabel(
            _("A token is stored in the system keyring.")
            if token_stored
            else _("No token is stored yet.")
        )
        self.certificate = CertificatePicker(profile.offline_certificate if profile else "")
        self.language = QComboBox()
        self.language.addItem("Polski", "pl")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(max(0, self.language.findData(s["language"])))
        self.minutes = QSpinBox()
        self.minutes.setRange(1, 120)
        self.minutes.setValue(s["availability_minutes"])
        self.declared = QCheckBox()
        self.declared.setChecked(s["declared_offline24"])
        self.notifications = QCheckBox()
        self.notifications.setChecked(s["notifications"])

        form = QFormLayout()
        rows = [
            ("environment", self.environment),
            ("nip", self.nip),
            ("company_name", self.company_name),
            ("company_address", self.company_address),
        ]
        for key, widget in rows:
            form.addRow(_label(key), widget)
        form.addRow(_("KSeF &token:"), self.token)
        form.addRow("", self.token_state)
        for key, widget in [
            ("offline_certificate", self.certificate),
            ("language", self.language),
            ("availability_minutes", self.minutes),
            ("declared_offline24", self.declared),
            ("notifications", self.notifications),
        ]:
            form.addRow(_label(key), widget)
        from ksef_desktop.ui.settings_everyday import EverydaySettings

        self.everyday = EverydaySettings(settings)
        # The layout check (stretched strings) is a developer's tool, not a setting for
        # users: KSEF_DESKTOP_STRETCH=1 (ui/stretch.py) or "stretch_strings" in the file.
        self.note = QLabel(_("A new language applies when you press OK."))
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.everyday)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)

    def _accept(self) -> None:
        if not self.nip.is_valid():
            self.nip.edit.setFocus()
            return
        self.accept()

    def values(self) -> SetupValues:
        return SetupValues(
            environment=str(self.environment.currentData()),
            nip=self.nip.nip,
            company_name=self.company_name.text().strip(),
            company_address=self.company_address.text().strip(),
            certificate=self.certificate.path,
            certificate_key=self.certificate.key.path,
            certificate_password=self.certificate.password.text(),
            token=self.token.text().strip(),
        )

    def apply_to(self, settings: Settings) -> None:
        """Write the non-identity options (identity goes through ``Shell.apply_setup``)."""
        settings["language"] = str(self.language.currentData())
        settings["availability_minutes"] = self.minutes.value()
        settings["declared_offline24"] = self.declared.isChecked()
        settings["notifications"] = self.notifications.isChecked()
        self.everyday.apply_to(settings)
