"""The JPK_V7M dialog with real widgets and the real worker, over a store whose invoices
went through the Sandbox (issue 19): one sale accepted by KSeF, one offline sale still
waiting, a supplier's invoice synced as a purchase. The dialog shows what goes in and
the OFF warning, saves a file that validates against the official XSD with the right
KSeF numbers and markers, keeps the taxpayer in the profile, and then makes the month's
correction (CelZlozenia 2 with P_ORDZU), refusing it without a reason."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.jpk.model import NaturalPerson, Period
from ksef_desktop.jpk.schema import jpk_schema
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.services.jpk_month import month_files, taxpayer_of
from ksef_desktop.services.purchases_sync import sync_purchases
from ksef_desktop.store import Store
from ksef_desktop.store.invoices import StoredInvoice, get_invoice
from ksef_desktop.store.profiles import Profile
from ksef_desktop.ui.formatting import fmt_money
from ksef_desktop.ui.jpk_dialog import JpkDialog
from tests.integration.client_support import invoice_bytes
from tests.integration.purchases_support import client_for, send_files
from tests.integration.submit_support import SELLER, drain_until_done, issue_many, submitter
from tests.integration.test_jpk_month_sandbox import SUPPLIER, to_our_nip, vat_of
from tests.unit.test_store_support import PID, open_profiled, sample_invoice, sample_profile

JPK = {"t": "http://crd.gov.pl/wzor/2025/12/19/14090/"}


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Synced:
    store: Store
    profile: Profile
    period: Period
    sent: StoredInvoice
    waiting: StoredInvoice
    bought: str
    expected_due: Decimal
    expected_deductible: Decimal


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    """A month of invoices that went through the Sandbox (made once for the module)."""
    folder = tmp_path_factory.mktemp("jpk") / "data"
    today = warsaw_date(_now())
    with Sandbox(SandboxConfig(nips=(SELLER, SUPPLIER), port=0, rate_limit_scale=None)) as sb:
        store = open_profiled(folder)
        (accepted,) = issue_many(store, 1, now=_now, invoice=sample_invoice(day=today))
        drain_until_done(submitter(store, sb.base_url, sb.tokens[SELLER], _now))
        (offline,) = issue_many(
            store, 1, now=_now, prefix="OFF", invoice=sample_invoice(day=today, price="40.00"),
            mode="offline24", deadline=_now() + timedelta(days=1),
        )  # fmt: skip
        bought_xml = to_our_nip(invoice_bytes(SUPPLIER, "ZAK/2026/1"))
        (bought,) = send_files(sb, SUPPLIER, [bought_xml])
        with client_for(sb, SELLER) as client:
            assert sync_purchases(store, client, sample_profile(store), now=_now).new == 1
    conn = store.db.connection()
    sent = get_invoice(conn, accepted, profile_id=PID)
    waiting = get_invoice(conn, offline, profile_id=PID)
    assert sent.ksef_number is not None
    assert waiting.ksef_number is None
    assert sent.xml is not None
    assert waiting.xml is not None
    yield Synced(
        store, sample_profile(store), Period(today.year, today.month), sent, waiting, bought,
        vat_of(sent.xml) + vat_of(waiting.xml), vat_of(bought_xml),
    )  # fmt: skip
    store.close()


def _open(qtbot, runner, s: Synced) -> JpkDialog:
    dialog = JpkDialog(runner, lambda: s.store, lambda: s.profile, _now)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.select_month(s.period)
    dialog.reload()
    qtbot.waitUntil(lambda: dialog.loaded is not None and runner.is_idle(), timeout=20_000)
    assert dialog.loaded is not None
    assert dialog.loaded.overview.documents.period == s.period
    return dialog


def _save(qtbot, runner, dialog: JpkDialog, monkeypatch, path: Path) -> None:
    """Click "Save…" and answer the file dialog with ``path``."""
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    QTest.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and runner.is_idle(), timeout=20_000)


def test_the_month_saved_then_corrected(qtbot, runner, synced, tmp_path, monkeypatch) -> None:
    s = synced
    dialog = _open(qtbot, runner, s)
    # What goes in: two sales (one accepted, one offline), one purchase, their VAT.
    assert dialog.rows.text() == "2 / 1"
    assert dialog.tax_due.text() == fmt_money(s.expected_due)
    assert dialog.tax_deductible.text() == fmt_money(s.expected_deductible)
    warnings = [dialog.notices.item(n).text() for n in range(dialog.notices.count())]
    assert any(s.waiting.number in text and "OFF" in text for text in warnings), warnings
    assert not dialog.correction.isChecked()
    assert dialog.history.topLevelItemCount() == 0

    # A surplus carried (P_39) typed: the declaration is counted again from the rows
    # already read (the same rows, a larger surplus to carry), then put back.
    before = dialog.loaded
    assert before is not None
    dialog.surplus.setText("100000")
    dialog.surplus.editingFinished.emit()
    qtbot.waitUntil(lambda: dialog.loaded is not before and runner.is_idle(), timeout=10_000)
    counted = dialog.loaded
    assert counted is not None
    assert counted.overview.documents is before.overview.documents  # not read again
    assert counted.overview.carried_forward > before.overview.carried_forward
    assert dialog.carried.text() == fmt_money(counted.overview.carried_forward)
    dialog.surplus.setText(str(int(before.overview.surplus_carried)))
    dialog.surplus.editingFinished.emit()
    qtbot.waitUntil(
        lambda: (
            dialog.loaded is not None
            and dialog.loaded.overview.carried_forward == before.overview.carried_forward
        ),
        timeout=10_000,
    )

    # The taxpayer, typed once.
    dialog.first_name.setText("Jan")
    dialog.last_name.setText("Kowalski")
    dialog.birth_date.setText("31.01.1980")  # not the date the form asks for
    dialog.email.setText("jan@example.pl")
    first = tmp_path / "JPK_V7M.xml"
    _save(qtbot, runner, dialog, monkeypatch, first)
    assert dialog.state.property("problem")
    assert "KodUrzedu" in dialog.state.text()
    dialog.office.setCurrentIndex(dialog.office.findData("1471"))
    _save(qtbot, runner, dialog, monkeypatch, first)
    assert dialog.state.property("problem")
    assert "31.01.1980" in dialog.state.text()
    assert not first.exists()
    dialog.birth_date.setText("1980-01-31")
    _save(qtbot, runner, dialog, monkeypatch, first)
    qtbot.waitUntil(lambda: dialog.history.topLevelItemCount() == 1, timeout=20_000)
    assert not dialog.state.property("problem"), dialog.state.text()
    assert first.name in dialog.state.text()

    data = first.read_bytes()
    root = etree.fromstring(data)
    schema = jpk_schema()
    assert schema.validate(root), schema.error_log
    assert root.findtext("t:Naglowek/t:CelZlozenia", namespaces=JPK) == "1"
    sales = root.findall("t:Ewidencja/t:SprzedazWiersz", JPK)
    assert [r.findtext("t:DowodSprzedazy", namespaces=JPK) for r in sales] == [
        s.sent.number,
        s.waiting.number,
    ]
    assert sales[0].findtext("t:NrKSeF", namespaces=JPK) == s.sent.ksef_number
    assert sales[1].findtext("t:OFF", namespaces=JPK) == "1"
    assert sales[1].find("t:NrKSeF", JPK) is None
    (purchase,) = root.findall("t:Ewidencja/t:ZakupWiersz", JPK)
    assert purchase.findtext("t:NrKSeF", namespaces=JPK) == s.bought
    due = root.findtext("t:Ewidencja/t:SprzedazCtrl/t:PodatekNalezny", namespaces=JPK)
    assert Decimal(due or "") == s.expected_due
    kept = taxpayer_of(s.store, s.profile)
    assert isinstance(kept, NaturalPerson)
    assert (kept.first_name, kept.tax_office) == ("Jan", "1471")
    (record,) = month_files(s.store, s.profile, s.period)
    assert not record.correction

    # The month has a file: a correction by default, which needs its reason.
    assert dialog.correction.isChecked()
    fixed = tmp_path / "JPK_V7M_korekta.xml"
    _save(qtbot, runner, dialog, monkeypatch, fixed)
    qtbot.waitUntil(lambda: bool(dialog.state.property("problem")), timeout=20_000)
    assert "P_ORDZU" in dialog.state.text()
    assert not fixed.exists()
    assert len(month_files(s.store, s.profile, s.period)) == 1

    reason = "Błędna kwota faktury zakupu."
    dialog.reason.setPlainText(reason)
    _save(qtbot, runner, dialog, monkeypatch, fixed)
    qtbot.waitUntil(lambda: dialog.history.topLevelItemCount() == 2, timeout=20_000)
    root = etree.fromstring(fixed.read_bytes())
    assert schema.validate(root), schema.error_log
    assert root.findtext("t:Naglowek/t:CelZlozenia", namespaces=JPK) == "2"
    assert root.findtext("t:Deklaracja/t:PozycjeSzczegolowe/t:P_ORDZU", namespaces=JPK) == reason
    assert len(root.findall("t:Ewidencja/t:SprzedazWiersz", JPK)) == 2
    assert [r.correction for r in month_files(s.store, s.profile, s.period)] == [False, True]

    # A copy of the first file from the history, byte for byte.
    copy = tmp_path / "copy.xml"
    item = dialog.history.topLevelItem(0)
    assert item is not None
    dialog.history.setCurrentItem(item)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(copy), ""))
    QTest.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(copy.exists, timeout=20_000)
    assert copy.read_bytes() == data

    # Opened again: the taxpayer comes from the profile.
    again = _open(qtbot, runner, s)
    assert again.first_name.text() == "Jan"
    assert again.birth_date.text() == "1980-01-31"
    assert again.office.currentData() == "1471"
    assert again.correction.isChecked()


def test_the_vat_menu_opens_the_dialog(qtbot, make_shell) -> None:
    from tests.gui.helpers import wait_ready

    shell = make_shell()
    wait_ready(qtbot, shell)
    window = shell.window
    assert window is not None
    (action,) = [a for a in window.actions() if "JPK_V7M" in a.text()]
    action.trigger()
    assert window.jpk is not None
    qtbot.waitUntil(
        lambda: window.jpk is not None and window.jpk.loaded is not None, timeout=20_000
    )
    assert window.jpk.isVisible()
