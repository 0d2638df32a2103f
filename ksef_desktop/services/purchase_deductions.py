"""The VAT deduction of a purchase invoice, as the trader chooses it (issue 19).

Per purchase invoice (defaults in brackets):
- the category: a fixed asset (K_40/K_41 of JPK_V7M) or other purchases (K_42/K_43)
  [other];
- the deductible share of its tax, 0–100 % [100 %]: e.g. 50 % for a car used also
  privately (art. 86a of the VAT act), the proportion of art. 90; 0 % when there is
  no right to deduct at all (the purchase is then left out of the register);
- the month of the deduction [the month of receipt]. The right to deduct arises in the
  month in which the seller's tax obligation arose, but not earlier than in the month
  in which the buyer received the invoice (art. 86 ust. 10 and 10b pkt 1); an invoice
  in KSeF is received on the day its KSeF number is assigned (art. 106na ust. 3), the
  date the number carries. When not deducted then, the tax may be deducted in one of
  the three following months (art. 86 ust. 11). Later still, only by correcting the
  declaration of the month in which the right arose (art. 86 ust. 13): this is not a
  choice made here, and such a month is refused with that explanation;
- for a purchase under reverse charge (FA(3) P_13_10, the line rate "oo") [none]: the
  buyer owes its tax (e.g. art. 17 ust. 1 pkt 5 of the VAT act: K_31/K_32) and deducts
  it; the choice names the K_ pair of that output tax (``jpk.model.SelfAssessment``)
  and the Polish rate the buyer applies (23, 8, 5 or 0 %; 22 and 7 % where art. 146ef
  keeps them). Both or neither. Without it the purchase is left out of JPK_V7M with a
  notice saying how to choose (``services.jpk_month``).

Choices are checked here and written in one transaction (``store.purchase_deductions``);
a choice refused for one of several invoices changes none of them.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from ksef_desktop.errors import TranslatedError
from ksef_desktop.i18n import N_, _
from ksef_desktop.jpk.model import DeductionCategory, SelfAssessment
from ksef_desktop.store.db import Database
from ksef_desktop.store.purchase_deductions import StoredDeduction, set_deduction
from ksef_desktop.store.purchases import PurchaseRow, rows_by_ids

#: The months after the month of receipt in which the tax may still be deducted
#: (art. 86 ust. 11 of the VAT act: "w jednym z trzech następnych okresów rozliczeniowych").
LATER_MONTHS = 3
ONE = Decimal(1)
HUNDRED = Decimal(100)
#: A share is kept with at most four decimal places (two of a percent, 33.33 %).
SHARE_PLACES = 4
_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
#: The Polish VAT rates a buyer may apply to a reverse-charge purchase (art. 41 ust. 1,
#: 2, 2a, 8 and art. 146ef of the VAT act; 0 % e.g. art. 83).
REVERSE_RATES = tuple(Decimal(r) for r in ("23", "22", "8", "7", "5", "0"))

#: How a month is chosen: a month (its first day), a number of months after the month
#: of receipt (0: the month of receipt), or None (keep what was chosen).
MonthChoice = date | int | None


class DeductionRefused(TranslatedError, ValueError):
    """A deduction that cannot be chosen; ``message()`` says why, in the user's language."""


# --- months -----------------------------------------------------------------------------


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after the month of ``month``."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_text(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def receipt_month(ksef_number: str) -> date:
    """The month of receipt: the month in which KSeF assigned the number (NIP-YYYYMMDD-…)."""
    raw = ksef_number.split("-")[1]
    return date(int(raw[:4]), int(raw[4:6]), 1)


def allowed_months(receipt: date) -> tuple[date, ...]:
    """The month of receipt and the three after it (art. 86 ust. 10, 10b, 11)."""
    return tuple(add_months(receipt, n) for n in range(LATER_MONTHS + 1))


def parse_month(text: str) -> date:
    """``YYYY-MM`` as the first day of that month; DeductionRefused for anything else."""
    match = _MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise DeductionRefused(N_("“{text}” is not a month (YYYY-MM)."), text=text.strip())
    return date(int(match.group(1)), int(match.group(2)), 1)


