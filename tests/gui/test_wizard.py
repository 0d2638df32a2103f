"""First run and the settings dialog, driven through their real widgets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWizard

from ksef_desktop.secrets import SecretStore, offline_key_entry, token_entry
from ksef_desktop.ui.settings import DEMO_COMPANY, DEMO_NIP, Settings
from tests.gui.helpers import wait_ready
from tests.unit.test_certificates import make_credentials


def _click(qtbot, wizard: QWizard, which: QWizard.WizardButton) -> None:
    button = wizard.button(which)
    assert button.isEnabled(), f"{which} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_taking_every_default_ends_in_a_ready_window_with_the_token_in_the_keyring(
    qtbot, make_shell
) -> None:
    shell = make_shell(setup=False)
    shell.start()
    wizard = shell.wizard
    assert wizard is not None
    assert not shell.ctx.settings["first_run_done"]
    assert wizard.environment_page.environment == "sandbox"
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.company_page.nip.nip == DEMO_NIP
    assert wizard.company_page.name.text() == DEMO_COMPANY
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.token_page.token.isHidden()  # the Sandbox brings its own token
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    _click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    window = shell.window
    assert window is not None
    wait_ready(qtbot, shell)
    assert window.status.ksef.text() == "KSeF: dostępny"
    qtbot.waitUntil(lambda: "token zapisany" in window.status.nip.text(), timeout=10_000)
    stored = SecretStore().get(token_entry("sandbox", DEMO_NIP))
    assert stored == shell.ctx.sandbox.tokens[DEMO_NIP]
    saved = Settings(shell.ctx.data_dir)
    assert saved["first_run_done"] is True
    # the company's data live with its profile in the store, not in the settings
    profile = shell.ctx.profile
    assert profile is not None
    assert (profile.environment, profile.nip) == ("sandbox", DEMO_NIP)
    assert profile.company_name == DEMO_COMPANY
    assert "company_name" not in (shell.ctx.data_dir / "settings.json").read_text(encoding="utf-8")
    assert stored not in (shell.ctx.data_dir / "settings.json").read_text(encoding="utf-8")


def test_a_pasted_token_goes_to_the_keyring_and_is_never_shown(qtbot, make_shell) -> None:
    nip, token = "1111111111", "20261124-EC-0123456789-ABCDEF0123-FF|nip-1111111111|c0ffee"
    store = SecretStore()
    store.delete(token_entry("test", nip))
    shell = make_shell(setup=False)
    shell.start()
    wizard = shell.wizard
    assert wizard is not None
    wizard.environment_page.group.button(1).click()
    assert wizard.environment_page.environment == "test"
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    company = wizard.company_page
    assert company.nip.edit.text() == ""  # no demo company outside the Sandbox
    qtbot.keyClicks(company.nip.edit, "111-111-11-12")
    company.name.setText("Jan Nowak Usługi")  # QTest types ASCII only
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert "1111111112" in company.nip.problem.text()
    company.nip.edit.clear()
    qtbot.keyClicks(company.nip.edit, "111-111-11-11")
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    qtbot.keyClicks(wizard.token_page.token, token)
    assert wizard.token_page.token.echoMode() == QLineEdit.EchoMode.Password
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    _click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    try:
        qtbot.waitUntil(lambda: store.get(token_entry("test", nip)) == token, timeout=10_000)
        wait_ready(qtbot, shell)
        window = shell.window
        assert window is not None
        qtbot.waitUntil(lambda: "token zapisany" in window.status.nip.text(), timeout=10_000)
        shown = [w.text() for w in window.findChildren(QLabel)]
        shown += [w.text() for w in window.findChildren(QLineEdit)]
        assert all(token not in text for text in shown)
        assert token not in (shell.ctx.data_dir / "settings.json").read_text(encoding="utf-8")
        dialog = shell.open_settings()
        assert dialog.token.text() == ""
        assert dialog.token_state.text() == "Token jest zapisany w systemowym magazynie haseł."
        dialog.reject()
    finally:
        store.delete(token_entry("test", nip))


def test_the_settings_dialog_switches_the_language(qtbot, make_shell) -> None:
    shell = make_shell()
    wait_ready(qtbot, shell)
    dialog = shell.open_settings()
    assert dialog.language.currentData() == "pl"
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    dialog.minutes.setValue(7)
    dialog.buttons.accepted.emit()
    window = shell.window
    assert window is not None
    assert window.tabs.tabText(0) == "&Invoices"
    assert window.status.ksef.text() == "KSeF: available"
    qtbot.waitUntil(shell.runner.is_idle, timeout=10_000)
    saved = Settings(shell.ctx.data_dir)
    assert saved["language"] == "en"
    assert saved["availability_minutes"] == 7
    assert shell.controller is not None
    assert shell.controller._timer.interval() == 7 * 60_000


def _through_wizard_with_certificate(qtbot, shell, cert: Path, key: Path, password: str) -> None:
    shell.start()
    wizard = shell.wizard
    assert wizard is not None
    for _ in range(3):
        _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    picker = wizard.certificate_page.picker
    picker.certificate.edit.setText(str(cert))
    picker.key.edit.setText(str(key))
    qtbot.keyClicks(picker.password, password)
    assert picker.password.echoMode() == QLineEdit.EchoMode.Password
    _click(qtbot, wizard, QWizard.WizardButton.FinishButton)


def test_an_offline_certificate_is_imported_with_its_key_in_the_keyring(
    qtbot, make_shell, tmp_path
) -> None:
    later = datetime.now(UTC) + timedelta(days=200)
    cert, key, _key = make_credentials(tmp_path, password="tajne-haslo", not_after=later)
    shell = make_shell(setup=False)
    _through_wizard_with_certificate(qtbot, shell, cert, key, "tajne-haslo")
    qtbot.waitUntil(lambda: bool(shell.certificate_note), timeout=15_000)
    assert shell.certificate_note.startswith("Zaimportowano certyfikat offline")
    serial = shell.certificate_note.split()[-1].rstrip(".")
    store = SecretStore()
    entry = offline_key_entry("sandbox", DEMO_NIP, serial)
    try:
        assert (store.get(entry) or "").startswith("-----BEGIN PRIVATE KEY-----")
        qtbot.waitUntil(lambda: bool(shell.ctx.profile and shell.ctx.profile.offline_certificate))
        assert shell.ctx.profile is not None
        kept = Path(shell.ctx.profile.offline_certificate)
        assert kept.parent == shell.ctx.data_dir
        assert kept.read_bytes().startswith(b"0")  # DER: a SEQUENCE
        qtbot.waitUntil(shell.runner.is_idle, timeout=10_000)
        saved = (shell.ctx.data_dir / "settings.json").read_text(encoding="utf-8")
        assert "tajne-haslo" not in saved
        assert "PRIVATE KEY" not in saved
    finally:
        store.delete(entry)


def test_a_wrong_certificate_is_refused_with_a_reason(qtbot, make_shell, tmp_path) -> None:
    cert, key, _key = make_credentials(
        tmp_path, offline=False, not_after=datetime.now(UTC) + timedelta(days=200)
    )
    shell = make_shell(setup=False)
    _through_wizard_with_certificate(qtbot, shell, cert, key, "")
    qtbot.waitUntil(lambda: bool(shell.certificate_note), timeout=15_000)
    assert shell.certificate_note.startswith("Nie zaimportowano certyfikatu offline")
    assert "Non-Repudiation" in shell.certificate_note
    qtbot.waitUntil(shell.runner.is_idle, timeout=10_000)
    assert shell.ctx.profile is not None
    assert shell.ctx.profile.offline_certificate == ""


def test_a_new_nip_gets_a_sandbox_that_knows_it(qtbot, make_shell) -> None:
    shell = make_shell()
    wait_ready(qtbot, shell)
    window = shell.window
    assert window is not None
    dialog = shell.open_settings()
    dialog.nip.edit.setText("111-111-11-11")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(
        lambda: "111-111-11-11 (token zapisany)" in window.status.nip.text(), timeout=20_000
    )
    wait_ready(qtbot, shell)
    stored = SecretStore().get(token_entry("sandbox", "1111111111"))
    assert stored is not None
    assert stored == shell.ctx.sandbox.tokens["1111111111"]
    assert window.status.ksef.text() == "KSeF: dostępny"


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_every_settings_field_has_a_keyboard_shortcut(qtbot, make_shell, lang) -> None:
    shell = make_shell(lang=lang)
    dialog = shell.open_settings()
    labels = [label for label in dialog.findChildren(QLabel) if label.buddy() is not None]
    # every row of the form, the certificate's three included (the layout check's switch
    # is a developer's option, not in the dialog: issue 15)
    assert len(labels) >= 13
    for label in labels:
        assert "&" in label.text(), label.text()
    letters = [label.text().split("&")[1][0].lower() for label in labels]
    assert len(letters) == len(set(letters)), f"shortcut letters repeat: {sorted(letters)}"
    dialog.reject()
