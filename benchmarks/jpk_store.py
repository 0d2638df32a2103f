"""The JPK_V7M(3) of a month as the program makes it: from a profile's store.

A real store (temporary folder, one profile) is filled through the store's own functions:
``--sales`` invoices of November 2026 from the 40 templates of ``benchmarks/jpk_month.py``,
each saved as a draft and issued one by one with ``services.issue.issue_invoice`` (its
own transaction: number, FA(3) XML frozen with its hash, archive file fsynced, outbox
row). 9 in 10 are issued online and taken through the outbox to accepted with a KSeF
number (checksum valid); every 10th is issued offline24 and left queued (reported OFF).
``--purchases`` invoices of three suppliers are kept as ``purchases_sync`` keeps them:
``received_invoice`` (facts and semantic warnings from the XML) and ``add_purchase``
(archive file + row), 100 per transaction. The purchases from the reverse-charge
templates (a line at OO) get the choice a user makes for them (K_31 at 23 %, one
``change_deductions`` transaction): the month then has their self-assessed sales rows
(K_31/K_32) besides their purchase rows.

Medians of ``--repeat`` rounds in one warm process (schema loaded once), each round
running every step once in turn (the machine is shared: interleaving gives every step
the same load):
- baseline: the XSD validation alone of the file build_month made (parse its bytes +
  ``XMLSchema.validate``), what any program must spend to know the file is valid;
- ``gather_month``: the rows from the store (SQL, frozen XML / archived file with its hash
  check, one parse each);
- ``build_month`` end to end (gather + ``build_jpk`` + ``summarize``);
- its parts, same run: the same documents from the same XML bytes in memory,
  ``build_jpk`` from the gathered documents, and ``summarize`` of the file.
Memory of ``build_month``: the peak of Python's allocations (tracemalloc, one untimed
run) and the growth of the peak RSS in a fresh process that only opens the store and
runs build_month once (libxml2's memory is not seen by tracemalloc).

    .venv/bin/python -m benchmarks.jpk_store [--sales 10000] [--purchases 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from lxml import etree

from benchmarks.jpk_month import (
    CREATED,
    OWN,
    RATES,
    TAXPAYER,
    cpu_name,
    ksef_number_of,
    month_invoices,
)
from ksef_desktop.domain.invoice import Invoice, PolishNip, VatRate
from ksef_desktop.domain.totals import compute_totals
from ksef_desktop.fa3.build import build
from ksef_desktop.jpk import from_fa3
from ksef_desktop.jpk.build import build_jpk, summarize
from ksef_desktop.jpk.model import (
    DeclarationInputs,
    Marker,
    Period,
    PurchaseDocument,
    SalesDocument,
    SelfAssessment,
)
from ksef_desktop.jpk.schema import jpk_schema
from ksef_desktop.ksef.crypto import sha256_b64
from ksef_desktop.ksef.receiving import ReceivedMetadata
from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.services.jpk_month import MonthFile, build_month, gather_month
from ksef_desktop.services.purchase_deductions import ReverseChoice, change_deductions
from ksef_desktop.services.purchase_facts import received_invoice
from ksef_desktop.services.purchases_sync import BATCH
from ksef_desktop.store import Store, open_store
from ksef_desktop.store.invoices import create_draft
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.outbox import Outbox
from ksef_desktop.store.profiles import Profile, ensure_profile
from ksef_desktop.store.purchases import add_purchase

MONTH = Period(2026, 11)
ENVIRONMENT = "sandbox"
#: Templates with a reverse-charge line (rate OO): their purchases get a choice (above).
REVERSE_CHARGE = frozenset(n for n in range(40) if RATES[n % len(RATES)] is VatRate.OO)
#: The choice made for them: supplies where the buyer is the taxpayer, at 23 %.
REVERSE_CHOICE = ReverseChoice(SelfAssessment.BUYER_IS_TAXPAYER, Decimal(23))
#: Serials of the suppliers' KSeF numbers start here (ours start at 1).
PURCHASE_SERIAL = 0x100000


class Clock:
    """The filling's clock: on each invoice's issue day, one millisecond per reading."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 1, 7, 0, tzinfo=UTC)

    def on(self, day: date) -> None:
        self.moment = max(self.moment, datetime(day.year, day.month, day.day, 8, tzinfo=UTC))

    def __call__(self) -> datetime:
        self.moment += timedelta(milliseconds=1)
        return self.moment


@dataclass
class Filled:
    """The store, and the same invoices' XML bytes with their status (for the parts)."""

    store: Store
    profile: Profile
    sales: list[tuple[bytes, str, str]] = field(default_factory=list)  # xml, status, number
    purchases: list[tuple[bytes, str, str]] = field(default_factory=list)
    #: the KSeF numbers of the purchases under reverse charge (with REVERSE_CHOICE)
    reverse_charged: set[str] = field(default_factory=set)
    accepted: int = 0
    offline: int = 0
    seconds: float = 0.0


