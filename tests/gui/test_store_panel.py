"""The offline panel and the status bar over a real invoice store and the Sandbox."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
from PySide6.QtWidgets import QApplication

from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.domain.offline import DeadlineState, OfflineMode, invoice_deadline
from ksef_desktop.domain.offline_watch import Availability, Urgency, classify
from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.store.invoices import create_draft
from ksef_desktop.store.numbering import create_series
from ksef_desktop.ui.offline_model import COLUMNS, COUNTDOWN
from tests.gui.helpers import wait_ready
from tests.unit.test_store_support import PID, open_profiled, sample_invoice


def _issue(data_dir, issued: list[tuple[date, str | None]]) -> None:
    """Issue one invoice per (issue date, mode) into the store of ``data_dir``."""
    store = open_profiled(data_dir)
    now = datetime.now(UTC)
    try:
        with store.db.transaction() as conn:
            series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=now, profile_id=PID)
        for i, (day, mode) in enumerate(issued):
            with store.db.transaction() as conn:
                draft = create_draft(
                    conn, sample_invoice(day=day, price=f"{100 + i}.00"), now=now, profile_id=PID
                )
            deadline = (
                invoice_deadline(OfflineMode(mode), day, []).due if mode is not None else None
            )
            issue_invoice(
                store.db,
                store.archive,
                draft,
                now=lambda: now,
                series_id=series,
                mode=mode,
                deadline=deadline,
                profile_id=PID,
            )
    finally:
        store.close()


def test_issued_invoices_count_down_in_the_panel_and_the_status_bar(qtbot, make_shell, tmp_path):
    today = warsaw_date(datetime.now(UTC))
    data = tmp_path / "with-invoices"
    _issue(data, [(today, "offline24"), (today - timedelta(days=10), "offline24"), (today, None)])
    shell = make_shell(data_dir=data, setup=False)
    shell.ctx.settings["declared_offline24"] = True  # keep them here: no automatic send
    shell.apply_setup(shell.demo_setup())
    shell.open_main()
    wait_ready(qtbot, shell)
    window = shell.window
    assert window is not None
    model = window.offline.model
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=10_000)
    now = datetime.now(UTC)
    urgencies = []
    for i in range(model.rowCount()):
        row = model.row(i)
        assert row.number.startswith("FV/")
        if row.deadline is not None:
            urgencies.append(classify(row.deadline, now))
            assert model.data(model.index(i, COUNTDOWN))
    assert Urgency.OVERDUE in urgencies
    assert model.data(model.index(0, COLUMNS.index("Gross"))).endswith(" zł")
    assert window.status.outbox.text().startswith("Do wysłania: 3 oczekują")
    assert "po terminie" in window.offline.summary.text()
    assert window.offline.timer.isActive()


def test_during_an_announced_failure_new_invoices_get_awaria(qtbot, make_shell) -> None:
    shell = make_shell()
    wait_ready(qtbot, shell)
    controller = shell.controller
    assert controller is not None
    server = shell.ctx.sandbox.server_url
    httpx.post(f"{server}/_sandbox/failure", json={}).raise_for_status()
    controller.check_now()
    qtbot.waitUntil(lambda: controller.state.availability is Availability.FAILURE, timeout=15_000)
    today = warsaw_date(datetime.now(UTC))
    mode, deadline = controller.terms_for(today)
    assert mode is OfflineMode.AWARIA
    assert deadline is not None
    assert deadline.state is DeadlineState.WAITING_FOR_EVENT_END  # the end is not known yet
    httpx.post(f"{server}/_sandbox/failure/end", json={}).raise_for_status()
    controller.check_now()
    qtbot.waitUntil(lambda: controller.state.availability is Availability.AVAILABLE, timeout=15_000)
    assert controller.terms_for(today) == (None, None)
    ended = [a for a in controller.state.announcements if a.end is not None]
    assert ended, "Latarnia no longer reports the failure that just ended"
    expected = invoice_deadline(OfflineMode.AWARIA, today, controller.state.announcements)
    assert expected.state is DeadlineState.DUE
    QApplication.processEvents()
