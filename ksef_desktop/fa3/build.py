"""Build FA(3) XML from the domain model: canonical, deterministic UTF-8 bytes.

The same invoice always gives the same bytes (no clock, no randomness, fixed element
order, fixed number formatting), because those bytes are frozen when an invoice is
issued and their SHA-256 is printed in KOD I. Element names are FA(3)'s, verbatim.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from lxml import etree

from ksef_desktop.domain.invoice import (
    EXCHANGE_RATE_DATE_KEY,
    TAXED_GROUPS,
    Address,
    EuVatNumber,
    Invoice,
    InvoiceKind,
    Line,
    NoTaxId,
    OtherTaxId,
    Party,
    Payment,
    PolishNip,
)
from ksef_desktop.domain.marks import LineProcedure
from ksef_desktop.domain.money import xml_decimal
from ksef_desktop.domain.totals import compute_totals, line_vat, order_value
from ksef_desktop.domain.transaction import REVERSE_CHARGE_RATES
from ksef_desktop.fa3.schema import (
    FA3_FORM_VALUE,
    FA3_NAMESPACE,
    FA3_SCHEMA_VERSION,
    FA3_SYSTEM_CODE,
)

_NS = f"{{{FA3_NAMESPACE}}}"


def _el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child: etree._Element = etree.SubElement(parent, _NS + name)
    if text is not None:
        child.text = text
    return child


def _opt(parent: etree._Element, name: str, text: str | None) -> None:
    if text is not None and text != "":
        _el(parent, name, text)


def _amount(value: Decimal) -> str:
    return xml_decimal(value, 2)


def _number(value: Decimal) -> str:
    return xml_decimal(value)


def _date(value: date) -> str:
    return value.isoformat()


def _timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("created_at must be an aware datetime")
    utc = value.astimezone(UTC)
    spec = "microseconds" if utc.microsecond else "seconds"
    return utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def build(invoice: Invoice) -> bytes:
    """The FA(3) document of ``invoice`` as UTF-8 bytes without a BOM."""
    root = etree.Element(_NS + "Faktura", nsmap={None: FA3_NAMESPACE})
    _header(root, invoice)
    _seller(_el(root, "Podmiot1"), invoice.seller)
    _buyer(_el(root, "Podmiot2"), invoice.buyer)
    _fa(_el(root, "Fa"), invoice)
    if invoice.footer:
        _el(_el(_el(root, "Stopka"), "Informacje"), "StopkaFaktury", invoice.footer)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _header(root: etree._Element, invoice: Invoice) -> None:
    header = _el(root, "Naglowek")
    form = _el(header, "KodFormularza", FA3_FORM_VALUE)
    form.set("kodSystemowy", FA3_SYSTEM_CODE)
    form.set("wersjaSchemy", FA3_SCHEMA_VERSION)
    _el(header, "WariantFormularza", "3")
    _el(header, "DataWytworzeniaFa", _timestamp(invoice.created_at))
    _opt(header, "SystemInfo", invoice.system_info)


def _address(parent: etree._Element, name: str, address: Address) -> None:
    node = _el(parent, name)
    _el(node, "KodKraju", address.country)
    _el(node, "AdresL1", address.line1)
    _opt(node, "AdresL2", address.line2)


def _contact(parent: etree._Element, party: Party) -> None:
    if party.email or party.phone:
        contact = _el(parent, "DaneKontaktowe")
        _opt(contact, "Email", party.email)
        _opt(contact, "Telefon", party.phone)


def _seller(node: etree._Element, party: Party) -> None:
    if not isinstance(party.tax_id, PolishNip):
        raise ValueError("the seller (Podmiot1) must have a Polish NIP")
    if party.address is None:
        raise ValueError("the seller (Podmiot1) must have an address")
    ident = _el(node, "DaneIdentyfikacyjne")
    _el(ident, "NIP", party.tax_id.nip)
    _el(ident, "Nazwa", party.name)
    _address(node, "Adres", party.address)
    _contact(node, party)


def _buyer(node: etree._Element, party: Party) -> None:
    ident = _el(node, "DaneIdentyfikacyjne")
    tax_id = party.tax_id
    if isinstance(tax_id, PolishNip):
        _el(ident, "NIP", tax_id.nip)
    elif isinstance(tax_id, EuVatNumber):
        _el(ident, "KodUE", tax_id.country)
        _el(ident, "NrVatUE", tax_id.number)
    elif isinstance(tax_id, OtherTaxId):
        _opt(ident, "KodKraju", tax_id.country)
        _el(ident, "NrID", tax_id.number)
    else:
        assert isinstance(tax_id, NoTaxId)
        _el(ident, "BrakID", "1")
    _el(ident, "Nazwa", party.name)
    if party.address is not None:
        _address(node, "Adres", party.address)
    _contact(node, party)
    # Not a subordinate unit of a local government (JST) nor a VAT group member (GV).
    _el(node, "JST", "2")
    _el(node, "GV", "2")


def _fa(fa: etree._Element, invoice: Invoice) -> None:
    totals = compute_totals(invoice)
    _el(fa, "KodWaluty", invoice.currency)
    _el(fa, "P_1", _date(invoice.issue_date))
    _opt(fa, "P_1M", invoice.issue_place)
    _el(fa, "P_2", invoice.number)
    if invoice.sale_period is not None:
        period = _el(fa, "OkresFa")
        _el(period, "P_6_Od", _date(invoice.sale_period[0]))
        _el(period, "P_6_Do", _date(invoice.sale_period[1]))
    elif invoice.sale_date is not None:
        _el(fa, "P_6", _date(invoice.sale_date))
    for group, total in totals.groups.items():
        _el(fa, f"P_13_{group}", _amount(total.net))
        if group in TAXED_GROUPS:
            _el(fa, f"P_14_{group}", _amount(total.vat or Decimal(0)))
            if total.vat_pln is not None:
                _el(fa, f"P_14_{group}W", _amount(total.vat_pln))
    _el(fa, "P_15", _amount(totals.gross))
    is_advance = invoice.kind is InvoiceKind.ZAL
    if is_advance and invoice.is_foreign_currency and invoice.exchange_rate is not None:
        _el(fa, "KursWalutyZ", _number(invoice.exchange_rate))
    _annotations(_el(fa, "Adnotacje"), invoice)
    _el(fa, "RodzajFaktury", invoice.kind.value)
    if invoice.correction is not None:
        _opt(fa, "PrzyczynaKorekty", invoice.correction.reason)
        if invoice.correction.effect is not None:
            _el(fa, "TypKorekty", str(int(invoice.correction.effect)))
        for corrected in invoice.correction.corrected:
            data = _el(fa, "DaneFaKorygowanej")
            _el(data, "DataWystFaKorygowanej", _date(corrected.issue_date))
            _el(data, "NrFaKorygowanej", corrected.number)
            if corrected.ksef_number is not None:
                _el(data, "NrKSeF", "1")
                _el(data, "NrKSeFFaKorygowanej", corrected.ksef_number)
            else:
                _el(data, "NrKSeFN", "1")
    if invoice.related_parties:
        _el(fa, "TP", "1")  # after FP, before DodatkowyOpis (schema order)
    notes = list(invoice.notes)
    if invoice.exchange_rate_date is not None:
        notes.append((EXCHANGE_RATE_DATE_KEY, _date(invoice.exchange_rate_date)))
    for key, value in notes:
        extra = _el(fa, "DodatkowyOpis")
        _el(extra, "Klucz", key)
        _el(extra, "Wartosc", value)
    if not is_advance:
        for number, line in enumerate(invoice.lines, start=1):
            _line(_el(fa, "FaWiersz"), number, line, invoice)
    if invoice.payment is not None:
        _payment(fa, invoice.payment)
    if is_advance:
        _order(_el(fa, "Zamowienie"), invoice)


def _annotations(node: etree._Element, invoice: Invoice) -> None:
    rates = {line.rate for line in invoice.lines}
    _el(node, "P_16", "1" if invoice.cash_accounting else "2")
    _el(node, "P_17", "1" if invoice.self_billing else "2")
    # "odwrotne obciążenie" for oo and np II alike (domain.transaction says why).
    _el(node, "P_18", "1" if rates & REVERSE_CHARGE_RATES else "2")
    _el(node, "P_18A", "1" if invoice.split_payment else "2")
    exemption = _el(node, "Zwolnienie")
    if invoice.exemption is not None:
        _el(exemption, "P_19", "1")
        _el(exemption, f"P_19{invoice.exemption.basis.value}", invoice.exemption.text)
    else:
        _el(exemption, "P_19N", "1")
    _el(_el(node, "NoweSrodkiTransportu"), "P_22N", "1")
    # P_23 = 1: an invoice of the second taxpayer in a simplified triangular transaction
    # (art. 135 ust. 1 pkt 4 lit. b and c, art. 136 of the VAT act): its lines marked TT_D.
    triangular = any(line.procedure is LineProcedure.TT_D for line in invoice.lines)
    _el(node, "P_23", "1" if triangular else "2")
    _el(_el(node, "PMarzy"), "P_PMarzyN", "1")


def _line(node: etree._Element, number: int, line: Line, invoice: Invoice) -> None:
    _el(node, "NrWierszaFa", str(number))
    _el(node, "P_7", line.name)
    _opt(node, "P_8A", line.unit)
    if line.quantity is not None:
        _el(node, "P_8B", _number(line.quantity))
    if line.unit_price is not None:
        _el(node, "P_9B" if invoice.prices_gross else "P_9A", _number(line.unit_price))
    if line.discount:
        _el(node, "P_10", _number(line.discount))
    if line.has_amount:
        _el(node, "P_11A" if invoice.prices_gross else "P_11", _amount(line.amount))
    if line.rate is not None:
        _el(node, "P_12", line.rate.value)
    _opt(node, "GTU", line.gtu)
    if line.procedure is not None:
        _el(node, "Procedura", line.procedure.value)
    if invoice.is_foreign_currency:
        rate = line.exchange_rate or invoice.exchange_rate
        if rate is not None:
            _el(node, "KursWaluty", _number(rate))
    if line.before_correction:
        _el(node, "StanPrzed", "1")


def _payment(fa: etree._Element, payment: Payment) -> None:
    node = _el(fa, "Platnosc")
    if payment.paid:
        if payment.paid_date is None:
            raise ValueError("a paid invoice needs the payment date")
        _el(node, "Zaplacono", "1")
        _el(node, "DataZaplaty", _date(payment.paid_date))
    if payment.due_date is not None:
        _el(_el(node, "TerminPlatnosci"), "Termin", _date(payment.due_date))
    if payment.method is not None:
        _el(node, "FormaPlatnosci", str(int(payment.method)))
    if payment.bank_account:
        account = _el(node, "RachunekBankowy")
        _el(account, "NrRB", payment.bank_account)
        _opt(account, "NazwaBanku", payment.bank_name)
    _opt(node, "LinkDoPlatnosci", payment.payment_link)
    _opt(node, "IPKSeF", payment.ipksef)


def _order(node: etree._Element, invoice: Invoice) -> None:
    _el(node, "WartoscZamowienia", _amount(order_value(invoice)))
    for number, line in enumerate(invoice.lines, start=1):
        row = _el(node, "ZamowienieWiersz")
        _el(row, "NrWierszaZam", str(number))
        _el(row, "P_7Z", line.name)
        _opt(row, "P_8AZ", line.unit)
        if line.quantity is not None:
            _el(row, "P_8BZ", _number(line.quantity))
        if line.unit_price is not None:
            _el(row, "P_9AZ", _number(line.unit_price))
        if line.has_amount:
            _el(row, "P_11NettoZ", _amount(line.amount))
        if line.rate is not None and line.rate.percent:
            _el(row, "P_11VatZ", _amount(line_vat(line, prices_gross=False)))
        if line.rate is not None:
            _el(row, "P_12Z", line.rate.value)
        _opt(row, "GTUZ", line.gtu)
        if line.procedure is not None:
            _el(row, "ProceduraZ", line.procedure.value)
        if line.before_correction:
            _el(row, "StanPrzedZ", "1")
