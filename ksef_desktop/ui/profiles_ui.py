"""Profiles in the window: the band that names the environment, the question asked before
Production is used the first time, and the dialog that adds a profile.

What a profile is and which rules hold (one seller NIP in one environment; Production is
confirmed once) lives in ``store.profiles``; this module only shows and asks.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop.i18n import _
from ksef_desktop.store.profiles import Environment, Profile
from ksef_desktop.ui.fields import NipEdit, environment_combo, token_edit

#: The band's colours: practice environments are never mistaken for Production (which
#: has no band at all).
BAND_COLOURS = {
    Environment.SANDBOX: ("#fff3cd", "#664d03"),
    Environment.TEST: ("#cfe2ff", "#084298"),
    Environment.DEMO: ("#e2d9f3", "#432874"),
}


def band_text(profile: Profile) -> str:
    if profile.environment is Environment.SANDBOX:
        return _(
            "SANDBOX — practice on this computer: nothing reaches the Ministry's KSeF. "
            "Profile: {profile}"
        ).format(profile=profile.label)
    return _(
        "{env} ENVIRONMENT of the Ministry — invoices here are not legal documents. "
        "Profile: {profile}"
    ).format(env=profile.environment.label.upper(), profile=profile.label)


class EnvironmentBand(QLabel):
    """A coloured line above the tabs for Sandbox, Test and Demo; hidden in Production."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("environmentBand")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMargin(4)
        self.hide()

    def set_profile(self, profile: Profile) -> None:
        colours = BAND_COLOURS.get(profile.environment)
        if colours is None:
            self.hide()
            return
        background, text = colours
        self.setStyleSheet(f"QLabel#environmentBand {{ background: {background}; color: {text}; }}")
        self.setText(band_text(profile))
        self.setAccessibleName(self.text())
        self.show()


def confirm_production(parent: QWidget | None, nip: str) -> bool:
    """Ask once before a Production profile is used: there invoices are legal documents."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(_("Switch to Production?"))
    box.setText(
        _(
            "You are switching NIP {nip} to Production, the Ministry's real KSeF. Invoices "
            "sent there are legal documents and cannot be withdrawn."
        ).format(nip=nip)
    )
    box.setInformativeText(
        _(
            "Invoices made in the Sandbox, Test or Demo stay in their own profiles and are "
            "never sent to Production."
        )
    )
    yes = box.addButton(_("Use &Production"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is yes


@dataclass(frozen=True)
class NewProfile:
    environment: str
    nip: str
    company_name: str
    company_address: str
    token: str  # only on its way to the keyring

    def __repr__(self) -> str:  # never show a secret, not even in a traceback
        return f"NewProfile({self.environment!r}, {self.nip!r}, token=<{bool(self.token)}>)"


class ProfileDialog(QDialog):
    """Add a profile (another company, or the same one in another environment), with its
    company data and, for the Ministry's environments, its token."""

    def __init__(self, current: Profile | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Add a profile"))
        self.setMinimumWidth(560)
        self.environment = environment_combo(Environment.TEST.value)
        self.nip = NipEdit(current.nip if current else "")
        self.company_name = QLineEdit(current.company_name if current else "")
        self.company_address = QLineEdit(current.company_address if current else "")
        self.token = token_edit()
        note = QLabel(
            _(
                "A profile is one company (NIP) in one KSeF environment. Each keeps its own "
                "invoices, numbering, sessions and token; contractors are shared by the "
                "company's profiles."
            )
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("KSeF &environment:"), self.environment)
        form.addRow(_("Seller's &NIP:"), self.nip)
        form.addRow(_("C&ompany name:"), self.company_name)
        form.addRow(_("&Address:"), self.company_address)
        form.addRow(_("KSeF &token:"), self.token)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def _accept(self) -> None:
        if not self.nip.is_valid():
            self.nip.edit.setFocus()
            return
        self.accept()

    def values(self) -> NewProfile:
        return NewProfile(
            environment=str(self.environment.currentData()),
            nip=self.nip.nip,
            company_name=self.company_name.text().strip(),
            company_address=self.company_address.text().strip(),
            token=self.token.text().strip(),
        )
