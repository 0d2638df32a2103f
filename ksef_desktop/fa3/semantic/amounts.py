"""Arithmetic of an invoice: lines, per-rate sums and tax, P_15, Rozliczenie, currency.

Both roundings the law allows are accepted: the tax computed per line and summed (the
case of art. 106e ust. 10, which FA(3) carries in P_11Vat) or once per rate from the sum
of the lines (art. 106e ust. 1 pkt 14: "kwotę podatku od sumy wartości sprzedaży netto");
on net amounts (sum × rate) or, where prices include the tax (art. 106e ust. 7-8: P_9B,
P_11A), on gross amounts (sum × rate / (100 + rate)). Advance and settlement invoices use
the gross formula of art. 106f ust. 1 pkt 3. Amounts are rounded half up to the grosz
(art. 106e ust. 11). On an ordinary invoice whose lines show every value the declared tax
must equal one of those results; it may be one grosz off where it is the difference of
two rounded amounts (corrections) or the lines cannot be read. Plain sums (P_13_x of the
lines, P_15, Rozliczenie) must match to the grosz.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from lxml import etree

from ksef_desktop.fa3.semantic.model import (
    ALL_GROUPS,
    GROSZ,
    GROUP_PERCENTS,
    LINE_TOTAL_KINDS,
    NS,
    SETTLEMENT_KINDS,
    TAXED_GROUPS,
    Doc,
    Report,
    Row,
    Value,
    child,
    children,
    local_name,
    money,
    number,
    rounded,
    value_of,
)
from ksef_desktop.i18n import N_

HUNDRED = Decimal(100)
ZERO = Decimal(0)
#: Half a grosz: the most a correctly rounded amount differs from the exact one.
HALF = Decimal("0.005")


def _tax(amount: Decimal, percent: Decimal, *, gross: bool) -> Decimal:
    """The unrounded tax added to a net ``amount`` or contained in a gross one."""
    return amount * percent / (HUNDRED + percent) if gross else amount * percent / HUNDRED


def _closest(found: Decimal, candidates: Iterable[Decimal]) -> Decimal:
    return min((abs(found - c) for c in candidates), default=ZERO)


# --- lines -----------------------------------------------------------------------------------


def check_line_values(doc: Doc, report: Report) -> None:
    """line-value: P_11 (P_11A) = P_8B × P_9A (P_9B) − P_10; P_11NettoZ = P_8BZ × P_9AZ."""
    for row in doc.lines + doc.order_rows:
        quantity = row.quantity
        if quantity is None:
            continue
        for price, value in ((row.price, row.net), (row.gross_price, row.gross)):
            if price is None or value is None:
                continue
            _line_value(report, row, quantity, price, value)


def _line_value(report: Report, row: Row, quantity: Value, price: Value, value: Value) -> None:
    discount = row.discount.amount if row.discount is not None else ZERO
    plain = quantity.amount * price.amount - discount
    # P_10 is "the amount of discounts": the official sample 4 reads it per unit
    # (20 × (1000 − 100) = 18000), this program per line; both readings are accepted.
    per_unit = quantity.amount * (price.amount - discount)
    candidates = [plain, per_unit] if discount else [plain]
    if _closest(value.amount, candidates) <= GROSZ:
        return
    names = {
        "value_name": local_name(value.element),
        "found": value.raw,
        "quantity_name": local_name(quantity.element),
        "quantity": quantity.raw,
        "price_name": local_name(price.element),
        "price": price.raw,
        "expected": money(plain),
    }
    if row.discount is None:
        report.add(
            "line-value",
            value.element,
            N_(
                "{value_name} is {found}, but {quantity_name} × {price_name} = {quantity} × "
                "{price} = {expected}."
            ),
            **names,
        )
    else:
        report.add(
            "line-value",
            value.element,
            N_(
                "{value_name} is {found}, but {quantity_name} × {price_name} − P_10 = "
                "{quantity} × {price} − {discount} = {expected} ({per_unit} with the discount "
                "taken per unit)."
            ),
            discount=row.discount.raw,
            per_unit=money(per_unit),
            **names,
        )


def check_line_vat(doc: Doc, report: Report) -> None:
    """line-vat: P_11Vat (art. 106e ust. 10) and P_11VatZ are the line's value × rate."""
    for row in doc.lines + doc.order_rows:
        vat, rate = row.vat, row.rate
        if vat is None or rate is None:
            continue
        percent = rate.percent or ZERO
        bases = [(v, gross) for v, gross in ((row.net, False), (row.gross, True)) if v is not None]
        if not bases:
            continue
        candidates = [rounded(_tax(v.amount, percent, gross=gross)) for v, gross in bases]
        if _closest(vat.amount, candidates) <= GROSZ:
            continue
        base = bases[0][0]
        report.add(
            "line-vat",
            vat.element,
            N_(
                "{vat_name} is {found}, but the tax at {rate} on {base_name} = {base} is "
                "{expected}."
            ),
            vat_name=local_name(vat.element),
            found=vat.raw,
            rate=f"{rate.value}%" if rate.percent is not None else rate.value,
            base_name=local_name(base.element),
            base=base.raw,
            expected=money(candidates[0]),
        )


