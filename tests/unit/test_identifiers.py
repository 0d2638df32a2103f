"""Identifiers against the official vectors (tests/data/vectors) and generated input."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop.domain import identifiers as ids
from tests.conftest import DATA

VECTORS = json.loads((DATA / "vectors" / "ksef-test-vectors.json").read_text(encoding="utf-8"))
OFFICIAL_KSEF_NUMBERS = [VECTORS["crc8"]["ksefNumber_official_doc_example"][0]["ksefNumber"]] + [
    e["ksefNumber"] for e in VECTORS["crc8"]["ksefNumber_other_official_examples"]
]


@pytest.mark.parametrize("nip", VECTORS["nip_checksum"]["valid"])
def test_official_valid_nips(nip: str) -> None:
    assert ids.nip_is_valid(nip)


@pytest.mark.parametrize(
    "nip",
    [*VECTORS["nip_checksum"]["invalid"], "123456321", "12345632180", "0123456789", "abcdefghij"],
)
def test_invalid_nips(nip: str) -> None:
    assert not ids.nip_is_valid(nip)


def test_nip_is_normalized_as_typed() -> None:
    assert ids.normalize_nip("PL 526-587-76-35") == "5265877635"


@given(st.from_regex(r"[1-9][1-9][1-9]\d{6}", fullmatch=True), st.integers(0, 9))
def test_exactly_one_check_digit_fits(stem: str, digit: int) -> None:
    fits = [d for d in range(10) if ids.nip_checksum_ok(stem + str(d))]
    assert len(fits) <= 1
    assert ids.nip_checksum_ok(stem + str(digit)) == (fits == [digit])


def test_official_crc8_example() -> None:
    example = VECTORS["crc8"]["ksefNumber_official_doc_example"][0]
    assert ids.ksef_number_checksum(example["dataPart"]) == example["expectedChecksum"]


@pytest.mark.parametrize("number", OFFICIAL_KSEF_NUMBERS)
def test_official_ksef_numbers_are_valid(number: str) -> None:
    assert len(number) == ids.KSEF_NUMBER_LENGTH
    assert ids.ksef_number_is_valid(number)


@pytest.mark.parametrize("number", OFFICIAL_KSEF_NUMBERS)
def test_any_single_character_change_is_caught(number: str) -> None:
    for i, ch in enumerate(number):
        if ch == "-":
            continue
        for replacement in "0123456789ABCDEF":
            if replacement != ch:
                changed = number[:i] + replacement + number[i + 1 :]
                assert not ids.ksef_number_is_valid(changed), changed


@given(
    st.from_regex(r"[0-9A-F]{12}", fullmatch=True), st.dates(date(2025, 1, 1), date(2049, 12, 31))
)
def test_made_numbers_are_valid(technical: str, day: date) -> None:
    number = ids.make_ksef_number("5265877635", day, technical)
    assert len(number) == 35
    assert ids.ksef_number_is_valid(number)


def test_official_internal_id_vector() -> None:
    vec = VECTORS["internalId_checksum_official"]
    assert ids.internal_id_is_valid(vec["expected"])
    assert not ids.internal_id_is_valid("5265877635-12345")


@pytest.mark.parametrize(
    ("country", "number", "ok"),
    [
        ("DE", "999999999", True),
        ("DE", "99999999", False),
        ("AT", "U12345678", True),
        ("FR", "AB123456789", True),
        ("NL", "123456789B01", True),
        ("EL", "123456789", True),
        ("XX", "123", False),
    ],
)
def test_eu_vat_shapes(country: str, number: str, ok: bool) -> None:
    assert ids.eu_vat_is_valid(country, number) is ok


def test_eu_vat_normalization() -> None:
    assert ids.normalize_eu_vat("gr", "EL 123.456.789") == ("EL", "123456789")


@pytest.mark.parametrize(
    ("account", "ok"),
    [
        ("PL61109010140000071219812874", True),
        ("61109010140000071219812874", True),
        ("PL61109010140000071219812875", False),
        ("DE89370400440532013000", True),
        ("PL6110", False),
        # Right mod-97 check digits, but one digit more than a Belgian IBAN has.
        ("BE705390075470341", False),
        ("BE68539007547034", True),
        ("GB82WEST12345698765432", True),
    ],
)
def test_iban(account: str, ok: bool) -> None:
    assert ids.iban_is_valid(account) is ok


@given(st.text(min_size=0, max_size=40))
def test_any_text_is_judged_without_crashing(text: str) -> None:
    # Unicode digits (e.g. "߀", "６") must not pass for ASCII ones.
    assert isinstance(ids.ksef_number_is_valid(text), bool)
    assert isinstance(ids.nip_is_valid(text), bool)
    assert isinstance(ids.internal_id_is_valid(text), bool)
    assert isinstance(ids.iban_is_valid(text), bool)


def test_non_ascii_digits_are_not_digits() -> None:
    assert not ids.ksef_number_is_valid("5265877635-2025082６-0100001AF629-AF")
    assert not ids.nip_is_valid("11100000߀7")
