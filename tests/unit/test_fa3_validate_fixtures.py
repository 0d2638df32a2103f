"""Every pre-flight defect has a fixture (an official sample with one small change) that
fails with exactly its code and message, in Polish and in English."""

from __future__ import annotations

import importlib.util
from datetime import date
from types import ModuleType

import pytest

from ksef_desktop.fa3.validate import validate
from tests.conftest import DATA

FIXTURES = DATA / "preflight"
TODAY = date(2026, 11, 24)

# fixture -> (code, line, English, Polish): the one defect KSeF would report.
EXPECTED: dict[str, tuple[str, int | None, str, str]] = {
    "bom.xml": (
        "bom",
        None,
        "The file starts with a byte order mark (BOM); KSeF accepts UTF-8 without a BOM.",
        "Plik zaczyna się od znacznika kolejności bajtów (BOM); KSeF przyjmuje UTF-8 bez BOM.",
    ),
    "not-utf8.xml": (
        "not-utf8",
        79,
        "line 79: The file is not valid UTF-8 (byte 0xF3 cannot be read); save it in UTF-8.",
        "linia 79: Plik nie jest poprawnym tekstem UTF-8 (nie można odczytać bajtu 0xF3); "
        "zapisz go w kodowaniu UTF-8.",
    ),
    "not-utf8-utf16.xml": (
        "not-utf8",
        None,
        "The file is in UTF-16 or UTF-32; KSeF accepts only UTF-8.",
        "Plik jest zapisany w UTF-16 lub UTF-32; KSeF przyjmuje wyłącznie UTF-8.",
    ),
    "encoding.xml": (
        "encoding",
        1,
        "line 1: The XML declaration names the encoding ISO-8859-2; KSeF accepts only UTF-8 "
        '(encoding="UTF-8").',
        "linia 1: Deklaracja XML podaje kodowanie ISO-8859-2; KSeF przyjmuje wyłącznie UTF-8 "
        '(encoding="UTF-8").',
    ),
    "xml-version.xml": (
        "xml-version",
        1,
        "line 1: The XML declaration names version 1.1; KSeF accepts XML 1.0.",
        "linia 1: Deklaracja XML podaje wersję 1.1; KSeF przyjmuje XML 1.0.",
    ),
    "processing-instruction.xml": (
        "processing-instruction",
        2,
        "line 2: The processing instruction <?xml-stylesheet ...?> is not allowed; KSeF "
        "refuses invoices with processing instructions.",
        "linia 2: Instrukcja przetwarzania <?xml-stylesheet ...?> jest niedozwolona; KSeF "
        "odrzuca faktury z instrukcjami przetwarzania.",
    ),
    "forbidden-char.xml": (
        "forbidden-char",
        79,
        "line 79: The character U+0093 is not allowed by KSeF (a control character or a "
        "Unicode non-character).",
        "linia 79: Znak U+0093 jest niedozwolony w KSeF (znak sterujący albo kod niebędący "
        "znakiem Unicode).",
    ),
    "too-large.xml": (
        "too-large",
        None,
        "The file size (1 000 001 bytes) exceeds KSeF's limit of 1 000 000 bytes for an "
        "invoice without an attachment.",
        "Rozmiar pliku (1 000 001 B) przekracza limit KSeF wynoszący 1 000 000 B dla faktury "
        "bez załącznika.",
    ),
    "too-large-attachment.xml": (
        "too-large",
        None,
        "The file size (3 000 001 bytes) exceeds KSeF's limit of 3 000 000 bytes for an "
        "invoice with an attachment (Zalacznik).",
        "Rozmiar pliku (3 000 001 B) przekracza limit KSeF wynoszący 3 000 000 B dla faktury "
        "z załącznikiem (Zalacznik).",
    ),
    "lowercase-code.xml": (
        "lowercase-code",
        16,
        "line 16: The country code 'pl' in KodKraju must be in capital letters: 'PL'.",
        "linia 16: Kod kraju 'pl' w elemencie KodKraju musi być zapisany wielkimi literami: 'PL'.",
    ),
    "lowercase-code-currency.xml": (
        "lowercase-code",
        44,
        "line 44: The currency code 'pln' in KodWaluty must be in capital letters: 'PLN'.",
        "linia 44: Kod waluty 'pln' w elemencie KodWaluty musi być zapisany wielkimi literami: "
        "'PLN'.",
    ),
    "enum-whitespace.xml": (
        "enum-whitespace",
        84,
        "line 84: The value of P_12 has extra spaces: ' 23'; write '23'.",
        "linia 84: Wartość elementu P_12 zawiera zbędne odstępy: ' 23'; wpisz '23'.",
    ),
    "enum-whitespace-rodzaj.xml": (
        "enum-whitespace",
        70,
        "line 70: The value of RodzajFaktury has extra spaces: 'VAT '; write 'VAT'.",
        "linia 70: Wartość elementu RodzajFaktury zawiera zbędne odstępy: 'VAT '; wpisz 'VAT'.",
    ),
    "issue-date-future.xml": (
        "issue-date-future",
        45,
        "line 45: The issue date P_1 (2049-12-31) is later than today (2026-11-24); KSeF "
        "refuses invoices dated in the future.",
        "linia 45: Data wystawienia P_1 (2049-12-31) jest późniejsza niż dzisiejsza data "
        "(2026-11-24); KSeF odrzuca faktury z datą wystawienia z przyszłości.",
    ),
    "dtd.xml": (
        "dtd",
        2,
        "line 2: The file contains a DOCTYPE declaration (a DTD or entities); an invoice must "
        "not have one, and it was not processed.",
        "linia 2: Plik zawiera deklarację DOCTYPE (DTD lub encje); faktura nie może jej "
        "zawierać i nie została ona przetworzona.",
    ),
    "nip-checksum.xml": (
        "nip-checksum",
        12,
        "line 12: The seller's NIP 9999999990 (Podmiot1) has a wrong check digit.",
        "linia 12: NIP sprzedawcy 9999999990 (Podmiot1) ma błędną cyfrę kontrolną.",
    ),
    "nip-checksum-podmiot2.xml": (
        "nip-checksum",
        27,
        "line 27: The buyer's NIP 1111111112 (Podmiot2) has a wrong check digit.",
        "linia 27: NIP nabywcy 1111111112 (Podmiot2) ma błędną cyfrę kontrolną.",
    ),
    "internal-id-checksum.xml": (
        "internal-id-checksum",
        45,
        "line 45: The internal identifier 2222222222-00002 of a third party (Podmiot3/IDWew) "
        "has a wrong check digit.",
        "linia 45: Identyfikator wewnętrzny 2222222222-00002 podmiotu trzeciego "
        "(Podmiot3/IDWew) ma błędną cyfrę kontrolną.",
    ),
    "not-xml.xml": (
        "not-xml",
        73,
        "line 73: The file ends before element <Klucz> is closed (is it cut short?).",
        "linia 73: Plik kończy się przed zamknięciem elementu <Klucz> (czy nie jest ucięty?).",
    ),
}

