"""JPK marks in FA(3) (issue 19): GTU and Procedura on lines (GTUZ, ProceduraZ on an
advance invoice's order) and TP on the invoice — built where the official XSD puts them,
parsed back, kept in drafts (and drafts stored before them still load), refused where
FA(3) or the JPK regulation rules them out, and carried into the JPK_V7M row."""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from ksef_desktop.domain.checks import check_invoice
from ksef_desktop.domain.invoice import (
    Address,
    CorrectedInvoice,
    Correction,
    EuVatNumber,
    Invoice,
    InvoiceKind,
    NoTaxId,
    Party,
    VatRate,
)
from ksef_desktop.domain.marks import (
    GTU_CODES,
    GTU_MEANINGS,
    PROCEDURE_MEANINGS,
    GtuCode,
    LineProcedure,
    MarkError,
    procedures_for,
    read_gtu,
    read_procedure,
)
from ksef_desktop.fa3.build import build
from ksef_desktop.fa3.parse import Fa3ParseError, parse
from ksef_desktop.fa3.schema import FA3_NAMESPACE, fa3_schema
from ksef_desktop.i18n import translations
from ksef_desktop.jpk.build import build_jpk
from ksef_desktop.jpk.from_fa3 import sales_document
from ksef_desktop.jpk.model import DeclarationInputs, Procedure
from ksef_desktop.store.serialize import (
    SerializationError,
    invoice_from_dict,
    invoice_from_json,
    invoice_to_dict,
    invoice_to_json,
)
from tests.conftest import DATA
from tests.unit.jpk_support import CREATED, MONTH, TAXPAYER, invoice, ksef_number, line, rows

F = {"f": FA3_NAMESPACE}
TODAY = date(2026, 11, 30)
EU_BUYER = Party(EuVatNumber("DE", "123456789"), "Kunde GmbH", Address("DE", "Hauptstr. 1"))
CONSUMER = Party(NoTaxId(), "Jean Dupont", Address("FR", "1 rue de la Paix, Paris"))


def marked() -> Invoice:
    """A correction in EUR (so KursWaluty and StanPrzed follow Procedura), with TP, a note
    (DodatkowyOpis follows TP) and two lines, one of them with both marks."""
    advice = line(VatRate.R23, "1000", gtu="GTU_12", procedure=LineProcedure.B_MPV_PROWIZJA)
    return invoice(
        replace(advice, before_correction=True),
        advice,
        line(VatRate.R8, "10"),
        kind=InvoiceKind.KOR,
        currency="EUR",
        exchange_rate=Decimal("4.2512"),
        correction=Correction((CorrectedInvoice(date(2026, 11, 2), "FV/2026/11/0", None),)),
        related_parties=True,
        notes=(("Umowa", "12/2026"),),
    )


def children(node: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in node]


def valid(data: bytes) -> etree._Element:
    doc = etree.fromstring(data)
    schema = fa3_schema()
    assert schema.validate(doc), schema.error_log
    return doc


# --- FA(3): built where the schema puts them, parsed back --------------------------------------


def test_marks_are_built_in_schema_order_and_the_file_is_valid() -> None:
    invoice_ = marked()
    assert check_invoice(invoice_, today=TODAY) == []
    doc = valid(build(invoice_))
    before, after, plain = doc.findall("f:Fa/f:FaWiersz", F)
    assert children(after)[-4:] == ["P_12", "GTU", "Procedura", "KursWaluty"]
    assert children(before)[-5:] == ["P_12", "GTU", "Procedura", "KursWaluty", "StanPrzed"]
    assert after.findtext("f:Procedura", namespaces=F) == "B_MPV_PROWIZJA"
    assert "GTU" not in children(plain)
    assert "Procedura" not in children(plain)
    fa_node = doc.find("f:Fa", F)
    assert fa_node is not None
    fa = children(fa_node)
    assert fa.index("DaneFaKorygowanej") < fa.index("TP") < fa.index("DodatkowyOpis")
    assert doc.findtext("f:Fa/f:TP", namespaces=F) == "1"


def test_no_tp_element_without_related_parties() -> None:
    doc = valid(build(replace(marked(), related_parties=False)))
    assert doc.find("f:Fa/f:TP", F) is None


