"""``ksef-desktop jpk``: FA(3) files in, a validated JPK_V7M(3) file out, end to end."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from ksef_desktop import cli
from ksef_desktop.domain.invoice import VatRate
from ksef_desktop.jpk.schema import jpk_schema
from tests.unit.jpk_support import (
    EU_BUYER_FOR_CLI,
    OWN_NIP,
    SUPPLIER_NIP,
    declaration,
    fa3,
    ksef_number,
    line,
    purchase_fa3,
    rows,
)

PERSON = [
    "--nip",
    OWN_NIP,
    "--tax-office",
    "1471",
    "--first-name",
    "Anna",
    "--last-name",
    "Wiśniewska",
    "--birth-date",
    "1985-04-12",
    "--email",
    "anna@example.pl",
]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    made = {
        # 1500.00 + 345.00 at 23 %
        "sale": fa3(line(VatRate.R23, "150.00", "10")),
        # 100.00 + 8.00 at 8 %, number 2
        "offline": fa3(line(VatRate.R8, "100.00"), number="FV/2026/11/2"),
        # WDT 1000 EUR written with no rate (edited out below)
        "wdt": fa3(line(VatRate.R0_WDT, "1000.00"), buyer=EU_BUYER_FOR_CLI, number="FV/2026/11/3"),
        # bought: 800.00 + 184.00 at 23 %
        "bought": purchase_fa3(line(VatRate.R23, "800.00")),
        # bought: a car, 40000.00 + 9200.00, half deductible
        "car": purchase_fa3(line(VatRate.R23, "40000.00"), number="FV/CAR/1"),
    }
    paths = {}
    for name, data in made.items():
        path = tmp_path / f"{name}.xml"
        path.write_bytes(data)
        paths[name] = path
    return paths


def run(*args: str) -> int:
    return cli.main(["jpk", "--month", "2026-11", *PERSON, *args])


def test_a_month_from_files(files: dict[str, Path], tmp_path: Path, capsys) -> None:
    out = tmp_path / "JPK.xml"
    number = ksef_number()
    supplier_number = ksef_number(SUPPLIER_NIP, serial=9)
    code = run(
        "--sales",
        f"{files['sale']}={number}",
        f"{files['offline']}=OFF",
        f"{files['wdt']}=bfk",
        "--purchases",
        f"{files['bought']}={supplier_number}",
        f"{files['car']}=BFK",
        "--deductible",
        f"{files['car']}=0,5",
        "--fixed-asset",
        f"{files['car']}",
        "--surplus",
        "10",
        "-o",
        str(out),
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = out.read_bytes()
    assert jpk_schema().validate(etree.fromstring(data))
    # PodatekNalezny 345.00 + 8.00; PodatekNaliczony 184.00 + 9200 × 0.5 = 4784.00;
    # P_38 353, P_48 = 10 + 4600 + 184 = 4794, P_53 = P_62 = 4441.
    assert captured.out.splitlines() == [
        "LiczbaWierszySprzedazy 3",
        "LiczbaWierszyZakupow 2",
        "PodatekNalezny 353.00",
        "PodatekNaliczony 4784.00",
        "P_51 0",
        "P_62 4441",
    ]
    sold = rows(data)
    assert [r.get("NrKSeF", "") + r.get("OFF", "") + r.get("BFK", "") for r in sold] == [
        number,
        "1",
        "1",
    ]
    assert [k for k in ("NrKSeF", "OFF", "BFK") if k in sold[1]] == ["OFF"]
    bought = rows(data, "ZakupWiersz")
    assert (bought[1]["K_40"], bought[1]["K_41"]) == ("40000.00", "4600.00")
    assert declaration(data)["P_39"] == "10"
    # The user is told about the OFF invoice, in Polish.
    assert "nie ma jeszcze numeru KSeF" in captured.err


def test_a_correction_with_a_refund(files: dict[str, Path], tmp_path: Path, capsys) -> None:
    out = tmp_path / "K.xml"
    code = run(
        "--purchases",
        f"{files['bought']}=OFF",
        "--refund",
        "100",
        "--refund-mode",
        "40",
        "--correction",
        "--reason",
        "Pominięty zakup.",
        "-o",
        str(out),
    )
    assert code == 0, capsys.readouterr().err
    fields = declaration(out.read_bytes())
    assert (fields["P_54"], fields["P_560"], fields["P_62"]) == ("100", "1", "84")
    assert fields["P_ORDZU"] == "Pominięty zakup."


def test_refusals_write_nothing(files: dict[str, Path], tmp_path: Path, capsys) -> None:
    out = tmp_path / "no.xml"
    # The seller of a purchase is not the taxpayer: it cannot be our sale.
    assert run("--sales", f"{files['bought']}=OFF", "-o", str(out)) == 1
    assert "NIP sprzedawcy" in capsys.readouterr().err
    # A KSeF number with a wrong checksum.
    assert (
        run("--sales", f"{files['sale']}=5265877635-20261110-000000000001-00", "-o", str(out)) == 1
    )
    assert "numerem KSeF" in capsys.readouterr().err
    # A refund larger than the surplus.
    assert run("--sales", f"{files['sale']}=OFF", "--refund", "5", "-o", str(out)) == 1
    assert "P_54" in capsys.readouterr().err
    assert not out.exists()
    assert list(tmp_path.glob(".jpk-*")) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sales", "nofile.xml"], "PLIK=WARTOŚĆ"),
        (["--rate", "x.xml=4"], "nie występuje"),
        (["--surplus", "abc"], "nie jest liczbą"),
    ],
)
def test_wrong_arguments_exit_2(args: list[str], message: str, tmp_path: Path, capsys) -> None:
    assert run(*args, "-o", str(tmp_path / "x.xml")) == 2
    assert message in capsys.readouterr().err


def test_unreadable_and_foreign_files(tmp_path: Path, capsys) -> None:
    out = str(tmp_path / "x.xml")
    assert run("--sales", f"{tmp_path / 'missing.xml'}=OFF", "-o", out) == 1
    assert "nie można odczytać" in capsys.readouterr().err
    junk = tmp_path / "junk.xml"
    junk.write_text("<Faktura/>", encoding="utf-8")
    assert run("--sales", f"{junk}=OFF", "-o", out) == 1
    assert "to nie jest faktura FA(3)" in capsys.readouterr().err


def test_a_foreign_invoice_without_a_rate(tmp_path: Path, capsys) -> None:
    data = fa3(line(VatRate.R0_WDT, "1000.00"), buyer=EU_BUYER_FOR_CLI, currency="EUR")
    data = b"".join(
        part for part in data.split(b"\n") if b"<KursWaluty>" not in part
    )  # as some programs write a 0 % invoice
    path = tmp_path / "eur.xml"
    path.write_bytes(data)
    out = tmp_path / "o.xml"
    assert run("--sales", f"{path}=OFF", "-o", str(out)) == 1
    assert "nie podaje kursu" in capsys.readouterr().err
    assert run("--sales", f"{path}=OFF", "--rate", f"{path}=4.25", "-o", str(out)) == 0
    (row,) = rows(out.read_bytes())
    assert row["K_21"] == f"{Decimal('4250.00')}"


def test_from_a_real_process_in_english(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "p.xml"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ksef_desktop",
            "--lang",
            "en",
            "jpk",
            "--month",
            "2026-11",
            *PERSON,
            "--sales",
            f"{files['offline']}=OFF",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "PodatekNalezny 8.00" in result.stdout
    assert "has no KSeF number yet" in result.stderr
    assert "Traceback" not in result.stderr
