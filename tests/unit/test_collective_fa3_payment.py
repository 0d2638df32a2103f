"""FA(3) Platnosc/LinkDoPlatnosci and Platnosc/IPKSeF: built, valid against the XSD,
parsed back unchanged, and refused by the domain checks when malformed."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

from lxml import etree

from ksef_desktop.domain.checks import check_invoice
from ksef_desktop.domain.invoice import Payment
from ksef_desktop.fa3.build import build
from ksef_desktop.fa3.parse import parse
from ksef_desktop.fa3.schema import fa3_schema
from ksef_desktop.fa3.xmlsafe import parse_untrusted

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "fa3-official" / "FA_3_Przykład_1.xml"
FA = "{http://crd.gov.pl/wzor/2025/06/25/13775/}"
IPKSEF = "123AbC4567890"
LINK = f"https://bank.example.pl/platnosc?kwota=100&IPKSeF={IPKSEF}#start"


def _with_payment_ids() -> tuple[bytes, Payment]:
    invoice = parse(SAMPLE.read_bytes())
    payment = dataclasses.replace(invoice.payment or Payment(), payment_link=LINK, ipksef=IPKSEF)
    return build(dataclasses.replace(invoice, payment=payment)), payment


def test_both_fields_validate_against_the_xsd_and_round_trip() -> None:
    data, payment = _with_payment_ids()
    root = parse_untrusted(data)
    fa3_schema().assertValid(etree.ElementTree(root))
    node = root.find(f"{FA}Fa/{FA}Platnosc")
    assert node is not None
    assert node.findtext(f"{FA}LinkDoPlatnosci") == LINK
    assert node.findtext(f"{FA}IPKSeF") == IPKSEF
    again = parse(data)
    assert again.payment == payment
    assert build(again) == data


def test_malformed_values_are_refused_by_checks_and_by_the_xsd() -> None:
    invoice = parse(SAMPLE.read_bytes())
    bad = dataclasses.replace(
        invoice.payment or Payment(), ipksef="12AbC4567890X", payment_link="ftp://x.pl/?a=1"
    )
    broken = dataclasses.replace(invoice, payment=bad)
    wheres = {p.field for p in check_invoice(broken, today=date(2026, 2, 1))}
    assert {"payment.ipksef", "payment.payment_link"} <= wheres
    assert not fa3_schema().validate(etree.ElementTree(parse_untrusted(build(broken))))
