"""The invoice list: keyset pages in every sort order, filters, the due-soon count."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ksef_desktop.domain.invoice import Invoice, PolishNip
from ksef_desktop.services.issue import issue_invoice, start_technical_correction
from ksef_desktop.store import Store, queries
from ksef_desktop.store.invoices import create_draft, fold
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.outbox import Outbox
from ksef_desktop.store.queries import (
    InvoiceFilter,
    ListRow,
    SortKey,
    count_due_soon,
    count_invoices,
    due_soon,
    list_invoices,
)
from ksef_desktop.store.states import InvoiceState
from tests.unit.test_store_support import PID, Clock, make_store, sample_invoice

BUYERS = ["Żabka Polska", "ŻÓŁW sp. j.", "Kowalski Handel", "Nowak i Syn", "Łódzka Piekarnia"]
NIPS = ["1111111111", "5265877635", "7740001454", "5261040828", "1234563218"]


def _invoice(rng: random.Random, i: int) -> Invoice:
    k = i % len(BUYERS)
    base = sample_invoice(
        buyer=BUYERS[k],
        day=date(2026, 1, 1) + timedelta(days=rng.randrange(120)),
        price=f"{rng.randint(1, 99999)}.{rng.randint(0, 99):02d}",
    )
    return replace(base, buyer=replace(base.buyer, tax_id=PolishNip(NIPS[k])))


class Fixture:
    def __init__(self, tmp_path: Path) -> None:
        self.store: Store = make_store(tmp_path)
        self.clock = Clock(datetime(2026, 5, 1, 8, tzinfo=UTC))
        rng = random.Random(5)
        with self.store.db.transaction() as conn:
            self.series = create_series(
                conn, "FV", "FV/{yyyy}/{mm}/{n}", now=self.clock(), profile_id=PID
            )
            self.ids = [
                create_draft(conn, _invoice(rng, i), now=self.clock(), profile_id=PID)
                for i in range(60)
            ]
        for n, draft in enumerate(self.ids[:50]):
            deadline = self.clock() + timedelta(hours=n - 10) if n % 2 else None
            issue_invoice(
                self.store.db, self.store.archive, draft, now=self.clock, series_id=self.series,
                mode="offline24" if deadline else None, deadline=deadline,
             profile_id=PID,)  # fmt: skip
        self.outbox = Outbox(self.store.db, self.store.archive, self.clock, profile_id=PID)

    @property
    def conn(self) -> sqlite3.Connection:
        return self.store.db.connection()

    def everything(self) -> list[ListRow]:
        rows = self.conn.execute("SELECT id FROM invoices").fetchall()
        page = list_invoices(self.conn, limit=len(rows), profile_id=PID)
        return page.rows


@pytest.fixture(scope="module")
def fx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fixture]:
    f = Fixture(tmp_path_factory.mktemp("queries"))
    yield f
    f.store.close()


def _key(row: ListRow, sort: SortKey) -> object:
    if sort is SortKey.ISSUE_DATE:
        return row.issue_date
    if sort is SortKey.NUMBER:
        return row.number or ""
    if sort is SortKey.BUYER:
        return fold(f"{row.buyer_name}\x1f{row.buyer_id}")
    return row.gross


@pytest.mark.parametrize("sort", list(SortKey))
@pytest.mark.parametrize("descending", [True, False])
def test_keyset_pages_walk_the_whole_list_in_order(
    fx: Fixture, sort: SortKey, descending: bool
) -> None:
    seen: list[ListRow] = []
    page = list_invoices(fx.conn, sort=sort, descending=descending, limit=7, profile_id=PID)
    pages = 1
    while True:
        seen.extend(page.rows)
        if page.next is None:
            break
        page = list_invoices(
            fx.conn, sort=sort, descending=descending, limit=7, after=page.next, profile_id=PID
        )
        pages += 1
    assert pages == 9  # 60 rows by 7
    assert len({r.id for r in seen}) == 60
    expected = sorted(seen, key=lambda r: (_key(r, sort), r.id), reverse=descending)
    assert [r.id for r in seen] == [r.id for r in expected]


@pytest.mark.parametrize("few_rows", [0, 3000])
@pytest.mark.parametrize(
    ("needle", "buyer"),
    [("żabka", "Żabka Polska"), ("ŻÓŁW", "ŻÓŁW sp. j."), ("526-587-76-35", "ŻÓŁW sp. j."),
     ("łódzka", "Łódzka Piekarnia"), ("piekarnia", "Łódzka Piekarnia")],
)  # fmt: skip
def test_buyer_filter_by_name_or_identifier(
    fx: Fixture, monkeypatch: pytest.MonkeyPatch, few_rows: int, needle: str, buyer: str
) -> None:
    # Both strategies (buyer index / walk in order) must give the same rows.
    monkeypatch.setattr(queries, "FEW_BUYER_ROWS", few_rows)
    flt = InvoiceFilter(buyer=needle)
    rows = list_invoices(fx.conn, flt, limit=100, profile_id=PID).rows
    assert len(rows) == 12
    assert {r.buyer_name for r in rows} == {buyer}
    assert count_invoices(fx.conn, flt, profile_id=PID) == 12
    assert rows == sorted(rows, key=lambda r: (r.issue_date, r.id), reverse=True)
    assert (
        list_invoices(fx.conn, InvoiceFilter(buyer="nikt taki"), limit=100, profile_id=PID).rows
        == []
    )


def test_state_and_date_filters(fx: Fixture) -> None:
    everything = fx.everything()
    drafts = InvoiceFilter(states=frozenset({InvoiceState.DRAFT}))
    assert {r.id for r in list_invoices(fx.conn, drafts, limit=100, profile_id=PID).rows} == set(
        fx.ids[50:]
    )
    start, end = date(2026, 2, 1), date(2026, 2, 28)
    flt = InvoiceFilter(
        buyer="kowalski",
        states=frozenset({InvoiceState.QUEUED, InvoiceState.DRAFT}),
        date_from=start,
        date_to=end,
    )
    got = {r.id for r in list_invoices(fx.conn, flt, limit=100, profile_id=PID).rows}
    want = {
        r.id
        for r in everything
        if r.buyer_name == "Kowalski Handel"
        and r.state in flt.states  # type: ignore[operator]
        and start <= r.issue_date <= end
    }
    assert want
    assert got == want
    assert count_invoices(fx.conn, flt, profile_id=PID) == len(want)
    assert list_invoices(fx.conn, InvoiceFilter(states=frozenset()), profile_id=PID).rows == []


def test_due_soon_counts_open_invoices_with_a_deadline_within_24_hours(tmp_path: Path) -> None:
    f = Fixture(tmp_path)
    now = f.clock()
    conn = f.conn
    expected = [
        r.id
        for r in f.everything()
        if r.deadline is not None and r.deadline <= now + timedelta(hours=24)
    ]
    assert count_due_soon(conn, now, profile_id=PID) == len(expected) > 0
    assert sorted(r.id for r in due_soon(conn, now, profile_id=PID)) == sorted(expected)
    urgent = due_soon(conn, now, profile_id=PID)
    assert [r.deadline for r in urgent] == sorted(r.deadline for r in urgent)  # type: ignore[type-var]
    # Accepted leaves the count; a rejected one stays until its correction exists.
    accepted, rejected = urgent[0].id, urgent[1].id
    f.outbox.claim(limit=100)
    f.outbox.mark_accepted(accepted, "5265877635-20260501-0100001AF629-AF")
    f.outbox.mark_rejected(rejected, 450, "semantyka")
    assert count_due_soon(conn, now, profile_id=PID) == len(expected) - 1
    start_technical_correction(f.store.db, rejected, now=f.clock, profile_id=PID)
    assert count_due_soon(conn, now, profile_id=PID) == len(expected) - 2
    assert count_due_soon(conn, now, timedelta(days=30), profile_id=PID) > count_due_soon(
        conn, now, profile_id=PID
    )
    f.store.close()


@pytest.mark.parametrize("sort", list(SortKey))
def test_state_filter_pages_in_any_order(fx: Fixture, sort: SortKey) -> None:
    flt = InvoiceFilter(states=frozenset({InvoiceState.QUEUED, InvoiceState.DRAFT}))
    seen: list[ListRow] = []
    page = list_invoices(fx.conn, flt, sort=sort, limit=4, profile_id=PID)
    while True:
        seen.extend(page.rows)
        if page.next is None:
            break
        page = list_invoices(fx.conn, flt, sort=sort, limit=4, after=page.next, profile_id=PID)
    assert len(seen) == count_invoices(fx.conn, flt, profile_id=PID) == 60
    assert [r.id for r in seen] == [
        r.id for r in sorted(seen, key=lambda r: (_key(r, sort), r.id), reverse=True)
    ]