def test_an_advance_order_carries_gtuz_and_proceduraz() -> None:
    advance = invoice(
        line(VatRate.R23, "100", "10", gtu="GTU_06", procedure=LineProcedure.B_SPV_DOSTAWA),
        line(VatRate.R23, "50"),
        kind=InvoiceKind.ZAL,
        advance_received=Decimal("615.00"),
        related_parties=True,
    )
    assert check_invoice(advance, today=TODAY) == []
    doc = valid(build(advance))
    first = doc.find("f:Fa/f:Zamowienie/f:ZamowienieWiersz", F)
    assert first is not None
    names = children(first)
    assert names[names.index("P_12Z") :] == ["P_12Z", "GTUZ", "ProceduraZ"]
    assert first.findtext("f:ProceduraZ", namespaces=F) == "B_SPV_DOSTAWA"
    back = parse(build(advance))
    assert [(x.gtu, x.procedure) for x in back.lines] == [
        ("GTU_06", LineProcedure.B_SPV_DOSTAWA),
        (None, None),
    ]
    assert back.related_parties


@pytest.mark.parametrize("procedure", sorted(LineProcedure))
def test_every_procedure_is_valid_fa3_on_a_line(procedure: LineProcedure) -> None:
    """The official XSD takes each value of the domain's enumeration, as it is."""
    rate = VatRate.R0_WDT if procedure in (LineProcedure.I_42, LineProcedure.I_63) else None
    item = line(rate or VatRate.R23, "10", procedure=procedure)
    valid(build(invoice(item, buyer=EU_BUYER)))


def test_the_schema_agrees_that_an_order_has_no_i_42_and_the_checks_say_so() -> None:
    advance = invoice(
        line(VatRate.R0_WDT, "100", procedure=LineProcedure.I_42),
        kind=InvoiceKind.ZAL,
        advance_received=Decimal("100.00"),
        buyer=EU_BUYER,
    )
    problems = check_invoice(advance, today=TODAY)
    assert [p.field for p in problems] == ["lines[0].procedure"]
    assert "ProceduraZ" in problems[0].text("pl")
    assert not fa3_schema().validate(etree.fromstring(build(advance)))
    assert procedures_for(True) == tuple(
        p for p in LineProcedure if p not in (LineProcedure.I_42, LineProcedure.I_63)
    )


def test_parse_round_trip_keeps_the_marks() -> None:
    invoice_ = marked()
    back = parse(build(invoice_))
    assert back.related_parties is True
    assert [(x.gtu, x.procedure) for x in back.lines] == [
        (x.gtu, x.procedure) for x in invoice_.lines
    ]
    assert back == replace(invoice_, exchange_rate=back.exchange_rate)


def test_an_unknown_procedure_in_a_file_is_a_parse_error() -> None:
    data = build(marked()).replace(b">B_MPV_PROWIZJA<", b">B_XYZ<")
    assert not fa3_schema().validate(etree.fromstring(data))
    with pytest.raises(Fa3ParseError, match="unknown Procedura 'B_XYZ'"):
        parse(data)


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20))
@settings(max_examples=60, deadline=None)
def test_any_procedure_text_in_a_file_is_refused_by_the_checks_or_read(text: str) -> None:
    from xml.sax.saxutils import escape

    from ksef_desktop.fa3.validate import validate

    data = build(marked()).replace(b">B_MPV_PROWIZJA<", b">" + escape(text).encode() + b"<")
    value = text.strip()
    known = value in set(LineProcedure)
    if text == value:  # (the schema's token type takes surrounding spaces too)
        assert (validate(data, today=TODAY) == []) == known
    try:
        back = parse(data)
    except Fa3ParseError:
        assert not known
        assert value
    else:
        assert back.lines[1].procedure == (LineProcedure(value) if known else None)
        assert known or not value


# --- drafts ------------------------------------------------------------------------------------


def test_draft_json_keeps_the_marks() -> None:
    invoice_ = marked()
    data = invoice_to_dict(invoice_)
    assert data["related_parties"] is True
    assert data["lines"][1]["procedure"] == "B_MPV_PROWIZJA"
    assert data["lines"][2]["procedure"] is None
    assert invoice_from_json(invoice_to_json(invoice_)) == invoice_


