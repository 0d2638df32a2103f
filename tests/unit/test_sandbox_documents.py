"""The sandbox's invoice checks on official samples and on hostile bytes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ksef_desktop.domain.identifiers import crc8
from ksef_desktop.sandbox.documents import InvalidDocument, SemanticError, check_invoice
from ksef_desktop.sandbox.util import reference_number
from tests.conftest import OFFICIAL_SAMPLES

FA3 = {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"}
TODAY = date(2026, 11, 24)


@pytest.mark.parametrize("path", OFFICIAL_SAMPLES, ids=lambda p: p.name)
def test_every_official_sample_passes(path: Path) -> None:
    facts = check_invoice(path.read_bytes(), FA3, today=TODAY)
    assert facts.seller_nip == "9999999999"
    assert facts.number
    assert facts.kind in {"VAT", "KOR", "ZAL", "ROZ", "UPR", "KOR_ZAL", "KOR_ROZ"}


@settings(max_examples=200)
@given(st.binary(max_size=2000))
def test_random_bytes_are_a_430_never_a_crash(data: bytes) -> None:
    with pytest.raises(InvalidDocument):
        check_invoice(data, FA3, today=TODAY)


@settings(max_examples=100)
@given(st.text(max_size=300))
def test_random_text_inside_a_sample_never_crashes(text: str) -> None:
    data = (
        OFFICIAL_SAMPLES[0]
        .read_bytes()
        .replace(b"FV2026/02/150", text.encode("utf-8", "surrogatepass"), 1)
    )
    outcome: object
    try:
        outcome = check_invoice(data, FA3, today=TODAY).number
    except InvalidDocument as exc:
        outcome = exc.details
    assert outcome  # either the facts of a valid invoice or a reason, never another error


def test_entities_are_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>'
    with pytest.raises(InvalidDocument, match="DOCTYPE"):
        check_invoice(bomb, FA3, today=TODAY)


def test_reference_numbers_have_the_official_shape_and_crc() -> None:
    from datetime import UTC, datetime

    ref = reference_number("SO", datetime(2025, 6, 25, 10, tzinfo=UTC))
    assert len(ref) == 36
    assert ref.startswith("20250625-SO-")
    assert ref[-2:] == f"{crc8(ref[:33].encode()):02X}"


def test_future_issue_date_is_semantic() -> None:
    data = OFFICIAL_SAMPLES[0].read_bytes()
    with pytest.raises(SemanticError) as info:
        check_invoice(data, FA3, today=date(2026, 1, 1))
    assert info.value.status == 450
    assert "P_1" in info.value.details[0]


def test_other_form_codes_are_refused() -> None:
    with pytest.raises(InvalidDocument, match="FA \\(3\\)"):
        check_invoice(
            OFFICIAL_SAMPLES[0].read_bytes(), {**FA3, "systemCode": "FA (2)"}, today=TODAY
        )
