"""Rebuild the pre-flight fixtures and their README from the official FA(3) samples.

Each fixture is one official sample (tests/data/fa3-official/) with one small change that
KSeF refuses but the XSD alone does not catch (or catches with an unreadable message).
Run from the repository root: ``python tests/data/preflight/regenerate.py``.
tests/unit/test_fa3_validate_fixtures.py checks that the committed files are exactly what
this script produces, so the README's description of each change stays true.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
OFFICIAL = HERE.parent / "fa3-official"
S1 = "FA_3_Przykład_1.xml"
S4 = "FA_3_Przykład_4.xml"
S24 = "FA_3_Przykład_24.xml"


def replace_once(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        assert data.count(old) >= 1, old
        return data.replace(old, new, 1)

    return change


def pad_with_comment(total: int) -> Callable[[bytes], bytes]:
    """Grow the file to ``total`` bytes with a comment of spaces before </Faktura>."""

    def change(data: bytes) -> bytes:
        end = data.rindex(b"</Faktura>")
        filler = total - len(data) - len(b"<!---->")
        return data[:end] + b"<!--" + b" " * filler + b"-->" + data[end:]

    return change


class Fixture(NamedTuple):
    name: str
    source: str
    change: str
    make: Callable[[bytes], bytes]


FIXTURES = (
    Fixture(
        "bom.xml",
        S1,
        "UTF-8 byte order mark (EF BB BF) added at the start",
        lambda d: b"\xef\xbb\xbf" + d,
    ),
    Fixture(
        "not-utf8.xml",
        S1,
        "the `ó` of `lodówka` (line 79) written as the ISO-8859-2 byte F3",
        replace_once("lodówka Zimnotech".encode(), b"lod\xf3wka Zimnotech"),
    ),
    Fixture(
        "not-utf8-utf16.xml",
        S1,
        "the whole file re-encoded as UTF-16 with a BOM (declaration says UTF-16)",
        lambda d: d.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
    ),
    Fixture(
        "encoding.xml",
        S1,
        'declaration `encoding="UTF-8"` changed to `encoding="ISO-8859-2"` (bytes still UTF-8)',
        replace_once(b'encoding="UTF-8"', b'encoding="ISO-8859-2"'),
    ),
    Fixture(
        "xml-version.xml",
        S1,
        'declaration `version="1.0"` changed to `version="1.1"`',
        replace_once(b'version="1.0"', b'version="1.1"'),
    ),
    Fixture(
        "processing-instruction.xml",
        S1,
        '`<?xml-stylesheet type="text/xsl" href="faktura.xsl"?>` inserted at the start of line 2',
        replace_once(
            b"\r\n<Faktura", b'\r\n<?xml-stylesheet type="text/xsl" href="faktura.xsl"?><Faktura'
        ),
    ),
    Fixture(
        "forbidden-char.xml",
        S1,
        "U+0093 (a C1 control character, a typical cp1252 mix-up) inserted in `P_7` on line 79",
        replace_once(b"<P_7>lod", "<P_7>\u0093lod".encode()),
    ),
    Fixture(
        "too-large.xml",
        S1,
        "a comment of spaces before `</Faktura>` grows the file to 1 000 001 bytes (no attachment)",
        pad_with_comment(1_000_001),
    ),
    Fixture(
        "too-large-attachment.xml",
        S24,
        "a comment of spaces before `</Faktura>` grows the file (which has a `Zalacznik`) "
        "to 3 000 001 bytes",
        pad_with_comment(3_000_001),
    ),
    Fixture(
        "lowercase-code.xml",
        S1,
        "`KodKraju` of Podmiot1 (line 16) `PL` changed to `pl`",
        replace_once(b"<KodKraju>PL</KodKraju>", b"<KodKraju>pl</KodKraju>"),
    ),
    Fixture(
        "lowercase-code-currency.xml",
        S1,
        "`KodWaluty` (line 44) `PLN` changed to `pln`",
        replace_once(b"<KodWaluty>PLN</KodWaluty>", b"<KodWaluty>pln</KodWaluty>"),
    ),
    Fixture(
        "enum-whitespace.xml",
        S1,
        "`P_12` of the first line item (line 84) `23` changed to ` 23` (a leading space)",
        replace_once(b"<P_12>23</P_12>", b"<P_12> 23</P_12>"),
    ),
    Fixture(
        "enum-whitespace-rodzaj.xml",
        S1,
        "`RodzajFaktury` (line 70) `VAT` changed to `VAT ` (a trailing space)",
        replace_once(b"<RodzajFaktury>VAT</RodzajFaktury>", b"<RodzajFaktury>VAT </RodzajFaktury>"),
    ),
    Fixture(
        "issue-date-future.xml",
        S1,
        "`P_1` (line 45) `2026-02-15` changed to `2049-12-31` "
        "(the XSD allows dates up to 2050-01-01)",
        replace_once(b"<P_1>2026-02-15</P_1>", b"<P_1>2049-12-31</P_1>"),
    ),
    Fixture(
        "dtd.xml",
        S1,
        'an internal DTD `<!DOCTYPE Faktura [<!ENTITY nazwa "ABC AGD sp. z o. o.">]>` on line 2; '
        "Podmiot1's `Nazwa` (now line 14) written as `&nazwa;`",
        lambda d: replace_once(b"<Nazwa>ABC AGD sp. z o. o.</Nazwa>", b"<Nazwa>&nazwa;</Nazwa>")(
            replace_once(
                b"\r\n<Faktura",
                b'\r\n<!DOCTYPE Faktura [<!ENTITY nazwa "ABC AGD sp. z o. o.">]>\r\n<Faktura',
            )(d)
        ),
    ),
    Fixture(
        "nip-checksum.xml",
        S1,
        "Podmiot1's `NIP` (line 12) `9999999999` changed to `9999999990` "
        "(right shape, wrong check digit)",
        replace_once(b"<NIP>9999999999</NIP>", b"<NIP>9999999990</NIP>"),
    ),
    Fixture(
        "nip-checksum-podmiot2.xml",
        S1,
        "Podmiot2's `NIP` (line 27) `1111111111` changed to `1111111112`",
        replace_once(b"<NIP>1111111111</NIP>", b"<NIP>1111111112</NIP>"),
    ),
    Fixture(
        "internal-id-checksum.xml",
        S4,
        "Podmiot3's `<NIP>2222222222</NIP>` (line 45) replaced by "
        "`<IDWew>2222222222-00002</IDWew>` "
        "(the check digit should be 0)",
        replace_once(b"<NIP>2222222222</NIP>", b"<IDWew>2222222222-00002</IDWew>"),
    ),
    Fixture(
        "not-xml.xml",
        S1,
        "cut after the first 2 000 bytes (inside `Klucz` on line 73)",
        lambda d: d[:2000],
    ),
)


def readme() -> str:
    rows = "\n".join(f"| `{f.name}` | `{f.source}` | {f.change} |" for f in FIXTURES)
    return f"""# Pre-flight fixtures — provenance

Each file is one official Ministry of Finance sample from `../fa3-official/` (see
`../README.md` for where those come from) with ONE small change that KSeF refuses
(KSEF-PROTOCOL.md §3.2 "Invoice checks"). They are generated, never edited by hand:
`python tests/data/preflight/regenerate.py` rebuilds them and this README, and
`tests/unit/test_fa3_validate_fixtures.py` fails if a file differs from what the script
makes. Line numbers refer to the changed file.

| fixture | official sample | the change |
|---|---|---|
{rows}
"""


def main() -> None:
    for fixture in FIXTURES:
        data = (OFFICIAL / fixture.source).read_bytes()
        (HERE / fixture.name).write_bytes(fixture.make(data))
    (HERE / "README.md").write_text(readme(), encoding="utf-8")


if __name__ == "__main__":
    main()
