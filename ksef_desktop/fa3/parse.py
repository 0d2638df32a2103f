"""Parse FA(3) XML bytes into the domain model.

Every invoice kind parses (VAT, KOR, ZAL, ROZ, UPR, KOR_ZAL, KOR_ROZ), so that any
file KSeF holds can be shown; the totals the file declares are kept in
``Invoice.declared``. Parsing is hardened (``parse_untrusted``); bytes that are not an
FA(3) invoice raise ``Fa3ParseError`` with a short English reason (callers validate
first and show ``validate``'s translated messages).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from lxml import etree

from ksef_desktop.domain.invoice import (
    ALL_GROUPS,
    EXCHANGE_RATE_DATE_KEY,
    TAXED_GROUPS,
    Address,
    CorrectedInvoice,
    Correction,
    CorrectionEffect,
    EuVatNumber,
    Exemption,
    ExemptionBasis,
    Invoice,
    InvoiceKind,
    Line,
    NoTaxId,
    OtherTaxId,
    Party,
    Payment,
    PaymentMethod,
    PolishNip,
    RateTotal,
    TaxId,
    Totals,
    VatRate,
)
from ksef_desktop.domain.marks import LineProcedure
from ksef_desktop.domain.money import ZERO, round_money
from ksef_desktop.fa3.schema import FA3_NAMESPACE
from ksef_desktop.fa3.xmlsafe import UnsafeXmlError, parse_untrusted

_NS = {"f": FA3_NAMESPACE}

# xsd:decimal's lexical form: digits with an optional point, no exponent, no NaN or
# Infinity, no "1_000" (all of which Python's Decimal would read).
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
#: Far above the XSD's limits (at most 16 digits before the point and 8 after), and
#: small enough that no sum or product of such numbers overflows or fails to round.
MAX_INTEGER_DIGITS = 20
MAX_FRACTION_DIGITS = 20
_SHOWN = 40


class Fa3ParseError(ValueError):
    """The bytes are not an FA(3) invoice this program can read."""


def _text(node: etree._Element | None, path: str) -> str | None:
    if node is None:
        return None
    found = node.find(path, _NS)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _required(node: etree._Element, path: str) -> str:
    value = _text(node, path)
    if value is None:
        raise Fa3ParseError(f"missing {path.replace('f:', '')}")
    return value


def shown(value: str) -> str:
    """``value`` quoted for a message, cut short: a file may hold megabytes in one text."""
    return repr(value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…")


def decimal_value(text: str) -> Decimal:
    """The number ``text`` writes, as xsd:decimal reads it; ValueError when it is no such
    number or is out of the range this program computes with (see MAX_*_DIGITS)."""
    value = text.strip()
    if not _DECIMAL_TEXT.fullmatch(value):
        raise ValueError(f"not a number: {shown(value)}")
    whole, _point, fraction = value.lstrip("+-").partition(".")
    if (
        len(whole.lstrip("0")) > MAX_INTEGER_DIGITS
        or len(fraction.rstrip("0")) > MAX_FRACTION_DIGITS
    ):
        raise ValueError(f"out of range: {shown(value)}")
    return Decimal(value)


def _decimal(node: etree._Element | None, path: str) -> Decimal | None:
    value = _text(node, path)
    if value is None:
        return None
    try:
        return decimal_value(value)
    except ValueError as exc:
        raise Fa3ParseError(f"{path.replace('f:', '')} is {exc}") from None


def _date(node: etree._Element | None, path: str) -> date | None:
    value = _text(node, path)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Fa3ParseError(f"{path.replace('f:', '')} is not a date: {shown(value)}") from None


def _flag(node: etree._Element | None, path: str) -> bool:
    return _text(node, path) == "1"


def parse(data: bytes) -> Invoice:
    try:
        root = parse_untrusted(data)
    except (etree.XMLSyntaxError, UnsafeXmlError) as exc:
        raise Fa3ParseError(f"not well-formed XML: {exc}") from None
    if root.tag != f"{{{FA3_NAMESPACE}}}Faktura":
        raise Fa3ParseError("the root element is not an FA(3) Faktura")
    fa = root.find("f:Fa", _NS)
    if fa is None:
        raise Fa3ParseError("missing Fa")
    kind_text = _required(fa, "f:RodzajFaktury")
    try:
        kind = InvoiceKind(kind_text)
    except ValueError:
        raise Fa3ParseError(f"unknown RodzajFaktury {shown(kind_text)}") from None

    prices_gross = fa.find("f:FaWiersz/f:P_9B", _NS) is not None or (
        fa.find("f:FaWiersz/f:P_11A", _NS) is not None and fa.find("f:FaWiersz/f:P_11", _NS) is None
    )
    if fa.find("f:FaWiersz", _NS) is not None:
        lines = [_line(w, prices_gross) for w in fa.findall("f:FaWiersz", _NS)]
    else:
        lines = [_order_line(w) for w in fa.findall("f:Zamowienie/f:ZamowienieWiersz", _NS)]
    exchange_rate = _decimal(fa, "f:KursWalutyZ")
    line_rates = {line.exchange_rate for line in lines}
    if exchange_rate is None and len(line_rates) == 1 and None not in line_rates:
        exchange_rate = line_rates.pop()
        lines = [_without_rate(line) for line in lines]

    notes: list[tuple[str, str]] = []
    rate_date: date | None = None
    for extra in fa.findall("f:DodatkowyOpis", _NS):
        key, value = _text(extra, "f:Klucz") or "", _text(extra, "f:Wartosc") or ""
        if key == EXCHANGE_RATE_DATE_KEY and rate_date is None:
            try:
                rate_date = date.fromisoformat(value)
                continue
            except ValueError:
                pass
        notes.append((key, value))

    period = fa.find("f:OkresFa", _NS)
    sale_period = None
    if period is not None:
        start, end = _date(period, "f:P_6_Od"), _date(period, "f:P_6_Do")
        if start is not None and end is not None:
            sale_period = (start, end)
    annotations = fa.find("f:Adnotacje", _NS)
    declared = _declared_totals(fa)
    issue_date = _date(fa, "f:P_1")
    if issue_date is None:
        raise Fa3ParseError("missing P_1")
    return Invoice(
        kind=kind,
        number=_required(fa, "f:P_2"),
        issue_date=issue_date,
        seller=_party(root.find("f:Podmiot1", _NS), seller=True),
        buyer=_party(root.find("f:Podmiot2", _NS), seller=False),
        lines=tuple(lines),
        created_at=_created_at(root),
        issue_place=_text(fa, "f:P_1M"),
        sale_date=_date(fa, "f:P_6"),
        sale_period=sale_period,
        currency=_required(fa, "f:KodWaluty"),
        exchange_rate=exchange_rate,
        exchange_rate_date=rate_date,
        prices_gross=prices_gross,
        payment=_payment(fa.find("f:Platnosc", _NS)),
        correction=_correction(fa),
        advance_received=declared.gross if kind is InvoiceKind.ZAL else None,
        exemption=_exemption(annotations),
        split_payment=_flag(annotations, "f:P_18A"),
        cash_accounting=_flag(annotations, "f:P_16"),
        self_billing=_flag(annotations, "f:P_17"),
        related_parties=_flag(fa, "f:TP"),
        notes=tuple(notes),
        footer=_text(root, "f:Stopka/f:Informacje/f:StopkaFaktury"),
        system_info=_text(root, "f:Naglowek/f:SystemInfo") or "",
        declared=declared,
    )


def _created_at(root: etree._Element) -> datetime:
    raw = _required(root, "f:Naglowek/f:DataWytworzeniaFa")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise Fa3ParseError(f"DataWytworzeniaFa is not a date-time: {shown(raw)}") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _party(node: etree._Element | None, *, seller: bool) -> Party:
    if node is None:
        raise Fa3ParseError("missing Podmiot1" if seller else "missing Podmiot2")
    ident = node.find("f:DaneIdentyfikacyjne", _NS)
    if ident is None:
        raise Fa3ParseError("missing DaneIdentyfikacyjne")
    tax_id: TaxId
    nip = _text(ident, "f:NIP")
    if nip is not None:
        tax_id = PolishNip(nip)
    elif _text(ident, "f:NrVatUE") is not None:
        tax_id = EuVatNumber(_text(ident, "f:KodUE") or "", _text(ident, "f:NrVatUE") or "")
    elif _text(ident, "f:NrID") is not None:
        tax_id = OtherTaxId(_text(ident, "f:NrID") or "", _text(ident, "f:KodKraju"))
    else:
        tax_id = NoTaxId()
    address = None
    adres = node.find("f:Adres", _NS)
    if adres is not None:
        address = Address(
            country=_text(adres, "f:KodKraju") or "",
            line1=_text(adres, "f:AdresL1") or "",
            line2=_text(adres, "f:AdresL2"),
        )
    contact = node.find("f:DaneKontaktowe", _NS)
    return Party(
        tax_id=tax_id,
        name=_text(ident, "f:Nazwa") or "",
        address=address,
        email=_text(contact, "f:Email"),
        phone=_text(contact, "f:Telefon"),
    )


def _rate(node: etree._Element, path: str) -> VatRate | None:
    value = _text(node, path)
    if value is None:
        return None
    try:
        return VatRate(value)
    except ValueError:
        raise Fa3ParseError(f"unknown VAT rate {shown(value)}") from None


def _procedure(node: etree._Element, path: str) -> LineProcedure | None:
    value = _text(node, path)
    if not value:  # an empty element (the schema refuses it) marks nothing
        return None
    try:
        return LineProcedure(value)
    except ValueError:
        raise Fa3ParseError(f"unknown {path.replace('f:', '')} {shown(value)}") from None


def _keep_value(declared: Decimal | None, line: Line) -> Decimal | None:
    """Keep a declared line value only when quantity × price − discount does not give it."""
    if declared is None:
        return None
    if line.quantity is not None and line.unit_price is not None:
        computed = round_money(line.quantity * line.unit_price - line.discount)
        if computed == declared:
            return None
    return declared


def _line(node: etree._Element, prices_gross: bool) -> Line:
    line = Line(
        name=_text(node, "f:P_7") or "",
        rate=_rate(node, "f:P_12"),
        quantity=_decimal(node, "f:P_8B"),
        unit_price=_decimal(node, "f:P_9B" if prices_gross else "f:P_9A"),
        unit=_text(node, "f:P_8A"),
        discount=_decimal(node, "f:P_10") or ZERO,
        before_correction=_flag(node, "f:StanPrzed"),
        exchange_rate=_decimal(node, "f:KursWaluty"),
        gtu=_text(node, "f:GTU"),
        procedure=_procedure(node, "f:Procedura"),
    )
    declared = _decimal(node, "f:P_11A" if prices_gross else "f:P_11")
    return _replace_value(line, _keep_value(declared, line))


def _order_line(node: etree._Element) -> Line:
    line = Line(
        name=_text(node, "f:P_7Z") or "",
        rate=_rate(node, "f:P_12Z"),
        quantity=_decimal(node, "f:P_8BZ"),
        unit_price=_decimal(node, "f:P_9AZ"),
        unit=_text(node, "f:P_8AZ"),
        before_correction=_flag(node, "f:StanPrzedZ"),
        gtu=_text(node, "f:GTUZ"),
        procedure=_procedure(node, "f:ProceduraZ"),
    )
    return _replace_value(line, _keep_value(_decimal(node, "f:P_11NettoZ"), line))


def _replace_value(line: Line, value: Decimal | None) -> Line:
    from dataclasses import replace

    return replace(line, value=value)


def _without_rate(line: Line) -> Line:
    from dataclasses import replace

    return replace(line, exchange_rate=None)


def _declared_totals(fa: etree._Element) -> Totals:
    groups: dict[str, RateTotal] = {}
    for group in ALL_GROUPS:
        net = _decimal(fa, f"f:P_13_{group}")
        if net is None:
            continue
        vat = _decimal(fa, f"f:P_14_{group}") if group in (*TAXED_GROUPS, "5") else None
        vat_pln = _decimal(fa, f"f:P_14_{group}W") if group in TAXED_GROUPS else None
        groups[group] = RateTotal(net=net, vat=vat, vat_pln=vat_pln)
    gross = _decimal(fa, "f:P_15")
    if gross is None:
        raise Fa3ParseError("missing P_15")
    return Totals(groups=groups, gross=gross)


def _payment(node: etree._Element | None) -> Payment | None:
    if node is None:
        return None
    method = _text(node, "f:FormaPlatnosci")
    try:
        payment_method = PaymentMethod(int(method)) if method else None
    except ValueError:
        raise Fa3ParseError(f"unknown FormaPlatnosci {shown(method or '')}") from None
    return Payment(
        method=payment_method,
        due_date=_date(node, "f:TerminPlatnosci/f:Termin"),
        bank_account=_text(node, "f:RachunekBankowy/f:NrRB"),
        bank_name=_text(node, "f:RachunekBankowy/f:NazwaBanku"),
        paid=_flag(node, "f:Zaplacono"),
        paid_date=_date(node, "f:DataZaplaty"),
        payment_link=_text(node, "f:LinkDoPlatnosci"),
        ipksef=_text(node, "f:IPKSeF"),
    )


def _correction(fa: etree._Element) -> Correction | None:
    items = fa.findall("f:DaneFaKorygowanej", _NS)
    if not items:
        return None
    corrected = []
    for item in items:
        issued = _date(item, "f:DataWystFaKorygowanej")
        if issued is None:
            raise Fa3ParseError("missing DataWystFaKorygowanej")
        corrected.append(
            CorrectedInvoice(
                issue_date=issued,
                number=_text(item, "f:NrFaKorygowanej") or "",
                ksef_number=_text(item, "f:NrKSeFFaKorygowanej"),
            )
        )
    effect = _text(fa, "f:TypKorekty")
    return Correction(
        corrected=tuple(corrected),
        reason=_text(fa, "f:PrzyczynaKorekty"),
        effect=CorrectionEffect(int(effect)) if effect else None,
    )


def _exemption(annotations: etree._Element | None) -> Exemption | None:
    if annotations is None or not _flag(annotations, "f:Zwolnienie/f:P_19"):
        return None
    for basis in ExemptionBasis:
        text = _text(annotations, f"f:Zwolnienie/f:P_19{basis.value}")
        if text is not None:
            return Exemption(basis=basis, text=text)
    return None
