"""First run: environment, company, KSeF token (pasted, or generated after a login by
signature: wizard_signature.py), optional offline certificate.

Sandbox is preselected with a demo company, so everything works at once: the program
starts its built-in Sandbox and keeps the Sandbox's token in the keyring by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from ksef_desktop.i18n import _
from ksef_desktop.ksef import environments
from ksef_desktop.ui.context import environment_label
from ksef_desktop.ui.fields import CertificatePicker, NipEdit, SetupValues, token_edit
from ksef_desktop.ui.settings import DEMO_ADDRESS, DEMO_COMPANY, DEMO_NIP
from ksef_desktop.ui.wizard_signature import RequestWriter, SignaturePage

if TYPE_CHECKING:
    from ksef_desktop.services.signing import SignatureChoice


def _explain(name: str) -> str:
    return {
        environments.SANDBOX: _(
            "Try everything at once with a demo company; nothing leaves this computer."
        ),
        environments.TEST: _(
            "The Ministry's test environment: invoices there have no legal effect."
        ),
        environments.DEMO: _("The Ministry's pre-production environment, for a final check."),
        environments.PROD: _("The real KSeF: invoices sent there are legally binding."),
    }[name]


class EnvironmentPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Where should invoices go?"))
        self.setSubTitle(_("You can change this later in the settings."))
        self.group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        for i, name in enumerate(environments.NAMES):
            button = QRadioButton(f"&{i + 1} {environment_label(name)}")
            button.setProperty("environment", name)
            self.group.addButton(button, i)
            layout.addWidget(button)
            hint = QLabel(_explain(name))
            hint.setWordWrap(True)
            hint.setIndent(24)
            layout.addWidget(hint)
        self.group.button(0).setChecked(True)

    @property
    def environment(self) -> str:
        button = self.group.checkedButton()
        return str(button.property("environment")) if button else environments.SANDBOX


class CompanyPage(QWizardPage):
    def __init__(self, env_page: EnvironmentPage) -> None:
        super().__init__()
        self.env_page = env_page
        self.setTitle(_("Your company"))
        self.nip = NipEdit()
        self.name = QLineEdit()
        self.address = QLineEdit()
        form = QFormLayout(self)
        form.addRow(_("Seller's &NIP:"), self.nip)
        form.addRow(_("Company &name:"), self.name)
        form.addRow(_("&Address:"), self.address)
        self.nip.edit.textChanged.connect(self.completeChanged)
        self.name.textChanged.connect(self.completeChanged)

    def initializePage(self) -> None:
        sandbox = self.env_page.environment == environments.SANDBOX
        self.setSubTitle(
            _("A demo company is filled in for the Sandbox; change it if you like.")
            if sandbox
            else _("As it should appear on your invoices.")
        )
        if sandbox and not self.nip.edit.text():
            self.nip.edit.setText(DEMO_NIP)
            self.name.setText(DEMO_COMPANY)
            self.address.setText(DEMO_ADDRESS)

    def isComplete(self) -> bool:
        return self.nip.is_valid() and bool(self.name.text().strip())


class TokenPage(QWizardPage):
    def __init__(self, env_page: EnvironmentPage) -> None:
        super().__init__()
        self.env_page = env_page
        self.setTitle(_("KSeF token"))
        self.setSubTitle(_("It is kept only in the system keyring, never in a file."))
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.token = token_edit()
        self.by_signature = QCheckBox(
            _("&Log in with an electronic signature instead: the program generates its own token")
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.token)
        layout.addWidget(self.by_signature)
        self.token.textChanged.connect(self.completeChanged)
        self.by_signature.toggled.connect(self._by_signature)

    def _by_signature(self, on: bool) -> None:
        self.token.setEnabled(not on)
        self.completeChanged.emit()

    def nextId(self) -> int:
        """The signature page only when the user chose to log in with a signature."""
        wizard = self.wizard()
        assert isinstance(wizard, FirstRunWizard)
        page = wizard.signature_page if self.by_signature.isChecked() else wizard.certificate_page
        return wizard.page_ids[page]

    def initializePage(self) -> None:
        sandbox = self.env_page.environment == environments.SANDBOX
        self.token.setVisible(not sandbox)
        self.note.setText(
            _(
                "The Sandbox issues its own token; KSeF Desktop keeps it in the system keyring "
                "for you."
            )
            if sandbox
            else _(
                "Paste the KSeF token you generated for this NIP. It is kept only in the system "
                "keyring; afterwards the program only shows whether one is stored."
            )
        )

    def isComplete(self) -> bool:
        sandbox = self.env_page.environment == environments.SANDBOX
        return sandbox or self.by_signature.isChecked() or bool(self.token.text().strip())


class CertificatePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Offline certificate (optional)"))
        self.setSubTitle(_("Needed only to print KOD II on invoices issued offline."))
        note = QLabel(
            _(
                "It is checked when you finish; its private key goes only to the system "
                "keyring. You can add it later in the settings."
            )
        )
        note.setWordWrap(True)
        self.picker = CertificatePicker()
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.picker)


class FirstRunWizard(QWizard):
    """``save_request`` (from the Shell) saves the unsigned request for signing
    elsewhere in the worker; without it that way is not offered."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        save_request: RequestWriter | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("KSeF Desktop: first start"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.environment_page = EnvironmentPage()
        self.company_page = CompanyPage(self.environment_page)
        self.token_page = TokenPage(self.environment_page)
        self.signature_page = SignaturePage(
            lambda: self.environment_page.environment,
            lambda: self.company_page.nip.nip,
            save_request,
            now,
        )
        self.certificate_page = CertificatePage()
        self.page_ids: dict[QWizardPage, int] = {}
        for page in (
            self.environment_page,
            self.company_page,
            self.token_page,
            self.signature_page,
            self.certificate_page,
        ):
            self.page_ids[page] = self.addPage(page)

    def signature_choice(self) -> SignatureChoice | None:
        """How to log in for the program's own token, when the user chose a signature."""
        if not self.token_page.by_signature.isChecked():
            return None
        return self.signature_page.picker.choice()

    def values(self) -> SetupValues:
        env = self.environment_page.environment
        return SetupValues(
            environment=env,
            nip=self.company_page.nip.nip,
            company_name=self.company_page.name.text().strip(),
            company_address=self.company_page.address.text().strip(),
            certificate=self.certificate_page.picker.path,
            certificate_key=self.certificate_page.picker.key.path,
            certificate_password=self.certificate_page.picker.password.text(),
            token=(
                ""
                if env == environments.SANDBOX or self.token_page.by_signature.isChecked()
                else self.token_page.token.text().strip()
            ),
        )
