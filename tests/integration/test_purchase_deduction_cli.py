"""``ksef-desktop purchases deduction`` on invoices a supplier really sent through the
Sandbox and we synced (issue 19): the choice is printed and listed, a month outside the
window of art. 86 ust. 10/11 or a bad share is refused (exit 2) without changing
anything, and the months' JPK_V7M(3) files follow the choice: the invoice deducted a
month later as a fixed asset with half its tax is absent from the month of receipt and
in the next month's file in K_40/K_41, with its DataWplywu still the day of receipt."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from ksef_desktop import cli
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.services.purchase_deductions import add_months, month_text, receipt_month
from ksef_desktop.services.purchases_sync import sync_purchases
from tests.integration.client_support import SEEN_SECRETS, invoice_bytes
from tests.integration.purchases_support import client_for, send_files
from tests.integration.submit_support import SELLER
from tests.unit.test_store_support import open_profiled, sample_profile

SUPPLIER = "9999999999"
JPK = {"t": "http://crd.gov.pl/wzor/2025/12/19/14090/"}
PERSON = [
    "--nip", SELLER, "--tax-office", "1471", "--first-name", "Jan", "--last-name", "Kowalski",
    "--birth-date", "1980-01-31", "--email", "jan@example.pl",
]  # fmt: skip


def _now() -> datetime:
    return datetime.now(UTC)


def to_our_nip(xml: bytes) -> bytes:
    text, count = re.subn(rb"<NIP>1111111111</NIP>", f"<NIP>{SELLER}</NIP>".encode(), xml, count=1)
    assert count == 1
    return text


def purchase_rows(data: bytes) -> dict[str, dict[str, str]]:
    """The month's ZakupWiersz by their KSeF number, each as {element: text}."""
    root = etree.fromstring(data)
    found = {}
    for row in root.iterfind("t:Ewidencja/t:ZakupWiersz", JPK):
        fields = {etree.QName(child).localname: child.text or "" for child in row}
        found[fields["NrKSeF"]] = fields
    return found


def test_the_deduction_of_synced_purchases_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    with Sandbox(SandboxConfig(nips=(SELLER, SUPPLIER), port=0, rate_limit_scale=None)) as sb:
        SEEN_SECRETS.update(sb.tokens.values())
        car, desk = send_files(
            sb,
            SUPPLIER,
            [
                to_our_nip(invoice_bytes(SUPPLIER, "CAR/1")),
                to_our_nip(invoice_bytes(SUPPLIER, "D/1")),
            ],
        )
        store = open_profiled(data_dir)
        try:
            with client_for(sb, SELLER) as client:
                assert sync_purchases(store, client, sample_profile(store), now=_now).new == 2
        finally:
            store.close()
        target = ["--base-url", sb.base_url, "--nip", SELLER]

        def run(*args: str) -> tuple[int, str, str]:
            code = cli.main(["--lang", "en", "--data-dir", str(data_dir), *args, *target])
            printed = capsys.readouterr()
            return code, printed.out, printed.err

        receipt = receipt_month(car)
        here, next_month = month_text(receipt), month_text(add_months(receipt, 1))

        assert run("purchases", "deduction", car) == (0, f"{car} other 100% {here}\n", "")
        code, out, err = run(
            "purchases", "deduction", car, "--category", "fixed-assets", "--share", "50",
            "--month", next_month,
        )  # fmt: skip
        assert (code, err) == (0, "")
        assert out == f"{car} fixed-assets 50% {next_month}\n"

        # Refused, with the reason, and nothing changed.
        too_late = month_text(add_months(receipt, 4))
        code, out, err = run("purchases", "deduction", car, desk, "--month", too_late)
        assert (code, out) == (2, "")
        assert "86 ust. 13" in err
        assert too_late in err
        assert "Traceback" not in err
        code, _out, err = run("purchases", "deduction", car, "--share", "150")
        assert code == 2
        assert "100 %" in err
        code, _out, err = run("purchases", "deduction", "9999999999-20260101-000000000000-00")
        assert code == 2
        assert "9999999999-20260101-000000000000-00" in err
        code, _out, err = run("purchases", "--share", "50")
        assert code == 2
        assert "'deduction'" in err
        code, _out, err = cli.main(
            ["--lang", "pl", "--data-dir", str(data_dir), "purchases", "deduction", desk,
             "--month", month_text(add_months(receipt, -1)), *target]
        ), *capsys.readouterr()  # fmt: skip
        assert code == 2
        assert "odliczyć" in err  # in Polish too

        code, out, _err = run("purchases")
        assert code == 0
        listed = {line.split()[0]: line.split()[-3:] for line in out.splitlines()}
        assert listed == {
            car: ["fixed-assets", "50%", next_month],
            desk: ["other", "100%", here],
        }

        def month_file(month: str) -> dict[str, dict[str, str]]:
            out_file = tmp_path / f"JPK_{month}.xml"
            code, _out, err = run("jpk", "--month", month, *PERSON[2:], "-o", str(out_file))
            assert code == 0, err
            return purchase_rows(out_file.read_bytes())

        first = month_file(here)
        assert set(first) == {desk}
        assert (first[desk]["K_42"], first[desk]["K_43"]) == ("1667.61", "383.38")
        second = month_file(next_month)
        assert set(second) == {car}
        row = second[car]
        # Sample 1: net 1666.66 + 0.95, tax 383.33 + 0.05; half of 383.38 is 191.69.
        assert (row["K_40"], row["K_41"]) == ("1667.61", "191.69")
        assert "K_42" not in row
        assert row["DataWplywu"][:7] == here  # still the day of receipt
        assert Decimal(row["K_41"]) * 2 == Decimal("383.38")
