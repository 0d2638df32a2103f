"""Invoice list queries over 100 000 invoices: page, filters, due-soon count.

    .venv/bin/python benchmarks/store_list.py [--invoices 100000] [--repeat 30] [--keep DIR]

Fills a fresh database (in a temporary data folder) with invoices whose stored JSON and
XML are real (built by fa3.build from a few templates, the number patched per row), in a
realistic mix of states, dates and buyers; then times each query the invoice list runs.
Prints a Markdown table: median and worst of ``--repeat`` runs, and each median as a
multiple of a baseline measured in the same run (one full pass over the small columns of
every invoice, which is what any query without a usable index would cost).
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
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from ksef_desktop.domain.invoice import (
    Address,
    Invoice,
    InvoiceKind,
    Line,
    Party,
    PolishNip,
    VatRate,
)
from ksef_desktop.fa3.build import build
from ksef_desktop.store.invoices import sha256_pair, summary_columns
from ksef_desktop.store.queries import (
    InvoiceFilter,
    SortKey,
    count_due_soon,
    count_invoices,
    list_invoices,
)
from ksef_desktop.store.serialize import invoice_to_json
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.store.timefmt import to_db
from tests.unit.test_store_support import PID, open_profiled

WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PLACEHOLDER = "NUMER-XXXXXXXXXXXXXXXX"
FIRST = ["Jan", "Anna", "Piotr", "Zofia", "Łukasz", "Małgorzata", "Krzysztof", "Ewa", "Żaneta"]
LAST = ["Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński"]
FIRMS = ["Usługi", "Handel", "Budownictwo", "Transport", "Piekarnia", "Serwis", "Studio"]
STATES = [
    (InvoiceState.ACCEPTED, 0.90),
    (InvoiceState.QUEUED, 0.04),
    (InvoiceState.SENT, 0.02),
    (InvoiceState.REJECTED, 0.02),
    (InvoiceState.DRAFT, 0.02),
]


def _nip(rng: random.Random) -> str:
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    while True:
        stem = [rng.randint(1, 9), rng.randint(1, 9), rng.randint(1, 9)] + [
            rng.randint(0, 9) for _ in range(6)
        ]
        check = sum(d * w for d, w in zip(stem, weights, strict=True)) % 11
        if check != 10:
            return "".join(map(str, stem)) + str(check)


def _template(rng: random.Random, buyer: Party, day: date) -> Invoice:
    lines = tuple(
        Line(
            name=f"Pozycja {i + 1}: usługa {rng.choice(FIRMS).lower()}",
            rate=rng.choice([VatRate.R23, VatRate.R8, VatRate.R5]),
            quantity=Decimal(rng.randint(1, 20)),
            unit_price=Decimal(rng.randint(100, 900_000)) / 100,
            unit="szt.",
        )
        for i in range(rng.randint(1, 4))
    )
    return Invoice(
        kind=InvoiceKind.VAT,
        number=PLACEHOLDER,
        issue_date=day,
        seller=Party(PolishNip("5265877635"), "Jan Kowalski Usługi", Address("PL", "ul. Prosta 1")),
        buyer=buyer,
        lines=lines,
        created_at=datetime(2026, 1, 1, 8, tzinfo=UTC),
    )


def fill(folder: Path, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    store = open_profiled(folder)
    buyers = [
        Party(
            PolishNip(_nip(rng)),
            f"{rng.choice(FIRMS)} {rng.choice(FIRST)} {rng.choice(LAST)} {i}",
            Address("PL", f"ul. Długa {i}", "00-950 Warszawa"),
        )
        for i in range(2000)
    ]
    first_day = date(2024, 1, 1)
    span = (date(2026, 11, 24) - first_day).days
    templates: list[tuple[Invoice, bytes, str, dict[str, object]]] = []
    for i in range(200):
        invoice = _template(rng, buyers[i % len(buyers)], first_day)
        templates.append(
            (invoice, build(invoice), invoice_to_json(invoice), summary_columns(invoice))
        )
    conn = store.db.connection()
    conn.execute("BEGIN IMMEDIATE")
    counters: dict[str, int] = {}
    rows = []
    docs: list[tuple[int, str, bytes | None]] = []
    for n in range(count):
        invoice, xml, data, columns = templates[rng.randrange(len(templates))]
        buyer = buyers[rng.randrange(len(buyers))]
        day = first_day + timedelta(days=int(span * n / count))
        state = rng.choices([s for s, _ in STATES], [w for _, w in STATES])[0]
        period = f"{day.year:04d}-{day.month:02d}"
        seq = counters[period] = counters.get(period, 0) + 1
        number = f"FV/{day.year}/{day.month:02d}/{seq}"
        cols = dict(columns)
        row_invoice = replace(invoice, buyer=buyer, issue_date=day, number=number)
        cols.update(summary_columns(replace(row_invoice, lines=invoice.lines)))
        issued = state is not InvoiceState.DRAFT
        row_xml = xml.replace(PLACEHOLDER.encode(), number.encode()) if issued else None
        b64, hexd = sha256_pair(row_xml) if row_xml else (None, None)
        deadline = None
        if state is not InvoiceState.ACCEPTED and issued:
            deadline = NOW + timedelta(hours=rng.randint(-48, 24 * 8))
        cols.update(
            state=state.value,
            number=number if issued else None,
            series_id=None,
            period=period if issued else None,
            seq=seq if issued else None,
            id=n + 1,
            profile_id=PID,
            sha256_b64=b64,
            sha256_hex=hexd,
            mode="offline24" if deadline else None,
            deadline=to_db(deadline) if deadline else None,
            ksef_number=f"5265877635-{day:%Y%m%d}-{n:012X}-00"
            if state is InvoiceState.ACCEPTED
            else None,
            rejection_code=450 if state is InvoiceState.REJECTED else None,
            created_at=to_db(NOW),
            updated_at=to_db(NOW),
            issued_at=to_db(NOW) if issued else None,
        )
        rows.append(cols)
        docs.append((n + 1, data.replace(PLACEHOLDER, number), row_xml))
        if len(rows) == 5000 or n == count - 1:
            names = list(rows[0])
            conn.executemany(
                f"INSERT INTO invoices ({', '.join(names)}) "
                f"VALUES ({', '.join('?' for _ in names)})",
                [tuple(r[k] for k in names) for r in rows],
            )
            conn.executemany(
                "INSERT INTO invoice_documents (invoice_id, data_json, xml) VALUES (?, ?, ?)", docs
            )
            rows = []
            docs = []
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    store.close()


def measure(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm the page cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", type=Path, default=None, help="data folder to fill and keep")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ksef-bench-") as tmp:
        folder = args.keep or Path(tmp) / "data"
        started = time.perf_counter()
        if not (folder / "ksef-desktop.sqlite3").exists():
            fill(folder, args.invoices)
        fill_s = time.perf_counter() - started
        store = open_profiled(folder)
        conn = store.db.connection()
        total = count_invoices(conn, profile_id=PID)
        middle = list_invoices(conn, limit=total // 2, profile_id=PID).next
        assert middle is not None
        quarter = InvoiceFilter(
            states=frozenset({InvoiceState.QUEUED, InvoiceState.SENT}),
            date_from=date(2026, 7, 1),
            date_to=date(2026, 9, 30),
        )
        combined = replace(quarter, buyer="kowalski", date_from=date(2025, 1, 1))
        queries: list[tuple[str, Callable[[], object]]] = [
            ("first page (50, newest first)", lambda: list_invoices(conn, profile_id=PID)),
            (
                "page in the middle (keyset)",
                lambda: list_invoices(conn, after=middle, profile_id=PID),
            ),
            (
                "page sorted by buyer",
                lambda: list_invoices(conn, sort=SortKey.BUYER, profile_id=PID),
            ),
            (
                "page sorted by gross, ascending",
                lambda: list_invoices(conn, sort=SortKey.GROSS, descending=False, profile_id=PID),
            ),
            (
                "filter buyer name 'wiśniewski 12'",
                lambda: list_invoices(conn, InvoiceFilter(buyer="wiśniewski 12"), profile_id=PID),
            ),
            (
                "filter buyer 'kowalski' (14 % of invoices)",
                lambda: list_invoices(conn, InvoiceFilter(buyer="kowalski"), profile_id=PID),
            ),
            (
                "filter buyer 'a' (95 % of invoices)",
                lambda: list_invoices(conn, InvoiceFilter(buyer="a"), profile_id=PID),
            ),
            (
                "filter buyer NIP substring (rare)",
                lambda: list_invoices(conn, InvoiceFilter(buyer="99999"), profile_id=PID),
            ),
            (
                "filter state queued+sent, one quarter",
                lambda: list_invoices(conn, quarter, profile_id=PID),
            ),
            ("filter buyer + state + date", lambda: list_invoices(conn, combined, profile_id=PID)),
            (
                "count for buyer + state + date",
                lambda: count_invoices(conn, combined, profile_id=PID),
            ),
            (
                "count for buyer 'a'",
                lambda: count_invoices(conn, InvoiceFilter(buyer="a"), profile_id=PID),
            ),
            ("count due soon (24 h)", lambda: count_due_soon(conn, NOW, profile_id=PID)),
        ]
        baseline_sql = "SELECT count(*) FROM invoices NOT INDEXED WHERE gross_minor <> -1"
        base, _ = measure(lambda: conn.execute(baseline_sql).fetchone(), args.repeat)
        machine = f"{platform.machine()}, {os.cpu_count()} CPUs, SQLite {sqlite3.sqlite_version}"
        print(f"{total} invoices; filled in {fill_s:.0f} s; {machine}")
        print(f"baseline (full pass over the small columns): {base:.1f} ms\n")
        print("| query | median ms | worst ms | × baseline |")
        print("|---|---:|---:|---:|")
        for name, fn in queries:
            median, worst = measure(fn, args.repeat)
            print(f"| {name} | {median:.2f} | {worst:.2f} | {median / base:.3f} |")
        store.close()


if __name__ == "__main__":
    main()
