"""Reading a bank statement and matching its titles to the seller's invoice numbers.

    .venv/bin/python -m benchmarks.statement_matching [--lines 2000] [--numbers 5000] [--runs 5]

Generates an MT940 statement (ZBP layout) and a camt.053 statement of ``--lines``
credits whose titles name an invoice number (half of them also a KSeF number, cut across
pieces), and ``--numbers`` invoice numbers of the seller. Times, median of ``--runs``:

- ``read_statement`` of each file (the baseline: what any import costs);
- the matching work per line of ``services.statements``: ``TitleScan`` of the title
  and the search for the seller's invoice numbers in it (``NumberIndex``), then
  ``decide_credit``.

Prints one Markdown table row per figure.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from ksef_desktop.bank import read_statement
from ksef_desktop.domain.identifiers import make_ksef_number
from ksef_desktop.domain.matching import OpenInvoice, decide_credit
from ksef_desktop.domain.transfer_title import NumberIndex, TitleScan


def _titles(count: int, numbers: list[str]) -> list[str]:
    rng = random.Random(24)
    out = []
    for i in range(count):
        title = f"Zaplata za fakture {rng.choice(numbers)}"
        if i % 2:
            ksef = make_ksef_number("5265877635", date(2026, 3, 2), f"{i:012X}")
            title += f" KSeF {ksef.lower()}"
        out.append(title)
    return out


def mt940(titles: list[str]) -> bytes:
    rows = [":20:BENCH", ":25:/PL27114020040000300201355387", ":28C:1", ":60F:C260302PLN0,00"]
    for i, title in enumerate(titles):
        rows.append(f":61:2603030303C100,00S034{i:010d}//B{i:010d}")
        pieces = "".join(f"~{20 + k}{title[n : n + 27]}" for k, n in enumerate(range(0, 162, 27)))
        field = f"034~00PRZELEW{pieces}~38PL60102010260000123456789012~32KUPIEC"
        rows.append(":86:" + field[:61])
        rows.extend(field[n : n + 65] for n in range(61, len(field), 65))
    rows += [f":62F:C260303PLN{100 * len(titles)},00", "-", ""]
    return "\r\n".join(rows).encode("cp1250")


def camt(titles: list[str]) -> bytes:
    entries = "".join(
        f'<Ntry><Amt Ccy="PLN">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        f"<BookgDt><Dt>2026-03-03</Dt></BookgDt><AcctSvcrRef>B{i}</AcctSvcrRef><NtryDtls>"
        f"<TxDtls><RltdPties><Dbtr><Nm>KUPIEC</Nm></Dbtr></RltdPties><RmtInf>"
        + "".join(f"<Ustrd>{title[n : n + 35]}</Ustrd>" for n in range(0, len(title), 35))
        + "</RmtInf></TxDtls></NtryDtls></Ntry>"
        for i, title in enumerate(titles)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:'
        'xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Acct><Id><IBAN>'
        "PL27114020040000300201355387</IBAN></Id></Acct>" + entries + "</Stmt>"
        "</BkToCstmrStmt></Document>"
    ).encode()


def _median(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--numbers", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    numbers = [f"FV/2026/{1 + n % 12:02d}/{1 + n // 12}" for n in range(args.numbers)]
    titles = _titles(args.lines, numbers)
    files = {"MT940": mt940(titles), "camt.053": camt(titles)}
    invoices = [
        OpenInvoice(i, n, None, "B", Decimal(100), Decimal(0), "PLN", date(2026, 3, 1))
        for i, n in enumerate(numbers)
    ]
    by_number = {i.number: i for i in invoices}

    def match() -> None:
        index = NumberIndex(numbers)
        for title in titles:
            scan = TitleScan(title)
            found = [by_number[n] for n in scan.invoice_numbers(index)]
            decide_credit(Decimal(100), "PLN", by_number=found)

    print("| work | lines | invoice numbers | median | per line |")
    print("|---|---|---|---|---|")
    for name, data in files.items():

        def read(data: bytes = data) -> object:
            return read_statement(data)

        seconds = _median(args.runs, read)
        kb = len(data) // 1024
        print(
            f"| read_statement, {name} ({kb} KB) | {args.lines} | - | {seconds * 1000:.0f} ms "
            f"| {seconds / args.lines * 1e6:.0f} µs |"
        )
    seconds = _median(args.runs, match)
    print(
        f"| titles scanned and matched | {args.lines} | {args.numbers} | {seconds * 1000:.0f} ms "
        f"| {seconds / args.lines * 1e6:.0f} µs |"
    )


if __name__ == "__main__":
    main()
