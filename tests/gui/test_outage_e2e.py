"""The whole story against the Sandbox: an outage, invoices issued during it, recovery.

A failure is announced in the Sandbox (with its planned end); the window shows it; two
invoices are issued in the mode the program chose (awaria) and count down in the offline
panel; the failure ends; the program notices at its next check and sends both by
itself; the Sandbox accepts them and the panel empties.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.domain.offline import DeadlineState, OfflineMode
from ksef_desktop.domain.offline_watch import Availability
from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.store.invoices import create_draft, get_invoice
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.ui.offline_model import COLUMNS, COUNTDOWN
from ksef_desktop.ui.settings import DEMO_NIP
from tests.gui.helpers import wait_ready
from tests.unit.test_store_support import PID, open_profiled, sample_invoice


def _accepted(sandbox) -> list[dict[str, object]]:
    return list(sandbox.accepted_state()["nips"].get(DEMO_NIP, {}).get("accepted", []))


def test_invoices_issued_during_an_outage_are_sent_when_ksef_recovers(qtbot, make_shell):
    shell = make_shell()
    wait_ready(qtbot, shell)
    controller, window = shell.controller, shell.window
    assert controller is not None
    assert window is not None
    sandbox = shell.ctx.sandbox
    planned_end = datetime.now(UTC) + timedelta(hours=3)
    httpx.post(
        f"{sandbox.server_url}/_sandbox/failure", json={"end": planned_end.isoformat()}
    ).raise_for_status()
    controller.check_now()
    qtbot.waitUntil(lambda: controller.state.availability is Availability.FAILURE, timeout=15_000)
    assert window.status.ksef.text() == "KSeF: ogłoszona awaria"
    assert not window.offline.banner.isHidden()

    # Issue two invoices the way the editor will: with the program's mode and deadline.
    today = warsaw_date(datetime.now(UTC))
    mode, deadline = controller.terms_for(today)
    assert mode is OfflineMode.AWARIA
    assert deadline is not None
    assert deadline.state is DeadlineState.DUE  # 7 business days after the planned end
    store = open_profiled(shell.ctx.data_dir)
    ids = []
    try:
        now = datetime.now(UTC)
        with store.db.transaction() as conn:
            series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=now, profile_id=PID)
        for price in ("100.00", "2500.00"):
            with store.db.transaction() as conn:
                draft = create_draft(
                    conn, sample_invoice(day=today, price=price), now=now, profile_id=PID
                )
            issue_invoice(
                store.db,
                store.archive,
                draft,
                now=lambda: now,
                series_id=series,
                mode=mode.value,
                deadline=deadline.due,
                profile_id=PID,
            )
            ids.append(draft)
        controller.reload()
        model = window.offline.model
        qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=10_000)
        for i in range(2):
            assert model.row(i).mode is OfflineMode.AWARIA
            assert model.data(model.index(i, COUNTDOWN)).startswith("pozostało: ")
            assert model.data(model.index(i, COLUMNS.index("Mode"))).startswith("awaria")
        assert window.status.outbox.text().startswith("Do wysłania: 2 oczekują")
        assert window.offline.timer.isActive()
        assert _accepted(sandbox) == []

        # KSeF recovers: the next check finds it and the program sends by itself.
        httpx.post(f"{sandbox.server_url}/_sandbox/failure/end", json={}).raise_for_status()
        controller.check_now()
        qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=60_000)
        assert window.offline.banner.isHidden()
        assert window.status.outbox.text().startswith("Do wysłania: 0 oczekuje, 0 w wysyłce, 0")
        accepted = _accepted(sandbox)
        assert len(accepted) == 2
        conn = store.db.connection()
        for invoice_id in ids:
            stored = get_invoice(conn, invoice_id, profile_id=PID)
            assert stored.state is InvoiceState.ACCEPTED
            assert stored.ksef_number in {a["ksefNumber"] for a in accepted}
    finally:
        store.close()