# --- per-rate sums ---------------------------------------------------------------------------


def _line_rows(doc: Doc) -> list[Row] | None:
    """The FaWiersz whose values make P_13_x, or None when the lines do not sum into
    the totals (advance and settlement invoices) or a line's rate is unknown."""
    if doc.kind not in LINE_TOTAL_KINDS or not doc.lines:
        return None
    if any(row.group is None for row in doc.lines):
        return None
    return doc.lines


def _derived(row: Row, price: Value | None) -> Decimal | None:
    """P_8B × price where the line states no value (only without P_10, whose reading varies)."""
    if row.quantity is None or price is None or row.discount is not None:
        return None
    return rounded(row.quantity.amount * price.amount)


def _net(row: Row) -> tuple[Decimal, bool] | None:
    if row.net is not None:
        return row.net.amount, False
    derived = _derived(row, row.price)
    return (derived, True) if derived is not None else None


def _gross(row: Row) -> tuple[Decimal, bool] | None:
    if row.gross is not None:
        return row.gross.amount, False
    derived = _derived(row, row.gross_price)
    return (derived, True) if derived is not None else None


def _sum(rows: list[Row], pick: str) -> tuple[Decimal, int] | None:
    """The signed sum of the rows' net or gross values and how many were derived."""
    total, derived = ZERO, 0
    for row in rows:
        found = _net(row) if pick == "net" else _gross(row)
        if found is None:
            return None
        total += row.sign * found[0]
        derived += found[1]
    return total, derived


def check_rate_sums(doc: Doc, report: Report) -> None:
    """rate-net: each P_13_x is the sum of its lines (after minus before in a correction)."""
    rows = _line_rows(doc)
    if rows is None or (doc.kind == "UPR" and not doc.net):
        return  # a simplified invoice may leave out the per-rate amounts
    by_group: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_group[str(row.group)].append(row)
    for group in ALL_GROUPS:
        if group not in by_group and group not in doc.net:
            continue
        _group_sum(doc, report, group, by_group.get(group, []))


def _group_sum(doc: Doc, report: Report, group: str, rows: list[Row]) -> None:
    net = doc.net.get(group)
    declared_net = net.amount if net is not None else ZERO
    where = net.element if net is not None else rows[0].element
    net_sum = _sum(rows, "net")
    gross_sum = _sum(rows, "gross")
    all_gross = bool(rows) and all(row.gross is not None for row in rows)
    if group in TAXED_GROUPS and gross_sum is not None and (all_gross or net_sum is None):
        found, (expected, derived) = doc.declared(group), gross_sum
        if abs(found - expected) > GROSZ * derived:
            report.add(
                "rate-net",
                where,
                N_(
                    "P_13_{group} + P_14_{group} is {found}, but the gross values (P_11A) of "
                    "the lines at this rate give {expected}."
                ),
                group=group,
                found=money(found),
                expected=money(expected),
            )
        return
    pick = net_sum if net_sum is not None else (None if group in TAXED_GROUPS else gross_sum)
    if pick is None:
        return
    expected, derived = pick
    if abs(declared_net - expected) > GROSZ * derived:
        report.add(
            "rate-net",
            where,
            N_(
                "P_13_{group} is {found}, but the values of the lines at this rate give {expected}."
            ),
            group=group,
            found=money(declared_net),
            expected=money(expected),
        )


def check_rate_vat(doc: Doc, report: Report) -> None:
    """rate-vat: P_14_x is the tax of P_13_x, rounded per line or per rate total."""
    rows = _line_rows(doc)
    gross_kind = doc.kind not in LINE_TOTAL_KINDS
    for group in TAXED_GROUPS:
        vat = doc.vat.get(group)
        if vat is None:
            continue
        group_rows = [r for r in rows or [] if r.group == group]
        from_lines = _line_candidates(group_rows)
        tolerance = _vat_tolerance(doc, from_lines)
        line_percents = {r.percent for r in group_rows if r.percent is not None}
        percents = tuple(sorted(line_percents, reverse=True)) or GROUP_PERCENTS[group]
        net = doc.net.get(group)
        net_amount = net.amount if net is not None else ZERO
        candidates: list[Decimal] = []
        for percent in percents:
            candidates.append(rounded(_tax(net_amount, percent, gross=False)))
            candidates.append(rounded(_tax(net_amount + vat.amount, percent, gross=True)))
        candidates += from_lines
        if _closest(vat.amount, candidates) <= tolerance:
            continue
        percent = percents[0]
        gross = gross_kind or any(r.gross is not None and r.net is None for r in group_rows)
        if gross:
            report.add(
                "rate-vat",
                vat.element,
                N_(
                    "P_14_{group} is {found}, but the tax contained in P_13_{group} + "
                    "P_14_{group} = {base} at {percent}% is {expected}."
                ),
                group=group,
                found=vat.raw,
                base=money(net_amount + vat.amount),
                percent=number(percent),
                expected=money(rounded(_tax(net_amount + vat.amount, percent, gross=True))),
            )
        else:
            report.add(
                "rate-vat",
                vat.element,
                N_(
                    "P_14_{group} is {found}, but {percent}% of P_13_{group} = {base} is "
                    "{expected}, and rounding the tax per line does not give {found} either."
                ),
                group=group,
                found=vat.raw,
                base=money(net_amount),
                percent=number(percent),
                expected=money(rounded(_tax(net_amount, percent, gross=False))),
            )


