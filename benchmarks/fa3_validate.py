"""How long does validate() take, and what do the pre-flight checks add to the XSD?

Baseline, measured in the same run: parsing with the hardened parser plus the FA(3) XSD
alone. Ratios against it are what to compare across machines.

    .venv/bin/python -m benchmarks.fa3_validate
"""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from ksef_desktop.fa3.schema import fa3_schema
from ksef_desktop.fa3.validate import validate
from ksef_desktop.fa3.xmlsafe import parse_untrusted

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "tests" / "data" / "fa3-official").glob("*.xml"))
TODAY = date(2026, 11, 24)


def _best_of(fn: Callable[[], object], repeat: int = 7, number: int = 1) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def _big_invoice(target: int) -> bytes:
    """Sample 1 with its first line item repeated until the file is about ``target`` bytes."""
    data = (ROOT / "tests/data/fa3-official/FA_3_Przykład_1.xml").read_bytes()
    start = data.index(b"<FaWiersz>")
    end = data.index(b"</FaWiersz>") + len(b"</FaWiersz>")
    item = data[start:end]
    copies = max(1, (target - len(data)) // len(item))
    return data[:start] + item * copies + data[start:]


def _xsd_only(data: bytes) -> None:
    fa3_schema().validate(parse_untrusted(data))


def main() -> None:
    fa3_schema()  # load once, as the application does
    validate(SAMPLES[0].read_bytes(), today=TODAY)
    samples = [p.read_bytes() for p in SAMPLES]
    rows = []

    def all_samples_validate() -> None:
        for data in samples:
            validate(data, today=TODAY)

    def all_samples_xsd() -> None:
        for data in samples:
            _xsd_only(data)

    full = _best_of(all_samples_validate, number=20)
    base = _best_of(all_samples_xsd, number=20)
    rows.append(("26 official samples (102 KB), per sample", full / 26, base / 26))
    for target in (1_000_000, 3_000_000):
        big = _big_invoice(target)
        # Valid at 1 MB; at 3 MB also too large and over the XSD's 10 000 line items (one
        # XSD error each). Either way every check runs over the whole file.
        assert {d.code for d in validate(big, today=TODAY)} <= {"too-large", "xsd"}
        full = _best_of(functools.partial(validate, big, today=TODAY))
        base = _best_of(functools.partial(_xsd_only, big))
        rows.append((f"one invoice of {len(big):,} bytes".replace(",", " "), full, base))
    print("| input | validate() | parse + XSD only | ratio |")
    print("|---|---|---|---|")
    for name, full, base in rows:
        print(f"| {name} | {full * 1000:.2f} ms | {base * 1000:.2f} ms | {full / base:.2f} |")


if __name__ == "__main__":
    main()
