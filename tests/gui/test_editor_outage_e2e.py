"""End to end during an announced KSeF failure: a foreign buyer's EUR invoice typed into
the editor is issued in mode "awaria" with a bilingual PDF carrying KOD I and KOD II, the
offline panel counts down its deadline, and it is delivered once the failure ends."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ksef_desktop.domain.identifiers import ksef_number_is_valid
from ksef_desktop.domain.invoice import EuVatNumber
from ksef_desktop.domain.offline_watch import Availability
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.outbox import Outbox
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.ui.formatting import fmt_moment
from ksef_desktop.ui.offline_model import COUNTDOWN
from tests.gui.helpers import wait_ready
from tests.gui.panels_support import fill_line, type_text
from tests.unit.test_certificates import make_credentials
from tests.unit.test_store_support import PID

pytestmark = pytest.mark.qt_log_ignore(
    "QAbstractItemView::commitData called with an editor that does not belong to this view"
)


def _pdf_text(path) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


def test_eur_invoice_for_a_foreign_buyer_during_a_failure(qtbot, make_shell, tmp_path):
    cert, key, _key = make_credentials(tmp_path, not_after=datetime.now(UTC) + timedelta(days=90))
    shell = make_shell()
    wait_ready(qtbot, shell)
    shell.import_certificate(
        replace(shell.demo_setup(), certificate=str(cert), certificate_key=str(key))
    )
    qtbot.waitUntil(
        lambda: bool(shell.ctx.profile and shell.ctx.profile.offline_certificate), timeout=15_000
    )
    controller, window = shell.controller, shell.window
    assert controller is not None
    assert window is not None
    server = shell.ctx.sandbox.server_url
    end = datetime.now(UTC) + timedelta(hours=3)
    httpx.post(f"{server}/_sandbox/failure", json={"end": end.isoformat()}).raise_for_status()
    controller.check_now()
    qtbot.waitUntil(lambda: controller.state.availability is Availability.FAILURE, timeout=15_000)

    editor = window.panels.open_editor()
    qtbot.waitUntil(lambda: editor.ready, timeout=10_000)
    form = editor.form
    buyer = form.buyer
    buyer.kind.setCurrentIndex(buyer.kind.findData("eu"))
    buyer.country.clear()
    QTest.keyClicks(buyer.country, "DE")
    QTest.keyClicks(buyer.identifier, "123456789")
    type_text(buyer.name, "Müller Beratung GmbH")
    QTest.keyClicks(buyer.line1, "Hauptstrasse 5")
    QTest.keyClicks(buyer.line2, "10115 Berlin")
    fill_line(qtbot, form, "Software consulting", "12", "95,00", "np II", unit="h")
    form.currency.setFocus()
    form.currency.lineEdit().selectAll()
    QTest.keyClicks(form.currency.lineEdit(), "EUR")
    assert "kurs" in form.labels["exchange_rate"].text().lower()
    assert not editor.issue_button.isEnabled()
    QTest.keyClicks(form.exchange_rate, "4,2512")
    assert form.valid, [p.text() for p in form.problems]
    assert form.totals.gross_text == "1 140,00 EUR"

    QTest.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editor.issued is not None, timeout=20_000)
    issued = editor.issued
    assert issued.pdf is not None, issued.pdf_problem
    assert issued.invoice.mode == "awaria"
    assert issued.invoice.deadline is not None
    assert "awaria" in editor.state.text()
    assert f"Musi trafić do KSeF do {fmt_moment(issued.invoice.deadline)}." in editor.state.text()
    text = _pdf_text(issued.pdf)
    assert "Sprzedawca / Seller" in text
    assert "OFFLINE" in text
    assert "CERTYFIKAT" in text  # KOD II, signed with the imported certificate
    assert "EUR" in text
    assert isinstance(issued.invoice.invoice.buyer.tax_id, EuVatNumber)

    QTest.keyClick(editor.send_now_button, Qt.Key.Key_Space)
    invoice_id = issued.invoice.id
    conn = shell.ctx.store().db.connection()
    qtbot.waitUntil(
        lambda: get_invoice(conn, invoice_id, profile_id=PID).state is InvoiceState.QUEUED
    )
    model = window.offline.model
    qtbot.waitUntil(lambda: model.rowCount() == 1 and shell.runner.is_idle(), timeout=15_000)
    assert model.data(model.index(0, COUNTDOWN)).startswith("pozostało: ")
    # nothing was attempted during the failure
    assert get_invoice(conn, invoice_id, profile_id=PID).state is InvoiceState.QUEUED
    store = shell.ctx.store()
    outbox = Outbox(store.db, store.archive, shell.ctx.now, profile_id=PID)
    assert not [i for i in outbox.pending() if i.last_error]

    httpx.post(f"{server}/_sandbox/failure/end", json={}).raise_for_status()
    controller.check_now()
    qtbot.waitUntil(
        lambda: get_invoice(conn, invoice_id, profile_id=PID).state is InvoiceState.ACCEPTED,
        timeout=60_000,
    )
    accepted = get_invoice(conn, invoice_id, profile_id=PID)
    assert ksef_number_is_valid(accepted.ksef_number or "")
    qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=15_000)
