"""Statements settle the profile's invoices (services.statements) over a real store: the
four statements of tests/data/statements, a second import, accept, undo, reject, assign."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from ksef_desktop import i18n
from ksef_desktop.bank import StatementError
from ksef_desktop.domain.matching import Basis, Verdict
from ksef_desktop.services.statements import (
    StatementRefused,
    accept_line,
    assign_line,
    import_statement,
    reject_line,
    undo_line,
)
from ksef_desktop.store.payments import delete_payment, payments_of
from ksef_desktop.store.statements import LineRefused, list_lines
from tests.unit.statement_support import Seeded, seeded, statement


@pytest.fixture
def s(tmp_path: Path) -> Iterator[Seeded]:
    made = seeded(tmp_path)
    yield made
    made.store.close()


def _import(s: Seeded, name: str, *, dry_run: bool = False) -> list[str]:
    report = import_statement(
        s.store.db, statement(name), profile=s.profile, now=s.clock, file_name=name, dry_run=dry_run
    )
    return [line.text() for line in report.lines]


PKO = [
    "2026-03-03 246.00 PLN matched FV/2026/03/1",  # KSeF number cut by the line width
    "2026-03-03 100.00 PLN matched FV/2026/03/2",  # lower case, extra spaces: part paid
    "2026-03-03 146.00 PLN matched FV/2026/03/2",  # the rest, by the invoice number
    "2026-03-03 492.00 PLN matched FV/2026/03/3 FV/2026/03/4",  # collective identifier
    "2026-03-03 -50.00 PLN unknown",  # the bank's fee: no purchase invoices to match
]


@pytest.mark.parametrize("name", ["zbp-tilde.mt940", "camt053-v02.xml"])
def test_a_day_of_credits_settles_its_invoices(s: Seeded, name: str) -> None:
    assert _import(s, name) == PKO
    assert [s.paid(n) for n in (1, 2, 3, 4)] == [Decimal(x) for x in ("246", "246", "369", "123")]
    two = payments_of(s.store.db.connection(), s.ids[2], profile_id=s.profile.id)
    assert [(p.amount, p.paid_on.isoformat()) for p in two] == [
        (Decimal("100.00"), "2026-03-03"),
        (Decimal("146.00"), "2026-03-03"),
    ]  # several transfers for one invoice
    assert s.paid(5) == 0


def test_a_second_import_changes_nothing(s: Seeded) -> None:
    _import(s, "zbp-tilde.mt940")
    before = s.snapshot()
    again = import_statement(
        s.store.db, statement("zbp-tilde.mt940"), profile=s.profile, now=s.clock
    )
    assert s.snapshot() == before
    assert [line.text() for line in again.lines] == PKO
    assert not again.new_statement
    assert again.new_lines == 0
    # the same day in the other format: other keys (another bank reference), but the
    # invoices are paid already: nothing is paid twice without the user's word (an invoice
    # number is looked for among invoices with something left to pay only)
    camt = import_statement(
        s.store.db, statement("camt053-v02.xml"), profile=s.profile, now=s.clock
    )
    assert [r.verdict.value for r in camt.lines] == [
        "proposed", "proposed", "unknown", "proposed", "unknown"
    ]  # fmt: skip
    assert [s.paid(n) for n in (1, 2, 3, 4)] == [Decimal(x) for x in ("246", "246", "369", "123")]


def test_a_dry_run_writes_nothing(s: Seeded) -> None:
    before = s.snapshot()
    assert _import(s, "zbp-tilde.mt940", dry_run=True) == PKO
    assert s.snapshot() == before


def test_buyer_account_overpayment_split_payment_title(s: Seeded) -> None:
    assert _import(s, "angle-split-account.mt940") == [
        "2026-03-04 246.00 PLN proposed FV/2026/03/5",  # white-list account + amount
        "2026-03-04 500.00 PLN matched FV/2026/03/6",  # 492 due: overpaid by 8
        "2026-03-05 738.00 PLN matched FV/2026/03/8",  # split payment /INV/, no KSeF yet
        "2026-03-05 10.00 PLN unknown",
    ]
    assert (s.paid(5), s.paid(6), s.paid(8)) == (Decimal(0), Decimal("500.00"), Decimal("738.00"))


def test_currency_transfers_at_their_own_amount(s: Seeded) -> None:
    assert _import(s, "camt053-v08-batch-eur.xml") == [
        "2026-03-06 246.00 EUR matched FV/2026/03/7",
        "2026-03-06 120.00 EUR proposed FV/2026/03/9",  # by number, part of 246 EUR
        "2026-03-06 250.00 EUR unknown",
    ]
    assert s.paid(7) == Decimal("246.00")  # in euro, as the invoice


def test_accept_undo_reject_and_assign(s: Seeded) -> None:
    _import(s, "angle-split-account.mt940")
    conn, pid = s.store.db.connection(), s.profile.id
    proposed, matched, _mpp, unknown = sorted(list_lines(conn, profile_id=pid), key=lambda x: x.id)
    assert (proposed.state, proposed.basis) == (Verdict.PROPOSED, Basis.ACCOUNT)

    accepted = accept_line(s.store.db, proposed.id, profile_id=pid, now=s.clock())
    assert accepted.state is Verdict.MATCHED
    assert accepted.matches[0].paid
    assert s.paid(5) == Decimal("246.00")
    with pytest.raises(LineRefused):
        accept_line(s.store.db, proposed.id, profile_id=pid, now=s.clock())

    undone = undo_line(s.store.db, proposed.id, profile_id=pid)
    assert undone.state is Verdict.PROPOSED
    assert not undone.matches[0].paid
    assert s.paid(5) == 0
    undo_line(s.store.db, matched.id, profile_id=pid)  # a certain match can be undone too
    assert s.paid(6) == 0

    rejected = reject_line(s.store.db, proposed.id, profile_id=pid)
    assert (rejected.state, rejected.matches, rejected.basis) == (Verdict.UNKNOWN, (), None)

    assigned = assign_line(s.store.db, unknown.id, [s.ids[3]], profile_id=pid, now=s.clock())
    assert (assigned.state, assigned.basis) == (Verdict.MATCHED, Basis.MANUAL)
    assert s.paid(3) == Decimal("10.00")  # a partial payment chosen by hand
    with pytest.raises(LineRefused):
        assign_line(s.store.db, unknown.id, [s.ids[3]], profile_id=pid, now=s.clock())


def test_a_payment_deleted_elsewhere_turns_the_match_into_a_proposal(s: Seeded) -> None:
    _import(s, "angle-split-account.mt940")
    conn, pid = s.store.db.connection(), s.profile.id
    (payment,) = payments_of(conn, s.ids[6], profile_id=pid)
    with s.store.db.transaction() as tx:
        delete_payment(tx, payment.id, profile_id=pid)
    line = next(x for x in list_lines(conn, profile_id=pid) if x.numbers == ("FV/2026/03/6",))
    assert line.state is Verdict.PROPOSED
    assert not line.matches[0].paid


def test_an_identifier_not_made_here_needs_ksef(tmp_path: Path) -> None:
    fresh = seeded(tmp_path, collective=False)
    try:
        before = fresh.snapshot()
        with pytest.raises(StatementRefused) as refused:
            _import(fresh, "zbp-tilde.mt940")
        assert "5265877635-IZ202603-00000000C001-04" in refused.value.message()
        assert fresh.snapshot() == before  # nothing half-imported
    finally:
        fresh.store.close()


def test_other_profiles_lines_stay_apart(s: Seeded) -> None:
    from tests.unit.test_store_support import add_profile

    _import(s, "angle-split-account.mt940")
    other = add_profile(s.store, "test")
    report = import_statement(
        s.store.db, statement("angle-split-account.mt940"), profile=other, now=s.clock
    )
    assert report.new_lines == 4  # its own lines: that profile has no invoices
    assert {r.verdict for r in report.lines} == {Verdict.UNKNOWN}
    assert len(list_lines(s.store.db.connection(), profile_id=s.profile.id)) == 4
    # the identifier was made in the Sandbox profile: the Test one must ask KSeF
    with pytest.raises(StatementRefused):
        import_statement(s.store.db, statement("zbp-tilde.mt940"), profile=other, now=s.clock)


def test_a_file_that_is_no_statement_changes_nothing(s: Seeded) -> None:
    i18n.set_language("en")
    before = s.snapshot()
    with pytest.raises(StatementError):
        import_statement(s.store.db, b"<html/>", profile=s.profile, now=s.clock)
    assert s.snapshot() == before
