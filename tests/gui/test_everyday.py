"""Everyday invoicing in the window (issue 20), against the Sandbox's white list and NBP and
a local SMTP server: type a NIP and the buyer fills in, pick a catalogue item, a EUR
invoice gets its NBP rate, mark the invoice paid, e-mail it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ksef_desktop.domain.catalogue import CatalogueItem
from ksef_desktop.domain.invoice import PolishNip, VatRate
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.services.changes import Changed
from ksef_desktop.services.registers import RegisterUrls, open_registers
from ksef_desktop.store.catalogue import save_item
from ksef_desktop.store.company import set_bank_accounts
from ksef_desktop.store.contractors import find_by_identifier
from ksef_desktop.store.payments import summary
from ksef_desktop.ui.context import AppContext
from ksef_desktop.ui.editor import EditorDialog
from ksef_desktop.ui.editor_everyday import EverydayServices
from ksef_desktop.ui.editor_lines import NAME, PRICE, UNIT
from ksef_desktop.ui.invoice_everyday import ListEveryday
from ksef_desktop.ui.invoice_list import InvoiceListPanel
from tests.gui.panels_support import type_text
from tests.integration.smtp_support import PASSWORD, USER, SmtpTestServer
from tests.unit.test_store_support import PID, open_profiled, sample_profile

NOW = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)
pytestmark = pytest.mark.qt_log_ignore(
    "QAbstractItemView::commitData called with an editor that does not belong to this view",
    # The completer's popup, offscreen:
    "This plugin does not support raise.*",
    "This plugin does not support grabbing the keyboard",
)


def test_lookup_catalogue_rate_paid_and_mail(qtbot, runner, tmp_path, monkeypatch) -> None:
    sandbox = Sandbox(SandboxConfig(nips=("5265877635",), clock=lambda: NOW)).start()
    smtp = SmtpTestServer(tmp_path).start()
    http = httpx.Client(timeout=10)
    store = open_profiled(tmp_path / "data")
    try:
        profile = sample_profile(store)
        with store.db.transaction() as conn:
            save_item(
                conn,
                CatalogueItem(
                    "Konsultacja techniczna", Decimal("250.00"), VatRate.R23, unit="godz."
                ),
                company_nip=profile.nip,
                now=NOW,
            )
            set_bank_accounts(conn, profile.id, ["27 1140 2004 0000 3002 0135 5387"])
        urls = RegisterUrls(sandbox.whitelist_url, sandbox.vies_url, sandbox.nbp_url)
        services = EverydayServices(
            registers=lambda: open_registers(http, tmp_path, urls, lambda: NOW), payment_days=7
        )
        dialog = EditorDialog(
            runner,
            lambda: store,
            profile,
            lambda: NOW,
            lambda day: (None, None),
            lambda: sandbox.qr_base,
            everyday=services,
            undo_seconds=30,
        )
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.ready)
        form = dialog.form
        # A new invoice: due in the settings' term, to the company's account.
        qtbot.waitUntil(lambda: form.bank_account.text() == "27114020040000300201355387")
        assert form.has_due_date.isChecked()
        assert form.due_date.date().toString("yyyy-MM-dd") == "2026-12-11"

        # Type a NIP: the buyer fills in from the white list and is kept as a contractor.
        QTest.keyClicks(form.buyer.identifier, "7770001111")
        QTest.mouseClick(form.buyer.lookup_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: form.buyer.name.text().startswith("PRZYKŁADOWA"))
        assert form.buyer.line2.text() == "61-001 POZNAŃ"
        assert "04.12.2026" in form.buyer.check_note.text()
        kept = find_by_identifier(store.db.connection(), "7770001111", company_nip=profile.nip)
        assert kept is not None
        assert kept.check is not None
        assert kept.check.status == "Czynny"

        # Pick a catalogue item while typing a line's name.
        QTest.mouseClick(form.add_line, Qt.MouseButton.LeftButton)
        table = form.table
        table.setFocus()
        table.setCurrentIndex(form.lines.index(0, NAME))
        table.edit(table.currentIndex())
        editor = table.focusWidget()
        type_text(editor, "Konsultacja techniczna")
        QTest.keyClick(editor, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: form.lines.index(0, UNIT).data() == "godz.")
        assert form.lines.index(0, PRICE).data() == "250,00"
        assert form.lines.row(0).rate is VatRate.R23

        # A EUR invoice gets the NBP rate of the business day before the tax point.
        form.currency.setCurrentText("EUR")
        qtbot.waitUntil(lambda: bool(form.exchange_rate.text()))
        assert "/A/NBP/2026" in form.rate_table.text()
        assert form.exchange_rate_date.date().toString("yyyy-MM-dd") == "2026-12-03"
        qtbot.waitUntil(lambda: dialog.issue_button.isEnabled())
        dialog.issue()
        qtbot.waitUntil(lambda: dialog.issued is not None, timeout=20_000)
        issued = dialog.issued
        assert issued is not None
        assert issued.invoice.invoice.exchange_rate is not None
        assert issued.invoice.invoice.buyer.tax_id == PolishNip("7770001111")
        invoice_id = issued.invoice.id

        # Mark it paid in the list.
        ctx = AppContext.open(tmp_path / "data", now=lambda: NOW)
        ctx._store = store
        ctx.sandbox = sandbox
        ctx.settings["nip"] = profile.nip
        ctx.settings["smtp_url"] = smtp.url
        ctx.settings["mail_from"] = USER
        ctx.settings["smtp_user"] = USER
        monkeypatch.setenv("KSEF_SMTP_PASSWORD", PASSWORD)
        monkeypatch.setenv("SSL_CERT_FILE", str(smtp.cert))
        panel = InvoiceListPanel(
            runner, lambda: store, lambda: profile, lambda: NOW, lambda: sandbox.qr_base
        )
        qtbot.addWidget(panel)
        everyday = ListEveryday(panel, ctx)
        reported: list[Changed] = []
        panel.changed.connect(reported.append)
        panel.changed.connect(panel.apply_changes)  # the window's controller, in short
        panel.apply_filter()
        qtbot.waitUntil(lambda: panel.model.rowCount() == 1)
        panel.select_id(invoice_id)
        everyday.mark_paid()
        qtbot.waitUntil(
            lambda: summary(store.db.connection(), invoice_id, profile_id=PID).left == 0
        )

        # E-mail it: the message is editable; it reaches the server with the PDF.
        qtbot.waitUntil(lambda: panel.model.rowCount() == 1)
        panel.select_id(invoice_id)
        everyday.mail()
        qtbot.waitUntil(lambda: everyday.dialog is not None and everyday.dialog.isVisible())
        mail = everyday.dialog
        assert mail is not None
        mail.to.setText("kupiec@example.test")
        mail.with_xml.setChecked(True)
        mail.accept()
        qtbot.waitUntil(lambda: len(smtp.received()) == 1, timeout=20_000)
        (message,) = smtp.received()
        names = sorted(str(p.get_filename()) for p in message.iter_attachments())
        assert [n.rsplit(".", 1)[1] for n in names] == ["pdf", "xml"]
        qtbot.waitUntil(
            lambda: panel.model.rowCount() == 1 and panel.model.row_at(0).mail_state == "sent"
        )
        # what each operation changed: the payment (the list shows it), then the e-mail
        assert reported == [Changed.PAYMENTS | Changed.INVOICES, Changed.MAIL]
    finally:
        store.close()
        http.close()
        smtp.stop()
        sandbox.stop()
