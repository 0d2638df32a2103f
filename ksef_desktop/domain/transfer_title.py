"""What a bank-transfer title names: KSeF numbers, collective identifiers, NIPs and the
seller's own invoice numbers.

Titles arrive as banks deliver them: cut into lines (anywhere, even inside a KSeF
number), in lower case, with spaces added or lost. The search therefore runs over the
title with every whitespace removed and upper-cased (``TitleScan.compact``), and each
candidate must pass its checksum (KSeF numbers, identifiers: CRC-8; NIPs: python-stdnum)
before it counts; whatever was found is masked, so that the NIP at the head of a KSeF
number is not found again as a NIP, nor a date inside it as an invoice number.

An invoice number counts only at a boundary: the character before it (and after it) in
the title, spaces included, must not continue it — "1/2026" is not found in
"11/2026", nor "FV/1" in "FV/12".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ksef_desktop.domain.collective import collective_identifier_is_valid
from ksef_desktop.domain.identifiers import ksef_number_is_valid

_KSEF = re.compile(r"\d{10}-\d{8}-[0-9A-F]{12}-[0-9A-F]{2}", re.ASCII)
_LEGACY_KSEF = re.compile(r"\d{10}-\d{8}-[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{2}", re.ASCII)
_COLLECTIVE = re.compile(r"\d{10}-IZ\d{6}-[0-9A-F]{12}-[0-9A-F]{2}", re.ASCII)
# A NIP as people write it (after the spaces are gone): 10 digits, dashes anywhere in
# the usual places, an optional "PL"; not part of a longer run of digits.
_NIP = re.compile(r"(?:PL)?(\d{3}-?\d{3}-?\d{2}-?\d{2}|\d{3}-?\d{2}-?\d{2}-?\d{3})")
MASK = "\x00"
#: Shorter invoice numbers (or ones without a digit) are too likely to appear by chance.
MIN_NUMBER_LENGTH = 3


def _upper(ch: str) -> str:
    up = ch.upper()
    return up if len(up) == 1 else ch


@dataclass(frozen=True)
class TitleReferences:
    """What a title names, each in the order of its first appearance, without repeats."""

    ksef_numbers: tuple[str, ...] = ()
    collective_identifiers: tuple[str, ...] = ()
    nips: tuple[str, ...] = ()

    @property
    def names_invoices(self) -> bool:
        return bool(self.ksef_numbers or self.collective_identifiers)


class TitleScan:
    """One title, searched: ``references`` and ``invoice_numbers(candidates)``."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.upper = "".join(_upper(ch) for ch in title)
        kept = [(i, ch) for i, ch in enumerate(self.upper) if not ch.isspace()]
        #: The title without whitespace, upper-cased; ``_where[i]`` is where its i-th
        #: character stands in the title.
        self.compact = "".join(ch for _i, ch in kept)
        self._where = [i for i, _ch in kept]
        #: The title upper-cased, with whatever was found masked.
        self._masked = list(self.upper)
        ksef = self._take(_KSEF, ksef_number_is_valid) + self._take(
            _LEGACY_KSEF, ksef_number_is_valid
        )
        collective = self._take(_COLLECTIVE, collective_identifier_is_valid)
        #: What has the shape of a KSeF number or an identifier but fails its checksum or
        #: date (a typo, most likely); masked too: its NIP is no NIP of the title.
        self.malformed = [
            text
            for pattern in (_COLLECTIVE, _KSEF, _LEGACY_KSEF)
            for _pos, text in self._take(pattern, lambda _text: True)
        ]
        nips = self._take_nips()
        self.references = TitleReferences(
            _unique(n for _pos, n in sorted(ksef)),
            _unique(n for _pos, n in sorted(collective)),
            _unique(re.sub(r"\D", "", n) for _pos, n in sorted(nips)),
        )

    def _take(
        self, pattern: re.Pattern[str], valid: Callable[[str], bool]
    ) -> list[tuple[int, str]]:
        """Every valid match of ``pattern`` in the compact title (masked once taken)."""
        found = []
        for match in pattern.finditer(self.compact):
            if valid(match.group()):
                found.append((match.start(), match.group()))
                self._mask(*match.span())
        return found

    def _take_nips(self) -> list[tuple[int, str]]:
        """NIPs standing alone in the title (a run of more digits is no NIP)."""
        found = []
        start = 0
        while start < len(self.compact):
            match = _NIP.match(self.compact, start)
            if match and _nip_is_valid(match.group(1)) and self._bounded(*match.span(), "00"):
                found.append((match.start(), match.group(1)))
                self._mask(*match.span())
                start = match.end()
            else:
                start += 1
        return found

    def _mask(self, start: int, end: int) -> None:
        self.compact = self.compact[:start] + MASK * (end - start) + self.compact[end:]
        for i in range(start, end):
            self._masked[self._where[i]] = MASK

    def invoice_numbers(self, numbers: NumberIndex | Iterable[str]) -> list[str]:
        """Those of ``numbers`` that the title names (a number inside another one found
        is left out: "FV/1/2026" found, "1/2026" is not also found), in title order.
        Give a ``NumberIndex`` when searching many titles for the same numbers."""
        index = numbers if isinstance(numbers, NumberIndex) else NumberIndex(numbers)
        hits: list[tuple[int, int, str]] = []
        seen: set[str] = set()
        compact = self.compact
        for start in range(len(compact) - MIN_NUMBER_LENGTH + 1):
            for needle, number in index.starting(compact, start):
                if number in seen:
                    continue
                end = start + len(needle)
                if self._bounded(start, end, needle):
                    hits.append((start, end, number))
                    seen.add(number)
        kept = [
            h
            for h in hits
            if not any(o is not h and o[0] <= h[0] and h[1] <= o[1] and o[1] - o[0] > h[1] - h[0]
                       for o in hits)
        ]  # fmt: skip
        return [number for _s, _e, number in sorted(kept)]

    def _bounded(self, start: int, end: int, needle: str) -> bool:
        """The compact span ``start:end`` stands alone in the title."""
        first, last = self._where[start], self._where[end - 1]
        before = self._masked[first - 1] if first > 0 else " "
        after = self._masked[last + 1] if last + 1 < len(self._masked) else " "
        return not _continues(before, needle[0]) and not _continues(after, needle[-1])


