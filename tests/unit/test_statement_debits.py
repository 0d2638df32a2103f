"""A statement's debits settle the profile's purchase invoices (issue 24 after issue 18),
the way its credits settle sales invoices: the supplier's KSeF number in the title (cut
across the title's pieces, in lower case), a collective identifier the profile made as
the payer, the supplier's invoice number, then the supplier's account and the amount.
Undo, accept and a second import behave as for credits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ksef_desktop.domain.collective import make_collective_identifier
from ksef_desktop.domain.matching import Basis, Verdict
from ksef_desktop.services.statements import (
    ImportReport,
    accept_line,
    import_statement,
    reject_line,
    undo_line,
)
from ksef_desktop.store import Store
from ksef_desktop.store.collective import save_collective
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.purchases import delete_payment, payments_of
from ksef_desktop.store.statements import list_lines
from tests.unit.debit_support import (
    OTHER_SUPPLIER,
    SUPPLIER,
    SUPPLIER_ACCOUNT,
    Debit,
    add_supplier_invoice,
    mt940,
    supplier_ksef,
)
from tests.unit.test_store_support import Clock, add_profile, make_store

DAY = "2026-03-05"


@pytest.fixture
def kept(tmp_path: Path) -> Iterator[tuple[Store, Profile, Clock]]:
    store = make_store(tmp_path)
    yield store, add_profile(store), Clock(datetime(2026, 3, 5, 9, tzinfo=UTC))
    store.close()


def _import(kept: tuple[Store, Profile, Clock], data: bytes, **kw: object) -> ImportReport:
    store, profile, clock = kept
    return import_statement(store.db, data, profile=profile, now=clock, **kw)  # type: ignore[arg-type]


def _paid(store: Store, purchase_id: int) -> Decimal:
    row = (
        store.db.connection()
        .execute("SELECT paid_minor FROM purchases WHERE id = ?", (purchase_id,))
        .fetchone()
    )
    return Decimal(row[0]) / 100


def _snapshot(store: Store) -> list[tuple[object, ...]]:
    conn = store.db.connection()
    out: list[tuple[object, ...]] = []
    for table in ("bank_statements", "bank_lines", "bank_purchase_matches", "purchase_payments"):
        out += conn.execute(f"SELECT '{table}', * FROM {table} ORDER BY id").fetchall()
    out += conn.execute("SELECT id, paid_minor, paid_on FROM purchases ORDER BY id").fetchall()
    return out


def test_a_ksef_number_cut_across_the_title_pays_the_purchase(
    kept: tuple[Store, Profile, Clock],
) -> None:
    store, profile, clock = kept
    first = add_supplier_invoice(store, profile, 1, "615.00")
    other = add_supplier_invoice(store, profile, 2, "615.00")  # same amount, not named
    number = supplier_ksef(1)
    title = f"zaplata  {number[:14].lower()} {number[14:].lower()} dziekujemy"
    data = mt940(DAY, [Debit(Decimal("615.00"), title)])
    report = _import(kept, data)
    assert [r.text() for r in report.lines] == [f"{DAY} -615.00 PLN matched FZ/1/2026"]
    assert (_paid(store, first), _paid(store, other)) == (Decimal("615"), Decimal(0))
    paid = payments_of(store.db.connection(), first, profile_id=profile.id)
    assert [(p.amount, p.paid_on) for p in paid] == [(Decimal("615.00"), date(2026, 3, 5))]
    (line,) = list_lines(store.db.connection(), profile_id=profile.id)
    assert (line.state, line.basis, line.numbers) == (Verdict.MATCHED, Basis.KSEF, ("FZ/1/2026",))
    assert [m.purchase for m in line.matches] == [True]

    # a second import of the same file changes nothing
    before = _snapshot(store)
    again = _import(kept, data)
    assert _snapshot(store) == before
    assert [r.text() for r in again.lines] == [f"{DAY} -615.00 PLN matched FZ/1/2026"]
    assert again.new_lines == 0

    # undo: the purchase payment goes, the line is a proposal; accept: paid again
    undone = undo_line(store.db, line.id, profile_id=profile.id)
    assert undone.state is Verdict.PROPOSED
    assert _paid(store, first) == 0
    assert payments_of(store.db.connection(), first, profile_id=profile.id) == []
    accepted = accept_line(store.db, line.id, profile_id=profile.id, now=clock())
    assert accepted.state is Verdict.MATCHED
    assert _paid(store, first) == Decimal("615")
    # the payment removed by hand on the purchase: the line is a proposal again
    (payment,) = payments_of(store.db.connection(), first, profile_id=profile.id)
    with store.db.transaction() as tx:
        delete_payment(tx, payment.id, profile_id=profile.id)
    (line,) = list_lines(store.db.connection(), profile_id=profile.id)
    assert line.state is Verdict.PROPOSED
    assert reject_line(store.db, line.id, profile_id=profile.id).state is Verdict.UNKNOWN


def test_a_collective_identifier_made_as_payer_pays_two_purchases(
    kept: tuple[Store, Profile, Clock],
) -> None:
    store, profile, clock = kept
    one = add_supplier_invoice(store, profile, 1, "100.00")
    two = add_supplier_invoice(store, profile, 2, "250.50")
    third = add_supplier_invoice(store, profile, 3, "350.50")  # the sum of the two: not named
    identifier = make_collective_identifier(SUPPLIER, date(2026, 3, 4), "00000000D001")
    with store.db.transaction() as tx:
        save_collective(
            tx,
            identifier,
            [supplier_ksef(1), supplier_ksef(2)],
            profile_id=profile.id,
            environment="sandbox",
            now=clock(),
        )
    data = mt940(DAY, [Debit(Decimal("350.50"), f"KSeF {identifier}", SUPPLIER_ACCOUNT)])
    # KSeF is not asked: the profile made the identifier
    report = _import(kept, data, lookup=None)
    assert [r.text() for r in report.lines] == [f"{DAY} -350.50 PLN matched FZ/1/2026 FZ/2/2026"]
    assert [_paid(store, i) for i in (one, two, third)] == [
        Decimal("100"),
        Decimal("250.5"),
        Decimal(0),
    ]
    (line,) = list_lines(store.db.connection(), profile_id=profile.id)
    assert line.basis is Basis.COLLECTIVE


def test_the_suppliers_account_and_the_amount_propose_the_purchase(
    kept: tuple[Store, Profile, Clock],
) -> None:
    store, profile, clock = kept
    older = add_supplier_invoice(
        store, profile, 1, "199.99", account="PL50 1050 1445 1000 0090 1234 5678"
    )
    add_supplier_invoice(store, profile, 2, "500.00", account=SUPPLIER_ACCOUNT)
    # another supplier's invoice of the same amount: not the one the account names
    add_supplier_invoice(store, profile, 3, "199.99", supplier=OTHER_SUPPLIER)
    data = mt940(
        DAY,
        [
            Debit(Decimal("199.99"), "zaplata za towar", SUPPLIER_ACCOUNT),
            Debit(Decimal("42.00"), "zaplata za towar", SUPPLIER_ACCOUNT),  # no such amount
            Debit(Decimal("12.00"), "oplata za przelew"),
        ],
    )
    report = _import(kept, data)
    assert [r.text() for r in report.lines] == [
        f"{DAY} -199.99 PLN proposed FZ/1/2026",
        f"{DAY} -42.00 PLN unknown",
        f"{DAY} -12.00 PLN unknown",
    ]
    assert _paid(store, older) == 0  # proposed: nothing paid without the user's word
    line = next(x for x in list_lines(store.db.connection(), profile_id=profile.id) if x.matches)
    assert line.basis is Basis.ACCOUNT
    accept_line(store.db, line.id, profile_id=profile.id, now=clock())
    assert _paid(store, older) == Decimal("199.99")


def test_the_suppliers_invoice_number_and_the_exact_amount_match(
    kept: tuple[Store, Profile, Clock],
) -> None:
    store, profile, _clock = kept
    mine = add_supplier_invoice(
        store, profile, 1, "80.00", number="1/03/2026", account=SUPPLIER_ACCOUNT
    )
    theirs = add_supplier_invoice(
        store, profile, 2, "80.00", number="1/03/2026", supplier=OTHER_SUPPLIER
    )
    data = mt940(
        DAY,
        [
            Debit(Decimal("80.00"), "faktura 1/03/2026", SUPPLIER_ACCOUNT),
            Debit(Decimal("80.00"), "faktura 1/03/2026"),  # whose? two suppliers have it
        ],
    )
    report = _import(kept, data)
    assert [r.text() for r in report.lines] == [
        f"{DAY} -80.00 PLN matched 1/03/2026",
        f"{DAY} -80.00 PLN unknown",
    ]
    assert (_paid(store, mine), _paid(store, theirs)) == (Decimal(80), Decimal(0))


def test_a_dry_run_decides_debits_and_writes_nothing(kept: tuple[Store, Profile, Clock]) -> None:
    store, profile, _clock = kept
    add_supplier_invoice(store, profile, 1, "615.00")
    before = _snapshot(store)
    report = _import(kept, mt940(DAY, [Debit(Decimal("615"), supplier_ksef(1))]), dry_run=True)
    assert [r.text() for r in report.lines] == [f"{DAY} -615.00 PLN matched FZ/1/2026"]
    assert _snapshot(store) == before
