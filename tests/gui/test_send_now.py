"""The offline panel's "Send now" does not wait out the pause a failed attempt earned:
KSeF answers 500 to everything, the send fails and the invoice is due again only in 30 s;
KSeF recovers; one click sends it at once."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.store.timefmt import from_db
from tests.gui.helpers import wait_ready
from tests.integration.submit_support import issue_many
from tests.unit.test_store_support import PID


def test_send_now_sends_an_invoice_waiting_after_a_failed_attempt(qtbot, make_shell):
    shell = make_shell()
    wait_ready(qtbot, shell)
    window, controller = shell.window, shell.controller
    sandbox = shell.ctx.sandbox
    faults = f"{sandbox.server_url}/_sandbox/faults"
    store = shell.ctx.store()
    conn = store.db.connection()
    httpx.post(faults, json={"errorRate": 1.0}).raise_for_status()
    (invoice_id,) = issue_many(store, 1, now=shell.ctx.now)
    controller.send_pending()

    def attempts() -> int:
        row = conn.execute("SELECT attempts FROM outbox WHERE invoice_id = ?", (invoice_id,))
        return int(row.fetchone()[0])

    qtbot.waitUntil(lambda: attempts() == 1 and shell.runner.is_idle(), timeout=60_000)
    (due,) = conn.execute(
        "SELECT next_attempt_at FROM outbox WHERE invoice_id = ?", (invoice_id,)
    ).fetchone()
    assert (from_db(due) - datetime.now(UTC)).total_seconds() > 20  # the pause: 30 s
    httpx.post(f"{faults}/reset", json={}).raise_for_status()

    window.tabs.setCurrentWidget(window.offline)
    qtbot.waitUntil(window.offline.send.isEnabled, timeout=10_000)
    QTest.mouseClick(window.offline.send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: get_invoice(conn, invoice_id, profile_id=PID).state is InvoiceState.ACCEPTED,
        timeout=15_000,
    )
    assert attempts() == 1  # the failed attempt stays counted
