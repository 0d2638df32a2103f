"""Advance (ZAL), settlement (ROZ) invoices and their corrections (KOR_ZAL, KOR_ROZ).

Art. 106f ustawy o VAT: an advance invoice gives the order (ust. 1 pkt 4) and the tax
contained in the advance, ZB × SP / (100 + SP) (ust. 1 pkt 3); where the order holds
several rates the advance is split over them in proportion to the order's gross value
per rate, as the official samples 11-14 and 17-18 compute it (the act does not spell the
split out; each share is then taxed by the formula). The invoice issued
after the advances (ROZ, ust. 3) shows the whole order in its lines, names the advance
invoices, and its P_13_x/P_14_x/P_15 hold what is left to pay. Their corrections give
the amount before the correction (P_15ZK) and show the order before and after
(StanPrzedZ), so the difference of the two splits is what P_13_x/P_14_x declare.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from ksef_desktop.fa3.semantic.model import (
    ALL_GROUPS,
    GROSZ,
    Doc,
    Report,
    Row,
    child,
    children,
    money,
    value_of,
)
from ksef_desktop.i18n import N_

ZERO = Decimal(0)


def _order_gross(rows: list[Row]) -> dict[str, Decimal] | None:
    """The order's gross value per P_13 group (P_11NettoZ + P_11VatZ), or None when a
    row's rate or value is missing."""
    result: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        if row.group is None or row.net is None:
            return None
        result[row.group] += row.net.amount + (row.vat.amount if row.vat is not None else ZERO)
    return dict(result)


def _split(advance: Decimal, order: dict[str, Decimal]) -> dict[str, Decimal]:
    total = sum(order.values(), ZERO)
    return {group: advance * value / total for group, value in order.items()}


def check_advance_order(doc: Doc, report: Report) -> None:
    """advance-order: a ZAL names its order, whose value adds up and covers the advance."""
    if doc.kind != "ZAL":
        return
    kind = child(doc.fa, "RodzajFaktury")
    if doc.order is None:
        report.add(
            "advance-order",
            kind if kind is not None else doc.fa,
            N_(
                "An advance invoice (ZAL) gives the order or contract and its value "
                "(Zamowienie, art. 106f ust. 1 pkt 4), but this one has none."
            ),
        )
        return
    value = value_of(doc.order, "WartoscZamowienia")
    if value is None:
        return
    rows = [row for row in doc.order_rows if not row.before]
    gross = _order_gross(rows)
    if rows and gross is not None:
        expected = sum(gross.values(), ZERO)
        # Per-rate rounding of the order's tax may differ from the lines' P_11VatZ.
        if abs(value.amount - expected) > GROSZ * len(rows):
            report.add(
                "advance-order",
                value.element,
                N_(
                    "WartoscZamowienia is {found}, but the order's lines (P_11NettoZ + "
                    "P_11VatZ) add up to {expected}."
                ),
                found=value.raw,
                expected=money(expected),
            )
    if doc.total is not None and doc.total.amount > value.amount:
        report.add(
            "advance-order",
            doc.total.element,
            N_(
                "The advance P_15 = {advance} is more than the whole order, WartoscZamowienia "
                "= {order}."
            ),
            advance=doc.total.raw,
            order=value.raw,
        )


def check_advance_split(doc: Doc, report: Report) -> None:
    """advance-split: the advance falls on the rates in proportion to the order."""
    if doc.total is None:
        return
    expected: dict[str, Decimal] | None = None
    if doc.kind == "ZAL":
        order = _order_gross([row for row in doc.order_rows if not row.before])
        if order and sum(order.values(), ZERO):
            expected = _split(doc.total.amount, order)
    elif doc.kind == "KOR_ZAL" and (doc.net or doc.vat):
        expected = _correction_split(doc)
    if expected is None:
        return
    groups = [g for g in ALL_GROUPS if g in expected or g in doc.net or g in doc.vat]
    # Each share is rounded and the last takes the rest; a correction rounds two splits.
    tolerance = GROSZ * len(groups) * (2 if doc.kind == "KOR_ZAL" else 1)
    for group in groups:
        share = expected.get(group, ZERO)
        found = doc.declared(group)
        if abs(found - share) <= tolerance:
            continue
        net = doc.net.get(group)
        report.add(
            "advance-split",
            net.element if net is not None else doc.total.element,
            N_(
                "P_13_{group} + P_14_{group} is {found}, but the advance split over the rates "
                "in proportion to the order's value gives {expected} for this rate."
            ),
            group=group,
            found=money(found),
            expected=money(share),
        )


def _correction_split(doc: Doc) -> dict[str, Decimal] | None:
    """After-split minus before-split, when the order is shown before and after in full."""
    before_amount = value_of(doc.fa, "P_15ZK")
    if before_amount is None or doc.total is None:
        return None
    before_rows = [row for row in doc.order_rows if row.before]
    after_rows = [row for row in doc.order_rows if not row.before]
    if sorted(str(r.number) for r in before_rows) != sorted(str(r.number) for r in after_rows):
        return None
    before, after = _order_gross(before_rows), _order_gross(after_rows)
    if not before or not after or not sum(before.values()) or not sum(after.values()):
        return None
    old = _split(before_amount.amount, before)
    new = _split(before_amount.amount + doc.total.amount, after)
    return {g: new.get(g, ZERO) - old.get(g, ZERO) for g in set(old) | set(new)}


def check_advance_settlement(doc: Doc, report: Report) -> None:
    """advance-settlement: ROZ names its advances and asks no more than the order;
    corrections of ZAL/ROZ give the amount before the correction (P_15ZK)."""
    kind = child(doc.fa, "RodzajFaktury")
    where = kind if kind is not None else doc.fa
    if doc.kind == "ROZ":
        if not children(doc.fa, "FakturaZaliczkowa"):
            report.add(
                "advance-settlement",
                where,
                N_(
                    "A settlement invoice (ROZ) names the advance invoices it settles "
                    "(FakturaZaliczkowa, art. 106f ust. 3), but this one names none."
                ),
            )
        _settlement_within_order(doc, report)
    if doc.kind in ("KOR_ZAL", "KOR_ROZ"):
        before = value_of(doc.fa, "P_15ZK")
        if before is None:
            report.add(
                "advance-settlement",
                where,
                N_(
                    "A correction of an advance or settlement invoice ({kind}) gives the "
                    "amount before the correction (P_15ZK), but this one does not."
                ),
                kind=doc.kind,
            )
        elif doc.total is not None and before.amount + doc.total.amount < 0:
            report.add(
                "advance-settlement",
                doc.total.element,
                N_(
                    "After this correction the amount would be negative: P_15ZK + P_15 = "
                    "{before} + {change} = {after}."
                ),
                before=before.raw,
                change=doc.total.raw,
                after=money(before.amount + doc.total.amount),
            )


def _settlement_within_order(doc: Doc, report: Report) -> None:
    if doc.total is None or not doc.lines:
        return
    whole = ZERO
    for row in doc.lines:
        if row.before:
            return
        if row.gross is not None:
            whole += row.gross.amount
        elif row.net is not None and row.percent is not None:
            whole += row.net.amount * (100 + row.percent) / 100
        elif row.net is not None and row.rate is not None:
            whole += row.net.amount
        else:
            return
    if doc.total.amount > whole + GROSZ * len(doc.lines):
        report.add(
            "advance-settlement",
            doc.total.element,
            N_(
                "P_15 = {found}, the amount left to pay after the advances, is more than the "
                "gross value of the whole order in the lines, {expected}."
            ),
            found=doc.total.raw,
            expected=money(whole),
        )