def check_month(receipt: date, month: date, document: str) -> date:
    """``month`` (its first day) when the tax of an invoice received in ``receipt``'s month
    may be deducted in it; DeductionRefused saying why not otherwise."""
    month = month.replace(day=1)
    receipt = receipt.replace(day=1)
    if month < receipt:
        raise DeductionRefused(
            N_(
                "{document}: its VAT cannot be deducted in {month}, before {receipt}, the "
                "month in which it was received (art. 86 ust. 10b of the VAT act)."
            ),
            document=document,
            month=month_text(month),
            receipt=month_text(receipt),
        )
    last = add_months(receipt, LATER_MONTHS)
    if month > last:
        raise DeductionRefused(
            N_(
                "{document}: its VAT can be deducted in {receipt}, the month in which it was "
                "received, or in one of the three months after it, until {last} (art. 86 "
                "ust. 11 of the VAT act); not in {month}. A later deduction is made by "
                "correcting the declaration of the month in which the right arose (art. 86 "
                "ust. 13)."
            ),
            document=document,
            month=month_text(month),
            receipt=month_text(receipt),
            last=month_text(last),
        )
    return month


# --- shares -----------------------------------------------------------------------------


def check_share(value: Decimal) -> Decimal:
    """``value`` (a fraction) when it is a share 0..1 with at most four decimal places,
    normalised (``0.50`` → ``0.5``); DeductionRefused otherwise."""
    if not value.is_finite() or not Decimal(0) <= value <= ONE:
        raise DeductionRefused(
            N_("The deductible share must be between 0 and 100 %, not {value}."),
            value=share_label(value) if value.is_finite() else value,
        )
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -SHARE_PLACES:
        raise DeductionRefused(
            N_(
                "The deductible share {value} is too precise: give a percent with at most "
                "two decimal places (e.g. 33.33 %)."
            ),
            value=share_label(value),
        )
    return Decimal(0) if value == 0 else value.normalize()


def parse_share(text: str) -> Decimal:
    """A share as the user writes it: a percent (``50``, ``50 %``, ``33,33%``) or a
    fraction 0..1 (``0.5``, ``0,5``; ``1`` is the whole tax: write ``1 %`` for one percent).
    The fraction, checked by ``check_share``."""
    clean = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    percent = clean.endswith("%")
    try:
        value = Decimal(clean.removesuffix("%"))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise DeductionRefused(
            N_("“{text}” is not a share: give a percent (50 or 50 %) or a fraction (0.5)."),
            text=text.strip(),
        )
    if percent or value > ONE:
        value = value / HUNDRED
    return check_share(value)


def share_label(share: Decimal) -> str:
    """``50 %``, ``33.33 %``: the share as a percent for the user."""
    value = (share * HUNDRED).normalize()
    text = f"{value:f}"
    return f"{text} %"


def percent_text(share: Decimal) -> str:
    """``50%``, ``100%``, ``33.33%``: the share as a percent (command line, dialog)."""
    return share_label(share).replace(" ", "")


# --- reverse charge ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReverseChoice:
    """How the buyer accounts for the tax of a reverse-charge purchase: the kind of the
    self-assessed output tax and the rate; both None: no choice (clears one kept)."""

    kind: SelfAssessment | None
    rate: Decimal | None


NO_REVERSE = ReverseChoice(None, None)


def check_reverse(choice: ReverseChoice) -> ReverseChoice:
    """``choice`` with its rate normalised (``23.0`` → ``23``) when a kind comes with a
    Polish rate (or neither is given); DeductionRefused otherwise."""
    kind, rate = choice.kind, choice.rate
    if kind is None and rate is None:
        return NO_REVERSE
    if kind is None:
        raise DeductionRefused(
            N_(
                "A rate for the reverse charge needs its kind too (K_23, K_25, K_27, K_29 "
                "or K_31): say how the tax is accounted for."
            )
        )
    if rate is None:
        raise DeductionRefused(
            N_("The reverse charge {kind} needs the rate the buyer applies (23, 8, 5 or 0 %)."),
            kind=kind.value,
        )
    if not rate.is_finite() or rate not in REVERSE_RATES:
        raise DeductionRefused(
            N_(
                "{value} % is not a Polish VAT rate for a reverse-charge purchase: give "
                "23, 22, 8, 7, 5 or 0."
            ),
            value=f"{rate.normalize():f}" if rate.is_finite() else rate,
        )
    return ReverseChoice(kind, Decimal(int(rate)))


