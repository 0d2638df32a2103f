"""The declaration (Deklaracja, VAT-7 (23)): P_ fields in whole złoty from the register.

Each P_ field of the register's K_ fields is the sum of that K_ field over the rows,
rounded once to whole złoty: "podstawy opodatkowania oraz kwoty podatków zaokrągla się
do pełnych złotych w ten sposób, że końcówki kwot wynoszące mniej niż 50 groszy pomija
się, a końcówki kwot wynoszące 50 i więcej groszy podwyższa się do pełnych złotych"
(art. 63 § 1 of the Tax Ordinance); a negative sum is rounded the same way, away from
zero. Invoices to receipts (FP) are left out, like in SprzedazCtrl: the receipts' report
(RO) already counted them.

The totals follow the schema's documentation and comments:
- P_37 = P_10 + P_11 + P_13 + P_15 + P_17 + P_19 + P_21 + P_22 + P_23 + P_25 + P_27 +
  P_29 + P_31;
- P_38 = P_16 + P_18 + P_20 + P_24 + P_26 + P_28 + P_30 + P_32 + P_33 + P_34 − P_35 −
  P_36 − P_360;
- P_48 = P_39 + P_41 + P_43 + P_44 + P_45 + P_46 + P_47;
- P_49 ≤ P_38 − P_48 (0 when that is not positive); P_50 ≤ P_38 − P_48 − P_49;
- P_51 = P_38 − P_48 − P_49 − P_50 when P_38 − P_48 > 0, else 0;
- P_53 = 0 when P_51 > 0, else P_48 − P_38 + P_49 + P_50 + P_52 when that is > 0, else 0;
- P_54 ≤ P_53 (with one of P_540, P_55, P_56, P_560, P_58); P_62 = P_53 − P_54.
P_68/P_69 (≤ 0) are the bases and taxes of the rows marked KorektaPodstawyOpodt with a
due date (art. 89a ust. 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from ksef_desktop.i18n import N_
from ksef_desktop.jpk.errors import JpkError
from ksef_desktop.jpk.model import (
    ZERO,
    BadDebtKind,
    DeclarationInputs,
    Procedure,
    PurchaseDocument,
    SalesDocument,
)
from ksef_desktop.jpk.register import NOT_XML, PURCHASE_FIELDS, SALES_FIELDS, field_sums

#: TKwotaC: an integer of at most 14 digits.
_LIMIT = Decimal(10) ** 14
_BAD_DEBT_BASES = ("K_15", "K_17", "K_19")
_BAD_DEBT_TAXES = ("K_16", "K_18", "K_20")


def whole(value: Decimal) -> Decimal:
    """Round to whole złoty: 50 groszy and more up, less down (away from zero)."""
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _user_amount(value: Decimal, field: str) -> Decimal:
    if (
        not isinstance(value, Decimal)
        or not value.is_finite()
        or abs(value) >= _LIMIT
        or value != whole(value)
    ):
        raise JpkError(
            N_("{field}: {value} is not an amount in whole złoty."), field=field, value=value
        )
    if value < 0:
        raise JpkError(N_("{field}: {value} may not be negative."), field=field, value=value)
    return value


def compute(
    sales: Sequence[SalesDocument],
    purchases: Sequence[PurchaseDocument],
    inputs: DeclarationInputs,
    *,
    correction: bool,
) -> dict[str, Decimal]:
    """The P_ fields to write, in schema order; a choice field (P_540 …) has the value 1."""
    k_sales = field_sums(sales, SALES_FIELDS)
    k_purchases = field_sums(purchases, PURCHASE_FIELDS)
    p: dict[str, Decimal] = {}
    for name, value in (k_sales | k_purchases).items():
        p["P_" + name[2:]] = whole(value)
    for name in ("P_33", "P_34", "P_35", "P_36", "P_360", "P_47"):
        if p[name] < 0:
            raise JpkError(
                N_("{field}: the register's sum {value} may not be negative."),
                field=name,
                value=p[name],
            )
    if p["P_46"] > 0:
        raise JpkError(
            N_("{field}: the register's sum {value} may not be positive."),
            field="P_46",
            value=p["P_46"],
        )
    p["P_37"] = sum(
        (p[f"P_{n}"] for n in (10, 11, 13, 15, 17, 19, 21, 22, 23, 25, 27, 29, 31)), ZERO
    )
    p["P_38"] = sum((p[f"P_{n}"] for n in (16, 18, 20, 24, 26, 28, 30, 32, 33, 34)), ZERO) - (
        p["P_35"] + p["P_36"] + p["P_360"]
    )
    p["P_39"] = _user_amount(inputs.surplus_carried, "P_39")
    p["P_48"] = sum((p[f"P_{n}"] for n in (39, 41, 43, 44, 45, 46, 47)), ZERO)
    due = p["P_38"] - p["P_48"]
    p["P_49"] = _capped(inputs.cash_register_relief, "P_49", max(due, ZERO))
    p["P_50"] = _capped(inputs.tax_abandoned, "P_50", max(due - p["P_49"], ZERO))
    p["P_51"] = due - p["P_49"] - p["P_50"] if due > 0 else ZERO
    p["P_52"] = _user_amount(inputs.cash_register_relief_rest, "P_52")
    surplus = p["P_48"] - p["P_38"] + p["P_49"] + p["P_50"] + p["P_52"]
    p["P_53"] = ZERO if p["P_51"] > 0 else max(surplus, ZERO)
    p.update(_refund(inputs, p["P_53"]))
    p["P_62"] = p["P_53"] - p.get("P_54", ZERO)
    p.update(_flags(sales, inputs))
    p.update(_bad_debt(sales))
    for name, value in p.items():
        if abs(value) >= _LIMIT:
            raise JpkError(
                N_("{field}: {value} is too large for the declaration."), field=name, value=value
            )
    reason = inputs.correction_reason
    if (
        correction
        and reason is not None
        and (not 1 <= len(reason.strip()) <= 3500 or NOT_XML.search(reason))
    ):
        raise JpkError(
            N_(
                "The reason for the correction (P_ORDZU) must have 1 to 3500 characters, "
                "with no control characters."
            )
        )
    return _ordered(p)


def _capped(value: Decimal, field: str, ceiling: Decimal) -> Decimal:
    amount = _user_amount(value, field)
    if amount > ceiling:
        raise JpkError(
            N_("{field}: {value} is more than the {ceiling} the declaration allows."),
            field=field,
            value=amount,
            ceiling=ceiling,
        )
    return amount


def _refund(inputs: DeclarationInputs, surplus: Decimal) -> dict[str, Decimal]:
    refund = inputs.refund
    if refund is None:
        return {}
    amount = _user_amount(refund.amount, "P_54")
    if not amount or amount > surplus:
        raise JpkError(
            N_(
                "P_54: a refund of {value} needs a surplus (P_53) of at least that; "
                "it is {surplus}."
            ),
            value=amount,
            surplus=surplus,
        )
    fields = {"P_54": amount, refund.mode.value: Decimal(1)}
    if refund.credit_amount is not None or refund.credit_for is not None:
        credit = _user_amount(refund.credit_amount or ZERO, "P_60")
        kind = " ".join((refund.credit_for or "").split())
        if not credit or credit > amount or not 1 <= len(kind) <= 240 or NOT_XML.search(kind):
            raise JpkError(
                N_(
                    "P_59–P_61: a credit towards future taxes needs an amount up to P_54 "
                    "and its kind (at most 240 characters)."
                ),
            )
        fields |= {"P_59": Decimal(1), "P_60": credit}
    return fields


def _flags(sales: Sequence[SalesDocument], inputs: DeclarationInputs) -> dict[str, Decimal]:
    markers = set().union(*(doc.procedures for doc in sales))
    flags = {
        "P_63": inputs.travel_margin or Procedure.MR_T in markers,
        "P_64": inputs.second_hand_margin or Procedure.MR_UZ in markers,
        "P_65": inputs.investment_gold,
        "P_66": inputs.triangular_second or Procedure.TT_D in markers,
        "P_660": inputs.facilitator,
        "P_67": inputs.reduction_108d,
    }
    return {name: Decimal(1) for name, on in flags.items() if on}


def _bad_debt(sales: Sequence[SalesDocument]) -> dict[str, Decimal]:
    rows = [
        doc for doc in sales if doc.bad_debt is not None and doc.bad_debt.kind is BadDebtKind.UNPAID
    ]
    base = sum((doc.amounts.get(k, ZERO) for doc in rows for k in _BAD_DEBT_BASES), ZERO)
    tax = sum((doc.amounts.get(k, ZERO) for doc in rows for k in _BAD_DEBT_TAXES), ZERO)
    if base > 0 or tax > 0:
        raise JpkError(
            N_(
                "P_68/P_69: a correction of art. 89a ust. 1 lowers the base and the tax; "
                "the rows sum to {base} and {tax}."
            ),
            base=base,
            tax=tax,
        )
    return {"P_68": whole(base), "P_69": whole(tax)} if rows else {}


def _schema_order() -> tuple[str, ...]:
    names = []
    for n in range(10, 70):
        if n != 57:  # VAT-7 (23) has no P_57
            names.append(f"P_{n}")
        if n in (36, 54, 56, 66):  # P_360, P_540, P_560, P_660 follow their namesakes
            names.append(f"P_{n}0")
    return tuple(names)


#: The schema's order of the P_ fields.
ORDER = _schema_order()


def _ordered(p: dict[str, Decimal]) -> dict[str, Decimal]:
    return {name: p[name] for name in ORDER if name in p}


#: Pairs written together (both when either is not zero), and optional followers (P_12
#: after P_11, P_14 after P_13) that need their leader.
PAIRS = {
    "P_15": "P_16",
    "P_17": "P_18",
    "P_19": "P_20",
    "P_23": "P_24",
    "P_25": "P_26",
    "P_27": "P_28",
    "P_29": "P_30",
    "P_31": "P_32",
    "P_40": "P_41",
    "P_42": "P_43",
    "P_68": "P_69",
}
LEADERS = {"P_12": "P_11", "P_14": "P_13"}
#: Written even when zero: the totals and the result of the declaration.
ALWAYS = frozenset({"P_37", "P_38", "P_48", "P_51", "P_53", "P_62"})


def written(p: dict[str, Decimal]) -> dict[str, Decimal]:
    """The fields of ``p`` the file carries: non-zero ones, their pairs and the totals."""
    keep = {name for name, value in p.items() if value or name in ALWAYS}
    for first, second in PAIRS.items():
        if first in keep or second in keep:
            keep |= {first, second}
    for follower, leader in LEADERS.items():
        if follower in keep:
            keep.add(leader)
    return {name: value for name, value in p.items() if name in keep}