def test_a_draft_stored_before_the_marks_loads_without_them() -> None:
    data = invoice_to_dict(marked())
    del data["related_parties"]
    for item in data["lines"]:
        del item["procedure"]
    old = invoice_from_dict(data)
    assert old.related_parties is False
    assert all(x.procedure is None for x in old.lines)
    assert [x.gtu for x in old.lines] == ["GTU_12", "GTU_12", None]


def test_the_drafts_of_release_0_1_0_still_load(tmp_path: Path) -> None:
    """Invoices stored by release 0.1.0's own code (tests/data/stores) know no marks."""
    path = tmp_path / "ksef-desktop.sqlite3"  # a copy: SQLite writes beside what it opens
    shutil.copyfile(DATA / "stores" / "release-0.1.0" / "ksef-desktop.sqlite3", path)
    conn = sqlite3.connect(path)
    try:
        stored = [str(r[0]) for r in conn.execute("SELECT data_json FROM invoice_documents")]
    finally:
        conn.close()
    assert len(stored) >= 5
    for text in stored:
        assert "related_parties" not in json.loads(text)
        loaded = invoice_from_json(text)
        assert loaded.related_parties is False
        assert all(x.procedure is None for x in loaded.lines)


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("procedure", "I_99"),
        ("procedure", 7),
        ("related_parties", "yes"),
        ("related_parties", 1),
        ("related_parties", None),
    ],
)
def test_a_stored_mark_that_is_none_is_a_serialization_error(where: str, value: object) -> None:
    data = invoice_to_dict(marked())
    if where == "procedure":
        data["lines"][0]["procedure"] = value
    else:
        data[where] = value
    with pytest.raises(SerializationError):
        invoice_from_dict(data)


@given(st.text(max_size=30))
def test_any_stored_procedure_text_loads_or_is_refused_cleanly(text: str) -> None:
    data = invoice_to_dict(marked())
    data["lines"][1]["procedure"] = text
    try:
        loaded = invoice_from_dict(data)
    except SerializationError:
        assert text not in set(LineProcedure)
    else:
        assert loaded.lines[1].procedure == LineProcedure(text)


# --- what is allowed (domain.checks) -------------------------------------------------------------


def _fields(invoice_: Invoice) -> list[tuple[str, str]]:
    return [(p.field, p.text("en")) for p in check_invoice(invoice_, today=TODAY)]


def test_a_gtu_that_is_none_is_refused_on_its_line() -> None:
    assert _fields(invoice(line(VatRate.R23, "10", gtu="GTU_14"))) == [
        ("lines[0].gtu", "“GTU_14” is not a GTU code (GTU_01 to GTU_13).")
    ]


def test_after_import_procedures_need_0_wdt() -> None:
    wrong = invoice(line(VatRate.R23, "10", procedure=LineProcedure.I_63), buyer=EU_BUYER)
    (problem,) = _fields(wrong)
    assert problem[0] == "lines[0].procedure"
    assert "0% WDT" in problem[1]
    right = invoice(line(VatRate.R0_WDT, "10", procedure=LineProcedure.I_63), buyer=EU_BUYER)
    assert _fields(right) == []


def test_tt_d_needs_an_eu_buyer_and_wsto_ee_a_buyer_who_is_no_taxpayer() -> None:
    tt_d = line(VatRate.NP_I, "10", procedure=LineProcedure.TT_D)
    assert [f for f, _t in _fields(invoice(tt_d))] == ["lines[0].procedure"]
    assert _fields(invoice(tt_d, buyer=EU_BUYER)) == []
    wsto = line(VatRate.R23, "10", procedure=LineProcedure.WSTO_EE)
    assert [f for f, _t in _fields(invoice(wsto))] == ["lines[0].procedure"]
    assert [f for f, _t in _fields(invoice(wsto, buyer=EU_BUYER))] == ["lines[0].procedure"]
    assert _fields(invoice(wsto, buyer=CONSUMER)) == []


# --- text typed or given: read_gtu, read_procedure ------------------------------------------------


def test_codes_are_read_as_typed() -> None:
    assert read_gtu(" gtu_06 ") is GtuCode.GTU_06
    assert read_gtu("6") is GtuCode.GTU_06
    assert read_gtu("13") is GtuCode.GTU_13
    assert read_gtu("") is None
    assert read_gtu(None) is None
    assert read_procedure("b_spv") is LineProcedure.B_SPV
    assert read_procedure("  ") is None
    for bad in ("GTU_00", "GTU_14", "14", "0", "GTU_1O"):
        with pytest.raises(MarkError):
            read_gtu(bad)
    with pytest.raises(MarkError) as raised:
        read_procedure("TP")  # TP is the invoice's, not a line's
    assert "TP" in raised.value.text()
    assert "WSTO_EE" in raised.value.text()