def parse_rate(text: str) -> Decimal:
    """A rate as the user writes it (``23``, ``23 %``, ``8,0``), checked against the
    Polish rates (``check_reverse``); DeductionRefused otherwise."""
    clean = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(clean.removesuffix("%"))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise DeductionRefused(N_("“{text}” is not a VAT rate (e.g. 23)."), text=text.strip())
    checked = check_reverse(ReverseChoice(SelfAssessment.BUYER_IS_TAXPAYER, value))
    assert checked.rate is not None
    return checked.rate


def reverse_label(kind: SelfAssessment) -> str:
    """A short name of the kind of self-assessed tax, with its K_ pair."""
    labels = {
        SelfAssessment.INTRA_EU_ACQUISITION: _("intra-EU acquisition of goods (K_23/K_24)"),
        SelfAssessment.IMPORT_OF_GOODS_33A: _("import of goods, art. 33a (K_25/K_26)"),
        SelfAssessment.IMPORT_OF_SERVICES: _("import of services (K_27/K_28)"),
        SelfAssessment.IMPORT_OF_SERVICES_28B: _(
            "import of services, art. 28b from EU (K_29/K_30)"
        ),
        SelfAssessment.BUYER_IS_TAXPAYER: _("buyer is the taxpayer, art. 17 (K_31/K_32)"),
    }
    return labels[kind]


def reverse_field(choice: ReverseChoice) -> str | None:
    """``K_31:23%``, the choice on the command line; None without one."""
    if choice.kind is None or choice.rate is None:
        return None
    return f"{choice.kind.value}:{choice.rate.normalize():f}%"


# --- the choice of an invoice -----------------------------------------------------------


@dataclass(frozen=True)
class Deduction:
    """The deduction of one purchase invoice, with the defaults filled in."""

    purchase_id: int
    ksef_number: str
    number: str
    category: DeductionCategory
    share: Decimal
    #: the first days of the month of receipt and of the month of the deduction
    receipt: date
    month: date
    #: reverse charge: how the buyer accounts for the tax (NO_REVERSE: not chosen)
    reverse: ReverseChoice = NO_REVERSE

    @property
    def later(self) -> bool:
        """Deducted after the month of receipt."""
        return self.month != self.receipt

    @property
    def default(self) -> bool:
        return (
            self.category is DeductionCategory.OTHER
            and self.share == ONE
            and not self.later
            and self.reverse == NO_REVERSE
        )


def stored_reverse(stored: StoredDeduction | None) -> ReverseChoice:
    """The reverse-charge choice kept in ``stored`` (NO_REVERSE without one)."""
    if stored is None or stored.reverse_kind is None or stored.reverse_rate is None:
        return NO_REVERSE
    return ReverseChoice(SelfAssessment(stored.reverse_kind), stored.reverse_rate)


def deduction_of(row: PurchaseRow) -> Deduction:
    stored = row.deduction
    receipt = receipt_month(row.ksef_number)
    if stored is None:
        return Deduction(
            row.id, row.ksef_number, row.number, DeductionCategory.OTHER, ONE, receipt, receipt
        )
    month = parse_month(stored.period) if stored.period else receipt
    return Deduction(
        row.id,
        row.ksef_number,
        row.number,
        DeductionCategory(stored.category),
        stored.share,
        receipt,
        month,
        stored_reverse(stored),
    )


def category_label(category: DeductionCategory) -> str:
    if category is DeductionCategory.FIXED_ASSETS:
        return _("fixed asset")
    return _("other purchases")


