"""JPK_V7M(3) of a month from invoices that really went through KSeF (issue 19,
Acceptance): our sales issued and sent through the Sandbox (one accepted, with the KSeF
number the Sandbox gave; one offline invoice still waiting to be sent) and a supplier's
invoice synced from the Sandbox as a purchase make a file that validates against the
official XSD, whose rows carry those KSeF numbers and the OFF marker, and whose control
sums equal the invoices' own VAT as their XML states it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from ksef_desktop import cli
from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.jpk.schema import jpk_schema
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.services.purchases_sync import sync_purchases
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.states import InvoiceState
from tests.integration.client_support import SEEN_SECRETS, invoice_bytes
from tests.integration.purchases_support import client_for, kept, send_files
from tests.integration.submit_support import SELLER, drain_until_done, issue_many, submitter
from tests.unit.test_store_support import PID, open_profiled, sample_invoice, sample_profile

SUPPLIER = "9999999999"
JPK = {"t": "http://crd.gov.pl/wzor/2025/12/19/14090/"}
FA = "{http://crd.gov.pl/wzor/2025/06/25/13775/}"
PERSON = [
    "--nip", SELLER, "--tax-office", "1471", "--first-name", "Jan", "--last-name", "Kowalski",
    "--birth-date", "1980-01-31", "--email", "jan@example.pl",
]  # fmt: skip


def _now() -> datetime:
    return datetime.now(UTC)


def vat_of(xml: bytes) -> Decimal:
    """The sum of an invoice's tax amounts in złoty (P_14_1 … P_14_5), read from its XML."""
    root = etree.fromstring(xml)
    fa = root.find(f"{FA}Fa")
    assert fa is not None
    names = [f"P_14_{n}" for n in range(1, 6)]
    return sum(
        (Decimal(el.text or "0") for el in fa if etree.QName(el).localname in names), Decimal(0)
    )


def to_our_nip(xml: bytes) -> bytes:
    """The supplier's invoice (official sample 1) addressed to our NIP as its buyer."""
    text, count = re.subn(rb"<NIP>1111111111</NIP>", f"<NIP>{SELLER}</NIP>".encode(), xml, count=1)
    assert count == 1
    return text


def test_the_month_of_invoices_sent_and_synced_through_the_sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = warsaw_date(_now())
    with Sandbox(SandboxConfig(nips=(SELLER, SUPPLIER), port=0, rate_limit_scale=None)) as sb:
        SEEN_SECRETS.update(sb.tokens.values())
        store = open_profiled(tmp_path / "data")
        try:
            (accepted,) = issue_many(store, 1, now=_now, invoice=sample_invoice(day=today))
            drain_until_done(submitter(store, sb.base_url, sb.tokens[SELLER], _now))
            (offline,) = issue_many(
                store, 1, now=_now, prefix="OFF", invoice=sample_invoice(day=today, price="40.00"),
                mode="offline24", deadline=_now() + timedelta(days=1),
            )  # fmt: skip
            conn = store.db.connection()
            sent = get_invoice(conn, accepted, profile_id=PID)
            waiting = get_invoice(conn, offline, profile_id=PID)
            assert sent.state is InvoiceState.ACCEPTED
            assert sent.ksef_number is not None
            assert waiting.state is not InvoiceState.ACCEPTED
            assert waiting.ksef_number is None
            bought_xml = to_our_nip(invoice_bytes(SUPPLIER, "ZAK/2026/1"))
            (bought,) = send_files(sb, SUPPLIER, [bought_xml])
            with client_for(sb, SELLER) as client:
                report = sync_purchases(store, client, sample_profile(store), now=_now)
            assert report.new == 1
            assert set(kept(store, sample_profile(store))) == {bought}
            assert sent.xml is not None
            assert waiting.xml is not None
            expected_due = vat_of(sent.xml) + vat_of(waiting.xml)
            expected_deductible = vat_of(bought_xml)
        finally:
            store.close()
        out = tmp_path / "JPK_V7M.xml"
        month = f"{today.year}-{today.month:02d}"
        code = cli.main(
            ["--data-dir", str(tmp_path / "data"), "jpk", "--month", month,
             "--base-url", sb.base_url, *PERSON, "-o", str(out)]
        )  # fmt: skip
    printed = capsys.readouterr()
    assert code == 0, printed.err
    data = out.read_bytes()
    schema = jpk_schema()
    assert schema.validate(etree.fromstring(data)), schema.error_log
    root = etree.fromstring(data)
    sales = root.findall("t:Ewidencja/t:SprzedazWiersz", JPK)
    assert [s.findtext("t:DowodSprzedazy", namespaces=JPK) for s in sales] == [
        sent.number,
        waiting.number,
    ]
    assert sales[0].findtext("t:NrKSeF", namespaces=JPK) == sent.ksef_number
    assert sales[0].find("t:OFF", JPK) is None
    assert sales[1].findtext("t:OFF", namespaces=JPK) == "1"
    assert sales[1].find("t:NrKSeF", JPK) is None
    (purchase,) = root.findall("t:Ewidencja/t:ZakupWiersz", JPK)
    assert purchase.findtext("t:NrKSeF", namespaces=JPK) == bought
    assert purchase.findtext("t:DowodZakupu", namespaces=JPK) == "ZAK/2026/1"
    due = root.findtext("t:Ewidencja/t:SprzedazCtrl/t:PodatekNalezny", namespaces=JPK)
    deductible = root.findtext("t:Ewidencja/t:ZakupCtrl/t:PodatekNaliczony", namespaces=JPK)
    assert Decimal(due or "") == expected_due
    assert Decimal(deductible or "") == expected_deductible
    assert printed.out.splitlines()[:4] == [
        "LiczbaWierszySprzedazy 2",
        "LiczbaWierszyZakupow 1",
        f"PodatekNalezny {expected_due:.2f}",
        f"PodatekNaliczony {expected_deductible:.2f}",
    ]
    assert str(waiting.number) in printed.err  # told: reported as OFF