def open_profile(folder: Path) -> tuple[Store, Profile]:
    store = open_store(folder)
    with store.db.transaction() as conn:
        profile = ensure_profile(
            conn, ENVIRONMENT, OWN, now=datetime(2026, 10, 1, tzinfo=UTC),
            company_name="Anna Wiśniewska IT", company_address="ul. Leśna 2, Warszawa",
        )  # fmt: skip
    return store, profile


def _issue_sales(filled: Filled, count: int) -> None:
    store, pid = filled.store, filled.profile.id
    clock = Clock()
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=clock(), profile_id=pid)
    outbox = Outbox(store.db, store.archive, clock, profile_id=pid)
    invoices = sorted(month_invoices(count, purchases=False), key=lambda inv: inv.issue_date)
    for i, invoice in enumerate(invoices):
        clock.on(invoice.issue_date)
        with store.db.transaction() as conn:
            draft = create_draft(conn, invoice, now=clock(), profile_id=pid)
        offline = i % 10 == 0
        deadline = clock.moment + timedelta(days=1) if offline else None
        stored = issue_invoice(
            store.db, store.archive, draft, profile_id=pid, now=clock, series_id=series,
            mode="offline24" if offline else None, deadline=deadline,
        )  # fmt: skip
        assert stored.xml is not None
        assert stored.number is not None
        status: str = Marker.OFF
        if offline:
            filled.offline += 1
        else:
            status = ksef_number_of(stored.invoice, i + 1)
            outbox.mark_sent(draft, session_ref="SO-bench", invoice_ref=f"I-{draft}")
            outbox.mark_accepted(draft, status)
            filled.accepted += 1
        filled.sales.append((stored.xml, status, stored.number))


def _metadata(invoice: Invoice, xml: bytes, ksef: str) -> ReceivedMetadata:
    totals = compute_totals(invoice)
    seller = invoice.seller.tax_id
    assert isinstance(seller, PolishNip)
    moment = datetime(*invoice.issue_date.timetuple()[:3], 10, tzinfo=UTC)
    return ReceivedMetadata(
        ksef_number=ksef, invoice_number=invoice.number, issue_date=invoice.issue_date,
        acquisition_date=moment, permanent_storage_date=moment + timedelta(minutes=1),
        seller_nip=seller.nip, seller_name=invoice.seller.name, net=totals.net,
        vat=totals.vat, gross=totals.gross, currency=invoice.currency,
        invoice_type=invoice.kind.value, invoicing_mode="Online",
        invoice_hash=sha256_b64(xml), hash_of_corrected=None,
    )  # fmt: skip


def _keep_purchases(filled: Filled, count: int) -> None:
    store, pid = filled.store, filled.profile.id
    clock = Clock()
    invoices = month_invoices(count, purchases=True)
    reverse_ids = []
    for start in range(0, len(invoices), BATCH):
        rows = []
        for i, invoice in enumerate(invoices[start : start + BATCH], start):
            xml = build(invoice)
            ksef = ksef_number_of(invoice, PURCHASE_SERIAL + i)
            rows.append(received_invoice(_metadata(invoice, xml, ksef), xml, "Subject2"))
            filled.purchases.append((xml, ksef, f"{invoice.number} ({ksef})"))
            if i % 40 in REVERSE_CHARGE:  # month_invoices takes template i % 40
                filled.reverse_charged.add(ksef)
        with store.db.transaction() as conn:
            for row in rows:
                made = add_purchase(conn, store.archive, row, profile_id=pid, now=clock())
                assert made is not None
                if row.ksef_number in filled.reverse_charged:
                    reverse_ids.append(made)
    if reverse_ids:
        change_deductions(store.db, reverse_ids, profile_id=pid, now=clock, reverse=REVERSE_CHOICE)


def fill(folder: Path, sales: int, purchases: int) -> Filled:
    """A new store in ``folder`` holding the month (see the module's text)."""
    start = time.perf_counter()
    store, profile = open_profile(folder)
    filled = Filled(store, profile)
    _issue_sales(filled, sales)
    _keep_purchases(filled, purchases)
    filled.seconds = time.perf_counter() - start
    return filled


def documents_in_memory(filled: Filled) -> tuple[list[SalesDocument], list[PurchaseDocument]]:
    """The rows from the same XML bytes, by the same calls the store form makes."""
    sales = [
        from_fa3.sales_document(xml, status, own_nip=OWN, label=number)
        for xml, status, number in filled.sales
    ]
    purchases = []
    reverse = from_fa3.ReverseCharge(SelfAssessment.BUYER_IS_TAXPAYER, Decimal(23))
    for xml, ksef, label in filled.purchases:
        chosen = reverse if ksef in filled.reverse_charged else None
        purchase, own_tax = from_fa3.purchase_rows(
            xml, ksef, reverse_charge=chosen, own_nip=OWN, label=label
        )
        purchases.append(purchase)
        if own_tax is not None:
            sales.append(own_tax)
    return sales, purchases


def make_month(filled: Filled) -> MonthFile:
    return build_month(
        filled.store, filled.profile, MONTH, TAXPAYER, DeclarationInputs(), created_at=CREATED
    )


