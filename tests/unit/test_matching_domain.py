"""Which invoices a credit pays and how sure that is (domain.matching)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop.domain.matching import (
    Allocation,
    Basis,
    OpenInvoice,
    Verdict,
    allocate,
    decide_credit,
)


def inv(
    id_: int, gross: str, paid: str = "0", currency: str = "PLN", due: int = 10, buyer: str = "B"
) -> OpenInvoice:
    return OpenInvoice(
        id=id_,
        number=f"FV/{id_}",
        ksef_number=None,
        buyer_id=buyer,
        gross=Decimal(gross),
        paid=Decimal(paid),
        currency=currency,
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 3, due),
    )


def allocs(*pairs: tuple[int, str]) -> tuple[Allocation, ...]:
    return tuple(Allocation(i, Decimal(a)) for i, a in pairs)


def test_named_invoices_paid_in_full_are_matched() -> None:
    d = decide_credit(Decimal("300"), "PLN", named=[inv(1, "100"), inv(2, "200")])
    assert (d.verdict, d.basis) == (Verdict.MATCHED, Basis.KSEF)
    assert d.allocations == allocs((1, "100"), (2, "200"))


def test_a_partial_payment_of_named_invoices_pays_the_first_ones_first() -> None:
    d = decide_credit(Decimal("150"), "PLN", named=[inv(1, "100"), inv(2, "200")])
    assert d.verdict is Verdict.MATCHED  # the payer said which: certain, however much
    assert d.allocations == allocs((1, "100"), (2, "50"))


def test_an_overpayment_stays_with_the_last_invoice() -> None:
    d = decide_credit(Decimal("330"), "PLN", named=[inv(1, "100"), inv(2, "200")])
    assert d.allocations == allocs((1, "100"), (2, "230"))
    partly = decide_credit(Decimal("80"), "PLN", named=[inv(1, "100", paid="60")])
    assert partly.allocations == allocs((1, "80"))  # 40 left, 40 over


def test_named_invoices_already_paid_are_only_proposed() -> None:
    d = decide_credit(Decimal("100"), "PLN", named=[inv(1, "100", paid="100")])
    assert (d.verdict, d.allocations) == (Verdict.PROPOSED, allocs((1, "100")))


def test_named_invoices_partly_unknown_to_the_program_are_proposed_without_excess() -> None:
    d = decide_credit(Decimal("500"), "PLN", named=[inv(1, "100")], named_missing=2)
    assert (d.verdict, d.allocations) == (Verdict.PROPOSED, allocs((1, "100")))


def test_a_transfer_in_another_currency_is_only_proposed() -> None:
    d = decide_credit(Decimal("1050"), "PLN", named=[inv(1, "246", currency="EUR")])
    assert (d.verdict, d.allocations) == (Verdict.PROPOSED, allocs((1, "246")))
    same = decide_credit(Decimal("246"), "EUR", named=[inv(1, "246", currency="EUR")])
    assert (same.verdict, same.allocations) == (Verdict.MATCHED, allocs((1, "246")))


def test_an_invoice_number_is_certain_only_with_the_exact_amount() -> None:
    exact = decide_credit(Decimal("300"), "PLN", by_number=[inv(1, "100"), inv(2, "200")])
    assert (exact.verdict, exact.basis) == (Verdict.MATCHED, Basis.NUMBER)
    partial = decide_credit(Decimal("50"), "PLN", by_number=[inv(1, "100")])
    assert (partial.verdict, partial.allocations) == (Verdict.PROPOSED, allocs((1, "50")))
    over = decide_credit(Decimal("120"), "PLN", by_number=[inv(1, "100")])
    assert (over.verdict, over.allocations) == (Verdict.PROPOSED, allocs((1, "120")))


def test_the_ksef_number_comes_before_the_invoice_number() -> None:
    d = decide_credit(Decimal("100"), "PLN", named=[inv(1, "100")], by_number=[inv(2, "100")])
    assert d.invoice_ids == (1,)


def test_buyer_and_amount_propose_one_invoice_or_the_oldest_together() -> None:
    buyer = [inv(1, "100", due=20), inv(2, "250", due=5), inv(3, "100", due=12)]
    one = decide_credit(Decimal("250"), "PLN", buyer_open=buyer)
    assert (one.verdict, one.basis, one.allocations) == (
        Verdict.PROPOSED,
        Basis.ACCOUNT,
        allocs((2, "250")),
    )
    same_amount = decide_credit(Decimal("100"), "PLN", buyer_open=buyer)
    assert same_amount.allocations == allocs((3, "100"))  # the older of the two
    together = decide_credit(Decimal("350"), "PLN", buyer_open=buyer, buyer_basis=Basis.NIP)
    assert (together.basis, together.allocations) == (Basis.NIP, allocs((2, "250"), (3, "100")))
    assert decide_credit(Decimal("99"), "PLN", buyer_open=buyer).verdict is Verdict.UNKNOWN


def test_nothing_to_go_by_is_unknown() -> None:
    assert decide_credit(Decimal("10"), "PLN").verdict is Verdict.UNKNOWN
    assert decide_credit(Decimal("0"), "PLN", named=[inv(1, "1")]).verdict is Verdict.UNKNOWN


@given(
    st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=6),
    st.integers(min_value=1, max_value=50_000),
)
def test_allocation_never_loses_or_makes_money(lefts: list[int], grosze: int) -> None:
    invoices = [inv(i, str(Decimal(left) / 100)) for i, left in enumerate(lefts, start=1)]
    amount = Decimal(grosze) / 100
    spread = allocate(amount, invoices)
    assert sum((a.amount for a in spread), Decimal(0)) == amount
    assert all(a.amount > 0 for a in spread)
    capped = allocate(amount, invoices, overpay=False)
    assert sum((a.amount for a in capped), Decimal(0)) == min(amount, sum(i.left for i in invoices))