@given(st.text(max_size=60))
def test_any_text_is_a_mark_or_a_clear_message(text: str) -> None:
    for reader in (read_gtu, read_procedure):
        refused: MarkError | None = None
        try:
            value = reader(text)
        except MarkError as exc:
            refused = exc
        if refused is None:
            assert value is None or value.value in (*GTU_CODES, *LineProcedure)
            continue
        polish = translations("pl").gettext(refused.msgid).format(**refused.params)
        assert polish != refused.msgid.format(**refused.params)  # translated
        assert "\n" not in polish or "\n" in text


def test_every_code_has_a_translated_meaning() -> None:
    pl = translations("pl")
    assert set(GTU_MEANINGS) == set(GtuCode)
    assert set(PROCEDURE_MEANINGS) == set(LineProcedure)
    for meaning in (*GTU_MEANINGS.values(), *PROCEDURE_MEANINGS.values()):
        assert pl.gettext(meaning) != meaning


# --- JPK_V7M ---------------------------------------------------------------------------------


def test_the_jpk_row_carries_the_gtu_procedure_and_tp_of_the_invoice() -> None:
    data = build(
        invoice(
            line(VatRate.R23, "1000", gtu="GTU_12", procedure=LineProcedure.B_SPV),
            line(VatRate.R8, "10", gtu="GTU_06"),
            related_parties=True,
        )
    )
    doc = sales_document(data, ksef_number())
    assert doc.gtu == {"GTU_06", "GTU_12"}
    assert doc.procedures == {Procedure.B_SPV, Procedure.TP}
    built = build_jpk(MONTH, TAXPAYER, [doc], [], DeclarationInputs(), created_at=CREATED)
    (row,) = rows(built)
    assert (row["GTU_06"], row["GTU_12"], row["TP"], row["B_SPV"]) == ("1", "1", "1", "1")
    assert "GTU_01" not in row
    assert "WSTO_EE" not in row


# --- copies: a correction and a duplicate keep the marks ---------------------------------------


def test_a_correction_and_a_copy_keep_the_marks() -> None:
    from datetime import UTC, datetime

    from ksef_desktop.services.invoice_actions import correction_of, fresh_copy

    original = replace(marked(), kind=InvoiceKind.VAT, correction=None)
    original = replace(original, lines=original.lines[1:])  # no "before" line on a VAT
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    kor = correction_of(original, ksef_number(), TODAY, now)
    assert kor.related_parties
    assert [(x.before_correction, x.gtu, x.procedure) for x in kor.lines] == [
        (True, "GTU_12", LineProcedure.B_MPV_PROWIZJA),
        (False, "GTU_12", LineProcedure.B_MPV_PROWIZJA),
        (True, None, None),
        (False, None, None),
    ]
    copy = fresh_copy(original, TODAY, now)
    assert copy.related_parties
    assert [x.procedure for x in copy.lines] == [LineProcedure.B_MPV_PROWIZJA, None]


def test_a_tt_d_line_makes_the_invoice_a_simplified_triangular_one() -> None:
    """P_23 = 1 (art. 136 of the VAT act) exactly when a line is marked TT_D, and the JPK
    row of such an invoice carries TT_D."""
    plain = build(invoice(line(VatRate.NP_I, "10"), buyer=EU_BUYER))
    assert etree.fromstring(plain).findtext("f:Fa/f:Adnotacje/f:P_23", namespaces=F) == "2"
    triangular = invoice(line(VatRate.NP_I, "10", procedure=LineProcedure.TT_D), buyer=EU_BUYER)
    assert check_invoice(triangular, today=TODAY) == []
    data = build(triangular)
    doc = etree.fromstring(data)
    assert fa3_schema().validate(doc), fa3_schema().error_log
    assert doc.findtext("f:Fa/f:Adnotacje/f:P_23", namespaces=F) == "1"
    row = sales_document(data, ksef_number())
    assert Procedure.TT_D in row.procedures
