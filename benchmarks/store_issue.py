"""Issuing and the outbox: time per invoice, against building the XML alone.

    .venv/bin/python benchmarks/store_issue.py [--invoices 300]

Issues ``--invoices`` drafts one by one (each in its own transaction: number, build,
hash, archive file with fsync, outbox row, events), then walks each through the outbox
(claim, mark sent, mark accepted with a UPO). Baseline, measured in the same run:
``fa3.build`` + SHA-256 of the same invoices, the work issuing cannot avoid.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

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
from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.store.invoices import create_draft, sha256_pair
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.outbox import Outbox
from tests.unit.test_store_support import PID, open_profiled


def _invoice(n: int) -> Invoice:
    return Invoice(
        kind=InvoiceKind.VAT,
        number="-",
        issue_date=date(2026, 3, 2),
        seller=Party(PolishNip("5265877635"), "Jan Kowalski Usługi", Address("PL", "ul. Prosta 1")),
        buyer=Party(PolishNip("1111111111"), f"Kupiec {n}", Address("PL", "ul. Krzywa 2")),
        lines=tuple(
            Line(f"Pozycja {i}", VatRate.R23, Decimal(i + 1), Decimal("123.45"), "szt.")
            for i in range(3)
        ),
        created_at=datetime(2026, 3, 2, 8, tzinfo=UTC),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=300)
    args = parser.parse_args()
    count = args.invoices
    clock_moment = [datetime(2026, 3, 2, 9, tzinfo=UTC)]

    def now() -> datetime:
        clock_moment[0] += timedelta(milliseconds=1)
        return clock_moment[0]

    invoices = [_invoice(n) for n in range(count)]
    with tempfile.TemporaryDirectory(prefix="ksef-bench-issue-") as tmp:
        store = open_profiled(Path(tmp) / "data")
        with store.db.transaction() as conn:
            series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=now(), profile_id=PID)
            drafts = [create_draft(conn, inv, now=now(), profile_id=PID) for inv in invoices]

        base = []
        for n, inv in enumerate(invoices):
            start = time.perf_counter()
            sha256_pair(build(replace(inv, number=f"FV/2026/03/{n + 1}", created_at=now())))
            base.append((time.perf_counter() - start) * 1000)

        issue = []
        for draft in drafts:
            start = time.perf_counter()
            issue_invoice(
                store.db, store.archive, draft, now=now, series_id=series,
                mode="offline24", deadline=now() + timedelta(days=1),
             profile_id=PID,)  # fmt: skip
            issue.append((time.perf_counter() - start) * 1000)

        outbox = Outbox(store.db, store.archive, now, profile_id=PID)
        walk = []
        for draft in drafts:
            start = time.perf_counter()
            [item] = outbox.claim(limit=1)
            outbox.mark_sent(item.invoice_id, session_ref="S", invoice_ref=f"I-{draft}")
            outbox.mark_accepted(
                item.invoice_id,
                f"5265877635-20260302-{draft:012X}-00",
                upo=b"<UPO>%d</UPO>" % draft,
            )
            walk.append((time.perf_counter() - start) * 1000)
        store.close()

    b = statistics.median(base)
    print(f"{count} invoices; {os.cpu_count()} CPUs; SQLite {sqlite3.sqlite_version}")
    print("| step | median ms | p95 ms | × baseline |")
    print("|---|---:|---:|---:|")
    for name, times in [
        ("baseline: fa3.build + SHA-256", base),
        ("issue (one transaction, archive file fsynced)", issue),
        ("outbox: claim + mark sent + mark accepted with UPO", walk),
    ]:
        p95 = sorted(times)[int(len(times) * 0.95) - 1]
        median = statistics.median(times)
        print(f"| {name} | {median:.2f} | {p95:.2f} | {median / b:.2f} |")


if __name__ == "__main__":
    main()
