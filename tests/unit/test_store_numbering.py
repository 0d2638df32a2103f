"""Numbering series: patterns, periods, and no gaps even with two issuers at once."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest

from ksef_desktop.services.issue import IssueError, issue_invoice
from ksef_desktop.store.invoices import create_draft, get_invoice
from ksef_desktop.store.numbering import (
    BadPattern,
    check_pattern,
    create_series,
    format_number,
    next_number,
    peek_number,
    period_of,
)
from tests.unit.test_store_support import PID, Clock, make_store, sample_invoice


@pytest.mark.parametrize(
    ("pattern", "day", "n", "text", "period"),
    [
        ("FV/{yyyy}/{mm}/{n}", date(2026, 3, 2), 7, "FV/2026/03/7", "2026-03"),
        ("{n}/{mm}/{yyyy}", date(2026, 12, 31), 12, "12/12/2026", "2026-12"),
        ("R{n:4}/{yy}", date(2027, 1, 1), 5, "R0005/27", "2027"),
        ("A-{n}", date(2026, 5, 5), 31, "A-31", ""),
    ],
)
def test_patterns(pattern: str, day: date, n: int, text: str, period: str) -> None:
    check_pattern(pattern)
    assert format_number(pattern, day, n) == text
    assert period_of(pattern, day) == period


@pytest.mark.parametrize("pattern", ["", "FV/{yyyy}", "{n}/{n}", "{n}/{dd}", "{n}}", "{n:0}"])
def test_bad_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(BadPattern) as info:
        check_pattern(pattern)
    assert "{n}" in info.value.message()


def test_counter_restarts_per_period_and_only_inside_a_transaction(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    clock = Clock()
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=clock(), profile_id=PID)
    conn = store.db.connection()
    with pytest.raises(Exception, match="issuing transaction"):
        next_number(conn, series, date(2026, 3, 1), profile_id=PID)
    taken = []
    for day in (date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 1), date(2026, 3, 5)):
        with store.db.transaction() as conn:
            taken.append(next_number(conn, series, day, profile_id=PID).number)
    assert taken == ["FV/2026/03/1", "FV/2026/03/2", "FV/2026/04/1", "FV/2026/03/3"]
    assert (
        peek_number(store.db.connection(), series, date(2026, 4, 9), profile_id=PID)
        == "FV/2026/04/2"
    )
    store.close()


def test_a_failed_issue_gives_its_number_back(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    clock = Clock()
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=clock(), profile_id=PID)
        first = create_draft(conn, sample_invoice(), now=clock(), profile_id=PID)
        second = create_draft(conn, sample_invoice(), now=clock(), profile_id=PID)

    def refuse(_xml: bytes) -> list[str]:
        return ["P_2: refused by the test's check"]

    with pytest.raises(IssueError) as info:
        issue_invoice(
            store.db, store.archive, first, now=clock, series_id=series, mode=None,
            deadline=None, check=refuse,
         profile_id=PID,)  # fmt: skip
    assert info.value.defects == ("P_2: refused by the test's check",)
    assert get_invoice(store.db.connection(), first, profile_id=PID).state == "draft"
    issued = issue_invoice(
        store.db,
        store.archive,
        second,
        now=clock,
        series_id=series,
        mode=None,
        deadline=None,
        profile_id=PID,
    )
    assert issued.number == "FV/2026/03/1"
    store.close()


def test_no_gaps_with_two_threads_issuing_at_once(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    clock = Clock()
    per_thread = 25
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=clock(), profile_id=PID)
        drafts = [
            create_draft(conn, sample_invoice(), now=clock(), profile_id=PID)
            for _ in range(2 * per_thread)
        ]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(ids: list[int]) -> None:
        try:
            start.wait()
            for draft in ids:
                issue_invoice(
                    store.db, store.archive, draft, now=clock, series_id=series, mode=None,
                    deadline=None,
                 profile_id=PID,)  # fmt: skip
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(drafts[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    rows = (
        store.db.connection()
        .execute("SELECT seq, number FROM invoices WHERE series_id = ? ORDER BY seq", (series,))
        .fetchall()
    )
    assert [r[0] for r in rows] == list(range(1, 2 * per_thread + 1))
    assert [r[1] for r in rows] == [f"FV/2026/03/{n}" for n in range(1, 2 * per_thread + 1)]
    store.close()
