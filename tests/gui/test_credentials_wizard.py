"""The first run without the Ministry's web app (issue 17): the wizard logs in with a
certificate file and ends with the program's own KSeF token in the keyring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWizard

from ksef_desktop.domain.access import APP_TOKEN_PERMISSIONS
from ksef_desktop.secrets import SecretStore, token_entry
from ksef_desktop.ui.settings import DEMO_NIP
from ksef_desktop.ui.wizard import FirstRunWizard
from tests.gui.helpers import assert_no_secret_in, wait_ready

PASSWORD = "haslo-do-p12"


def p12_for(folder: Path, nip: str) -> Path:
    """A signature file as a user has one: a certificate naming the NIP, with its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Jan Demo"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"TINPL-{nip}"),
        ]
    )
    start = datetime.now(UTC) - timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=60))
        .sign(key, hashes.SHA256())
    )
    path = folder / "podpis.p12"
    encryption = serialization.BestAvailableEncryption(PASSWORD.encode())
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"jan", key, cert, None, encryption))
    return path


def _click(qtbot, wizard: QWizard, which: QWizard.WizardButton) -> None:
    button = wizard.button(which)
    assert button.isEnabled(), f"{which} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_the_wizard_logs_in_with_a_certificate_file_and_keeps_its_own_token(
    qtbot, make_shell, tmp_path
) -> None:
    store = SecretStore()
    entry = token_entry("sandbox", DEMO_NIP)
    store.delete(entry)
    p12 = p12_for(tmp_path, DEMO_NIP)
    shell = make_shell(setup=False)
    shell.start()
    wizard = shell.wizard
    assert wizard is not None
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)  # the Sandbox
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)  # the demo company
    page = wizard.token_page
    qtbot.mouseClick(page.by_signature, Qt.MouseButton.LeftButton)
    assert page.by_signature.isChecked()
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.signature_page
    picker = wizard.signature_page.picker
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # no file yet
    assert picker.by_self_signed.isEnabled()  # the Sandbox accepts a test certificate
    picker.certificate.edit.setText(str(p12))
    qtbot.keyClicks(picker.password, PASSWORD)
    assert picker.password.echoMode() == QLineEdit.EchoMode.Password
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.certificate_page
    _click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    try:
        qtbot.waitUntil(lambda: bool(shell.token_note), timeout=30_000)
        assert shell.token_note.startswith("Token KSeF programu"), shell.token_note
        wait_ready(qtbot, shell)
        sandbox = shell.ctx.sandbox
        token = store.get(entry)
        assert token is not None
        assert token != sandbox.tokens[DEMO_NIP]  # not the Sandbox's ready token
        (record,) = [t for t in sandbox.core.state.tokens.values() if t.token == token]
        assert record.permissions == list(APP_TOKEN_PERMISSIONS)
        assert record.description == "KSeF Desktop"
        assert record.author == {"type": "Nip", "value": DEMO_NIP}  # the signature's owner
        window = shell.window
        assert window is not None
        assert window.status.ksef.text() == "KSeF: dostępny"
        # The program works with it, and never shows it or the password.
        qtbot.waitUntil(lambda: record.last_use_date is not None or shell.runner.is_idle())
        texts = [w.text() for w in window.findChildren(QLabel)]
        assert all(token not in t and PASSWORD not in t for t in texts)
        assert_no_secret_in(shell.ctx.data_dir, [token, PASSWORD])
    finally:
        store.delete(entry)


def test_a_wrong_password_says_why_and_keeps_the_sandbox_token(qtbot, make_shell, tmp_path) -> None:
    p12 = p12_for(tmp_path, DEMO_NIP)
    shell = make_shell(setup=False)
    shell.start()
    wizard = shell.wizard
    assert wizard is not None
    for _ in range(2):
        _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    wizard.token_page.by_signature.setChecked(True)
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    wizard.signature_page.picker.certificate.edit.setText(str(p12))
    wizard.signature_page.picker.password.setText("zle")
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    _click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    qtbot.waitUntil(lambda: bool(shell.token_note), timeout=30_000)
    assert shell.token_note.startswith("Nie wygenerowano tokena KSeF")
    assert "błędne hasło" in shell.token_note
    wait_ready(qtbot, shell)
    stored = SecretStore().get(token_entry("sandbox", DEMO_NIP))
    assert stored == shell.ctx.sandbox.tokens[DEMO_NIP]  # the program still works


def _to_external_signing(qtbot, shell) -> FirstRunWizard:
    """The wizard on the Sandbox with the demo company, at "Sign elsewhere"."""
    wizard = shell.wizard
    assert isinstance(wizard, FirstRunWizard)
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)  # the Sandbox
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)  # the demo company
    qtbot.mouseClick(wizard.token_page.by_signature, Qt.MouseButton.LeftButton)
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.signature_page
    picker = wizard.signature_page.picker
    assert picker.by_external.isVisibleTo(wizard)
    qtbot.mouseClick(picker.by_external, Qt.MouseButton.LeftButton)
    assert picker.by_external.isChecked()
    assert picker.save_button.isEnabled()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # no signed file yet
    return wizard