PREFLIGHT_CODES = {
    "bom",
    "not-utf8",
    "encoding",
    "xml-version",
    "processing-instruction",
    "forbidden-char",
    "too-large",
    "lowercase-code",
    "enum-whitespace",
    "issue-date-future",
    "dtd",
    "not-xml",
    "nip-checksum",
    "internal-id-checksum",
}


def _regenerate_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("regenerate", FIXTURES / "regenerate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_fails_with_its_one_defect_in_both_languages(name: str) -> None:
    code, line, english, polish = EXPECTED[name]
    defects = validate((FIXTURES / name).read_bytes(), today=TODAY)
    assert [(d.code, d.line) for d in defects] == [(code, line)]
    assert defects[0].text("en") == english
    assert defects[0].text("pl") == polish


def test_every_preflight_code_has_a_fixture_and_every_fixture_an_expectation() -> None:
    assert {code for code, *_ in EXPECTED.values()} == PREFLIGHT_CODES
    assert {p.name for p in FIXTURES.glob("*.xml")} == set(EXPECTED)


def test_fixtures_and_readme_are_exactly_what_the_script_makes() -> None:
    module = _regenerate_module()
    for fixture in module.FIXTURES:
        source = (DATA / "fa3-official" / fixture.source).read_bytes()
        made = fixture.make(source)
        assert made != source, fixture.name
        assert (FIXTURES / fixture.name).read_bytes() == made, fixture.name
    assert (FIXTURES / "README.md").read_text(encoding="utf-8") == module.readme()


def test_each_fixture_differs_from_a_valid_official_sample() -> None:
    """The fixtures fail because of their change: their sources are valid."""
    module = _regenerate_module()
    for source in {f.source for f in module.FIXTURES}:
        assert validate((DATA / "fa3-official" / source).read_bytes(), today=TODAY) == []
