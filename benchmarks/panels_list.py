"""The invoice list's model over 100 000 invoices: first page, paging on, number search.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.panels_list [--invoices 100000]

Fills a fresh store with ``benchmarks.store_list.fill`` (real stored JSON and XML), then
drives ``InvoiceListModel`` through the real worker thread the way a scrolling view does:
the time from ``reload()`` to the first 200 rows on screen, the time of each further
``fetchMore()`` page (request to rows inserted) until 10 000 rows are loaded, and the
share of that spent on the GUI thread inserting rows (what could make scrolling stutter).
Also the free-text number search, which scans. Baseline, same run: one store page read
directly with ``list_invoices`` (no thread, no Qt).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from benchmarks.store_list import fill
from ksef_desktop.services.invoice_search import search_numbers
from ksef_desktop.store.queries import list_invoices
from ksef_desktop.ui.invoice_list import store_loader
from ksef_desktop.ui.invoice_list_model import InvoiceListModel
from ksef_desktop.worker.runner import Runner
from tests.unit.test_store_support import PID, open_profiled, sample_profile


def spin(app: QApplication, done, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError
        app.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    app = QApplication([])
    with tempfile.TemporaryDirectory(prefix="bench-list-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        fill(folder, args.invoices)
        print(f"filled {args.invoices} invoices in {time.perf_counter() - start:.1f} s")
        store = open_profiled(folder)
        conn = store.db.connection()
        base = []
        for _ in range(30):
            t = time.perf_counter()
            list_invoices(conn, limit=200, profile_id=PID)
            base.append((time.perf_counter() - t) * 1000)
        baseline = statistics.median(base)
        runner = Runner()
        model = InvoiceListModel(
            store_loader(lambda: store, lambda: sample_profile(store)), runner.submit, page_size=200
        )
        insert_ms: list[float] = []
        original = model._arrived

        def timed(request, page):  # the GUI-thread part of each page
            t = time.perf_counter()
            original(request, page)
            insert_ms.append((time.perf_counter() - t) * 1000)

        model._arrived = timed  # type: ignore[method-assign]
        firsts = []
        for _ in range(10):
            t = time.perf_counter()
            model.reload()
            spin(app, lambda: model.rowCount() > 0)
            firsts.append((time.perf_counter() - t) * 1000)
        pages = []
        while model.rowCount() < args.rows and model.canFetchMore():
            t = time.perf_counter()
            before = model.rowCount()
            model.fetchMore()
            spin(app, lambda before=before: model.rowCount() > before)
            pages.append((time.perf_counter() - t) * 1000)
        searches = []
        for _ in range(10):
            t = time.perf_counter()
            search_numbers(conn, "/07/12", profile_id=PID)
            searches.append((time.perf_counter() - t) * 1000)
        runner.stop()
        store.close()
    rows = [
        ("baseline: one store page (200 rows), direct", baseline, max(base)),
        ("first page on screen after reload()", statistics.median(firsts), max(firsts)),
        (f"each further page, to {args.rows} rows", statistics.median(pages), max(pages)),
        ("GUI thread: inserting one page", statistics.median(insert_ms), max(insert_ms)),
        ("number search (scan, ≤ 500 matches)", statistics.median(searches), max(searches)),
    ]
    print("| step | median ms | worst ms | × baseline |")
    print("|---|---:|---:|---:|")
    for name, med, worst in rows:
        print(f"| {name} | {med:.2f} | {worst:.2f} | {med / baseline:.1f} |")


if __name__ == "__main__":
    main()