def _save_request(qtbot, wizard: FirstRunWizard, path: Path) -> None:
    page = wizard.signature_page
    page.save_request_to(str(path))  # what the file dialog would give
    qtbot.waitUntil(lambda: page.saved is not None or bool(page.problem.text()), timeout=30_000)
    assert page.problem.text() == ""
    assert path.is_file()


def test_the_wizard_logs_in_with_a_request_signed_elsewhere(qtbot, make_shell, tmp_path) -> None:
    """Only the trusted profile (or any signing program) at hand: the wizard saves the
    request, the user signs it elsewhere and chooses the signed file; the program ends
    with its own token in the keyring."""
    from ksef_desktop.ksef.xades import self_signed, sign_request

    store = SecretStore()
    entry = token_entry("sandbox", DEMO_NIP)
    store.delete(entry)
    shell = make_shell(setup=False)
    shell.start()
    wizard = _to_external_signing(qtbot, shell)
    page = wizard.signature_page
    request = tmp_path / "AuthTokenRequest.xml"
    _save_request(qtbot, wizard, request)
    assert str(request) in page.request_note.text()
    assert "10 minut" in page.request_note.text()
    assert shell.ctx.sandbox is not None  # started for the NIP the company page holds
    assert DEMO_NIP in shell.ctx.sandbox.config.nips
    # "Any signing program": signxml with a test certificate naming the NIP.
    signed = tmp_path / "AuthTokenRequest-podpisany.xml"
    signed.write_bytes(
        sign_request(request.read_bytes(), self_signed(DEMO_NIP, now=datetime.now(UTC)))
    )
    page.picker.signed.edit.setText(str(signed))
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.certificate_page
    _click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    try:
        qtbot.waitUntil(lambda: bool(shell.token_note), timeout=30_000)
        assert shell.token_note.startswith("Token KSeF programu"), shell.token_note
        wait_ready(qtbot, shell)
        sandbox = shell.ctx.sandbox
        token = store.get(entry)
        assert token is not None
        assert token != sandbox.tokens[DEMO_NIP]  # not the Sandbox's ready token
        (record,) = [t for t in sandbox.core.state.tokens.values() if t.token == token]
        assert record.permissions == list(APP_TOKEN_PERMISSIONS)
        assert record.author == {"type": "Nip", "value": DEMO_NIP}  # the signature's owner
        assert record.reference_number in shell.token_note
        window = shell.window
        assert window is not None
        assert window.status.ksef.text() == "KSeF: dostępny"
        assert_no_secret_in(shell.ctx.data_dir, [token])
    finally:
        store.delete(entry)


def test_a_bad_signed_file_is_named_on_the_page(qtbot, make_shell, tmp_path) -> None:
    """An unsigned request, one signed for another NIP, and one saved more than 10 minutes
    ago: the page says why in Polish and the wizard stays there."""
    from ksef_desktop.ksef.xades import self_signed, sign_request

    shell = make_shell(setup=False)
    shell.start()
    wizard = _to_external_signing(qtbot, shell)
    page = wizard.signature_page
    request = tmp_path / "AuthTokenRequest.xml"
    _save_request(qtbot, wizard, request)
    next_button = QWizard.WizardButton.NextButton

    page.picker.signed.edit.setText(str(request))  # not signed
    _click(qtbot, wizard, next_button)
    assert wizard.currentPage() is page
    assert "nie jest podpisany" in page.problem.text(), page.problem.text()

    other = "1234563218"
    elsewhere = tmp_path / "inny.xml"
    unsigned = request.read_bytes().replace(DEMO_NIP.encode(), other.encode())
    elsewhere.write_bytes(sign_request(unsigned, self_signed(other, now=datetime.now(UTC))))
    page.picker.signed.edit.setText(str(elsewhere))
    _click(qtbot, wizard, next_button)
    assert wizard.currentPage() is page
    assert f"nie dla NIP {DEMO_NIP}" in page.problem.text(), page.problem.text()

    signed = tmp_path / "podpisany.xml"
    signed.write_bytes(
        sign_request(request.read_bytes(), self_signed(DEMO_NIP, now=datetime.now(UTC)))
    )
    page.picker.signed.edit.setText(str(signed))
    saved = page.saved
    assert saved is not None
    page._now = lambda: saved.saved_at + timedelta(minutes=11)  # the user took too long
    _click(qtbot, wizard, next_button)
    assert wizard.currentPage() is page
    assert "ponad 10 minut" in page.problem.text(), page.problem.text()
