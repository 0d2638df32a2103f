"""The amount due in Polish words: grammar of złoty/grosze and a round trip back to digits."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop.visual.amount_words import amount_in_words, number_words, plural_form

_VALUES = {
    "zero": 0,
    "jeden": 1,
    "dwa": 2,
    "trzy": 3,
    "cztery": 4,
    "pięć": 5,
    "sześć": 6,
    "siedem": 7,
    "osiem": 8,
    "dziewięć": 9,
    "dziesięć": 10,
    "jedenaście": 11,
    "dwanaście": 12,
    "trzynaście": 13,
    "czternaście": 14,
    "piętnaście": 15,
    "szesnaście": 16,
    "siedemnaście": 17,
    "osiemnaście": 18,
    "dziewiętnaście": 19,
    "dwadzieścia": 20,
    "trzydzieści": 30,
    "czterdzieści": 40,
    "pięćdziesiąt": 50,
    "sześćdziesiąt": 60,
    "siedemdziesiąt": 70,
    "osiemdziesiąt": 80,
    "dziewięćdziesiąt": 90,
    "sto": 100,
    "dwieście": 200,
    "trzysta": 300,
    "czterysta": 400,
    "pięćset": 500,
    "sześćset": 600,
    "siedemset": 700,
    "osiemset": 800,
    "dziewięćset": 900,
}
_SCALES = {
    "tysiąc": 10**3,
    "tysiące": 10**3,
    "tysięcy": 10**3,
    "milion": 10**6,
    "miliony": 10**6,
    "milionów": 10**6,
    "miliard": 10**9,
    "miliardy": 10**9,
    "miliardów": 10**9,
}


def words_to_number(text: str) -> int:
    """An independent reader of Polish number words (the inverse of what we print)."""
    total = group = 0
    for word in text.split():
        if word in _VALUES:
            group += _VALUES[word]
        elif word in _SCALES:
            total += (group or 1) * _SCALES[word]
            group = 0
        else:
            raise ValueError(word)
    return total + group


@given(st.integers(min_value=0, max_value=999_999_999_999))
def test_number_words_read_back(n: int) -> None:
    assert words_to_number(number_words(n)) == n


@given(st.integers(min_value=0, max_value=10**9))
def test_scale_nouns_agree_with_their_count(n: int) -> None:
    words = number_words(n).split()
    forms = {"tysiąc": 0, "tysiące": 1, "tysięcy": 2, "milion": 0, "miliony": 1, "milionów": 2}
    for index, word in enumerate(words):
        if word in forms:
            count = n // 1000 % 1000 if word.startswith("tysi") else n // 10**6 % 1000
            assert forms[word] == plural_form(count)
            if count == 1:
                assert index == 0 or words[index - 1] != "jeden", "no 'jeden tysiąc'"


@pytest.mark.parametrize(
    ("amount", "expected_noun", "expected_minor"),
    [
        ("1.00", "jeden złoty", "zero groszy"),
        ("2.01", "dwa złote", "jeden grosz"),
        ("5.02", "pięć złotych", "dwa grosze"),
        ("12.05", "dwanaście złotych", "pięć groszy"),
        ("22.12", "dwadzieścia dwa złote", "dwanaście groszy"),
        ("21.22", "dwadzieścia jeden złotych", "dwadzieścia dwa grosze"),
        ("114.99", "sto czternaście złotych", "dziewięćdziesiąt dziewięć groszy"),
    ],
)
def test_zloty_and_grosze_grammar(amount: str, expected_noun: str, expected_minor: str) -> None:
    assert amount_in_words(Decimal(amount)) == f"{expected_noun} {expected_minor}"


def test_round_thousands_and_millions_drop_jeden() -> None:
    assert amount_in_words(Decimal("1000")).startswith("tysiąc złotych")
    assert amount_in_words(Decimal("1000000")).startswith("milion złotych")
    assert amount_in_words(Decimal("2000")).startswith("dwa tysiące złotych")
    assert amount_in_words(Decimal("5000")).startswith("pięć tysięcy złotych")


def test_foreign_currencies() -> None:
    assert amount_in_words(Decimal("3.50"), "EUR") == "trzy euro pięćdziesiąt centów"
    assert amount_in_words(Decimal("2"), "USD").startswith("dwa dolary amerykańskie")
    assert amount_in_words(Decimal("7.07"), "NOK") == "siedem NOK 07/100"


def test_negative_amounts_of_corrections() -> None:
    assert amount_in_words(Decimal("-200")) == "minus dwieście złotych zero groszy"


@given(st.decimals(min_value=Decimal("-1e12") + 1, max_value=Decimal("1e12") - 1, places=2))
def test_amount_words_read_back(amount: Decimal) -> None:
    text = amount_in_words(amount)
    sign = -1 if text.startswith("minus ") else 1
    text = text.removeprefix("minus ")
    main, _, minor = text.partition(" złot")
    whole = words_to_number(main)
    minor_words = minor.split(" ", 1)[1].rsplit(" ", 1)[0]
    assert sign * (whole + Decimal(words_to_number(minor_words)) / 100) == amount
