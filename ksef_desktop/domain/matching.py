"""Which invoices a payment pays, and how sure that is.

A credit on the seller's account is matched to the seller's invoices by what its title
names, strongest first:

1. **KSeF numbers or a collective identifier** (``Basis.KSEF``, ``Basis.COLLECTIVE``):
   the payer named the invoices exactly. Certain (``MATCHED``) when they are all in the
   program and in the transfer's currency and something of them was left to pay; the
   amount is spread over them (partial payment: the first ones are paid in full, the
   rest in part; overpayment: the last one takes the excess).
2. **Our invoice numbers** (``Basis.NUMBER``): certain when the amount is exactly what is
   left to pay of them; otherwise (a partial payment, an overpayment) proposed.
3. **The buyer** — known by the account the money came from, or by a NIP in the title
   (``Basis.ACCOUNT``, ``Basis.NIP``) — **and the amount**: proposed when one open
   invoice of that buyer is left with exactly the amount, or its oldest open invoices
   together are.

Anything else is ``UNKNOWN``. A transfer in another currency than its invoices is only
proposed (its amount is the bank's, not the invoice's).

A debit is decided the same way against the purchase invoices (``decide_credit`` with
the supplier in the place of the buyer: ``OpenInvoice.buyer_id`` is the counterparty
of the payment, the one its account or NIP identifies).

Amounts are Decimal; an invoice's amounts are in its currency. Pure functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from ksef_desktop.domain.money import ZERO
from ksef_desktop.i18n import N_, _


class Verdict(StrEnum):
    MATCHED = "matched"  # certain: the invoices are marked paid
    PROPOSED = "proposed"  # likely: one click to accept
    UNKNOWN = "unknown"  # listed for the user

    @property
    def label(self) -> str:
        return _(_VERDICT_LABELS[self])


_VERDICT_LABELS = {
    Verdict.MATCHED: N_("matched to invoices"),
    Verdict.PROPOSED: N_("match proposed"),
    Verdict.UNKNOWN: N_("not recognised"),
}


class Basis(StrEnum):
    KSEF = "ksef"
    COLLECTIVE = "collective"
    NUMBER = "number"
    ACCOUNT = "account"
    NIP = "nip"
    MANUAL = "manual"

    @property
    def label(self) -> str:
        return _(_BASIS_LABELS[self])


_BASIS_LABELS = {
    Basis.KSEF: N_("KSeF number in the title"),
    Basis.COLLECTIVE: N_("collective identifier in the title"),
    Basis.NUMBER: N_("invoice number in the title"),
    Basis.ACCOUNT: N_("the counterparty's account and the amount"),
    Basis.NIP: N_("the counterparty's NIP in the title and the amount"),
    Basis.MANUAL: N_("chosen by hand"),
}


@dataclass(frozen=True)
class OpenInvoice:
    """An invoice as matching sees it: a sales invoice (``buyer_id``: its buyer) or a
    purchase invoice (``buyer_id``: its supplier, the payee)."""

    id: int
    number: str
    ksef_number: str | None
    buyer_id: str
    gross: Decimal
    paid: Decimal
    currency: str
    issue_date: date
    due_date: date | None = None

    @property
    def left(self) -> Decimal:
        return max(self.gross - self.paid, ZERO)

    def sort_key(self) -> tuple[date, date, int]:
        """Oldest debt first: by due date (issue date when none), then issue date."""
        return (self.due_date or self.issue_date, self.issue_date, self.id)


@dataclass(frozen=True)
class Allocation:
    invoice_id: int
    amount: Decimal


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    basis: Basis | None = None
    allocations: tuple[Allocation, ...] = ()

    @property
    def invoice_ids(self) -> tuple[int, ...]:
        return tuple(a.invoice_id for a in self.allocations)


UNKNOWN = Decision(Verdict.UNKNOWN)


def allocate(
    amount: Decimal, invoices: Sequence[OpenInvoice], *, overpay: bool = True
) -> tuple[Allocation, ...]:
    """``amount`` spread over ``invoices`` in the order given: each takes what is left
    of it until the money runs out; with ``overpay`` the last invoice takes whatever
    exceeds them all (an overpayment stays visible as more paid than due)."""
    out: list[Allocation] = []
    rest = amount
    for invoice in invoices:
        if rest <= ZERO:
            break
        share = min(invoice.left, rest)
        if share > ZERO:
            out.append(Allocation(invoice.id, share))
            rest -= share
    if overpay and rest > ZERO and invoices:
        last = invoices[-1].id
        if out and out[-1].invoice_id == last:
            out[-1] = Allocation(last, out[-1].amount + rest)
        else:
            out.append(Allocation(last, rest))
    return tuple(out)


def _lefts(invoices: Sequence[OpenInvoice]) -> tuple[Allocation, ...]:
    return tuple(Allocation(i.id, i.left) for i in invoices if i.left > ZERO)


def _named(
    amount: Decimal, currency: str, named: Sequence[OpenInvoice], missing: int, basis: Basis
) -> Decision:
    if any(i.currency != currency for i in named):
        lefts = _lefts(named)
        return Decision(Verdict.PROPOSED, basis, lefts) if lefts else UNKNOWN
    due = sum((i.left for i in named), ZERO)
    if due <= ZERO:  # all of them paid already: a second payment is for the user to see
        return Decision(Verdict.PROPOSED, basis, (Allocation(named[-1].id, amount),))
    if missing:  # part of what the payer named is not in this program
        return Decision(Verdict.PROPOSED, basis, allocate(amount, named, overpay=False))
    return Decision(Verdict.MATCHED, basis, allocate(amount, named))


def _by_number(amount: Decimal, currency: str, found: Sequence[OpenInvoice]) -> Decision:
    if any(i.currency != currency for i in found):
        lefts = _lefts(found)
        return Decision(Verdict.PROPOSED, Basis.NUMBER, lefts) if lefts else UNKNOWN
    due = sum((i.left for i in found), ZERO)
    if due <= ZERO:
        return Decision(Verdict.PROPOSED, Basis.NUMBER, (Allocation(found[-1].id, amount),))
    verdict = Verdict.MATCHED if due == amount else Verdict.PROPOSED
    return Decision(verdict, Basis.NUMBER, allocate(amount, found))


def _by_amount(
    amount: Decimal, currency: str, buyer_open: Sequence[OpenInvoice], basis: Basis
) -> Decision:
    """One open invoice of the buyer left with exactly ``amount``, or its oldest open
    invoices that together are."""
    open_ = sorted(
        (i for i in buyer_open if i.currency == currency and i.left > ZERO),
        key=OpenInvoice.sort_key,
    )
    exact = [i for i in open_ if i.left == amount]
    if exact:  # several invoices of that amount: the oldest one
        return Decision(Verdict.PROPOSED, basis, (Allocation(exact[0].id, amount),))
    total = ZERO
    for count, invoice in enumerate(open_, start=1):
        total += invoice.left
        if total == amount and count > 1:
            return Decision(Verdict.PROPOSED, basis, _lefts(open_[:count]))
        if total > amount:
            break
    return UNKNOWN


def decide_credit(
    amount: Decimal,
    currency: str,
    *,
    named: Sequence[OpenInvoice] = (),
    named_basis: Basis = Basis.KSEF,
    named_missing: int = 0,
    by_number: Sequence[OpenInvoice] = (),
    buyer_open: Sequence[OpenInvoice] = (),
    buyer_basis: Basis = Basis.ACCOUNT,
) -> Decision:
    """What a credit of ``amount`` ``currency`` pays (see the module's description).

    ``named``: the program's invoices whose KSeF numbers the title gives (directly or
    through a collective identifier), ``named_missing`` how many more it names that the
    program does not have; ``by_number``: invoices whose numbers the title gives;
    ``buyer_open``: open invoices of the buyer the payment came from.
    """
    if amount <= ZERO:
        return UNKNOWN
    if named:
        return _named(amount, currency, named, named_missing, named_basis)
    if by_number:
        return _by_number(amount, currency, by_number)
    if buyer_open:
        return _by_amount(amount, currency, buyer_open, buyer_basis)
    return UNKNOWN
