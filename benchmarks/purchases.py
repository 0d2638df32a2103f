"""Purchase invoices (issue 18): the first sync of 10 000 from the Sandbox under production
rate limits, and the purchases list over 100 000 invoices.

    .venv/bin/python benchmarks/purchases.py [--sync 10000] [--list 100000] [--repeat 20]

Sync: a Sandbox (production rate limits, on the server and in the client's own pacing)
holds ``--sync`` accepted invoices of two suppliers naming our NIP as buyer (placed in
its state directly: the XSD check of 10 000 uploads is the Sandbox's cost, measured in
benchmarks/sandbox_throughput.py, not the client's). ``sync_purchases`` then runs as a
first sync would (exports). Baseline, same run: keeping the same invoices from memory
(hash check, facts, semantic warnings, archive file, row) — what the sync costs beyond
KSeF. The query path's cost under the same limits is derived from the published limits.

List: ``--list`` purchase rows against the same number of sales invoices (the sales
list's own fill, benchmarks/store_list.py): each purchases query beside the sales query
it mirrors, as a ratio (goal: "as fast as the sales list", < 50 ms each).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.store_list import fill as fill_sales
from ksef_desktop.domain.identifiers import make_ksef_number
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from ksef_desktop.sandbox.documents import INVOICE_TYPES, check_invoice
from ksef_desktop.sandbox.ratelimit import RateLimiter
from ksef_desktop.sandbox.state import InvoiceRecord
from ksef_desktop.services.purchases_sync import sync_purchases
from ksef_desktop.store import open_store
from ksef_desktop.store.invoices import sha256_pair
from ksef_desktop.store.profiles import ensure_profile
from ksef_desktop.store.purchases import (
    PaymentFilter,
    PurchaseFilter,
    PurchaseSort,
    count_overdue,
    list_purchases,
)
from ksef_desktop.store.queries import InvoiceFilter, count_due_soon, due_soon, list_invoices
from ksef_desktop.store.timefmt import to_db
from tests.integration.client_support import invoice_bytes
from tests.integration.purchases_support import BUYER, NIPS, SUPPLIER_A, SUPPLIER_B, client_for
from tests.unit.test_store_support import PID, open_profiled

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


# --- sync ----------------------------------------------------------------------------------


def place_invoices(sb: Sandbox, count: int) -> None:
    """``count`` accepted invoices from two suppliers to BUYER, in the Sandbox's state."""
    facts = check_invoice(
        invoice_bytes(SUPPLIER_A, "T/0"),
        {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
        today=date.today(),
    )
    state = sb.core.state
    start = datetime.now(UTC) - timedelta(hours=2)
    with state.lock:
        for n in range(count):
            supplier = SUPPLIER_A if n % 3 else SUPPLIER_B
            xml = invoice_bytes(supplier, f"FZ/2026/{n:06d}")
            b64, _hex = sha256_pair(xml)
            moment = start + timedelta(milliseconds=n)
            number = make_ksef_number(supplier, moment.date(), f"{n:012X}")
            record = InvoiceRecord(
                reference_number=f"REF-{n}", session_reference="SO-bench", ordinal=n + 1,
                nip=supplier, invoice_hash=b64, invoice_size=len(xml), content=xml,
                offline_mode=False, invoicing_date=moment, status_code=200,
                status_description="Sukces", ksef_number=number, acquisition_date=moment,
                permanent_storage_date=moment, invoice_number=f"FZ/2026/{n:06d}",
                issue_date=facts.issue_date, invoicing_mode="Online",
                meta={
                    "sellerName": facts.seller_name, "currency": facts.currency,
                    "invoiceType": INVOICE_TYPES.get(facts.kind, "Vat"),
                    "gross": facts.gross, "net": facts.net, "vat": facts.vat,
                    "buyer": facts.buyer, "hasAttachment": False, "selfInvoicing": False,
                    "thirdSubjects": [],
                },
            )  # fmt: skip
            state.invoices[record.reference_number] = record
            state.by_ksef_number[number] = record.reference_number
        state.touch()


def bench_sync(count: int) -> list[str]:
    out = []
    with tempfile.TemporaryDirectory(prefix="ksef-bench-") as tmp, Sandbox(
        SandboxConfig(nips=NIPS, port=0, rate_limit_scale=None)
    ) as sb:  # fmt: skip
        place_invoices(sb, count)
        sb.core.limiter = RateLimiter(1.0)  # production limits from here on
        store = open_store(Path(tmp) / "sync")
        with store.db.transaction() as conn:
            profile = ensure_profile(conn, "sandbox", BUYER, now=datetime.now(UTC))
        with client_for(sb, BUYER) as client:
            client.rate_limits()  # the client paces itself by what KSeF says
            started = time.perf_counter()
            report = sync_purchases(store, client, profile, now=lambda: datetime.now(UTC))
            synced = time.perf_counter() - started
        assert report.new == count, report
        store.close()

        # Baseline: the same invoices kept from memory, no KSeF in between.
        from ksef_desktop.ksef.receiving import ReceivedMetadata
        from ksef_desktop.sandbox.metadata import metadata_json
        from ksef_desktop.services.purchases_sync import _Sync

        base_store = open_store(Path(tmp) / "base")
        with base_store.db.transaction() as conn:
            profile = ensure_profile(conn, "sandbox", BUYER, now=datetime.now(UTC))
        items = [
            (ReceivedMetadata.from_json(metadata_json(r)), r.content)
            for r in sb.core.state.invoices.values()
        ]
        no_client: Any = None  # the baseline keeps invoices only: it never asks KSeF
        keeper = _Sync(base_store, no_client, profile, lambda: datetime.now(UTC), _quiet(),
                       "auto", 10, time.sleep)  # fmt: skip
        started = time.perf_counter()
        keeper._keep(items, "Subject2")
        kept = time.perf_counter() - started
        base_store.close()
    out.append(
        f"| first sync of {count} purchase invoices (exports: {report.exports}, "
        f"windows: {report.windows}) | {synced:.1f} s | {synced / kept:.2f} |"
    )
    out.append(f"| baseline: keeping the same {count} from memory | {kept:.1f} s | 1.00 |")
    pages = -(-count // 250)
    out.append(
        f"| query path instead (derived: {pages} metadata pages at 20/h, {count} downloads "
        f"at 64/h) | ≥ {count / 64:.0f} h | — |"
    )
    return out


def _quiet() -> Any:
    from ksef_desktop.services.purchases_sync import Quiet

    return Quiet()


# --- list ----------------------------------------------------------------------------------


SUPPLIERS = ["Hurtownia", "Serwis", "Transport", "Budmat", "Paliwa", "Biuro", "Kowalski"]


def fill_purchases(folder: Path, count: int, seed: int = 2) -> None:
    rng = random.Random(seed)
    store = open_profiled(folder)
    conn = store.db.connection()
    sellers = [
        (f"{rng.randint(1, 9)}{rng.randint(100_000_000, 999_999_999)}"[:10], f"{name} {i}")
        for i in range(1500)
        for name in [rng.choice(SUPPLIERS)]
    ]
    first = date(2024, 1, 1)
    span = (date(2026, 11, 24) - first).days
    conn.execute("BEGIN IMMEDIATE")
    rows, files = [], []
    for n in range(count):
        nip, name = sellers[rng.randrange(len(sellers))]
        day = first + timedelta(days=int(span * n / count))
        gross = rng.randint(100, 5_000_000)
        hexd = f"{n:064x}"
        relpath = f"purchases/{day.year}/{day.month:02d}/{hexd}.xml"
        files.append((relpath, "invoice", hexd, 1000, to_db(NOW)))
        paid = gross if day < date(2026, 10, 1) or rng.random() < 0.5 else 0
        rows.append(
            (
                PID, f"{nip}-{day:%Y%m%d}-{n:012X}-00", nip, name, f"{name} {nip}".casefold(),
                f"FZ/{day.year}/{day.month:02d}/{n}", "VAT", day.isoformat(), to_db(NOW),
                to_db(NOW), gross * 100 // 123, gross - gross * 100 // 123, gross, "PLN",
                (day + timedelta(days=14)).isoformat(), "x", hexd, relpath, paid,
                (day + timedelta(days=10)).isoformat() if paid else None, to_db(NOW),
            )
        )  # fmt: skip
        if len(rows) == 5000 or n == count - 1:
            conn.executemany("INSERT INTO archive_files VALUES (?, ?, ?, ?, ?)", files)
            conn.executemany(
                "INSERT INTO purchases (profile_id, ksef_number, seller_nip, seller_name, "
                "seller_search, number, kind, issue_date, acquired_at, stored_at, net_minor, "
                "vat_minor, gross_minor, currency, due_date, sha256_b64, sha256_hex, relpath, "
                "paid_minor, paid_on, received_at) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            rows, files = [], []
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    store.close()


def measure(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_list(count: int, repeat: int) -> list[str]:
    from ksef_desktop.services.invoice_search import search_numbers

    with tempfile.TemporaryDirectory(prefix="ksef-bench-") as tmp:
        fill_purchases(Path(tmp) / "p", count)
        fill_sales(Path(tmp) / "s", count)
        p = open_profiled(Path(tmp) / "p")
        s = open_profiled(Path(tmp) / "s")
        pc, sc = p.db.connection(), s.db.connection()
        today = date(2026, 11, 24)
        overdue = PurchaseFilter(payment=PaymentFilter.OVERDUE, today=today)
        pairs: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
            (
                "first page, newest first",
                lambda: list_purchases(pc, profile_id=PID),
                lambda: list_invoices(sc, profile_id=PID, limit=200),
            ),
            (
                "page sorted by supplier / buyer",
                lambda: list_purchases(pc, profile_id=PID, sort=PurchaseSort.SELLER),
                lambda: list_invoices(sc, profile_id=PID, limit=200, sort=list_sort("buyer")),
            ),
            (
                "supplier / buyer 'kowalski'",
                lambda: list_purchases(pc, PurchaseFilter(seller="kowalski"), profile_id=PID),
                lambda: list_invoices(
                    sc, InvoiceFilter(buyer="kowalski"), profile_id=PID, limit=200
                ),
            ),
            (
                "number search '2025/03'",
                lambda: list_purchases(pc, PurchaseFilter(text="2025/03"), profile_id=PID),
                lambda: search_numbers(sc, "2025/03", profile_id=PID),
            ),
            (
                "overdue, by due date / due soon (rows)",
                lambda: list_purchases(pc, overdue, profile_id=PID, sort=PurchaseSort.DUE),
                lambda: due_soon(sc, NOW, profile_id=PID),
            ),
            (
                "count overdue / count due soon",
                lambda: count_overdue(pc, today, profile_id=PID),
                lambda: count_due_soon(sc, NOW, profile_id=PID),
            ),
        ]
        out = []
        for label, mine, theirs in pairs:
            a, b = measure(mine, repeat), measure(theirs, repeat)
            out.append(f"| {label} | {a:.2f} | {b:.2f} | {a / b:.2f} |")
        p.close()
        s.close()
    return out


def list_sort(name: str) -> Any:
    from ksef_desktop.store.queries import SortKey

    return SortKey(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sync", type=int, default=10_000)
    parser.add_argument("--list", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, SQLite {sqlite3.sqlite_version}"
    print(f"Machine: {machine}, Python {platform.python_version()}; {datetime.now():%Y-%m-%d}")
    if args.sync:
        print("\n| sync | time | × baseline |\n|---|---:|---:|")
        print("\n".join(bench_sync(args.sync)))
    if args.list:
        print(f"\n| query over {args.list} invoices | purchases ms | sales ms | ratio |")
        print("|---|---:|---:|---:|")
        print("\n".join(bench_list(args.list, args.repeat)))


if __name__ == "__main__":
    main()
