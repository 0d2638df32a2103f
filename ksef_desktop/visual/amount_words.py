"""Amounts in Polish words, as invoices print them: "sto dwadzieścia trzy złote 45 gr".

Grammar: a noun after a number takes the nominative singular for exactly 1 ("jeden
złoty", "tysiąc"), the nominative plural when the number ends in 2-4 but not 12-14
("dwa złote", "dwadzieścia cztery tysiące"), and the genitive plural otherwise ("pięć
złotych", "jedenaście tysięcy", "dwadzieścia jeden złotych"). "Tysiąc" and "milion"
stand without "jeden" when the group is exactly one. Grosze are written in words too,
with the same rule ("jeden grosz", "dwa grosze", "pięć groszy").
"""

from __future__ import annotations

from decimal import Decimal

from ksef_desktop.domain.money import round_money

_UNITS = (
    "zero",
    "jeden",
    "dwa",
    "trzy",
    "cztery",
    "pięć",
    "sześć",
    "siedem",
    "osiem",
    "dziewięć",
)
_TEENS = (
    "dziesięć",
    "jedenaście",
    "dwanaście",
    "trzynaście",
    "czternaście",
    "piętnaście",
    "szesnaście",
    "siedemnaście",
    "osiemnaście",
    "dziewiętnaście",
)
_TENS = (
    "",
    "",
    "dwadzieścia",
    "trzydzieści",
    "czterdzieści",
    "pięćdziesiąt",
    "sześćdziesiąt",
    "siedemdziesiąt",
    "osiemdziesiąt",
    "dziewięćdziesiąt",
)
_HUNDREDS = (
    "",
    "sto",
    "dwieście",
    "trzysta",
    "czterysta",
    "pięćset",
    "sześćset",
    "siedemset",
    "osiemset",
    "dziewięćset",
)
#: (singular, plural 2-4, plural genitive) of each power of a thousand.
_SCALES = (
    ("", "", ""),
    ("tysiąc", "tysiące", "tysięcy"),
    ("milion", "miliony", "milionów"),
    ("miliard", "miliardy", "miliardów"),
    ("bilion", "biliony", "bilionów"),
    ("biliard", "biliardy", "biliardów"),
)

#: Currency → (main unit forms, minor unit forms), each (1, 2-4, 5+).
CURRENCY_WORDS: dict[str, tuple[tuple[str, str, str], tuple[str, str, str]]] = {
    "PLN": (("złoty", "złote", "złotych"), ("grosz", "grosze", "groszy")),
    "EUR": (("euro", "euro", "euro"), ("cent", "centy", "centów")),
    "USD": (
        ("dolar amerykański", "dolary amerykańskie", "dolarów amerykańskich"),
        ("cent", "centy", "centów"),
    ),
    "GBP": (
        ("funt szterling", "funty szterlingi", "funtów szterlingów"),
        ("pens", "pensy", "pensów"),
    ),
    "CHF": (
        ("frank szwajcarski", "franki szwajcarskie", "franków szwajcarskich"),
        ("centym", "centymy", "centymów"),
    ),
    "CZK": (
        ("korona czeska", "korony czeskie", "koron czeskich"),
        ("halerz", "halerze", "halerzy"),
    ),
}


def plural_form(n: int) -> int:
    """0 for exactly one, 1 for 2-4 (not 12-14), 2 otherwise (Polish noun agreement)."""
    if n == 1:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


def _below_thousand(n: int) -> list[str]:
    words = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words.append(_HUNDREDS[hundreds])
    if 10 <= rest < 20:
        words.append(_TEENS[rest - 10])
    else:
        tens, units = divmod(rest, 10)
        if tens:
            words.append(_TENS[tens])
        if units:
            words.append(_UNITS[units])
    return words


def number_words(n: int) -> str:
    """A whole number in Polish words: 21 → "dwadzieścia jeden"."""
    if n < 0:
        return "minus " + number_words(-n)
    if n == 0:
        return _UNITS[0]
    groups = []
    while n:
        n, group = divmod(n, 1000)
        groups.append(group)
    if len(groups) > len(_SCALES):
        raise ValueError("number too large to write in words")
    words: list[str] = []
    for power in range(len(groups) - 1, -1, -1):
        group = groups[power]
        if not group:
            continue
        if power and group == 1:
            words.append(_SCALES[power][0])
            continue
        words.extend(_below_thousand(group))
        if power:
            words.append(_SCALES[power][plural_form(group)])
    return " ".join(words)


def _with_noun(n: int, forms: tuple[str, str, str]) -> str:
    return f"{number_words(n)} {forms[plural_form(n)]}"


def amount_in_words(amount: Decimal, currency: str = "PLN") -> str:
    """``Decimal("1234.56"), "PLN"`` → "tysiąc dwieście trzydzieści cztery złote
    pięćdziesiąt sześć groszy". An unknown currency keeps its code and the minor part
    as a fraction: "sto AUD 50/100"; so does an amount past the largest word (10¹⁸),
    in digits."""
    rounded = round_money(amount)
    sign = "minus " if rounded < 0 else ""
    whole, minor = divmod(int(abs(rounded) * 100), 100)
    names = CURRENCY_WORDS.get(currency.upper())
    if whole >= 1000 ** len(_SCALES):  # beyond "biliard": no words; the digits stand
        return f"{sign}{whole} {currency.upper()} {minor:02d}/100"
    if names is None:
        return f"{sign}{number_words(whole)} {currency.upper()} {minor:02d}/100"
    main, sub = names
    return f"{sign}{_with_noun(whole, main)} {_with_noun(minor, sub)}"
