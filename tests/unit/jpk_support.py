"""Shared pieces of the JPK_V7M tests: FA(3) invoices built from the domain model, KSeF
numbers with their real checksum, and a reader of the JPK XML that does not use the
package's own code (so the tests check the file, not our arithmetic twice)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from lxml import etree

from ksef_desktop.domain.identifiers import make_ksef_number
from ksef_desktop.domain.invoice import (
    Address,
    EuVatNumber,
    Invoice,
    InvoiceKind,
    Line,
    Party,
    PolishNip,
    VatRate,
)
from ksef_desktop.fa3.build import build
from ksef_desktop.jpk.model import NaturalPerson, Period

OWN_NIP = "5265877635"
BUYER_NIP = "9999999999"
SUPPLIER_NIP = "1111111111"
MONTH = Period(2026, 11)
CREATED = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
TAXPAYER = NaturalPerson(
    nip=OWN_NIP,
    first_name="Anna",
    last_name="Wiśniewska",
    birth_date=date(1985, 4, 12),
    email="anna@example.pl",
    tax_office="1471",
)
NS = {"t": "http://crd.gov.pl/wzor/2025/12/19/14090/"}

ME = Party(PolishNip(OWN_NIP), "Anna Wiśniewska Usługi IT", Address("PL", "ul. Leśna 2, Warszawa"))
BUYER = Party(PolishNip(BUYER_NIP), "Odbiorca Sp. z o.o.", Address("PL", "ul. Polna 1, Kraków"))
SUPPLIER = Party(PolishNip(SUPPLIER_NIP), "Dostawca S.A.", Address("PL", "ul. Długa 3, Gdańsk"))


def line(rate: VatRate, price: str, quantity: str = "1", **changes: object) -> Line:
    return replace(Line("pozycja", rate, Decimal(quantity), Decimal(price), "szt."), **changes)  # type: ignore[arg-type]


def invoice(*lines: Line, **changes: object) -> Invoice:
    base = Invoice(
        kind=InvoiceKind.VAT,
        number="FV/2026/11/1",
        issue_date=date(2026, 11, 10),
        seller=ME,
        buyer=BUYER,
        lines=lines,
        created_at=datetime(2026, 11, 10, 9, 0, tzinfo=UTC),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def fa3(*lines: Line, **changes: object) -> bytes:
    """FA(3) XML of an invoice we issued (seller: ME)."""
    return build(invoice(*lines, **changes))


def purchase_fa3(*lines: Line, **changes: object) -> bytes:
    """FA(3) XML of an invoice we received (seller: SUPPLIER, buyer: ME)."""
    return build(invoice(*lines, seller=SUPPLIER, buyer=ME, **changes))


def ksef_number(nip: str = OWN_NIP, day: date = date(2026, 11, 10), serial: int = 1) -> str:
    return make_ksef_number(nip, day, f"{serial:012X}")


def root(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def rows(data: bytes, kind: str = "SprzedazWiersz") -> list[dict[str, str]]:
    """Each row of the register as {element name: text}."""
    result = []
    for row in root(data).iterfind(f"t:Ewidencja/t:{kind}", NS):
        result.append({etree.QName(child).localname: child.text or "" for child in row})
    return result


def field(data: bytes, path: str) -> str | None:
    return root(data).findtext(path, namespaces=NS)


def declaration(data: bytes) -> dict[str, str]:
    node = root(data).find("t:Deklaracja/t:PozycjeSzczegolowe", NS)
    assert node is not None
    return {etree.QName(child).localname: child.text or "" for child in node}


EU_BUYER_FOR_CLI = Party(
    EuVatNumber("DE", "123456789"), "Kunde GmbH", Address("DE", "Hauptstr. 1, Berlin")
)
