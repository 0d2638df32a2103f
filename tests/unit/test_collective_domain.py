"""Collective identifier format and checksum, transfer titles, selection rules."""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop.domain.collective import (
    MAX_INVOICES_PER_IDENTIFIER,
    MIXED_SELLERS,
    NOT_ACCEPTED,
    TOO_MANY,
    TRANSFER_TITLE_LIMIT,
    CollectiveCandidate,
    collective_identifier_is_valid,
    collective_identifier_seller,
    collective_problems,
    collective_transfer_title,
    invoice_transfer_title,
    make_collective_identifier,
)
from ksef_desktop.domain.identifiers import make_ksef_number

OFFICIAL = "1111111111-IZ202607-65ED02180000-E7"  # open-api.json 2.7.0
ALPHABET = string.digits + string.ascii_uppercase + "-"


def test_official_example_is_valid() -> None:
    assert collective_identifier_is_valid(OFFICIAL)
    assert collective_identifier_seller(OFFICIAL) == "1111111111"


@pytest.mark.parametrize("position", range(len(OFFICIAL)))
def test_every_one_character_change_of_the_official_example_fails(position: int) -> None:
    for replacement in ALPHABET + "a":
        if replacement == OFFICIAL[position]:
            continue
        changed = OFFICIAL[:position] + replacement + OFFICIAL[position + 1 :]
        assert not collective_identifier_is_valid(changed), changed


@given(st.integers(0, len(OFFICIAL) - 1), st.sampled_from(ALPHABET))
def test_a_change_anywhere_fails(position: int, replacement: str) -> None:
    changed = OFFICIAL[:position] + replacement + OFFICIAL[position + 1 :]
    assert collective_identifier_is_valid(changed) == (changed == OFFICIAL)


@given(st.text(max_size=40))
def test_garbage_is_refused_without_an_exception(text: str) -> None:
    result = collective_identifier_is_valid(text)
    assert isinstance(result, bool)
    if result:
        assert len(text) == 35
        assert text.isascii()


@given(
    st.from_regex(r"[1-9][1-9]{2}[0-9]{7}", fullmatch=True),
    st.dates(date(2026, 1, 1), date(2099, 12, 31)),
    st.from_regex(r"[0-9A-F]{12}", fullmatch=True),
)
def test_made_identifiers_are_valid_and_decompose(nip: str, day: date, tech: str) -> None:
    ident = make_collective_identifier(nip, day, tech)
    assert len(ident) == 35
    assert collective_identifier_is_valid(ident)
    assert ident.startswith(f"{nip}-IZ{day:%Y%m}-{tech}-")


def test_rebuilding_the_official_example_gives_its_checksum() -> None:
    assert make_collective_identifier("1111111111", date(2026, 7, 1), "65ED02180000") == OFFICIAL


def test_a_ksef_number_is_not_a_collective_identifier() -> None:
    number = make_ksef_number("5265877635", date(2025, 8, 26), "0100001AF629")
    assert not collective_identifier_is_valid(number)


def test_impossible_month_is_refused_even_with_a_right_checksum() -> None:
    body = "1111111111-IZ202613-65ED02180000"
    from ksef_desktop.domain.collective import collective_checksum

    assert not collective_identifier_is_valid(f"{body}-{collective_checksum(body)}")


def test_make_refuses_bad_parts() -> None:
    with pytest.raises(ValueError, match="hexadecimal"):
        make_collective_identifier("1111111111", date(2026, 7, 1), "65ed02180000")
    with pytest.raises(ValueError, match="NIP"):
        make_collective_identifier("111111111", date(2026, 7, 1), "65ED02180000")


# --- transfer titles ----------------------------------------------------------------


def test_invoice_title_with_ksef_number() -> None:
    number = make_ksef_number("5265877635", date(2025, 8, 26), "0100001AF629")
    assert invoice_transfer_title("FV/2026/03/1", number) == f"KSeF {number} FV/2026/03/1"


def test_invoice_title_outside_ksef_is_the_invoice_number() -> None:
    assert invoice_transfer_title("  FV/2026/03/1 ") == "FV/2026/03/1"


@given(st.text(min_size=1, max_size=400))
def test_titles_fit_the_transfer_limit_and_keep_the_number_whole(text: str) -> None:
    number = make_ksef_number("5265877635", date(2025, 8, 26), "0100001AF629")
    title = invoice_transfer_title(text, number)
    assert len(title) <= TRANSFER_TITLE_LIMIT
    assert title.startswith(f"KSeF {number}")
    collective = collective_transfer_title(OFFICIAL, text)
    assert len(collective) <= TRANSFER_TITLE_LIMIT
    assert collective.startswith(f"KSeF {OFFICIAL}")
    assert len(invoice_transfer_title(text)) <= TRANSFER_TITLE_LIMIT


def test_collective_title() -> None:
    assert collective_transfer_title(OFFICIAL) == f"KSeF {OFFICIAL}"
    assert collective_transfer_title(OFFICIAL, "za marzec") == f"KSeF {OFFICIAL} za marzec"
    with pytest.raises(ValueError, match="collective"):
        collective_transfer_title(OFFICIAL[:-1] + "8")


# --- selection rules -----------------------------------------------------------------


def _candidate(i: int, nip: str = "5265877635", accepted: bool = True) -> CollectiveCandidate:
    number = make_ksef_number(nip, date(2026, 3, 1), f"{i:012X}") if accepted else None
    return CollectiveCandidate(f"FV/{i}", nip, number)


def test_one_seller_accepted_invoices_are_fine() -> None:
    assert collective_problems([_candidate(i) for i in range(3)]) == []
    assert collective_problems([_candidate(i) for i in range(MAX_INVOICES_PER_IDENTIFIER)]) == []


def test_problems_are_named() -> None:
    picked = [_candidate(1), _candidate(2, accepted=False), _candidate(3, nip="9999999999")]
    ids = [msgid for msgid, _ in collective_problems(picked)]
    assert NOT_ACCEPTED in ids
    assert MIXED_SELLERS in ids
    too_many = collective_problems([_candidate(i) for i in range(MAX_INVOICES_PER_IDENTIFIER + 1)])
    assert too_many == [(TOO_MANY, {"limit": 500, "count": 501})]
    assert collective_problems([])
    assert collective_problems([_candidate(1), _candidate(1)])


def test_one_invoice_alone_gets_no_identifier() -> None:
    """API 2.9.0: an identifier covers at least two invoices (minItems 2)."""
    from ksef_desktop.domain.collective import MIN_INVOICES_PER_IDENTIFIER, TOO_FEW

    assert collective_problems([_candidate(1)]) == [(TOO_FEW, {"minimum": 2})]
    assert MIN_INVOICES_PER_IDENTIFIER == 2
    assert collective_problems([_candidate(1), _candidate(2)]) == []
