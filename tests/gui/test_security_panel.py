"""The Security ("Bezpieczeństwo") panel driven through its widgets against the built-in
Sandbox (issue 17): it lists the logins and ends one; after a login by signature it
generates a token, grants a permission and requests certificates; the offline panel warns
before the Offline certificate expires and renews it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from ksef_desktop.ksef.environments import sandbox as sandbox_env
from ksef_desktop.ksef.workflows import KsefClient
from ksef_desktop.secrets import SecretStore, offline_key_entry, token_entry
from ksef_desktop.ui.main_window import TABS
from ksef_desktop.ui.security_dialogs import GrantDialog, SignatureDialog, TokenDialog
from ksef_desktop.ui.security_panel import SecurityPanel
from ksef_desktop.ui.settings import DEMO_NIP
from tests.gui.helpers import assert_no_secret_in, wait_ready

PESEL = "44051401359"


def _panel(qtbot, shell) -> SecurityPanel:
    wait_ready(qtbot, shell)
    window = shell.window
    assert window is not None
    window.tabs.setCurrentIndex(TABS["security"])
    panel = window.tabs.currentWidget()
    assert isinstance(panel, SecurityPanel)
    assert window.tabs.tabText(TABS["security"]) == "Bezp&ieczeństwo"
    return panel


def _idle(qtbot, shell) -> None:
    qtbot.waitUntil(shell.runner.is_idle, timeout=30_000)


def _yes(panel: SecurityPanel) -> None:
    box = panel.confirmation
    assert box is not None
    QTest.keyClick(box.button(QMessageBox.StandardButton.Yes), Qt.Key.Key_Space)


def _select(table, column: int, text: str) -> None:
    model = table.model()
    for row in range(model.rowCount()):
        if text in str(model.index(row, column).data()):
            table.selectRow(row)
            return
    raise AssertionError(f"no row with {text!r}")


def _sign_in_self_signed(qtbot, shell, panel: SecurityPanel) -> None:
    dialog = panel.dialog
    assert isinstance(dialog, SignatureDialog)
    dialog.picker.by_self_signed.click()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.signed is not None, timeout=30_000)
    _idle(qtbot, shell)


def test_the_panel_lists_the_login_and_ends_it(qtbot, make_shell) -> None:
    shell = make_shell()
    panel = _panel(qtbot, shell)
    _idle(qtbot, shell)
    qtbot.waitUntil(lambda: panel.logins.rowCount() >= 1, timeout=30_000)
    current = [panel.logins.row(i) for i in range(panel.logins.rowCount())]
    assert any(row.current and row.category == "Token" for row in current)
    assert panel.logins.headerData(0, Qt.Orientation.Horizontal) == "Początek"
    # Someone else logs in with the same token (another computer, say): listed, ended.
    sb = shell.ctx.sandbox
    other = KsefClient(
        shell.ctx.http(),
        sandbox_env(sb.base_url, sb.qr_base, sb.latarnia_url),
        DEMO_NIP,
        sb.tokens[DEMO_NIP],
        now=shell.ctx.now,
    )
    other.authenticate()
    ref = other.auth.reference_number
    assert ref is not None
    qtbot.mouseClick(panel.refresh_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, shell)
    refs = [panel.logins.row(i).reference for i in range(panel.logins.rowCount())]
    assert ref in refs
    _select(panel.logins_table, 6, ref)
    row = panel.logins.row(refs.index(ref))
    assert not row.current
    assert row.source.startswith("token ")  # KSeF's last use of the token says which
    qtbot.mouseClick(panel.end_button, Qt.MouseButton.LeftButton)
    _yes(panel)
    _idle(qtbot, shell)
    assert ref not in [panel.logins.row(i).reference for i in range(panel.logins.rowCount())]
    assert sb.core.state.auth_operations[ref].status_code == 425  # revoked in KSeF
    assert shell.window.status.currentMessage() == f"Logowanie {ref} zakończone."


def test_a_signature_login_manages_tokens_permissions_and_certificates(qtbot, make_shell) -> None:
    store = SecretStore()
    shell = make_shell()
    panel = _panel(qtbot, shell)
    _idle(qtbot, shell)
    before = store.get(token_entry("sandbox", DEMO_NIP))
    # Without a signature, a new token asks for one first, then goes on by itself.
    qtbot.mouseClick(panel.new_token_button, Qt.MouseButton.LeftButton)
    token_dialog = panel.dialog
    assert isinstance(token_dialog, TokenDialog)
    token_dialog.description.setText("Token z panelu")
    token_dialog.permissions.boxes["CredentialsManage"].setChecked(True)
    token_dialog.accept()
    qtbot.waitUntil(lambda: panel.dialog is not token_dialog, timeout=30_000)
    _sign_in_self_signed(qtbot, shell, panel)
    after = store.get(token_entry("sandbox", DEMO_NIP))
    assert after is not None
    assert after != before
    record = next(t for t in shell.ctx.sandbox.core.state.tokens.values() if t.token == after)
    assert record.description == "Token z panelu"
    assert "CredentialsManage" in record.permissions
    assert panel.tokens.own_reference == record.reference_number
    logins = [panel.logins.row(i) for i in range(panel.logins.rowCount())]
    assert any(row.category == "XadesSignature" for row in logins)

    # A permission for an employee, listed with what it means, then taken away.
    panel.pages.setCurrentIndex(3)
    qtbot.mouseClick(panel.grant_button, Qt.MouseButton.LeftButton)
    grant = panel.dialog
    assert isinstance(grant, GrantDialog)
    grant.identifier.setText(PESEL)
    grant.first_name.setText("Anna")
    grant.last_name.setText("Nowak")
    grant.description.setText("Pracownica")
    grant.permissions.boxes["InvoiceWrite"].setChecked(True)
    grant.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    _idle(qtbot, shell)
    rows = [panel.permissions.row(i) for i in range(panel.permissions.rowCount())]
    (mine,) = [r for r in rows if r.subject == f"Pesel {PESEL}"]
    index = rows.index(mine)
    assert panel.permissions.index(index, 2).data() == "Wystawianie faktur"
    tip = panel.permissions.index(index, 2).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Wysyłanie faktur do KSeF")
    panel.permissions_table.selectRow(index)
    qtbot.mouseClick(panel.revoke_permission_button, Qt.MouseButton.LeftButton)
    _yes(panel)
    _idle(qtbot, shell)
    assert all(
        panel.permissions.row(i).subject != f"Pesel {PESEL}"
        for i in range(panel.permissions.rowCount())
    )

    # An Offline certificate: it becomes the profile's certificate for KOD II.
    panel.pages.setCurrentIndex(2)
    qtbot.mouseClick(panel.offline_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, shell)
    profile = shell.ctx.profile
    assert profile is not None
    assert profile.offline_certificate
    serial = profile.offline_certificate.rsplit("-", 1)[1].removesuffix(".der")
    entry = offline_key_entry("sandbox", DEMO_NIP, serial)
    try:
        key = store.get(entry) or ""
        assert key.startswith("-----BEGIN PRIVATE KEY-----")
        assert_no_secret_in(shell.ctx.data_dir, [key, after])
        listed = [panel.certificates.row(i) for i in range(panel.certificates.rowCount())]
        assert [c.type for c in listed if c.certificate_serial_number == serial] == ["Offline"]
        assert "Pozostało wniosków" in panel.limits.text()
        # Revoked from the panel.
        _select(panel.certificates_table, 5, serial)
        qtbot.mouseClick(panel.revoke_certificate_button, Qt.MouseButton.LeftButton)
        _yes(panel)
        _idle(qtbot, shell)
        assert shell.ctx.sandbox.core.state.certificates[serial].status == "Revoked"
    finally:
        store.delete(entry)


def test_the_offline_panel_warns_30_days_ahead_and_renews(qtbot, make_shell) -> None:
    shell = make_shell()
    wait_ready(qtbot, shell)
    window = shell.window
    assert window is not None
    notice = window.certificate_notice
    now = datetime.now(UTC)
    notice.set_end(now + timedelta(days=40))
    assert notice.isHidden()  # not yet
    notice.set_end(now + timedelta(days=20, hours=1))
    assert not notice.isHidden()
    assert "wygasa za 21 dni" in notice.text.text()
    notice.set_end(now - timedelta(days=1))
    assert "wygasł" in notice.text.text()
    # Renewing: the Security panel asks for a signature and requests a new one.
    qtbot.mouseClick(notice.renew, Qt.MouseButton.LeftButton)
    panel = window.tabs.currentWidget()
    assert isinstance(panel, SecurityPanel)
    qtbot.waitUntil(lambda: panel.dialog is not None, timeout=30_000)
    _sign_in_self_signed(qtbot, shell, panel)
    qtbot.waitUntil(lambda: bool(shell.ctx.profile and shell.ctx.profile.offline_certificate))
    _idle(qtbot, shell)
    profile = shell.ctx.profile
    assert profile is not None
    serial = profile.offline_certificate.rsplit("-", 1)[1].removesuffix(".der")
    try:
        assert notice.not_after is not None
        assert notice.not_after > now + timedelta(days=300)  # the new one, read from its file
        assert notice.isHidden()
    finally:
        SecretStore().delete(offline_key_entry("sandbox", DEMO_NIP, serial))


def test_external_signing_from_the_panel(qtbot, make_shell, tmp_path) -> None:
    """Save the request, sign it elsewhere (here signxml, as any signing program), choose
    the signed file: the panel is logged in by signature."""
    from ksef_desktop.ksef.xades import self_signed, sign_request

    shell = make_shell()
    panel = _panel(qtbot, shell)
    _idle(qtbot, shell)
    qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert isinstance(dialog, SignatureDialog)
    dialog.picker.by_external.click()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # no signed file yet
    request = tmp_path / "AuthTokenRequest.xml"
    panel.save_request_to(str(request))
    _idle(qtbot, shell)
    assert request.is_file()
    assert shell.window.status.currentMessage().startswith(str(request))
    signed = tmp_path / "podpisany.xml"
    elsewhere = self_signed(DEMO_NIP, now=datetime.now(UTC))
    signed.write_bytes(sign_request(request.read_bytes(), elsewhere))
    dialog.picker.signed.edit.setText(str(signed))
    assert ok.isEnabled()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.signed is not None, timeout=30_000)
    _idle(qtbot, shell)
    assert "Zalogowano podpisem" in panel.who.text()
    methods = {panel.logins.row(i).category for i in range(panel.logins.rowCount())}
    assert "XadesSignature" in methods