def _vat_tolerance(doc: Doc, from_lines: list[Decimal]) -> Decimal:
    """How far P_14_x may be from the nearest computed tax.

    None on an ordinary invoice whose lines show every value: both roundings are then
    computed exactly (half up, art. 106e ust. 11). One grosz where the tax is the
    difference of two rounded amounts (corrections), where another program may round
    net and tax separately (advances), or where the lines cannot be read; a settlement
    subtracts each advance's own rounded tax from the order's.
    """
    if doc.kind in SETTLEMENT_KINDS:
        return GROSZ * (1 + len(children(doc.fa, "FakturaZaliczkowa")))
    if doc.kind in ("VAT", "UPR") and from_lines:
        return ZERO
    return GROSZ


def _line_candidates(rows: list[Row]) -> list[Decimal]:
    """The group's tax from its lines: per rate total (also after minus before, each
    rounded) and per line, on net and on gross values, and the lines' own P_11Vat."""
    result: list[Decimal] = []
    for gross in (False, True):
        # (signed value, unsigned value, percent, before) of every line, or none at all.
        items: list[tuple[Decimal, Decimal, Decimal, bool]] = []
        for row in rows:
            found = _gross(row) if gross else _net(row)
            if found is None or row.percent is None:
                break
            items.append((row.sign * found[0], found[0], row.percent, row.before))
        if not rows or len(items) != len(rows):
            continue
        per_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
        before: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
        after: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
        per_line = ZERO
        for signed, plain, percent, is_before in items:
            per_rate[percent] += signed
            (before if is_before else after)[percent] += plain
            per_line += rounded(_tax(signed, percent, gross=gross))
        result.append(sum((rounded(_tax(s, p, gross=gross)) for p, s in per_rate.items()), ZERO))
        result.append(
            sum(
                (
                    rounded(_tax(after[p], p, gross=gross))
                    - rounded(_tax(before[p], p, gross=gross))
                    for p in per_rate
                ),
                ZERO,
            )
        )
        result.append(per_line)
    taxes = [row.sign * row.vat.amount for row in rows if row.vat is not None]
    if rows and len(taxes) == len(rows):
        result.append(sum(taxes, ZERO))
    return result


# --- P_15 and Rozliczenie --------------------------------------------------------------------


def check_total(doc: Doc, report: Report) -> None:
    """total: P_15 = the sum of every P_13_x and P_14_x (art. 106e ust. 1 pkt 15)."""
    total = doc.total
    if total is None:
        return
    if doc.kind == "UPR" and not doc.net:
        return  # a simplified invoice may leave out the per-rate amounts (art. 106e ust. 5 pkt 3)
    expected = sum((v.amount for v in doc.net.values()), ZERO) + sum(
        (v.amount for v in doc.vat.values()), ZERO
    )
    if total.amount != expected:
        report.add(
            "total",
            total.element,
            N_(
                "P_15 is {found}, but the sum of the amounts per rate (P_13_x and P_14_x) is "
                "{expected}."
            ),
            found=total.raw,
            expected=money(expected),
        )


def _amounts(parent: etree._Element, name: str) -> Decimal:
    found = [value_of(node, "Kwota") for node in children(parent, name)]
    return sum((v.amount for v in found if v is not None), ZERO)


