"""How long do the semantic checks take next to validate() (schema and pre-flight)?

Baseline, measured in the same run: validate() of the same bytes, which `ksef-desktop
validate` runs first; the ratio is what the warnings add to a check of a file.

    .venv/bin/python -m benchmarks.fa3_semantic
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from decimal import Decimal

from benchmarks.fa3_validate import SAMPLES, TODAY, _best_of, _big_invoice
from ksef_desktop.domain.invoice import (
    Address,
    Exemption,
    ExemptionBasis,
    Invoice,
    InvoiceKind,
    Line,
    Party,
    PolishNip,
)
from ksef_desktop.domain.invoice import VatRate as R
from ksef_desktop.fa3.build import build
from ksef_desktop.fa3.schema import fa3_schema
from ksef_desktop.fa3.semantic import semantic_warnings
from ksef_desktop.fa3.validate import validate


def _built_invoice(lines: int) -> bytes:
    """An invoice this program writes, with ``lines`` lines over four rates (no warning)."""
    rates = (R.R23, R.R8, R.R5, R.ZW)
    invoice = Invoice(
        kind=InvoiceKind.VAT,
        number="FV/1/2026",
        issue_date=date(2026, 11, 24),
        seller=Party(PolishNip("5265877635"), "Sprzedawca", Address("PL", "ul. Prosta 1")),
        buyer=Party(PolishNip("1111111111"), "Nabywca", Address("PL", "ul. Krzywa 2")),
        lines=tuple(
            Line(f"Pozycja {i}", rates[i % 4], Decimal(i % 7 + 1), Decimal(f"{i}.37"), "szt.")
            for i in range(lines)
        ),
        created_at=datetime(2026, 11, 24, 10, tzinfo=UTC),
        exemption=Exemption(ExemptionBasis.ACT, "art. 43 ust. 1 pkt 37"),
    )
    return build(invoice)


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def main() -> None:
    fa3_schema()
    samples = [p.read_bytes() for p in SAMPLES]

    def all_semantic() -> None:
        for data in samples:
            semantic_warnings(data)

    def all_validate() -> None:
        for data in samples:
            validate(data, today=TODAY)

    rows = [
        (
            "26 official samples (102 KB), per sample",
            _best_of(all_semantic, number=20) / 26,
            _best_of(all_validate, number=20) / 26,
            "",
        )
    ]
    built = _built_invoice(2500)
    assert semantic_warnings(built) == []
    repeated = _big_invoice(1_000_000)
    for name, data in (
        (f"an invoice of 2 500 lines this program wrote ({_n(len(built))} bytes)", built),
        (f"sample 1's line repeated ({_n(len(repeated))} bytes, 4 103 lines)", repeated),
    ):
        count = len(semantic_warnings(data))
        rows.append(
            (
                name,
                _best_of(functools.partial(semantic_warnings, data), repeat=5),
                _best_of(functools.partial(validate, data, today=TODAY), repeat=5),
                _n(count),
            )
        )
    print("| input | semantic_warnings() | validate() | ratio | warnings |")
    print("|---|---|---|---|---|")
    for name, semantic, base, warned in rows:
        ratio = semantic / base
        print(
            f"| {name} | {semantic * 1000:.2f} ms | {base * 1000:.2f} ms | {ratio:.2f} | {warned} |"
        )


if __name__ == "__main__":
    main()
