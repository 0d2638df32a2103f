"""Operations say what they changed (issue 21): one report per operation reaches the
views through the controller's one ``changed`` signal; invoices go to KSeF because an
operation reported them QUEUED, never because the outbox was reloaded — so a send's own
reload cannot start another send (the old ``_sending``/``_just_sent`` flags are gone)."""

from __future__ import annotations

import httpx

from ksef_desktop.services.changes import ISSUED, Changed
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.states import InvoiceState
from tests.gui.helpers import wait_ready
from tests.integration.submit_support import issue_many
from tests.unit.test_store_support import PID


def _attempts(conn, invoice_id: int) -> int:
    row = conn.execute("SELECT attempts FROM outbox WHERE invoice_id = ?", (invoice_id,))
    found = row.fetchone()
    return 0 if found is None else int(found[0])


def test_reloads_never_send_and_a_queued_report_sends_once(qtbot, make_shell):
    shell = make_shell()
    wait_ready(qtbot, shell)
    controller = shell.controller
    assert controller is not None
    store = shell.ctx.store()
    conn = store.db.connection()
    reports: list[Changed] = []
    controller.changed.connect(reports.append)

    # In the outbox, due, KSeF answering: reloading the outbox counts it, nothing more.
    (invoice_id,) = issue_many(store, 1, now=shell.ctx.now)
    for _ in range(3):
        controller.reload()
    qtbot.waitUntil(lambda: controller.counts.waiting == 1 and shell.runner.is_idle())
    assert get_invoice(conn, invoice_id, profile_id=PID).state is InvoiceState.QUEUED
    assert _attempts(conn, invoice_id) == 0
    assert reports == []

    # The operation that queued it says so: KSeF is asked, and its answer sends it.
    controller.report(ISSUED)
    qtbot.waitUntil(
        lambda: get_invoice(conn, invoice_id, profile_id=PID).state is InvoiceState.ACCEPTED,
        timeout=30_000,
    )
    qtbot.waitUntil(lambda: shell.runner.is_idle() and controller.counts.waiting == 0)
    # one send, reported once: the invoice accepted, its session, the outbox emptied
    assert reports == [ISSUED, Changed.OUTBOX | Changed.INVOICES | Changed.SESSIONS]
    # the list heard both (each view decides): it shows the invoice accepted
    invoices = shell.window.panels.invoices
    qtbot.waitUntil(
        lambda: (
            invoices.model.rowCount() == 1
            and invoices.model.row_at(0).state is InvoiceState.ACCEPTED
        )
    )


def test_a_failed_send_is_reported_and_its_reload_does_not_send_again(qtbot, make_shell):
    shell = make_shell()
    wait_ready(qtbot, shell)
    controller = shell.controller
    assert controller is not None
    sandbox = shell.ctx.sandbox
    faults = f"{sandbox.server_url}/_sandbox/faults"
    store = shell.ctx.store()
    conn = store.db.connection()
    reports: list[Changed] = []
    controller.changed.connect(reports.append)
    httpx.post(faults, json={"errorRate": 1.0}).raise_for_status()
    try:
        (invoice_id,) = issue_many(store, 1, now=shell.ctx.now)
        controller.send_pending(automatic=True)
        qtbot.waitUntil(
            lambda: _attempts(conn, invoice_id) == 1 and shell.runner.is_idle(), timeout=60_000
        )
        # failed: the outbox moved (an attempt, a pause) and the list shows why
        assert reports == [Changed.OUTBOX | Changed.INVOICES]
        # the invoice still waits; reloading (the send's own, and more) sends nothing
        for _ in range(3):
            controller.reload()
        qtbot.waitUntil(lambda: shell.runner.is_idle() and controller.counts.failed == 1)
        assert _attempts(conn, invoice_id) == 1
        assert reports == [Changed.OUTBOX | Changed.INVOICES]
    finally:
        httpx.post(f"{faults}/reset", json={}).raise_for_status()
