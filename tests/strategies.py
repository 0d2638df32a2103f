"""Hypothesis strategies that generate invoices across the whole domain model.

Every generated invoice is one the program could issue: XSD-valid when built, and
lawful where the file shows it (fa3/semantic finds nothing to warn about: the date of
supply within what art. 106i allows, a corrected invoice's KSeF number of this seller).
Other suites (PDF, store, sandbox) reuse ``invoices()``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from hypothesis import strategies as st

from ksef_desktop.domain.identifiers import EU_VAT_FORMATS, make_ksef_number
from ksef_desktop.domain.invoice import (
    EXCHANGE_RATE_DATE_KEY,
    ISSUABLE_RATES,
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
    TaxId,
    VatRate,
)
from ksef_desktop.domain.marks import AFTER_IMPORT, LineProcedure, procedures_for
from ksef_desktop.domain.totals import order_value

_WORD_ALPHABET = (
    "abcdefghijklmnoprstuwyząćęłńóśźżABCDEFGHIJKLMNOPRSTUWYZĄĆĘŁŃÓŚŹŻ0123456789.,-/&<>'\"()"
)
_word = st.text(alphabet=_WORD_ALPHABET, min_size=1, max_size=12)


def tokens(max_words: int = 6) -> st.SearchStrategy[str]:
    """xsd:token-shaped text: words joined by single spaces, no edge spaces."""
    return st.lists(_word, min_size=1, max_size=max_words).map(" ".join)


def _nip_from_stem(stem: str) -> str | None:
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    check = sum(int(d) * w for d, w in zip(stem, weights, strict=True)) % 11
    return None if check == 10 else stem + str(check)


def _valid_nip(stem: str) -> str:
    nip = _nip_from_stem(stem)
    return nip if nip is not None else "5265877635"


valid_nips: st.SearchStrategy[str] = st.from_regex(r"[1-9][1-9][1-9][0-9]{6}", fullmatch=True).map(
    _valid_nip
)

_countries = st.sampled_from(["PL", "DE", "CZ", "FR", "US", "GB", "UA", "NO"])

addresses = st.builds(
    Address,
    country=_countries,
    line1=tokens(4),
    line2=st.none() | tokens(3),
)

_eu_countries = sorted(c for c in EU_VAT_FORMATS if c != "PL")
eu_vat_numbers = st.sampled_from(_eu_countries).flatmap(
    lambda country: (
        st.from_regex(EU_VAT_FORMATS[country], fullmatch=True)
        .filter(lambda n: n.isascii() and len(n) <= 12)
        .map(lambda number: EuVatNumber(country=country, number=number))
    )
)


def _iban(digits: str) -> str:
    check = 98 - int(digits + "252100") % 97  # "PL" = 25 21, then "00"
    return f"PL{check:02d}{digits}"


ibans = st.from_regex(r"[0-9]{24}", fullmatch=True).map(_iban)

buyer_tax_ids: st.SearchStrategy[TaxId] = st.one_of(
    valid_nips.map(PolishNip),
    eu_vat_numbers,
    st.builds(
        OtherTaxId,
        number=st.from_regex(r"[0-9A-Z]{3,20}", fullmatch=True),
        country=st.none() | _countries,
    ),
    st.just(NoTaxId()),
)

emails = st.from_regex(r"[a-z]{1,10}@[a-z]{1,10}\.(pl|com|de)", fullmatch=True)
phones = st.from_regex(r"\+?[0-9]{6,14}", fullmatch=True)

sellers = st.builds(
    Party,
    tax_id=valid_nips.map(PolishNip),
    name=tokens(5),
    address=addresses,
    email=st.none() | emails,
    phone=st.none() | phones,
)

buyers = st.builds(
    Party,
    tax_id=buyer_tax_ids,
    name=tokens(5),
    address=st.none() | addresses,
    email=st.none() | emails,
    phone=st.none() | phones,
)

quantities = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000"), places=3)
prices = st.decimals(min_value=Decimal("1"), max_value=Decimal("100000"), places=2)
exchange_rates = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("20"), places=4)
issue_dates = st.dates(date(2024, 1, 1), date(2030, 12, 31))
created_ats = st.datetimes(
    datetime(2025, 9, 1), datetime(2030, 12, 31), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))


@st.composite
def lines(
    draw: st.DrawFn,
    *,
    allow_discount: bool = True,
    allow_before: bool = False,
    rates: tuple[VatRate, ...] = ISSUABLE_RATES,
    procedures: tuple[LineProcedure, ...] = (),
) -> Line:
    quantity = draw(quantities)
    unit_price = draw(prices)
    discount = Decimal(0)
    gross_value = (quantity * unit_price).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    if allow_discount and gross_value >= Decimal("0.02") and draw(st.booleans()):
        # A discount never takes a line's whole value: a zero invoice cannot be issued.
        discount = draw(
            st.decimals(
                min_value=Decimal("0.01"), max_value=gross_value - Decimal("0.01"), places=2
            )
        )
    line = Line(
        name=draw(tokens(5)),
        rate=draw(st.sampled_from(rates)),
        quantity=quantity,
        unit_price=unit_price,
        unit=draw(st.none() | st.sampled_from(["szt.", "godz.", "kg", "usł.", "m2"])),
        discount=discount,
        before_correction=allow_before and draw(st.booleans()),
        gtu=draw(st.none() | st.sampled_from(["GTU_01", "GTU_06", "GTU_12"])),
        procedure=draw(st.none() | st.sampled_from(procedures)) if procedures else None,
    )
    # I_42 and I_63 are intra-EU supplies after import (domain.checks): 0% WDT only.
    if line.procedure in AFTER_IMPORT and line.rate is not VatRate.R0_WDT:
        line = replace(line, procedure=None)
    return line


@st.composite
def payments(draw: st.DrawFn, issue_date: date = date(2026, 1, 1)) -> Payment:
    account = draw(st.none() | ibans)
    paid = draw(st.booleans())
    later = st.dates(issue_date, date(2049, 12, 31))
    return Payment(
        method=draw(st.none() | st.sampled_from(list(PaymentMethod))),
        due_date=draw(st.none() | later),
        bank_account=account,
        bank_name=draw(st.none() | tokens(3)) if account else None,
        paid=paid,
        # DataZaplaty: paid by the time the invoice is issued, so never after it.
        paid_date=draw(st.dates(date(2016, 7, 1), issue_date)) if paid else None,
        payment_link=draw(
            st.none()
            | st.from_regex(
                r"https://pay\.example\.pl/p\?IPKSeF=[0-9]{3}[a-zA-Z0-9]{10}", fullmatch=True
            )
        ),
        ipksef=draw(st.none() | st.from_regex(r"[0-9]{3}[a-zA-Z0-9]{10}", fullmatch=True)),
    )


def lawful_sale_dates(issue_date: date) -> st.SearchStrategy[date]:
    """Dates of supply an invoice issued on ``issue_date`` may carry (art. 106i): issued
    by the 15th of the month after the supply (ust. 1), and not more than 60 days before
    it (ust. 7)."""
    first = issue_date.replace(day=1)
    if issue_date.day <= 15:
        first = (first - timedelta(days=1)).replace(day=1)
    return st.dates(first, issue_date + timedelta(days=60))


@st.composite
def corrected_invoices(draw: st.DrawFn, seller_nip: str, issue_date: date) -> CorrectedInvoice:
    """An invoice this seller issued before ``issue_date``, in KSeF or outside it."""
    issued = draw(st.dates(date(2020, 1, 1), issue_date))
    ksef_number = None
    if draw(st.booleans()):
        technical = draw(st.from_regex(r"[0-9A-F]{12}", fullmatch=True))
        ksef_number = make_ksef_number(seller_nip, issued, technical)
    return CorrectedInvoice(issue_date=issued, number=draw(tokens(2)), ksef_number=ksef_number)


_notes = st.lists(
    st.tuples(tokens(3), tokens(4)).filter(lambda kv: kv[0] != EXCHANGE_RATE_DATE_KEY),
    max_size=3,
).map(tuple)


@st.composite
def invoices(
    draw: st.DrawFn,
    kinds: tuple[InvoiceKind, ...] = (InvoiceKind.VAT, InvoiceKind.KOR, InvoiceKind.ZAL),
) -> Invoice:
    kind = draw(st.sampled_from(kinds))
    is_advance = kind is InvoiceKind.ZAL
    is_correction = kind is InvoiceKind.KOR
    buyer = draw(buyers)
    allowed = tuple(
        r
        for r in ISSUABLE_RATES
        if (r not in (VatRate.R0_WDT, VatRate.NP_II) or isinstance(buyer.tax_id, EuVatNumber))
        and (r is not VatRate.OO or isinstance(buyer.tax_id, PolishNip))
    )
    business = isinstance(buyer.tax_id, PolishNip | EuVatNumber)
    marks = tuple(
        p
        for p in procedures_for(is_advance)
        if (p is not LineProcedure.TT_D or isinstance(buyer.tax_id, EuVatNumber))
        and (p is not LineProcedure.WSTO_EE or not business)
    )
    invoice_lines = draw(
        st.lists(
            lines(
                allow_discount=not is_advance,
                allow_before=is_correction,
                rates=allowed,
                procedures=marks,
            ),
            min_size=1,
            max_size=6,
        )
    )
    currency = draw(st.sampled_from(["PLN", "PLN", "EUR", "USD", "CZK"]))
    foreign = currency != "PLN"
    issue_date = draw(issue_dates)
    earlier = st.dates(date(2020, 1, 1), issue_date)
    seller = draw(sellers)
    assert isinstance(seller.tax_id, PolishNip)
    correction = None
    if is_correction:
        correction = Correction(
            corrected=tuple(
                draw(
                    st.lists(
                        corrected_invoices(seller.tax_id.nip, issue_date), min_size=1, max_size=3
                    )
                )
            ),
            reason=draw(st.none() | tokens(6)),
            effect=draw(st.none() | st.sampled_from(list(CorrectionEffect))),
        )
    exemption = None
    if any(line.rate is VatRate.ZW for line in invoice_lines):
        exemption = Exemption(
            basis=draw(st.sampled_from(list(ExemptionBasis))), text=draw(tokens(6))
        )
    sale = draw(st.sampled_from(["none", "date", "period"]))
    period_start = draw(lawful_sale_dates(issue_date))
    advance = None
    if is_advance:
        probe = Invoice(
            kind=kind,
            number="x",
            issue_date=issue_date,
            seller=buyer,
            buyer=buyer,
            lines=tuple(invoice_lines),
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        ceiling = max(order_value(probe), Decimal("0.01"))
        advance = draw(st.decimals(min_value=Decimal("0.01"), max_value=ceiling, places=2))
    return Invoice(
        kind=kind,
        number=draw(tokens(2)),
        issue_date=issue_date,
        seller=seller,
        buyer=buyer,
        lines=tuple(invoice_lines),
        created_at=draw(created_ats),
        issue_place=draw(st.none() | tokens(2)),
        sale_date=draw(lawful_sale_dates(issue_date)) if sale == "date" else None,
        sale_period=(period_start, period_start) if sale == "period" else None,
        currency=currency,
        exchange_rate=draw(exchange_rates) if foreign else None,
        exchange_rate_date=draw(st.none() | earlier) if foreign else None,
        prices_gross=False if is_advance else draw(st.booleans()),
        payment=draw(st.none() | payments(issue_date)),
        correction=correction,
        advance_received=advance,
        exemption=exemption,
        split_payment=draw(st.booleans()),
        cash_accounting=draw(st.booleans()),
        related_parties=draw(st.booleans()),
        notes=draw(_notes),
        footer=draw(st.none() | tokens(8)),
    )
