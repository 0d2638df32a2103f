"""The whole file: header, Podmiot1, row order and numbering, the control rows, refusals
with their Polish and English messages, and the schema check before anything is
returned."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from ksef_desktop.jpk import build as build_module
from ksef_desktop.jpk.build import build_jpk
from ksef_desktop.jpk.errors import JpkError, JpkSchemaError
from ksef_desktop.jpk.model import (
    Counterparty,
    DeclarationInputs,
    Marker,
    Organisation,
    Period,
    Procedure,
    PurchaseDocument,
    SalesDocType,
    SalesDocument,
)
from ksef_desktop.jpk.schema import ETD_NAMESPACE, jpk_schema
from tests.unit.jpk_support import CREATED, MONTH, NS, TAXPAYER, field, ksef_number, root, rows

D = Decimal
BUYER = Counterparty("9999999999", "Odbiorca")


def sale(**changes: object) -> SalesDocument:
    doc = SalesDocument(
        "FV/1", date(2026, 11, 5), BUYER, ksef_number(), {"K_19": D("100.00"), "K_20": D("23.00")}
    )
    return replace(doc, **changes)  # type: ignore[arg-type]


def purchase(**changes: object) -> PurchaseDocument:
    doc = PurchaseDocument(
        "Z/1", date(2026, 11, 6), Counterparty("1111111111", "Dostawca"), Marker.OFF, {}
    )
    return replace(doc, **changes)  # type: ignore[arg-type]


def make(sales=None, purchases=(), taxpayer=TAXPAYER, created_at=CREATED):
    chosen = [sale()] if sales is None else list(sales)
    return build_jpk(
        MONTH, taxpayer, chosen, list(purchases), DeclarationInputs(), created_at=created_at
    )


def test_the_header() -> None:
    data = make()
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    node = root(data).find("t:Naglowek/t:KodFormularza", NS)
    assert node is not None
    assert (node.text, node.get("kodSystemowy"), node.get("wersjaSchemy")) == (
        "JPK_VAT",
        "JPK_V7M (3)",
        "1-0E",
    )
    assert field(data, "t:Naglowek/t:WariantFormularza") == "3"
    assert field(data, "t:Naglowek/t:DataWytworzeniaJPK") == "2026-12-05T10:00:00Z"
    assert field(data, "t:Naglowek/t:KodUrzedu") == "1471"
    assert (field(data, "t:Naglowek/t:Rok"), field(data, "t:Naglowek/t:Miesiac")) == ("2026", "11")
    assert field(data, "t:Naglowek/t:NazwaSystemu") == "KSeF Desktop"


def test_a_sole_trader_in_podmiot1() -> None:
    person = root(make()).find("t:Podmiot1/t:OsobaFizyczna", NS)
    assert person is not None
    etd = {"e": ETD_NAMESPACE}
    assert person.findtext("e:NIP", namespaces=etd) == "5265877635"
    assert person.findtext("e:ImiePierwsze", namespaces=etd) == "Anna"
    assert person.findtext("e:Nazwisko", namespaces=etd) == "Wiśniewska"
    assert person.findtext("e:DataUrodzenia", namespaces=etd) == "1985-04-12"
    assert person.findtext("t:Email", namespaces=NS) == "anna@example.pl"


def test_a_company_in_podmiot1() -> None:
    company = Organisation("5265877635", "Spółka  z o.o.", "biuro@example.pl", "0202", "+48 123")
    node = root(make(taxpayer=company)).find("t:Podmiot1/t:OsobaNiefizyczna", NS)
    assert node is not None
    assert node.findtext("t:PelnaNazwa", namespaces=NS) == "Spółka z o.o."
    assert node.findtext("t:Telefon", namespaces=NS) == "+48 123"


@pytest.mark.parametrize(
    ("changes", "pl"),
    [
        ({"nip": "5265877636"}, "NIP podatnika"),
        ({"tax_office": "9999"}, "urzędu skarbowego"),
        ({"email": "nie-mail"}, "adresem e-mail"),
        ({"first_name": ""}, "od 1 do 30"),
        ({"last_name": "x" * 82}, "od 1 do 81"),
        ({"phone": "1" * 17}, "telefonu"),
        ({"first_name": "An\x07na"}, "znak sterujący"),
    ],
)
def test_a_wrong_taxpayer_is_refused(changes: dict[str, object], pl: str) -> None:
    with pytest.raises(JpkError) as caught:
        make(taxpayer=replace(TAXPAYER, **changes))  # type: ignore[arg-type]
    assert pl in caught.value.text("pl")
    assert caught.value.text("en") != caught.value.text("pl")


def test_rows_are_numbered_in_the_order_given_with_their_status() -> None:
    sales = [
        sale(number="A"),
        sale(number="B", ksef=Marker.OFF),
        sale(number="C", ksef=Marker.BFK),
        sale(number="RO/11", ksef=Marker.DI, doc_type=SalesDocType.RO),
    ]
    purchases = [purchase(number="Z/1"), purchase(number="Z/2", ksef=ksef_number("1111111111"))]
    data = make(sales, purchases)
    written = rows(data)
    assert [(r["LpSprzedazy"], r["DowodSprzedazy"]) for r in written] == [
        ("1", "A"),
        ("2", "B"),
        ("3", "C"),
        ("4", "RO/11"),
    ]
    assert written[0]["NrKSeF"] == ksef_number()
    assert (written[1]["OFF"], written[2]["BFK"], written[3]["DI"]) == ("1", "1", "1")
    assert written[3]["TypDokumentu"] == "RO"
    bought = rows(data, "ZakupWiersz")
    assert [(r["LpZakupu"], r.get("OFF"), r.get("NrKSeF")) for r in bought] == [
        ("1", "1", None),
        ("2", None, ksef_number("1111111111")),
    ]
    assert field(data, "t:Ewidencja/t:SprzedazCtrl/t:LiczbaWierszySprzedazy") == "4"
    assert field(data, "t:Ewidencja/t:SprzedazCtrl/t:PodatekNalezny") == "92.00"
    assert field(data, "t:Ewidencja/t:ZakupCtrl/t:LiczbaWierszyZakupow") == "2"
    assert field(data, "t:Ewidencja/t:ZakupCtrl/t:PodatekNaliczony") == "0.00"


def test_an_empty_month() -> None:
    data = make(sales=())
    assert field(data, "t:Ewidencja/t:SprzedazCtrl/t:LiczbaWierszySprzedazy") == "0"
    assert field(data, "t:Ewidencja/t:SprzedazCtrl/t:PodatekNalezny") == "0.00"
    assert field(data, "t:Deklaracja/t:PozycjeSzczegolowe/t:P_51") == "0"


def test_a_pair_is_written_whole_and_zero_fields_are_left_out() -> None:
    doc = sale(amounts={"K_15": D("10.00"), "K_10": D("0.00"), "K_21": D(0)})
    (row,) = rows(make([doc]))
    assert {k: v for k, v in row.items() if k.startswith("K_")} == {"K_15": "10.00", "K_16": "0.00"}


def test_markers_in_schema_order() -> None:
    doc = sale(
        gtu=frozenset({"GTU_13", "GTU_01"}),
        procedures=frozenset({Procedure.B_MPV_PROWIZJA, Procedure.WSTO_EE, Procedure.I_42}),
    )
    (row,) = rows(make([doc]))
    names = list(row)
    start = names.index("GTU_01")
    assert names[start : start + 5] == ["GTU_01", "GTU_13", "WSTO_EE", "I_42", "B_MPV_PROWIZJA"]


@pytest.mark.parametrize(
    ("changes", "pl"),
    [
        ({"number": " "}, "DowodSprzedazy jest puste"),
        ({"number": "x" * 257}, "więcej niż 256"),
        ({"counterparty": Counterparty("1" * 51, "a")}, "więcej niż 50"),
        ({"counterparty": Counterparty("1", "a", "GR")}, "Grecja to EL"),
        ({"counterparty": Counterparty("1", "a", "XX")}, "kodem kraju"),
        ({"issue_date": date(2005, 12, 31)}, "DataWystawienia"),
        ({"amounts": {"K_19": D("1.001")}}, "złotych i groszach"),
        ({"amounts": {"K_19": D("1e16")}}, "złotych i groszach"),
        ({"amounts": {"K_19": D("NaN")}}, "nie jest kwotą"),
        ({"amounts": {"K_99": D(1)}}, "K_99"),
        ({"gtu": frozenset({"GTU_14"})}, "GTU_14"),
        ({"ksef": "12345"}, "numerem KSeF"),
        ({"doc_type": SalesDocType.WEW}, "oznacz go DI"),
        ({"margin_gross": D("0.001")}, "SprzedazVAT_Marza"),
    ],
)
def test_a_wrong_row_is_refused_with_a_message(changes: dict[str, object], pl: str) -> None:
    with pytest.raises(JpkError) as caught:
        make([sale(label="plik.xml", **changes)])
    message = caught.value.text("pl")
    assert message.startswith("plik.xml: ")
    assert pl in message


def test_the_creation_time_and_the_period() -> None:
    with pytest.raises(JpkError):
        make(created_at=datetime(2026, 1, 31, 23, 59, tzinfo=UTC))
    with pytest.raises(JpkError, match="strefą"):
        make(created_at=datetime(2026, 3, 1))  # naive
    with pytest.raises(JpkError, match="lutego 2026"):
        Period(2026, 1)
    with pytest.raises(JpkError, match="miesiąc"):
        Period.parse("2026-13")
    assert str(Period.parse(" 2026-02 ")) == "2026-02"


def test_nothing_invalid_is_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were the builder wrong (here: made to drop P_38), the schema check stops it."""
    real = build_module._declaration

    def broken(root, fields, inputs, correction):
        real(root, {k: v for k, v in fields.items() if k != "P_38"}, inputs, correction)

    monkeypatch.setattr(build_module, "_declaration", broken)
    with pytest.raises(JpkSchemaError) as caught:
        make()
    assert any("P_38" in detail for detail in caught.value.details)
    assert caught.value.text("pl").startswith("Utworzony plik JPK_V7M nie jest zgodny")


def test_what_is_returned_validates_on_its_own() -> None:
    data = make([sale(), sale(ksef=Marker.BFK)], [purchase(amounts={"K_42": D("5.00")})])
    assert jpk_schema().validate(etree.fromstring(data))
