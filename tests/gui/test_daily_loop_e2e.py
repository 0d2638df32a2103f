"""The daily loop end to end against the Sandbox (issue 15, items 2, 4 and 6).

- An invoice issued online: its first PDF says the KSeF number is pending (never
  OFFLINE); once KSeF accepts it, the open editor shows the KSeF number and the moment
  of acceptance with PDF and UPO buttons, the PDF is made again with the number under
  KOD I (the frozen XML untouched), and the UPO opens laid out, with Save.
- Leaving offline24 while KSeF answers sends what waits at once: no F5, no timer.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from hashlib import sha256

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ksef_desktop.domain.identifiers import ksef_number_is_valid
from ksef_desktop.domain.offline import OfflineMode
from ksef_desktop.services.invoice_actions import invoice_upo
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.states import InvoiceState
from tests.gui.daily_loop_support import pdf_text
from tests.gui.helpers import wait_ready
from tests.gui.panels_support import fill_line, type_polish_buyer
from tests.unit.test_certificates import make_credentials
from tests.unit.test_store_support import PID

pytestmark = pytest.mark.qt_log_ignore(
    "QAbstractItemView::commitData called with an editor that does not belong to this view"
)


def test_accepted_invoice_shows_its_ksef_number_pdf_and_upo(qtbot, make_shell, tmp_path):
    shell = make_shell()
    wait_ready(qtbot, shell)
    window = shell.window
    assert window is not None
    editor = window.panels.open_editor()
    assert editor is not None
    qtbot.waitUntil(lambda: editor.ready, timeout=10_000)
    type_polish_buyer(editor.form)
    fill_line(qtbot, editor.form, "Usługa programistyczna", "10", "150,00", "23%")
    QTest.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editor.issued is not None, timeout=20_000)
    issued = editor.issued
    assert issued is not None
    assert issued.pdf is not None, issued.pdf_problem
    first = pdf_text(issued.pdf)
    assert "OFFLINE" not in first  # an online invoice is no offline one
    assert "Numer KSeF: w trakcie nadawania" in first
    conn = shell.ctx.store().db.connection()
    frozen = get_invoice(conn, issued.invoice.id, profile_id=PID).xml
    assert frozen is not None

    QTest.keyClick(editor.send_now_button, Qt.Key.Key_Space)
    # The open editor follows: nobody asks it to look again.
    qtbot.waitUntil(lambda: editor.status_panel.ksef_number is not None, timeout=60_000)
    accepted = get_invoice(conn, issued.invoice.id, profile_id=PID)
    assert accepted.state is InvoiceState.ACCEPTED
    number = accepted.ksef_number
    assert number is not None
    assert ksef_number_is_valid(number)
    panel = editor.status_panel
    assert panel.isVisible()
    assert f"Numer KSeF: {number}" in panel.text.text()
    assert "przyjęta przez KSeF" in panel.text.text()
    assert panel.pdf_button.isVisible()
    assert panel.upo_button.isVisible()

    again = pdf_text(issued.pdf)  # the same file, made again with the KSeF number
    assert number in again
    assert "w trakcie nadawania" not in again
    assert "OFFLINE" not in again
    after = get_invoice(conn, issued.invoice.id, profile_id=PID).xml
    assert after is not None
    assert sha256(after).digest() == sha256(frozen).digest()  # the XML never changes

    QTest.mouseClick(panel.upo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(editor.documents), timeout=15_000)
    upo = editor.documents[-1]
    text = upo.text.toPlainText()
    assert number in text
    assert text.count("\n") > 10  # laid out, not one long line
    target = tmp_path / "upo.xml"
    upo.save_to(target)
    assert target.read_bytes() == invoice_upo(shell.ctx.store(), accepted.id, profile_id=PID)
    upo.reject()

    # Opened again later, from the list: the number, the moment and the buttons are there.
    later = window.panels.open_editor(accepted.id)
    assert later is not None
    qtbot.waitUntil(lambda: later.status_panel.ksef_number == number, timeout=15_000)
    assert later.read_only
    assert later.status_panel.isVisible()
    assert later.status_panel.upo_button.isVisible()


def test_leaving_offline24_sends_what_waits_at_once(qtbot, make_shell, tmp_path):
    cert, key, _key = make_credentials(tmp_path, not_after=datetime.now(UTC) + timedelta(days=90))
    shell = make_shell()
    wait_ready(qtbot, shell)
    shell.ctx.settings["availability_minutes"] = 120  # the periodic check cannot help
    controller, window = shell.controller, shell.window
    assert controller is not None
    assert window is not None
    controller.apply_settings()
    shell.import_certificate(
        replace(shell.demo_setup(), certificate=str(cert), certificate_key=str(key))
    )
    qtbot.waitUntil(
        lambda: bool(shell.ctx.profile and shell.ctx.profile.offline_certificate), timeout=15_000
    )

    def mode() -> OfflineMode | None:
        found: OfflineMode | None = controller.decision.mode
        return found

    window.declare.trigger()  # "I declare offline24 mode"
    assert mode() is OfflineMode.OFFLINE24
    editor = window.panels.open_editor()
    assert editor is not None
    qtbot.waitUntil(lambda: editor.ready, timeout=10_000)
    type_polish_buyer(editor.form)
    fill_line(qtbot, editor.form, "Usługa", "1", "100", "23%")
    QTest.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editor.issued is not None, timeout=20_000)
    issued = editor.issued
    assert issued is not None
    assert issued.invoice.mode == "offline24"
    QTest.keyClick(editor.send_now_button, Qt.Key.Key_Space)
    conn = shell.ctx.store().db.connection()
    qtbot.waitUntil(
        lambda: get_invoice(conn, issued.invoice.id, profile_id=PID).state is InvoiceState.QUEUED
    )
    qtbot.waitUntil(shell.runner.is_idle, timeout=15_000)
    qtbot.wait(300)
    assert get_invoice(conn, issued.invoice.id, profile_id=PID).state is InvoiceState.QUEUED

    window.declare.trigger()  # no longer offline24: KSeF answers, so it goes now
    assert mode() is None
    qtbot.waitUntil(
        lambda: get_invoice(conn, issued.invoice.id, profile_id=PID).state is InvoiceState.ACCEPTED,
        timeout=30_000,
    )
