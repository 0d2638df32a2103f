"""What must hold before an invoice may be issued: nothing invalid is ever issued.

``check_invoice`` returns problems addressed to fields (``"buyer.tax_id"``,
``"lines[2].quantity"``), so the editor can show each message next to its field. The
messages are English ids translated with gettext (Polish by default). An invoice with
no problems builds to XSD-valid FA(3) XML (a property test holds us to that).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import UTC, date, datetime
from decimal import Decimal

from ksef_desktop import i18n
from ksef_desktop.domain import identifiers as ids
from ksef_desktop.domain.currencies import CURRENCY_CODES
from ksef_desktop.domain.invoice import (
    ISSUABLE_KINDS,
    ISSUABLE_RATES,
    EuVatNumber,
    Invoice,
    InvoiceKind,
    Line,
    OtherTaxId,
    Party,
    PolishNip,
    VatRate,
)
from ksef_desktop.domain.marks import AFTER_IMPORT, GTU_CODES, ORDER_PROCEDURES, LineProcedure
from ksef_desktop.domain.money import ZERO, parse_decimal
from ksef_desktop.domain.totals import order_value
from ksef_desktop.i18n import N_

#: DataWytworzeniaFa may not be earlier than this (FA(3) schema, TDataCzas facet).
EARLIEST_CREATED_AT = datetime(2025, 9, 1, tzinfo=UTC)
#: The dates of sale (P_6, P_6_Od, P_6_Do: TDataT) and of payment (TData) FA(3) accepts.
SALE_DATES = (date(2006, 1, 1), date(2050, 1, 1))
PAYMENT_DATES = (date(2016, 7, 1), date(2050, 1, 1))
MAX_TOKEN = 256
MAX_NAME = 512
_IPKSEF = re.compile(r"[0-9]{3}[a-zA-Z0-9]{10}", re.ASCII)
_PAYMENT_LINK = re.compile(
    r"(https?)://[^\s?#]+\?([^#\s]*&)?IPKSeF=[0-9]{3}[a-zA-Z0-9]{10}(&[^#\s]*)?(#\S*)?", re.ASCII
)
_COUNTRY = re.compile(r"[A-Z]{2}", re.ASCII)
_CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)
# Characters XML 1.0 cannot carry, and those KSeF refuses (weryfikacja-faktury.md).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufdd0-\ufdef\ufffe\uffff]")


@dataclass(frozen=True)
class Problem:
    field: str
    msgid: str
    params: Mapping[str, str] = dc_field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        return i18n.translations(lang).gettext(self.msgid).format(**self.params)

    def __str__(self) -> str:
        return self.text()


class _Checker:
    def __init__(self, invoice: Invoice, today: date) -> None:
        self.invoice = invoice
        self.today = today
        self.problems: list[Problem] = []
        self.amounts_ok = False

    def add(self, where: str, msgid: str, **params: object) -> None:
        self.problems.append(Problem(where, msgid, {k: str(v) for k, v in params.items()}))

    def day(self, where: str, value: date | None, bounds: tuple[date, date]) -> None:
        if value is not None and not bounds[0] <= value <= bounds[1]:
            self.add(
                where,
                N_("FA(3) accepts only dates from {first} to {last}."),
                first=f"{bounds[0]:%d.%m.%Y}",
                last=f"{bounds[1]:%d.%m.%Y}",
            )

    def text(self, where: str, value: str | None, *, required: bool, limit: int) -> None:
        if value is None or not value.strip():
            if required:
                self.add(where, N_("This field is required."))
            return
        if len(value) > limit:
            self.add(where, N_("Too long: at most {limit} characters."), limit=limit)
        if _FORBIDDEN.search(value):
            self.add(where, N_("Contains a control character that KSeF does not accept."))


def check_invoice(invoice: Invoice, *, today: date) -> list[Problem]:
    """Every reason ``invoice`` may not be issued today; empty when it may."""
    c = _Checker(invoice, today)
    if invoice.kind not in ISSUABLE_KINDS:
        c.add("kind", N_("This program issues VAT, correction (KOR) and advance (ZAL) invoices."))
    c.text("number", invoice.number, required=True, limit=MAX_TOKEN)
    if invoice.issue_date > today:
        c.add("issue_date", N_("The issue date cannot be later than today."))
    if invoice.created_at.tzinfo is None or invoice.created_at < EARLIEST_CREATED_AT:
        c.add("created_at", N_("The creation time must be on or after 1 September 2025."))
    c.text("issue_place", invoice.issue_place, required=False, limit=MAX_TOKEN)
    _sale(c, invoice)
    _seller(c, invoice.seller)
    _buyer(c, invoice.buyer)
    _lines(c, invoice)
    _currency(c, invoice)
    _payment(c, invoice)
    _kind_specific(c, invoice)
    for i, (key, value) in enumerate(invoice.notes):
        c.text(f"notes[{i}].key", key, required=True, limit=MAX_TOKEN)
        c.text(f"notes[{i}].value", value, required=True, limit=MAX_TOKEN)
    c.text("footer", invoice.footer, required=False, limit=3500)
    return c.problems


def _sale(c: _Checker, invoice: Invoice) -> None:
    c.day("sale_date", invoice.sale_date, SALE_DATES)
    period = invoice.sale_period
    if period is None:
        return
    if invoice.sale_date is not None:
        c.add("sale_period", N_("Give either the date of sale or the period, not both."))
    if period[0] > period[1]:
        c.add("sale_period", N_("The period ends before it starts."))
    c.day("sale_period", period[0], SALE_DATES)
    if period[1] != period[0]:
        c.day("sale_period", period[1], SALE_DATES)


def _party_common(c: _Checker, prefix: str, party: Party) -> None:
    c.text(f"{prefix}.name", party.name, required=True, limit=MAX_NAME)
    if party.address is not None:
        if not _COUNTRY.fullmatch(party.address.country):
            c.add(f"{prefix}.address.country", N_("Choose a country (two capital letters)."))
        c.text(f"{prefix}.address.line1", party.address.line1, required=True, limit=MAX_NAME)
        c.text(f"{prefix}.address.line2", party.address.line2, required=False, limit=MAX_NAME)
    if party.email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+", party.email):
        c.add(f"{prefix}.email", N_("This is not an e-mail address."))
    if party.phone is not None and (len(party.phone) > 16 or not party.phone.strip()):
        c.add(f"{prefix}.phone", N_("A phone number has at most 16 characters."))


def typed_number(where: str, text: str) -> Problem | None:
    """Why ``text``, typed into a number field, cannot be read (None: it can, or it is
    empty, which the invoice's own checks report as missing)."""
    if not text.strip():
        return None
    try:
        parse_decimal(text)
    except ValueError:
        return Problem(where, N_("“{text}” is not a number."), {"text": text.strip()})
    return None


def _seller(c: _Checker, seller: Party) -> None:
    if not isinstance(seller.tax_id, PolishNip):
        c.add("seller.tax_id", N_("The seller must have a Polish NIP."))
    elif not seller.tax_id.nip.strip():
        c.add("seller.tax_id", N_("The seller's NIP is missing: enter it in the settings."))
    elif not ids.nip_is_valid(seller.tax_id.nip):
        c.add(
            "seller.tax_id", N_("The NIP {nip} is not valid (check digit)."), nip=seller.tax_id.nip
        )
    if seller.address is None:
        c.add("seller.address", N_("The seller's address is required."))
    _party_common(c, "seller", seller)


def _buyer(c: _Checker, buyer: Party) -> None:
    tax_id = buyer.tax_id
    if isinstance(tax_id, PolishNip) and not tax_id.nip.strip():
        c.add("buyer.tax_id", N_("The buyer's NIP is missing."))
    elif isinstance(tax_id, PolishNip) and not ids.nip_is_valid(tax_id.nip):
        c.add("buyer.tax_id", N_("The NIP {nip} is not valid (check digit)."), nip=tax_id.nip)
    elif isinstance(tax_id, EuVatNumber):
        if tax_id.country == "PL" or tax_id.country not in ids.EU_VAT_FORMATS:
            c.add("buyer.tax_id", N_("Choose the EU country of the VAT number (not Poland)."))
        elif not ids.eu_vat_is_valid(tax_id.country, tax_id.number):
            c.add(
                "buyer.tax_id",
                N_("{number} is not a VAT number of the kind {country} issues."),
                number=tax_id.number,
                country=tax_id.country,
            )
    elif isinstance(tax_id, OtherTaxId):
        c.text("buyer.tax_id", tax_id.number, required=True, limit=50)
        if tax_id.country is not None and not _COUNTRY.fullmatch(tax_id.country):
            c.add("buyer.tax_id", N_("Choose a country (two capital letters)."))
    _party_common(c, "buyer", buyer)


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _line(c: _Checker, i: int, line: Line, invoice: Invoice) -> None:
    where = f"lines[{i}]"
    c.text(f"{where}.name", line.name, required=True, limit=MAX_NAME)
    c.text(f"{where}.unit", line.unit, required=False, limit=MAX_TOKEN)
    if line.rate is None or line.rate not in ISSUABLE_RATES:
        c.add(f"{where}.rate", N_("Choose a VAT rate."))
    if line.quantity is None:
        c.add(f"{where}.quantity", N_("Enter the quantity."))
    elif line.quantity <= 0:
        c.add(f"{where}.quantity", N_("The quantity must be greater than zero."))
    elif _places(line.quantity) > 6 or line.quantity >= Decimal("1e16"):
        c.add(f"{where}.quantity", N_("At most 6 decimal places and 16 digits."))
    if line.unit_price is None:
        c.add(f"{where}.unit_price", N_("Enter the unit price."))
    elif line.unit_price < 0:
        c.add(f"{where}.unit_price", N_("The price must be zero or more."))
    elif _places(line.unit_price) > 8 or line.unit_price >= Decimal("1e14"):
        c.add(f"{where}.unit_price", N_("At most 8 decimal places and 14 digits."))
    if line.discount < 0 or _places(line.discount) > 2:
        c.add(f"{where}.discount", N_("The discount is an amount of zero or more."))
    elif (
        line.quantity
        and line.unit_price is not None
        and line.discount > line.quantity * line.unit_price
    ):
        c.add(f"{where}.discount", N_("The discount is larger than the line's value."))
    if line.value is not None or line.exchange_rate is not None:
        c.add(where, N_("This line comes from another program and cannot be issued as it is."))
    if line.before_correction and invoice.kind is not InvoiceKind.KOR:
        c.add(where, N_("Only a correction has lines showing the state before it."))
    _rate_and_buyer(c, where, line, invoice.buyer.tax_id)
    _marks(c, where, line, invoice)


def _marks(c: _Checker, where: str, line: Line, invoice: Invoice) -> None:
    """The GTU code and procedure of a line (``domain.marks``; § 10 ust. 3 and 4 of the JPK
    regulation)."""
    if line.gtu is not None and line.gtu not in GTU_CODES:
        c.add(f"{where}.gtu", N_("“{code}” is not a GTU code (GTU_01 to GTU_13)."), code=line.gtu)
    procedure = line.procedure
    if procedure is None:
        return
    if invoice.kind is InvoiceKind.ZAL and procedure not in ORDER_PROCEDURES:
        # TOznaczenieProceduryZ (ZamowienieWiersz/ProceduraZ) has no I_42 nor I_63.
        c.add(
            f"{where}.procedure",
            N_("{code} cannot mark a line of an advance invoice's order (FA(3) has no such "
               "ProceduraZ)."),
            code=procedure.value,
        )  # fmt: skip
    elif procedure in AFTER_IMPORT and line.rate is not VatRate.R0_WDT:
        # § 10 ust. 4 pkt 8 and 9: an intra-Community supply of goods following import.
        c.add(
            f"{where}.procedure",
            N_("{code} marks an intra-EU supply of goods after import: the line's rate is "
               "0% WDT."),
            code=procedure.value,
        )  # fmt: skip
    buyer = invoice.buyer.tax_id
    if procedure is LineProcedure.TT_D and not isinstance(buyer, EuVatNumber):
        # art. 135 ust. 1 pkt 4 lit. c: the last taxpayer is identified for VAT in the EU
        # country where the goods arrive.
        c.add(
            f"{where}.procedure",
            N_("TT_D (the second taxpayer of a simplified triangular transaction) needs the "
               "buyer's EU VAT number."),
        )  # fmt: skip
    if procedure is LineProcedure.WSTO_EE and isinstance(buyer, PolishNip | EuVatNumber):
        # § 10 ust. 4 pkt 2a: a distance sale is made to someone who is not a taxpayer.
        c.add(
            f"{where}.procedure",
            N_("WSTO_EE is a sale to someone who is not a taxpayer: the buyer has neither a "
               "Polish NIP nor an EU VAT number."),
        )  # fmt: skip


def _rate_and_buyer(c: _Checker, where: str, line: Line, buyer_id: object) -> None:
    """The rates that name who the buyer is (``domain.transaction`` says why)."""
    if line.rate is VatRate.R0_WDT and not isinstance(buyer_id, EuVatNumber):
        c.add(
            f"{where}.rate",
            N_("0% WDT (intra-EU supply) needs the buyer's EU VAT number."),
        )
    if line.rate is VatRate.NP_II and not isinstance(buyer_id, EuVatNumber):
        c.add(
            f"{where}.rate",
            N_(
                "np II (services to an EU business, art. 28b and art. 100 ust. 1 pkt 4) needs "
                "the buyer's EU VAT number."
            ),
        )
    if line.rate is VatRate.OO and not isinstance(buyer_id, PolishNip):
        # oo is the domestic reverse charge (art. 17 ust. 1 pkt 7 and 8; P_13_10): the buyer
        # is a Polish taxpayer. A buyer in another EU country is served under np II
        # (services) or 0% WDT (goods), which carry the reverse charge their own way.
        c.add(
            f"{where}.rate",
            N_(
                "Reverse charge (oo) is the domestic one: it needs a buyer with a Polish NIP. "
                "For an EU business choose “Services to an EU business (np II)” or “Goods to "
                "an EU business (WDT)”."
            ),
        )


def _lines(c: _Checker, invoice: Invoice) -> None:
    if not invoice.lines:
        c.add("lines", N_("Add at least one line."))
    if len(invoice.lines) > 10000:
        c.add("lines", N_("An invoice has at most 10 000 lines."))
    before = len(c.problems)
    for i, line in enumerate(invoice.lines):
        _line(c, i, line, invoice)
    # Amounts are computed only from numbers already known to be in range.
    c.amounts_ok = len(c.problems) == before
    has_exempt = any(line.rate is VatRate.ZW for line in invoice.lines)
    if has_exempt and invoice.exemption is None:
        c.add("exemption", N_("Exempt lines (zw) need the legal basis of the exemption."))
    if invoice.exemption is not None:
        c.text("exemption", invoice.exemption.text, required=True, limit=MAX_TOKEN)
        if not has_exempt:
            c.add("exemption", N_("An exemption basis is given but no line is exempt (zw)."))


def _currency(c: _Checker, invoice: Invoice) -> None:
    if not _CURRENCY.fullmatch(invoice.currency):
        c.add("currency", N_("Choose a currency (three capital letters, e.g. EUR)."))
    elif invoice.currency not in CURRENCY_CODES:
        c.add(
            "currency",
            N_("{code} is not a currency code (ISO 4217) that FA(3) accepts, e.g. EUR or USD."),
            code=invoice.currency,
        )
    if invoice.is_foreign_currency:
        if invoice.exchange_rate is None or invoice.exchange_rate <= 0:
            c.add("exchange_rate", N_("A foreign-currency invoice needs the exchange rate."))
        elif _places(invoice.exchange_rate) > 6:
            c.add("exchange_rate", N_("At most 6 decimal places."))
        rate_date = invoice.exchange_rate_date
        if rate_date is not None and rate_date > invoice.issue_date:
            c.add("exchange_rate_date", N_("The rate's date cannot be after the issue date."))
    elif invoice.exchange_rate is not None or invoice.exchange_rate_date is not None:
        c.add("exchange_rate", N_("An invoice in PLN has no exchange rate."))


def _payment(c: _Checker, invoice: Invoice) -> None:
    payment = invoice.payment
    if payment is None:
        return
    if payment.due_date is not None and payment.due_date < invoice.issue_date:
        c.add("payment.due_date", N_("The due date cannot be before the issue date."))
    c.day("payment.due_date", payment.due_date, PAYMENT_DATES)
    if payment.paid and payment.paid_date is None:
        c.add("payment.paid_date", N_("Give the date it was paid."))
    elif payment.paid and payment.paid_date is not None:
        c.day("payment.paid_date", payment.paid_date, PAYMENT_DATES)
        if payment.paid_date > invoice.issue_date:
            # DataZaplaty: the payment made by the time the invoice is issued.
            c.add(
                "payment.paid_date",
                N_("“Paid” means paid by the issue date: the payment date cannot be later."),
            )
    elif payment.paid_date is not None:
        c.add("payment.paid_date", N_("A payment date is given but the invoice is not paid."))
    if payment.bank_account is not None:
        account = ids.normalize_account(payment.bank_account)
        if account != payment.bank_account or not ids.iban_is_valid(account):
            c.add("payment.bank_account", N_("This is not a valid account number (IBAN)."))
    elif payment.bank_name is not None:
        c.add("payment.bank_name", N_("A bank name needs the account number."))
    c.text("payment.bank_name", payment.bank_name, required=False, limit=MAX_TOKEN)
    if payment.ipksef is not None and not _IPKSEF.fullmatch(payment.ipksef):
        c.add("payment.ipksef", N_("IPKSeF is 3 digits followed by 10 letters or digits."))
    if payment.payment_link is not None and (
        len(payment.payment_link) > 512 or not _PAYMENT_LINK.fullmatch(payment.payment_link)
    ):
        c.add(
            "payment.payment_link",
            N_("The payment link must be an http(s) address carrying IPKSeF=…"),
        )


def _kind_specific(c: _Checker, invoice: Invoice) -> None:
    if invoice.kind is InvoiceKind.KOR:
        correction = invoice.correction
        if correction is None or not correction.corrected:
            c.add("correction", N_("Name the invoice this correction corrects."))
        else:
            for i, corrected in enumerate(correction.corrected):
                where = f"correction.corrected[{i}]"
                c.text(f"{where}.number", corrected.number, required=True, limit=MAX_TOKEN)
                if corrected.issue_date > invoice.issue_date:
                    c.add(f"{where}.issue_date", N_("The corrected invoice must be older."))
                number = corrected.ksef_number
                if number is not None and not ids.ksef_number_is_valid(number):
                    c.add(f"{where}.ksef_number", N_("This is not a valid KSeF number."))
            c.text("correction.reason", correction.reason, required=False, limit=MAX_TOKEN)
    elif invoice.correction is not None:
        c.add("correction", N_("Only a correction (KOR) names a corrected invoice."))
    if invoice.kind is InvoiceKind.ZAL:
        received = invoice.advance_received
        if received is None or received <= 0 or _places(received) > 2:
            c.add("advance_received", N_("Give the amount of the advance received."))
        elif c.amounts_ok and invoice.lines and received > order_value(invoice):
            c.add("advance_received", N_("The advance is larger than the whole order."))
        if invoice.prices_gross:
            c.add("prices_gross", N_("An advance invoice lists the order with net prices."))
    elif invoice.advance_received is not None:
        c.add("advance_received", N_("Only an advance invoice (ZAL) has an advance amount."))
    if not invoice.lines or not c.amounts_ok:
        return
    if invoice.kind is not InvoiceKind.ZAL and all(line.amount == ZERO for line in invoice.lines):
        c.add("lines", N_("The invoice's value is zero."))
