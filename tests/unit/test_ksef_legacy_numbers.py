"""KSeF 1.0 numbers (36 characters, ``NIP-YYYYMMDD-HHHHHH-HHHHHH-CC``) are accepted
wherever a KSeF number is read: a correction of such an invoice, ``qr --ksef-number``,
collective identifiers, search (issue 16).

The decision (domain/identifiers.py, docs/KSEF-2.9-CLIENT.md): the 36-character form
is checked against the official pattern and for a real date; its last two hex digits are
not checked, as no official rule or example says how KSeF 1.0 computed them. The 35-
character form keeps its CRC-8 check.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from ksef_desktop.commands.collective import _local_problems
from ksef_desktop.domain import identifiers as ids
from ksef_desktop.domain.checks import check_invoice
from ksef_desktop.domain.invoice import CorrectedInvoice, Correction, InvoiceKind, Line, VatRate
from ksef_desktop.fa3.build import build
from ksef_desktop.fa3.parse import parse
from ksef_desktop.fa3.schema import fa3_schema
from ksef_desktop.services.invoice_search import search_numbers
from ksef_desktop.store.outbox import Outbox
from tests.unit.test_checks import TODAY, base
from tests.unit.test_store_outbox import World
from tests.unit.test_store_support import PID

# A KSeF 1.0 number of the shape open-api.json's KsefNumber and FA(3)'s TNumerKSeF allow
# (made for these tests; no official example of a 36-character number is published).
LEGACY = "5265877635-20230502-8A3C1F-0D52B7-41"
MODERN = "5265877635-20250826-0100001AF629-AF"  # the official example (numer-ksef.md)
SAMPLE = Path(__file__).parents[1] / "data" / "fa3-official" / "FA_3_Przykład_1.xml"


def test_the_legacy_form_is_accepted() -> None:
    assert len(LEGACY) == ids.LEGACY_KSEF_NUMBER_LENGTH == 36
    assert ids.ksef_number_is_valid(LEGACY)
    assert ids.is_legacy_ksef_number(LEGACY)
    assert not ids.is_legacy_ksef_number(MODERN)
    assert ids.ksef_number_is_valid(MODERN)


def test_its_last_two_digits_are_not_a_checked_checksum() -> None:
    """No official rule: every two-hex-digit ending is accepted (see the module doc)."""
    stem = LEGACY[:-2]
    assert all(ids.ksef_number_is_valid(f"{stem}{crc:02X}") for crc in range(256))


@pytest.mark.parametrize(
    "bad",
    [
        "5265877635-20230502-8A3C1F-0D52B7-4",  # 35 characters, but the 1.0 shape
        "5265877635-20230502-8A3C1F-0D52B7-411",  # 37
        "5265877635-20230532-8A3C1F-0D52B7-41",  # no 32nd of May
        "5265877635-20230502-8a3c1f-0d52b7-41",  # lower case
        "5265877635-20230502-8A3C1F0-D52B7-41",  # the dash in the wrong place
        "0265877635-20230502-8A3C1F-0D52B7-41",  # not a NIP's shape
        "5265877635-20230502-8A3C1G-0D52B7-41",  # not hex
        "5265877635-2023050２-8A3C1F-0D52B7-41",  # a non-ASCII digit
    ],
)
def test_other_36_character_shapes_are_refused(bad: str) -> None:
    assert not ids.ksef_number_is_valid(bad)


def test_the_35_character_checksum_is_still_enforced() -> None:
    assert not ids.ksef_number_is_valid(MODERN[:-2] + "AE")


@given(st.from_regex(r"[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{2}", fullmatch=True))
def test_any_legacy_technical_part_of_a_real_day_is_accepted(tail: str) -> None:
    assert ids.ksef_number_is_valid(f"5265877635-20221231-{tail}")


def test_a_correction_of_a_ksef_1_0_invoice_is_issued_valid() -> None:
    invoice = base(
        kind=InvoiceKind.KOR,
        correction=Correction(
            (CorrectedInvoice(date(2023, 5, 2), "FV/2023/05/7", LEGACY),), reason="rabat"
        ),
        lines=(
            Line("a", VatRate.R23, Decimal(1), Decimal(100), before_correction=True),
            Line("a", VatRate.R23, Decimal(1), Decimal(90)),
        ),
    )
    assert check_invoice(invoice, today=TODAY) == []
    data = build(invoice)
    assert fa3_schema().validate(etree.fromstring(data))  # TNumerKSeF allows 36 characters
    assert LEGACY.encode() in data
    corrected = parse(data).correction
    assert corrected is not None
    assert corrected.corrected[0].ksef_number == LEGACY
    bad = replace(
        invoice,
        correction=Correction((CorrectedInvoice(date(2023, 5, 2), "FV/1", LEGACY[:-1] + "!"),)),
    )
    assert "correction.corrected[0].ksef_number" in {
        p.field for p in check_invoice(bad, today=TODAY)
    }


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--lang", "en", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_qr_takes_a_ksef_1_0_number() -> None:
    out = _cli("qr", str(SAMPLE), "--env", "test", "--ksef-number", LEGACY)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("https://qr-test.ksef.mf.gov.pl/invoice/")
    refused = _cli("qr", str(SAMPLE), "--env", "test", "--ksef-number", LEGACY[:-1])
    assert refused.returncode == 2
    assert "KSeF" in refused.stderr


def test_collective_identifiers_take_ksef_1_0_numbers() -> None:
    assert _local_problems([LEGACY, MODERN]) == []
    assert _local_problems([LEGACY[:-1]]) != []


def test_search_finds_an_invoice_by_its_ksef_1_0_number(tmp_path: Path) -> None:
    world = World(tmp_path)
    try:
        first, other = world.issue(), world.issue()
        outbox = Outbox(world.store.db, world.store.archive, world.clock, profile_id=PID)
        for invoice_id, number in ((first, LEGACY), (other, MODERN)):
            outbox.claim(limit=10)
            outbox.mark_accepted(invoice_id, number)
        conn = world.store.db.connection()
        for needle in (LEGACY, LEGACY.lower(), "8A3C1F-0D52B7", f"  {LEGACY} "):
            assert [r.ksef_number for r in search_numbers(conn, needle, profile_id=PID).rows] == [
                LEGACY
            ]
    finally:
        world.store.close()