def check_charges(doc: Doc, report: Report) -> None:
    """charges: Rozliczenie's sums and DoZaplaty = P_15 + SumaObciazen − SumaOdliczen."""
    settlement = child(doc.fa, "Rozliczenie")
    if settlement is None:
        return
    charges = _amounts(settlement, "Obciazenia")
    deductions = _amounts(settlement, "Odliczenia")
    for name, expected in (("SumaObciazen", charges), ("SumaOdliczen", deductions)):
        declared = value_of(settlement, name)
        if declared is not None and declared.amount != expected:
            report.add(
                "charges",
                declared.element,
                N_("{name} is {found}, but its amounts (Kwota) add up to {expected}."),
                name=name,
                found=declared.raw,
                expected=money(expected),
            )
    if doc.total is None:
        return
    due = doc.total.amount + charges - deductions
    for name, expected in (("DoZaplaty", due), ("DoRozliczenia", -due)):
        declared = value_of(settlement, name)
        if declared is not None and declared.amount != expected:
            report.add(
                "charges",
                declared.element,
                N_(
                    "{name} is {found}, but P_15 + charges − deductions = {total} + {charges} − "
                    "{deductions} gives {expected}."
                ),
                name=name,
                found=declared.raw,
                total=doc.total.raw,
                charges=money(charges),
                deductions=money(deductions),
                expected=money(expected),
            )


# --- currency --------------------------------------------------------------------------------

_RATE_ELEMENTS = ("KursWaluty", "KursWalutyZ", "KursWalutyZW", "KursWalutyZK")


def check_currency(doc: Doc, report: Report) -> None:
    """currency: exchange rates and P_14_xW only on a foreign-currency invoice, which gives
    its tax in PLN (art. 106e ust. 11)."""
    if doc.currency == "PLN":
        names = {NS + n for n in _RATE_ELEMENTS} | {NS + f"P_14_{g}W" for g in TAXED_GROUPS}
        found = [el for el in doc.fa.iter() if el.tag in names]
        if found:
            report.add(
                "currency",
                found[0],
                N_(
                    "The invoice is in PLN (KodWaluty), but it gives {elements}: an exchange "
                    "rate and the tax converted to PLN belong to an invoice in a foreign "
                    "currency."
                ),
                elements=", ".join(dict.fromkeys(local_name(el) for el in found)),
            )
        return
    if not doc.is_foreign:
        return
    for group in TAXED_GROUPS:
        vat = doc.vat.get(group)
        if vat is not None and vat.amount != 0 and group not in doc.vat_pln:
            report.add(
                "currency",
                vat.element,
                N_(
                    "The invoice is in {currency}, but the tax P_14_{group} = {vat} is not "
                    "also given in PLN (P_14_{group}W), as art. 106e ust. 11 requires."
                ),
                currency=doc.currency,
                group=group,
                vat=vat.raw,
            )


def check_currency_tax(doc: Doc, report: Report) -> None:
    """currency-tax: P_14_xW is the tax converted at the exchange rate(s) the invoice gives."""
    if not doc.is_foreign:
        return
    invoice_rate = value_of(doc.fa, "KursWalutyZ")
    rows = _line_rows(doc) or []
    for group in TAXED_GROUPS:
        pln, vat = doc.vat_pln.get(group), doc.vat.get(group)
        if pln is None or vat is None:
            continue
        group_rows = [r for r in rows if r.group == group]
        candidates: list[Decimal] = []
        largest = ZERO
        exact = _line_tax_pln(group_rows)
        if exact is not None:
            candidates.append(exact[0])
            largest = exact[1]
        line_rates = {r.exchange_rate.amount for r in group_rows if r.exchange_rate}
        single = invoice_rate.amount if invoice_rate is not None else None
        if single is None and len(line_rates) == 1:
            single = next(iter(line_rates))
        if single is not None:
            candidates.append(vat.amount * single)
            largest = max(largest, abs(single))
        if not candidates:
            continue
        # The tax in the invoice's currency is itself rounded (per line or per rate, and
        # a group may hold two rates: 23 % and 22 %, ...).
        roundings = len(group_rows) + len(GROUP_PERCENTS[group])
        tolerance = GROSZ + largest * HALF * roundings
        if _closest(pln.amount, candidates) <= tolerance:
            continue
        report.add(
            "currency-tax",
            pln.element,
            N_(
                "P_14_{group}W is {found}, but the tax P_14_{group} = {vat} converted at the "
                "invoice's exchange rates gives {expected}."
            ),
            group=group,
            found=pln.raw,
            vat=vat.raw,
            expected=money(rounded(candidates[-1])),
        )


def _line_tax_pln(rows: list[Row]) -> tuple[Decimal, Decimal] | None:
    """Σ line tax × line's KursWaluty (unrounded) and the largest rate, when every line
    of the group gives a rate, a percentage and a value."""
    if not rows:
        return None
    total, largest = ZERO, ZERO
    for row in rows:
        if row.exchange_rate is None or row.percent is None:
            return None
        found = _net(row)
        gross = False
        if found is None or (row.net is None and row.gross is not None):
            found, gross = _gross(row), True
        if found is None:
            return None
        tax = _tax(found[0], row.percent, gross=gross)
        total += row.sign * tax * row.exchange_rate.amount
        largest = max(largest, abs(row.exchange_rate.amount))
    return total, largest