def peak_rss_growth(folder: Path) -> int:
    """KiB by which build_month's peak RSS exceeds the RSS of a fresh process that has
    opened the store and loaded the schema (its own high-water mark of loading excluded)."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.jpk_store", "--peak-of", str(folder)],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    return int(json.loads(done.stdout.strip().splitlines()[-1])["growth_kib"])


def _rss_kib() -> int:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _peak_of(folder: Path) -> None:
    store, profile = open_profile(folder)
    jpk_schema()
    # The peak of loading (the schema set) may stand above what is resident now:
    # reset the kernel's high-water mark where it can be (Linux), else measure from it.
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        before = _rss_kib()
    except OSError:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    made = build_month(store, profile, MONTH, TAXPAYER, DeclarationInputs(), created_at=CREATED)
    after = _peak_rss_kib()
    store.close()
    print(json.dumps({"growth_kib": after - before, "bytes": len(made.data)}))


def _peak_rss_kib() -> int:
    """VmHWM (reset by clear_refs 5), else the getrusage peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for text in fh:
                if text.startswith("VmHWM:"):
                    return int(text.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@dataclass(frozen=True)
class Report:
    made: MonthFile
    filled: Filled
    rows: list[tuple[str, float]]
    baseline: float
    traced_peak: int
    rss_growth_kib: int


def interleaved(steps: Sequence[Callable[[], object]], repeat: int) -> list[float]:
    """Median seconds of each step over ``repeat`` rounds, each round running every step
    once in turn: on a shared machine the steps meet the same load, so their ratios hold
    better than those of steps timed one after the other."""
    times: list[list[float]] = [[] for _ in steps]
    for _ in range(repeat):
        for step, kept in zip(steps, times, strict=True):
            start = time.perf_counter()
            step()
            kept.append(time.perf_counter() - start)
    return [statistics.median(kept) for kept in times]


def measure(filled: Filled, repeat: int, *, folder: Path) -> Report:
    """Medians of ``repeat`` interleaved rounds of each step (one warm-up build_month)."""
    jpk_schema()
    made = make_month(filled)
    data = made.data
    gathered = gather_month(filled.store, filled.profile, MONTH)

    def validate_only() -> None:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False))
        assert jpk_schema().validate(root)

    def build_only() -> bytes:
        return build_jpk(
            MONTH, TAXPAYER, gathered.sales, gathered.purchases, DeclarationInputs(),
            created_at=CREATED,
        )  # fmt: skip

    baseline, gather, whole, convert, build_part, summary = interleaved(
        [
            validate_only,
            lambda: gather_month(filled.store, filled.profile, MONTH),
            lambda: make_month(filled),
            lambda: documents_in_memory(filled),
            build_only,
            lambda: summarize(data),
        ],
        repeat,
    )
    tracemalloc.start()
    make_month(filled)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rows = [
        ("baseline: XSD validation of the file (parse + validate)", baseline),
        ("`gather_month`: the rows from the store", gather),
        ("`build_month` end to end", whole),
        ("part: the same documents from the same XML bytes in memory", convert),
        ("part: `build_jpk` from the gathered documents", build_part),
        ("part: `summarize` of the file (the counts and sums shown)", summary),
        ("sum of the three parts", convert + build_part + summary),
    ]
    return Report(made, filled, rows, baseline, traced_peak, peak_rss_growth(folder))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=10_000)
    parser.add_argument("--purchases", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peak-of", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak_of is not None:
        _peak_of(args.peak_of)
        return
    with tempfile.TemporaryDirectory(prefix="ksef-bench-jpk-") as tmp:
        folder = Path(tmp) / "data"
        filled = fill(folder, args.sales, args.purchases)
        report = measure(filled, args.repeat, folder=folder)
        filled.store.close()
    summary = report.made.summary
    libxml2 = ".".join(map(str, etree.LIBXML_VERSION))
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, {platform.system()}")
    print(f"Python {platform.python_version()}, lxml {etree.__version__} / libxml2 {libxml2}")
    print(f"date: {date.today().isoformat()}; load average {os.getloadavg()[0]:.1f}")
    print(
        f"store filled in {filled.seconds:.0f} s: {filled.accepted} accepted + "
        f"{filled.offline} offline pending sales, {len(filled.purchases)} purchases"
    )
    print(
        f"file: {len(report.made.data):,} bytes; rows {summary.sales_rows} + "
        f"{summary.purchase_rows}; notices {len(report.made.documents.notices)}; "
        f"PodatekNalezny {summary.tax_due}, PodatekNaliczony {summary.tax_deductible}"
    )
    print("| step | median | ratio to baseline |")
    print("|---|---|---|")
    for label, seconds in report.rows:
        print(f"| {label} | {seconds * 1000:.0f} ms | {seconds / report.baseline:.2f} |")
    print(
        f"build_month memory: Python allocations peak {report.traced_peak / 2**20:.0f} MiB "
        f"(tracemalloc); peak RSS growth in a fresh process "
        f"{report.rss_growth_kib / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