def deduction_text(deduction: Deduction) -> str:
    """One line for the user: ``fixed asset, 50 % deductible, in 2026-04`` (and, when
    chosen, ``; reverse charge K_31 at 23 %``)."""
    if deduction.later:
        text = _("{category}, {share} deductible, in {month}").format(
            category=category_label(deduction.category),
            share=share_label(deduction.share),
            month=month_text(deduction.month),
        )
    else:
        text = _("{category}, {share} deductible, in the month of receipt ({month})").format(
            category=category_label(deduction.category),
            share=share_label(deduction.share),
            month=month_text(deduction.month),
        )
    reverse = deduction.reverse
    if reverse.kind is not None and reverse.rate is not None:
        text += _("; reverse charge {kind} at {rate} %").format(
            kind=reverse.kind.value, rate=f"{reverse.rate.normalize():f}"
        )
    return text


def _refuse_missing(purchase_id: int) -> DeductionRefused:
    return DeductionRefused(N_("Purchase invoice #{id} is not in this profile."), id=purchase_id)


def deductions(db: Database, purchase_ids: Sequence[int], *, profile_id: int) -> list[Deduction]:
    """The deductions of ``purchase_ids``, in that order."""
    rows = rows_by_ids(db.connection(), purchase_ids, profile_id=profile_id)
    missing = set(purchase_ids) - {r.id for r in rows}
    if missing:
        raise _refuse_missing(min(missing))
    return [deduction_of(r) for r in rows]


def _subject(conn: sqlite3.Connection, purchase_id: int, profile_id: int) -> str:
    row = conn.execute(
        "SELECT subject FROM purchases WHERE id = ? AND profile_id = ?", (purchase_id, profile_id)
    ).fetchone()
    return str(row[0]) if row else ""


def change_deductions(
    db: Database,
    purchase_ids: Sequence[int],
    *,
    profile_id: int,
    now: Callable[[], datetime],
    category: DeductionCategory | None = None,
    share: Decimal | None = None,
    month: MonthChoice = None,
    reverse: ReverseChoice | None = None,
) -> list[Deduction]:
    """Choose the deduction of ``purchase_ids`` (None: keep that part as it is; the
    reverse charge NO_REVERSE: clear it); all of them or, when one cannot take it, none
    (DeductionRefused naming it). One transaction."""
    if share is not None:
        share = check_share(share)
    if reverse is not None:
        reverse = check_reverse(reverse)
    if isinstance(month, int) and not isinstance(month, bool) and not 0 <= month <= LATER_MONTHS:
        raise DeductionRefused(
            N_("The VAT can be deducted at most {n} months after the month of receipt."),
            n=LATER_MONTHS,
        )
    with db.transaction() as conn:
        rows = rows_by_ids(conn, purchase_ids, profile_id=profile_id)
        missing = set(purchase_ids) - {r.id for r in rows}
        if missing:
            raise _refuse_missing(min(missing))
        changed = []
        for row in rows:
            name = f"{row.number} ({row.ksef_number})"
            if _subject(conn, row.id, profile_id) != "Subject2":
                raise DeductionRefused(
                    N_(
                        "{document} names this company only as a third party (Podmiot3), not "
                        "as the buyer: it has no VAT of this company to deduct."
                    ),
                    document=name,
                )
            current = deduction_of(row)
            chosen = current.month
            if isinstance(month, date):
                chosen = check_month(current.receipt, month, name)
            elif isinstance(month, int):
                chosen = add_months(current.receipt, month)
            new = Deduction(
                row.id,
                row.ksef_number,
                row.number,
                category or current.category,
                current.share if share is None else share,
                current.receipt,
                chosen,
                current.reverse if reverse is None else reverse,
            )
            stored = StoredDeduction(
                new.category.value,
                new.share,
                month_text(new.month) if new.later else None,
                None if new.reverse.kind is None else new.reverse.kind.value,
                new.reverse.rate,
            )
            set_deduction(conn, row.id, stored, profile_id=profile_id, now=now())
            changed.append(new)
        return changed