class NumberIndex:
    """The seller's invoice numbers prepared for searching titles: each in the title's
    compact form, looked up by the substrings of the title of the lengths numbers have
    (a 140-character title is searched for thousands of numbers in about a thousand
    dictionary look-ups)."""

    def __init__(self, numbers: Iterable[str]) -> None:
        self._needles: dict[str, list[str]] = {}
        for number in dict.fromkeys(numbers):
            needle = "".join(_upper(ch) for ch in number if not ch.isspace())
            if len(needle) < MIN_NUMBER_LENGTH or not any(c.isdigit() for c in needle):
                continue
            self._needles.setdefault(needle, []).append(number)
        self._lengths = sorted({len(n) for n in self._needles})

    def starting(self, compact: str, start: int) -> list[tuple[str, str]]:
        """The numbers (compact form, as given) that stand in ``compact`` at ``start``."""
        found = []
        for length in self._lengths:
            needle = compact[start : start + length]
            if len(needle) < length:
                break
            for number in self._needles.get(needle, ()):
                found.append((needle, number))
        return found


def _continues(neighbour: str, edge: str) -> bool:
    """A character next to a number's edge that would continue it (digit by digit,
    letter by letter)."""
    if neighbour.isdigit() and edge.isdigit():
        return True
    return neighbour.isalpha() and edge.isalpha()


def _nip_is_valid(text: str) -> bool:
    from stdnum.pl import nip

    return bool(nip.is_valid(re.sub(r"\D", "", text)))


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def references_in(title: str) -> TitleReferences:
    return TitleScan(title).references
