"""The Purchases tab (issue 18), driven like a user: a supplier sends two invoices to our
NIP in the built-in Sandbox; we download them, open one's PDF (with KOD I), record its
payment, and make one collective identifier for both (same supplier)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication

from ksef_desktop.domain.collective import collective_identifier_is_valid
from ksef_desktop.ksef.environments import sandbox as sandbox_env
from ksef_desktop.ksef.sending import InvoiceToSend
from ksef_desktop.ksef.workflows import KsefClient
from ksef_desktop.services.qr_check import codes_in_file
from tests.gui.helpers import wait_ready
from tests.integration.client_support import invoice_bytes

SUPPLIER = "9999999999"


def _send_to(sb, buyer: str, count: int) -> list[str]:
    from ksef_desktop.sandbox.core import DEFAULT_PERMISSIONS

    # The Sandbox's own token for the supplier: like the window's ready token it lives in
    # the Sandbox's state file by design, so it is not one of the client's secrets.
    token = sb.core.new_ksef_token(SUPPLIER, "supplier in a test", DEFAULT_PERMISSIONS).token
    stamp = datetime.now(UTC).strftime("%H%M%S%f")
    items = []
    for i in range(count):
        xml = invoice_bytes(SUPPLIER, f"Z/{stamp}/{i}")
        xml = re.sub(rb"<NIP>1111111111</NIP>", f"<NIP>{buyer}</NIP>".encode(), xml, count=1)
        items.append(InvoiceToSend(f"z{i}.xml", xml, offline=False))
    with httpx.Client(timeout=20) as http:
        client = KsefClient(
            http, sandbox_env(sb.base_url), SUPPLIER, token, now=lambda: datetime.now(UTC)
        )
        results = client.send(items, mode="online", fetch_upo=False)
    assert all(r.ksef_number for r in results)
    return [r.ksef_number for r in results if r.ksef_number]


def test_download_open_pdf_pay_and_collective_identifier(
    qtbot, make_shell, monkeypatch, tmp_path: Path
) -> None:
    shell = make_shell()
    wait_ready(qtbot, shell)
    window = shell.window
    assert window is not None
    sent = _send_to(shell.ctx.sandbox, shell.ctx.nip, 2)

    window.tabs.setCurrentIndex(4)  # built on first show
    panel = window.panels.purchases
    assert window.tabs.widget(4) is panel
    notes: list[str] = []
    panel.message.connect(notes.append)
    with qtbot.waitSignal(panel.synced, timeout=60_000, raising=False) as synced:
        qtbot.mouseClick(panel.sync_button, Qt.MouseButton.LeftButton)
    assert synced.signal_triggered, notes
    assert synced.args[0].new == 2
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=10_000)
    assert {panel.model.row_at(r).ksef_number for r in range(2)} == set(sent)

    opened: list[QUrl] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    window.activateWindow()
    panel.table.setFocus()
    qtbot.waitUntil(panel.table.hasFocus)
    panel.table.selectRow(0)
    qtbot.keyClick(panel.table, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(opened), timeout=30_000)
    pdf = Path(opened[0].toLocalFile())
    assert pdf.read_bytes().startswith(b"%PDF")
    (kod1,) = codes_in_file(pdf)
    assert kod1.startswith(f"{shell.ctx.sandbox.qr_base}/invoice/{SUPPLIER}/")
    pdf.unlink()

    first = panel.model.row_at(0)
    dialog = panel.mark_paid()
    assert dialog is not None
    assert dialog.amount.text() == "2051,00"
    dialog.accept()
    qtbot.waitUntil(
        lambda: (
            panel.model.rowCount() == 2
            and any(panel.model.row_at(r).paid_on is not None for r in range(2))
        ),
        timeout=10_000,
    )
    paid = [panel.model.row_at(r) for r in range(2) if panel.model.row_at(r).paid_on]
    assert [r.id for r in paid] == [first.id]

    panel.table.selectAll()
    window.activateWindow()
    panel.table.setFocus()
    qtbot.waitUntil(panel.table.hasFocus)
    with qtbot.waitSignal(panel.collective_made, timeout=30_000, raising=False) as made:
        qtbot.keyClick(
            panel.table,
            Qt.Key.Key_I,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert made.signal_triggered, notes
    identifier = made.args[0]
    assert collective_identifier_is_valid(identifier.number)
    assert identifier.number.startswith(SUPPLIER)
    assert set(identifier.ksef_numbers) == set(sent)
    assert QGuiApplication.clipboard().text() == f"KSeF {identifier.number}"


def test_the_half_hourly_download_and_the_button_bring_podmiot3_invoices(qtbot, make_shell) -> None:
    """An invoice naming our NIP only as a third subject (Podmiot3) arrives through the
    window's half-hourly download and through its button, like one naming us as buyer."""
    from ksef_desktop.sandbox.core import DEFAULT_PERMISSIONS
    from tests.integration.purchases_support import naming_as_third_subject

    shell = make_shell()
    wait_ready(qtbot, shell)
    window = shell.window
    assert window is not None
    sb, ours = shell.ctx.sandbox, shell.ctx.nip
    stamp = datetime.now(UTC).strftime("%H%M%S%f")

    def send_third(number: str) -> str:
        token = sb.core.new_ksef_token(SUPPLIER, "supplier in a test", DEFAULT_PERMISSIONS).token
        xml = naming_as_third_subject(SUPPLIER, number, ours, "2222222222")
        with httpx.Client(timeout=20) as http:
            client = KsefClient(
                http, sandbox_env(sb.base_url), SUPPLIER, token, now=lambda: datetime.now(UTC)
            )
            (result,) = client.send([InvoiceToSend("p3.xml", xml, False)], "online", False)
        assert result.ksef_number
        return result.ksef_number

    first = send_third(f"P3/{stamp}/1")
    host = window.panels
    with qtbot.waitSignal(host.purchases.synced, timeout=60_000) as synced:
        host._purchases_due()  # what the half-hour timer calls
    assert synced.args[0].new == 1
    panel = host.purchases
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10_000)
    assert panel.model.row_at(0).ksef_number == first

    second = send_third(f"P3/{stamp}/2")
    with qtbot.waitSignal(panel.synced, timeout=60_000) as synced:
        qtbot.mouseClick(panel.sync_button, Qt.MouseButton.LeftButton)
    assert synced.args[0].new == 1
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=10_000)
    assert {panel.model.row_at(r).ksef_number for r in range(2)} == {first, second}
