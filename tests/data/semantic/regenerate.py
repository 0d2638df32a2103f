"""Rebuild the semantic fixtures and their README from the official FA(3) samples.

Each fixture is one official sample (tests/data/fa3-official/) with one small change
that KSeF accepts (the file stays XSD-valid) but that makes the invoice wrong in law or
in its arithmetic: exactly one rule of ksef_desktop/fa3/semantic flags it. Where the
sample's only other fault is a KSeF number with a wrong check code (the samples use
placeholders), the number is first replaced by a valid one of the same seller and day,
so that the fixture shows its own rule alone.
Run from the repository root: ``python tests/data/semantic/regenerate.py``.
tests/unit/test_semantic_fixtures.py checks that the committed files are exactly what
this script produces, so the README's description of each change stays true.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
OFFICIAL = HERE.parent / "fa3-official"
S2 = "FA_3_Przykład_2.xml"
S4 = "FA_3_Przykład_4.xml"
S9 = "FA_3_Przykład_9.xml"
S10 = "FA_3_Przykład_10.xml"
S14 = "Fa_3_Przykład_14.xml"
S20 = "Fa_3_Przykład_20.xml"
S22 = "FA_3_Przykład_22.xml"
S26 = "FA_3_Przykład_26.xml"

Change = Callable[[bytes], bytes]


def replace_once(old: bytes, new: bytes) -> Change:
    def change(data: bytes) -> bytes:
        assert data.count(old) >= 1, old
        return data.replace(old, new, 1)

    return change


def remove(pattern: bytes) -> Change:
    """Remove the first match of ``pattern`` (with the line break and indentation before it)."""

    def change(data: bytes) -> bytes:
        found = re.search(rb"\r?\n\t*" + pattern, data, re.DOTALL)
        assert found is not None, pattern
        return data[: found.start()] + data[found.end() :]

    return change


def in_nth(tag: bytes, n: int, old: bytes, new: bytes) -> Change:
    """Replace ``old`` by ``new`` inside the ``n``-th (1-based) ``<tag>...</tag>``."""

    def change(data: bytes) -> bytes:
        blocks = list(re.finditer(b"<" + tag + b">.*?</" + tag + b">", data, re.DOTALL))
        block = blocks[n - 1]
        inner = block.group(0)
        assert inner.count(old) == 1, old
        return data[: block.start()] + inner.replace(old, new) + data[block.end() :]

    return change


def chain(*changes: Change) -> Change:
    def change(data: bytes) -> bytes:
        for step in changes:
            data = step(data)
        return data

    return change


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def ksef_number(nip: str, day: date, technical: str) -> bytes:
    """A KSeF number with its CRC-8 check code (KSEF-PROTOCOL.md §5)."""
    data = f"{nip}-{day:%Y%m%d}-{technical}"
    return f"{data}-{_crc8(data.encode()):02X}".encode()


def valid_ksef_numbers(data: bytes) -> bytes:
    """Every placeholder KSeF number of the samples made valid: same seller and date,
    same technical part, the right check code."""

    def fix(match: re.Match[bytes]) -> bytes:
        nip, day, technical = match.group(1).decode(), match.group(2).decode(), match.group(3)
        parsed = date(int(day[:4]), int(day[4:6]), int(day[6:]))
        return ksef_number(nip, parsed, technical.decode())

    return re.sub(rb"(\d{10})-(\d{8})-([0-9A-F]{12})-[0-9A-F]{2}", fix, data)


class Fixture(NamedTuple):
    name: str
    rule: str
    source: str
    change: str
    make: Change


FIXTURES = (
    Fixture(
        "line-value.xml",
        "line-value",
        S4,
        "line 1's unit price `P_9A` `1626.01` changed to `1626.11`; its value `P_11` stays "
        "`16260.10` (10 × 1626.11 = 16261.10)",
        replace_once(b"<P_9A>1626.01</P_9A>", b"<P_9A>1626.11</P_9A>"),
    ),
    Fixture(
        "line-vat.xml",
        "line-vat",
        S4,
        "line 1 gets `<P_11Vat>3793.82</P_11Vat>` after `P_11` (23 % of 16260.10 is 3739.82)",
        replace_once(b"<P_11>16260.10</P_11>", b"<P_11>16260.10</P_11><P_11Vat>3793.82</P_11Vat>"),
    ),
    Fixture(
        "rate-net.xml",
        "rate-net",
        S9,
        "`P_13_7` `300` changed to `310` and `P_15` `2760` to `2770` (the total still adds "
        "up, but the only exempt line is worth 300)",
        chain(
            replace_once(b"<P_13_7>300</P_13_7>", b"<P_13_7>310</P_13_7>"),
            replace_once(b"<P_15>2760</P_15>", b"<P_15>2770</P_15>"),
        ),
    ),
    Fixture(
        "rate-net-correction.xml",
        "rate-net",
        S2,
        "KSeF number made valid; the line after the correction (no `StanPrzed`) `P_9A`/`P_11` "
        "`1463.41` changed to `1463.42`: after minus before is −162.59, `P_13_1` says −162.60",
        chain(
            valid_ksef_numbers,
            replace_once(b"<P_9A>1463.41</P_9A>", b"<P_9A>1463.42</P_9A>"),
            replace_once(b"<P_11>1463.41</P_11>", b"<P_11>1463.42</P_11>"),
        ),
    ),
    Fixture(
        "rate-vat.xml",
        "rate-vat",
        S9,
        "`P_14_1` `460` changed to `470` and `P_15` `2760` to `2770` (23 % of 2000 is 460)",
        chain(
            replace_once(b"<P_14_1>460</P_14_1>", b"<P_14_1>470</P_14_1>"),
            replace_once(b"<P_15>2760</P_15>", b"<P_15>2770</P_15>"),
        ),
    ),
    Fixture(
        "total.xml",
        "total",
        S9,
        "`P_15` `2760` changed to `2761`",
        replace_once(b"<P_15>2760</P_15>", b"<P_15>2761</P_15>"),
    ),
    Fixture(
        "charges.xml",
        "charges",
        S26,
        "`Rozliczenie/DoZaplaty` `36.5` changed to `35.5` (P_15 31.5 + deposit 5 = 36.5)",
        replace_once(b"<DoZaplaty>36.5</DoZaplaty>", b"<DoZaplaty>35.5</DoZaplaty>"),
    ),
    Fixture(
        "currency.xml",
        "currency",
        S9,
        "line 1 of this PLN invoice gets `<KursWaluty>4.2</KursWaluty>` after `P_12`",
        replace_once(b"<P_12>23</P_12>", b"<P_12>23</P_12><KursWaluty>4.2</KursWaluty>"),
    ),
    Fixture(
        "currency-tax.xml",
        "currency-tax",
        S20,
        "`P_14_1W` `14036.16` changed to `14063.16` (3118.80 EUR × 4.5005 = 14036.16 PLN)",
        replace_once(b"<P_14_1W>14036.16</P_14_1W>", b"<P_14_1W>14063.16</P_14_1W>"),
    ),
    Fixture(
        "advance-order.xml",
        "advance-order",
        S10,
        "`WartoscZamowienia` `375150` changed to `375105` (the order's lines add up to 375150)",
        replace_once(
            b"<WartoscZamowienia>375150</WartoscZamowienia>",
            b"<WartoscZamowienia>375105</WartoscZamowienia>",
        ),
    ),
    Fixture(
        "advance-split.xml",
        "advance-split",
        S10,
        "the advance of 20000 split half at 23 % (`P_13_1` 8130.08, `P_14_1` 1869.92) and "
        "half at 8 % (`P_13_2` 9259.26, `P_14_2` 740.74), though the whole order is at 23 %",
        chain(
            replace_once(b"<P_13_1>16260.16</P_13_1>", b"<P_13_1>8130.08</P_13_1>"),
            replace_once(
                b"<P_14_1>3739.84</P_14_1>",
                b"<P_14_1>1869.92</P_14_1><P_13_2>9259.26</P_13_2><P_14_2>740.74</P_14_2>",
            ),
        ),
    ),
    Fixture(
        "advance-settlement.xml",
        "advance-settlement",
        S14,
        "the settlement invoice (ROZ) loses its `FakturaZaliczkowa` (the advance invoice it "
        "settles)",
        remove(rb"<FakturaZaliczkowa>.*?</FakturaZaliczkowa>"),
    ),
    Fixture(
        "correction-lines.xml",
        "correction-lines",
        S4,
        "line 3 of this VAT invoice gets `<StanPrzed>1</StanPrzed>` after `P_12`",
        in_nth(b"FaWiersz", 3, b"<P_12>23</P_12>", b"<P_12>23</P_12><StanPrzed>1</StanPrzed>"),
    ),
    Fixture(
        "correction-reference.xml",
        "correction-reference",
        S2,
        "the correction (KOR) loses `PrzyczynaKorekty`, `TypKorekty` and `DaneFaKorygowanej`: "
        "it names no corrected invoice",
        chain(
            remove(rb"<PrzyczynaKorekty>.*?</PrzyczynaKorekty>"),
            remove(rb"<TypKorekty>.*?</TypKorekty>"),
            remove(rb"<DaneFaKorygowanej>.*?</DaneFaKorygowanej>"),
        ),
    ),
    Fixture(
        "negative.xml",
        "negative",
        S9,
        "the exempt line 2 made a return: `P_8B` `1` → `-1`, `P_11` `300` → `-300`, and the "
        "totals follow (`P_13_7` `-300`, `P_15` `2160`)",
        chain(
            replace_once(
                b"<P_8B>1</P_8B>\r\n\t\t\t<P_9A>300</P_9A>\r\n\t\t\t<P_11>300</P_11>",
                b"<P_8B>-1</P_8B>\r\n\t\t\t<P_9A>300</P_9A>\r\n\t\t\t<P_11>-300</P_11>",
            ),
            replace_once(b"<P_13_7>300</P_13_7>", b"<P_13_7>-300</P_13_7>"),
            replace_once(b"<P_15>2760</P_15>", b"<P_15>2160</P_15>"),
        ),
    ),
    Fixture(
        "line-numbers.xml",
        "line-numbers",
        S4,
        "line 3's `NrWierszaFa` `3` changed to `2`",
        replace_once(b"<NrWierszaFa>3</NrWierszaFa>", b"<NrWierszaFa>2</NrWierszaFa>"),
    ),
    Fixture(
        "reverse-charge.xml",
        "reverse-charge",
        S9,
        "`P_18` `2` changed to `1` (reverse charge) on an invoice charging 23 % VAT",
        replace_once(b"<P_18>2</P_18>", b"<P_18>1</P_18>"),
    ),
    Fixture(
        "reverse-charge-missing.xml",
        "reverse-charge",
        S22,
        "the intra-EU supply (0 WDT, `P_13_6_2`) made EU services of art. 28b (`P_12` `np II`, "
        "`P_13_9`), with `P_18` left at `2`",
        chain(
            replace_once(b"<P_12>0 WDT</P_12>", b"<P_12>np II</P_12>"),
            replace_once(b"<P_13_6_2>4000</P_13_6_2>", b"<P_13_9>4000</P_13_9>"),
        ),
    ),
    Fixture(
        "exemption.xml",
        "exemption",
        S9,
        "`Zwolnienie`'s `P_19` `1` and `P_19A` (the legal basis) replaced by `P_19N` `1`, "
        "though line 2 is exempt (zw)",
        replace_once(
            b"<P_19>1</P_19>\r\n\t\t\t\t<P_19A>art. 43 ust. 1 pkt 37 ustawy VAT</P_19A>",
            b"<P_19N>1</P_19N>",
        ),
    ),
    Fixture(
        "bank-account.xml",
        "bank-account",
        S9,
        "`NrRB` `73111111111111111111111111` changed to `73111111111111111111111112`",
        replace_once(b"11111111111111111111111</NrRB>", b"11111111111111111111112</NrRB>"),
    ),
    Fixture(
        "nip.xml",
        "nip",
        S20,
        "the carrier's `NIP` (`WarunkiTransakcji/Transport/Przewoznik`) `6666666666` changed "
        "to `6666666665`",
        replace_once(b"<NIP>6666666666</NIP>", b"<NIP>6666666665</NIP>"),
    ),
    Fixture(
        "ksef-number.xml",
        "ksef-number",
        S2,
        "the corrected invoice's KSeF number replaced by `9999999999-20260215-0100001AF629-00` "
        "(this seller and the corrected invoice's date; the check code should be "
        f"{ksef_number('9999999999', date(2026, 2, 15), '0100001AF629')[-2:].decode()})",
        lambda d: re.sub(
            rb"9999999999-20230908-8BEF280C8D35-4D", b"9999999999-20260215-0100001AF629-00", d
        ),
    ),
    Fixture(
        "timing.xml",
        "timing",
        S26,
        "`P_6` `2026-02-01` changed to `2025-12-01` (issued 2026-02-01, after the 15 January "
        "deadline of art. 106i ust. 1)",
        replace_once(b"<P_6>2026-02-01</P_6>", b"<P_6>2025-12-01</P_6>"),
    ),
    Fixture(
        "timing-early.xml",
        "timing",
        S26,
        "`P_6` `2026-02-01` changed to `2026-04-15` (issued 2026-02-01, more than 60 days "
        "before the supply: art. 106i ust. 7)",
        replace_once(b"<P_6>2026-02-01</P_6>", b"<P_6>2026-04-15</P_6>"),
    ),
)


def readme() -> str:
    rows = "\n".join(f"| `{f.name}` | `{f.rule}` | `{f.source}` | {f.change} |" for f in FIXTURES)
    return f"""# Semantic fixtures — provenance

Each file is one official Ministry of Finance sample from `../fa3-official/` (see
`../README.md` for where those come from) with ONE small change that KSeF accepts (the
file stays valid against the FA(3) schema) but that makes the invoice wrong: exactly the
rule named below flags it, and no other (ksef_desktop/fa3/semantic). Where a sample's
only fault is a KSeF number with a wrong check code (the samples carry placeholders), the
number is first made valid ("KSeF number made valid"), so the file shows its rule alone.
They are generated, never edited by hand: `python tests/data/semantic/regenerate.py`
rebuilds them and this README, and `tests/unit/test_semantic_fixtures.py` fails if a
file differs from what the script makes.

| fixture | rule | official sample | the change |
|---|---|---|---|
{rows}
"""


def main() -> None:
    for fixture in FIXTURES:
        data = (OFFICIAL / fixture.source).read_bytes()
        (HERE / fixture.name).write_bytes(fixture.make(data))
    (HERE / "README.md").write_text(readme(), encoding="utf-8")


if __name__ == "__main__":
    main()
