"""The settings of everyday invoicing (issue 20), a section of the settings dialog.

Payment term and method of new invoices and the SMTP account are settings; the seller's
bank accounts and logo are the company's (kept with its profile, written in the worker);
the SMTP password goes to the keyring only. Labels come from ``ui/settings.py``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ksef_desktop.i18n import _
from ksef_desktop.ui.editor_payment import PAYMENT_LABELS
from ksef_desktop.ui.settings import Settings, option

#: Unchanged logo (the dialog did not touch it).
KEEP = object()


class EverydaySettings(QGroupBox):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(_("Invoicing and e-mail"), parent)
        self.days = QSpinBox()
        self.days.setRange(0, 365)
        self.days.setValue(settings["payment_days"])
        self.method = QComboBox()
        for method, label in PAYMENT_LABELS:
            self.method.addItem(_(label), method.name.lower() if method is not None else "")
        self.method.setCurrentIndex(max(0, self.method.findData(settings["payment_method"])))
        self.accounts = QLineEdit()
        self.accounts.setPlaceholderText(_("IBAN or NRB; several separated by semicolons"))
        self.accounts.setAccessibleName(_("The seller's bank accounts"))
        self.accounts.setEnabled(False)  # until the company's data are loaded
        self.logo_state = QLabel(_("No logo."))
        self.logo_button = QPushButton(_("Choose a logo…"))
        self.logo_clear = QPushButton(_("Remove the logo"))
        self.logo: object = KEEP  # KEEP, None (remove) or the new file's bytes
        self.logo_button.clicked.connect(self.choose_logo)
        self.logo_clear.clicked.connect(self.clear_logo)
        self.mail_from = QLineEdit(settings["mail_from"])
        self.smtp_url = QLineEdit(settings["smtp_url"])
        self.smtp_url.setPlaceholderText("smtps://smtp.example.pl:465")
        self.smtp_user = QLineEdit(settings["smtp_user"])
        self.smtp_password = QLineEdit()
        self.smtp_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.smtp_password.setPlaceholderText(_("leave empty to keep the stored password"))
        self.smtp_password.setAccessibleName(_("SMTP password (kept in the system keyring)"))
        self.loaded = False
        logo_row = QHBoxLayout()
        for w in (self.logo_state, self.logo_button, self.logo_clear):
            logo_row.addWidget(w)
        form = QFormLayout(self)
        form.addRow(_(option("payment_days").label) + ":", self.days)
        form.addRow(_(option("payment_method").label) + ":", self.method)
        form.addRow(_("Seller's &bank accounts:"), self.accounts)
        form.addRow(_("Logo on the PDF:"), logo_row)
        for key, widget in (
            ("mail_from", self.mail_from),
            ("smtp_url", self.smtp_url),
            ("smtp_user", self.smtp_user),
        ):
            form.addRow(_(option(key).label) + ":", widget)
        form.addRow(_("E-mail: SMTP pa&ssword:"), self.smtp_password)

    def set_company(self, accounts: list[str], has_logo: bool) -> None:
        """The company's data, read in the worker: the fields become editable."""
        self.accounts.setText("; ".join(accounts))
        self.accounts.setEnabled(True)
        self.logo_state.setText(_("A logo is set.") if has_logo else _("No logo."))
        self.loaded = True

    def choose_logo(self, path: str | None = None) -> None:
        if path is None:
            path, _filter = QFileDialog.getOpenFileName(
                self, _("Logo"), "", _("Pictures (*.png *.jpg *.jpeg)")
            )
        if path:
            self.logo = Path(path).read_bytes()
            self.logo_state.setText(_("New logo: {name}").format(name=Path(path).name))

    def clear_logo(self) -> None:
        self.logo = None
        self.logo_state.setText(_("No logo."))

    def account_list(self) -> list[str]:
        return [a.strip() for a in self.accounts.text().replace(",", ";").split(";") if a.strip()]

    def apply_to(self, settings: Settings) -> None:
        settings["payment_days"] = self.days.value()
        settings["payment_method"] = str(self.method.currentData() or "")
        settings["mail_from"] = self.mail_from.text().strip()
        settings["smtp_url"] = self.smtp_url.text().strip()
        settings["smtp_user"] = self.smtp_user.text().strip()
