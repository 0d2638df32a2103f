"""Fuzzing ``validate``, ``qr`` and ``pdf`` with mutated official samples (issue 22).

A CI-sized slice: ``KSEF_FUZZ_EXAMPLES`` inputs (default 25, a few seconds). The full
campaign (10 000 inputs and more) is ``benchmarks/fuzz_campaign.py``, figures in
docs/FUZZ.md. Every input must end in each command with exit 0, 1 or 2 and a message,
and a file ``validate`` refuses in its bytes must be refused by qr and pdf with the same
sentences (tests/fa3_mutations.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fa3_mutations import mutated_invoices, run_commands

EXAMPLES = int(os.environ.get("KSEF_FUZZ_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=mutated_invoices())
def test_no_mutated_invoice_crashes_a_command(folder: Path, data: bytes) -> None:
    outcome = run_commands(data, folder)
    assert outcome.failures == []


# Inputs that crashed qr or pdf before issue 22 was fixed (found by the fuzzer), each
# reduced to one mutation of an official sample: they run on every CI run.
SAMPLE = (Path(__file__).parents[1] / "data" / "fa3-official" / "FA_3_Przykład_1.xml").read_bytes()


def _with(tag: str, value: bytes) -> bytes:
    """The sample with the text of its first ``tag`` element replaced by ``value``."""
    pattern = re.compile(rb"(<" + tag.encode() + rb">)[^<]*(</" + tag.encode() + rb">)")
    assert pattern.search(SAMPLE), tag
    return pattern.sub(lambda m: m.group(1) + value + m.group(2), SAMPLE, count=1)


REGRESSIONS = {
    # decimal.Overflow in parse (round_money of quantity x price)
    "exponent price": _with("P_9A", b"9e999999999"),
    # decimal.InvalidOperation in round_money: a product too wide to round
    "huge price": _with("P_9A", b"9" * 40),
    "NaN quantity": _with("P_8B", b"sNaN"),
    # amount_in_words: an amount past 10^18 has no words
    "huge total": _with("P_15", b"99999999999999999999"),
    # reportlab LayoutError: a cell taller than a page
    "long seller name": _with("Nazwa", b"W" * 40_000),
}


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_inputs_that_crashed_qr_or_pdf(folder: Path, name: str) -> None:
    outcome = run_commands(REGRESSIONS[name], folder)
    assert outcome.failures == []
    assert outcome.codes["pdf"] in (0, 1)
