"""A month made of the Ministry's 26 FA(3) sample invoices, as sales and as purchases.

The checks read the file back with lxml alone: the control sums and the declaration must
equal what the rows of the same file add up to.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from ksef_desktop.domain.identifiers import make_ksef_number
from ksef_desktop.fa3.parse import parse
from ksef_desktop.jpk.build import build_jpk, summarize
from ksef_desktop.jpk.from_fa3 import MarginTax, purchase_document, sales_document
from ksef_desktop.jpk.model import (
    DeclarationInputs,
    Marker,
    NaturalPerson,
    Period,
    PurchaseDocument,
    SalesDocument,
)
from ksef_desktop.jpk.register import notices
from tests.conftest import OFFICIAL_SAMPLES
from tests.unit.jpk_support import CREATED, declaration, field, rows

SELLER_NIP = "9999999999"  # Podmiot1 of every sample
BUYER_NIP = "1111111111"  # Podmiot2 of most
RATES = {"FA_3_Przykład_22.xml": Decimal("4.2500"), "FA_3_Przykład_23.xml": Decimal("3.9876")}
MARGINS = {"FA_3_Przykład_8.xml": MarginTax(Decimal("1000.00"), Decimal("230.00"))}
TAX_DUE = ("K_16", "K_18", "K_20", "K_24", "K_26", "K_28", "K_30", "K_32", "K_33", "K_34")


def person(nip: str) -> NaturalPerson:
    return NaturalPerson(nip, "Jan", "Kowalski", date(1970, 1, 1), "jan@example.pl", "1471")


def status(index: int, nip: str, day: date) -> str:
    """Every third sample has its KSeF number, the others are OFF or BFK."""
    if index % 3 == 0:
        return make_ksef_number(nip, day, f"{index + 1:012X}")
    return Marker.OFF if index % 3 == 1 else Marker.BFK


def sales_month() -> tuple[bytes, list[SalesDocument]]:
    documents = []
    for index, path in enumerate(OFFICIAL_SAMPLES):
        data = path.read_bytes()
        documents.append(
            sales_document(
                data,
                status(index, SELLER_NIP, parse(data).issue_date),
                exchange_rate=RATES.get(path.name),
                margin=MARGINS.get(path.name),
                own_nip=SELLER_NIP,
                label=path.name,
            )
        )
    built = build_jpk(
        Period(2026, 2), person(SELLER_NIP), documents, [], DeclarationInputs(), created_at=CREATED
    )
    return built, documents


def test_the_samples_make_a_valid_month_of_sales() -> None:
    built, documents = sales_month()  # build_jpk validates against the official XSD
    written = rows(built)
    assert len(written) == len(OFFICIAL_SAMPLES) == 26
    assert field(built, "t:Ewidencja/t:SprzedazCtrl/t:LiczbaWierszySprzedazy") == "26"
    for row, path in zip(written, OFFICIAL_SAMPLES, strict=True):
        assert ("NrKSeF" in row) + ("OFF" in row) + ("BFK" in row) == 1, path.name
    # The control sum is the rows' tax, invoices to receipts (FP) left out.
    counted = [row for row in written if row.get("TypDokumentu") != "FP"]
    due = sum(Decimal(row.get(name, "0")) for row in counted for name in TAX_DUE)
    assert Decimal(field(built, "t:Ewidencja/t:SprzedazCtrl/t:PodatekNalezny") or "") == due
    # Each P_ field is its K_ field summed over those rows, rounded to whole złoty.
    p = declaration(built)
    for n in ("10", "11", "13", "15", "16", "17", "18", "19", "20", "21", "22"):
        total = sum((Decimal(row.get(f"K_{n}", "0")) for row in counted), Decimal(0))
        expected = total.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        assert Decimal(p.get(f"P_{n}", "0")) == expected, n
    assert Decimal(p["P_38"]) == sum(Decimal(p.get(f"P_{n}", "0")) for n in (16, 18, 20))
    assert p["P_51"] == p["P_38"]
    # What the user is told: the OFF invoices, and sample 19's margin tax not given.
    told = {(n.code, n.params["document"]) for n in notices(documents, [])}
    assert ("margin-tax", "Fa_3_Przykład_19.xml") in told
    assert ("margin-tax", "FA_3_Przykład_8.xml") not in told
    off = {doc.name for doc in documents if doc.ksef == Marker.OFF}
    assert {doc for code, doc in told if code == "sale-off"} == off


def test_the_samples_as_purchases_of_their_buyer() -> None:
    documents: list[PurchaseDocument] = []
    for index, path in enumerate(OFFICIAL_SAMPLES):
        data = path.read_bytes()
        invoice = parse(data)
        if getattr(invoice.buyer.tax_id, "nip", None) != BUYER_NIP:
            continue
        documents.append(
            purchase_document(
                data,
                status(index, SELLER_NIP, invoice.issue_date),
                exchange_rate=RATES.get(path.name),
                own_nip=BUYER_NIP,
                label=path.name,
            )
        )
    assert len(documents) == 23  # all but 22 (EU buyer), 23 (NrID) and 26 (another NIP)
    built = build_jpk(
        Period(2026, 2), person(BUYER_NIP), [], documents, DeclarationInputs(), created_at=CREATED
    )
    written = rows(built, "ZakupWiersz")
    deductible = sum(Decimal(row.get("K_43", "0")) for row in written)
    assert summarize(built).tax_deductible == deductible
    # Sample 21 in EUR: 59861.48 PLN net, 13768.14 PLN tax (its P_14_1W).
    (row21,) = [
        r for r, d in zip(written, documents, strict=True) if d.name == "FA_3_Przykład_21.xml"
    ]
    assert (row21["K_42"], row21["K_43"]) == ("59861.48", "13768.14")
    assert row21["NrDostawcy"] == SELLER_NIP


@pytest.mark.parametrize("path", OFFICIAL_SAMPLES, ids=lambda p: p.name)
def test_each_sample_alone_gives_a_valid_file(path) -> None:
    document = sales_document(
        path.read_bytes(),
        Marker.OFF,
        exchange_rate=RATES.get(path.name),
        label=path.name,
    )
    built = build_jpk(
        Period(2026, 2), person(SELLER_NIP), [document], [], DeclarationInputs(), created_at=CREATED
    )
    assert summarize(built).sales_rows == 1
