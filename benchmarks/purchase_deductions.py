"""What the VAT deduction choice (issue 19) costs the purchases list and the month's
selection of purchases for JPK_V7M, over 100 000 purchase invoices of which 10 % have a
choice stored.

    .venv/bin/python -m benchmarks.purchase_deductions [--list 100000] [--repeat 20]

Baselines, same run and same database: the list query without the deduction column
(``store.purchases.COLUMNS`` as it was before), and the month's selection by the KSeF
number alone (``services.jpk_month`` before the choice). Half the choices name a month
of deduction (the month after the receipt), half only a category and share. Median of
``--repeat`` after one warm-up, in ms.
"""

from __future__ import annotations

import argparse
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.purchases import fill_purchases
from ksef_desktop.services.jpk_month import PURCHASES_OF_MONTH
from ksef_desktop.store import purchases as kept
from ksef_desktop.store.purchase_deductions import ROW_COLUMN
from ksef_desktop.store.purchases import PurchaseSort, list_purchases
from tests.unit.test_store_support import PID, open_profiled

OLD_COLUMNS = kept.COLUMNS.replace(f", {ROW_COLUMN}", "") + ", NULL"
MONTH = ("202511", "2025-11")


def choose_some(conn: sqlite3.Connection, share: float, seed: int = 19) -> int:
    rng = random.Random(seed)
    ids = [int(r[0]) for r in conn.execute("SELECT id FROM purchases WHERE profile_id = ?", (PID,))]
    chosen = rng.sample(ids, int(len(ids) * share))
    now = datetime(2026, 12, 6, tzinfo=UTC).isoformat(timespec="microseconds")
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO purchase_deductions (purchase_id, profile_id, category, share, period, "
        "updated_at) SELECT id, profile_id, 'fixed-assets', '0.5', CASE WHEN id % 2 = 0 "
        "THEN NULL ELSE strftime('%Y-%m', date(substr(ksef_number, 12, 4) || '-' || "
        "substr(ksef_number, 16, 2) || '-01', '+1 month')) END, ? FROM purchases WHERE id = ?",
        [(now, i) for i in chosen],
    )
    conn.execute("COMMIT")
    return len(chosen)


def old_month(conn: sqlite3.Connection) -> list[object]:
    return conn.execute(
        "SELECT id, ksef_number, number, subject, relpath FROM purchases WHERE profile_id = ? "
        "AND substr(ksef_number, 12, 6) = ? ORDER BY ksef_number, id",
        (PID, MONTH[0]),
    ).fetchall()


def new_month(conn: sqlite3.Connection) -> list[object]:
    return conn.execute(PURCHASES_OF_MONTH, (PID, MONTH[0], PID, MONTH[1])).fetchall()


def paired(
    new: Callable[[], object], old: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Medians (ms) of ``new`` and ``old`` run in turn, so that the load of a shared
    machine falls on both alike."""
    new(), old()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, into in ((new, times[0]), (old, times[1])):
            start = time.perf_counter()
            fn()
            into.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def without_choice(sort: PurchaseSort) -> object:
    """The list query as it was (no deduction column), on the same rows."""
    current = kept.COLUMNS
    kept.COLUMNS = OLD_COLUMNS
    try:
        return list_purchases(kept_conn[0], profile_id=PID, sort=sort)
    finally:
        kept.COLUMNS = current


kept_conn: list[sqlite3.Connection] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ksef-bench-") as tmp:
        fill_purchases(Path(tmp) / "p", args.list)
        store = open_profiled(Path(tmp) / "p")
        conn = store.db.connection()
        chosen = choose_some(conn, 0.10)
        print(
            f"Machine: {platform.machine()}, SQLite {sqlite3.sqlite_version}, "
            f"Python {platform.python_version()}; {args.list} purchases, {chosen} with a choice"
        )
        print("| query | with the choice ms | baseline ms | ratio |\n|---|---:|---:|---:|")

        kept_conn.append(conn)
        for label, sort in (
            ("first page, newest first", PurchaseSort.ISSUE_DATE),
            ("page sorted by supplier", PurchaseSort.SELLER),
        ):
            new, old = paired(
                lambda s=sort: list_purchases(conn, profile_id=PID, sort=s),  # type: ignore[misc]
                lambda s=sort: without_choice(s),  # type: ignore[misc]
                args.repeat,
            )
            print(f"| {label} | {new:.2f} | {old:.2f} | {new / old:.2f} |")
        assert len(new_month(conn)) >= len(old_month(conn))
        new, old = paired(lambda: new_month(conn), lambda: old_month(conn), args.repeat)
        print(f"| a month's purchases for JPK_V7M | {new:.2f} | {old:.2f} | {new / old:.2f} |")
        store.close()


if __name__ == "__main__":
    main()
