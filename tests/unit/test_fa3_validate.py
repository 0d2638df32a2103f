"""validate(): the official samples pass; XSD errors read as one clear sentence each."""

from __future__ import annotations

import re
import threading
from datetime import date
from pathlib import Path

import pytest

from ksef_desktop import i18n
from ksef_desktop.fa3.defect import Defect
from ksef_desktop.fa3.validate import validate
from tests.conftest import DATA, OFFICIAL_SAMPLES

TODAY = date(2026, 11, 24)
SAMPLE_1 = (DATA / "fa3-official" / "FA_3_Przykład_1.xml").read_bytes()
SAMPLE_24 = (DATA / "fa3-official" / "FA_3_Przykład_24.xml").read_bytes()


def _changed(old: bytes, new: bytes, data: bytes = SAMPLE_1) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


def _line_of(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


def test_there_are_26_official_samples() -> None:
    assert len(OFFICIAL_SAMPLES) == 26


@pytest.mark.parametrize("path", OFFICIAL_SAMPLES, ids=lambda p: p.name)
def test_official_sample_is_valid(path: Path) -> None:
    assert validate(path.read_bytes(), today=TODAY) == []


# --- the Defect value ----------------------------------------------------------------


def test_defect_text_follows_the_language() -> None:
    defect = Defect(
        "nip-checksum",
        "The seller's NIP {nip} (Podmiot1) has a wrong check digit.",
        {"nip": "9999999990"},
        line=12,
    )
    assert (
        defect.text("en")
        == "line 12: The seller's NIP 9999999990 (Podmiot1) has a wrong check digit."
    )
    assert (
        defect.text("pl")
        == "linia 12: NIP sprzedawcy 9999999990 (Podmiot1) ma błędną cyfrę kontrolną."
    )
    assert str(defect) == defect.text("pl")  # Polish is the default
    i18n.set_language("en")
    assert str(defect) == defect.text("en")
    assert defect.text() == defect.text("en")


def test_defects_are_values() -> None:
    a = Defect("bom", "x {v}", {"v": "1"})
    b = Defect("bom", "x {v}", {"v": "1"})
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b, Defect("bom", "x {v}", {"v": "2"})}) == 2


def test_user_text_with_braces_is_not_a_format_string() -> None:
    data = _changed(b"<P_12>23</P_12>", b"<P_12>{0} {x}</P_12>")
    (defect,) = validate(data, today=TODAY)
    assert "'{0} {x}'" in defect.text("en")


# --- XSD errors become readable sentences --------------------------------------------

XSD_CASES = [
    # (change, code, English message without the line prefix, element whose line it is)
    (
        (b"<P_2>FV2026/02/150</P_2>", b""),
        "Element P_6 is not allowed here; expected P_2.",
        b"<P_6>",
    ),
    (
        (b"<Nazwa>ABC AGD sp. z o. o.</Nazwa>", b""),
        "Element DaneIdentyfikacyjne lacks a required element: expected Nazwa.",
        b"<DaneIdentyfikacyjne>",
    ),
    (
        (b"<NIP>9999999999</NIP>", b"<NIP>099999999</NIP>"),
        "The value '099999999' of NIP has the wrong format.",
        b"<NIP>",
    ),
    (
        (b"<P_12>5</P_12>", b"<P_12>6</P_12>"),
        "The value '6' of P_12 is not one of the allowed values: 23, 22, 8, 7, 5, 4, 3, 0 KR, "
        "0 WDT, 0 EX, zw, oo, ….",
        b"<P_12>6",
    ),
    (
        (b"<P_1>2026-02-15</P_1>", b"<P_1>15.02.2026</P_1>"),
        "The value '15.02.2026' of P_1 is not a valid date (write YYYY-MM-DD).",
        b"<P_1>",
    ),
    (
        (b"<P_15>2051</P_15>", b"<P_15>20,51</P_15>"),
        "The value '20,51' of P_15 is not a valid number (digits, with a dot as the decimal "
        "separator).",
        b"<P_15>",
    ),
    (
        (b"<P_15>2051</P_15>", b"<P_15>20.511</P_15>"),
        "The value '20.511' of P_15 has too many decimal places (at most 2).",
        b"<P_15>",
    ),
    (
        (b"<P_2>FV2026/02/150</P_2>", b"<P_2>" + b"X" * 300 + b"</P_2>"),
        "The value of P_2 is too long (length 300, at most 256).",
        b"<P_2>",
    ),
    ((b"<P_2>FV2026/02/150</P_2>", b"<P_2></P_2>"), "Element P_2 is empty.", b"<P_2>"),
    (
        (b'kodSystemowy="FA (3)"', b'kodSystemowy="FA (2)"'),
        "The attribute kodSystemowy of KodFormularza must be 'FA (3)', not 'FA (2)'.",
        b"<KodFormularza",
    ),
    (
        (b' wersjaSchemy="1-0E"', b""),
        "Element KodFormularza lacks the required attribute wersjaSchemy.",
        b"<KodFormularza",
    ),
    (
        (b' wersjaSchemy="1-0E"', b' wersjaSchemy="1-0E" foo="1"'),
        "The attribute foo is not allowed on element KodFormularza.",
        b"<KodFormularza",
    ),
    (
        (b"<Adnotacje>", b"<Adnotacje>tekst"),
        "Element Adnotacje may contain only other elements, not text.",
        b"<Adnotacje>",
    ),
    (
        (b"<NrWierszaFa>1</NrWierszaFa>", b"<NrWierszaFa>x</NrWierszaFa>"),
        "The value 'x' of NrWierszaFa is not a whole number.",
        b"<NrWierszaFa>",
    ),
    (
        (b"<NrWierszaFa>1</NrWierszaFa>", b"<NrWierszaFa>0</NrWierszaFa>"),
        "The value '0' of NrWierszaFa must be greater than 0.",
        b"<NrWierszaFa>",
    ),
    (
        (b"<DataWytworzeniaFa>2026-02-01T00:00:00Z", b"<DataWytworzeniaFa>2026-02-01 00:00"),
        "The value '2026-02-01 00:00' of DataWytworzeniaFa is not a valid date and time "
        "(write YYYY-MM-DDThh:mm:ss).",
        b"<DataWytworzeniaFa>",
    ),
]


@pytest.mark.parametrize(("change", "english", "anchor"), XSD_CASES)
def test_xsd_error_is_one_clear_sentence(
    change: tuple[bytes, bytes], english: str, anchor: bytes
) -> None:
    data = _changed(*change)
    defects = validate(data, today=TODAY)
    assert [d.code for d in defects] == ["xsd"]
    line = _line_of(data, anchor)
    assert defects[0].line == line
    assert defects[0].text("en") == f"line {line}: {english}"
    polish = defects[0].text("pl")
    assert polish.startswith(f"linia {line}: ")
    assert polish != defects[0].text("en")
    assert "{" not in polish  # every placeholder was filled
    assert "http://" not in polish  # no namespace noise


def test_the_polish_sentences_are_polish() -> None:
    data = _changed(b"<P_2>FV2026/02/150</P_2>", b"")
    (defect,) = validate(data, today=TODAY)
    assert defect.text("pl").endswith(
        "Element P_6 jest w tym miejscu niedozwolony; oczekiwano P_2."
    )


def test_another_namespace_is_not_fa3() -> None:
    data = _changed(
        b'xmlns="http://crd.gov.pl/wzor/2025/06/25/13775/"',
        b'xmlns="http://crd.gov.pl/wzor/2023/06/29/12648/"',
    )
    (defect,) = validate(data, today=TODAY)
    assert defect.code == "not-fa3"
    assert "12648" in defect.text("en")
    assert defect.text("pl").startswith("linia 3: To nie jest faktura FA(3)")


def test_one_message_per_element_even_when_libxml2_reports_two() -> None:
    """A country code in lower case breaks the XSD enumeration too: one message only."""
    data = _changed(b"<KodKraju>PL</KodKraju>", b"<KodKraju>de</KodKraju>")
    assert [d.code for d in validate(data, today=TODAY)] == ["lowercase-code"]
    data = _changed(b"<P_1>2026-02-15</P_1>", b"<P_1>2051-02-15</P_1>")
    assert [d.code for d in validate(data, today=TODAY)] == ["issue-date-future"]


def test_independent_defects_are_all_reported_in_line_order() -> None:
    data = _changed(b"<NIP>1111111111</NIP>", b"<NIP>1111111112</NIP>")
    data = _changed(b"<P_12>5</P_12>", b"<P_12>5 </P_12>", data)
    data = b"\xef\xbb\xbf" + data
    defects = validate(data, today=TODAY)
    assert [d.code for d in defects] == ["bom", "nip-checksum", "enum-whitespace"]
    assert defects[1].line is not None
    assert defects[2].line is not None
    assert defects[1].line < defects[2].line


def test_a_value_not_allowed_even_without_spaces_is_the_xsd_s_to_explain() -> None:
    data = _changed(b"<RodzajFaktury>VAT</RodzajFaktury>", b"<RodzajFaktury> XYZ</RodzajFaktury>")
    (defect,) = validate(data, today=TODAY)
    assert defect.code == "xsd"
    assert "XYZ" in defect.text("en")


# --- pre-flight details beyond the fixtures ------------------------------------------


@pytest.mark.parametrize(
    "char", ["\x7f", "\x84", "\x86", "\x9f", "\ufdd0", "\ufdef", "\U0001fffe", "\U0010ffff"]
)
def test_forbidden_character_ranges(char: str) -> None:
    data = _changed(b"<P_7>lod", f"<P_7>{char}lod".encode())
    assert [d.code for d in validate(data, today=TODAY)] == ["forbidden-char"]


@pytest.mark.parametrize("char", ["\x85", "\xa0", "\ufdcf", "\ufdf0", "\U0001fffd", "ż"])
def test_neighbours_of_the_forbidden_ranges_are_allowed(char: str) -> None:
    data = _changed(b"<P_7>lod", f"<P_7>{char}lod".encode())
    assert validate(data, today=TODAY) == []


def test_forbidden_characters_are_reported_once_per_line() -> None:
    data = _changed(b"<P_7>lod", "<P_7>\x80\x81lod".encode())
    data = _changed(b"<P_8A>szt.", "<P_8A>\x82szt.".encode(), data)
    defects = validate(data, today=TODAY)
    assert [d.code for d in defects] == ["forbidden-char", "forbidden-char"]
    assert defects[0].params["char"] == "U+0080"
    assert defects[1].params["char"] == "U+0082"


def test_size_limits_count_bytes_and_allow_3_mb_with_an_attachment() -> None:
    def padded(data: bytes, total: int) -> bytes:
        end = data.rindex(b"</Faktura>")
        return data[:end] + b"<!--" + b" " * (total - len(data) - 7) + b"-->" + data[end:]

    assert validate(padded(SAMPLE_1, 1_000_000), today=TODAY) == []
    assert [d.code for d in validate(padded(SAMPLE_1, 1_000_001), today=TODAY)] == ["too-large"]
    assert validate(padded(SAMPLE_24, 2_500_000), today=TODAY) == []
    assert validate(padded(SAMPLE_24, 3_000_000), today=TODAY) == []


@pytest.mark.parametrize(
    "declaration",
    [b'<?xml version="1.0" encoding="utf-8"?>', b"<?xml version='1.0'?>", b""],
)
def test_utf8_declarations_and_none_are_accepted(declaration: bytes) -> None:
    data = _changed(b'<?xml version="1.0" encoding="UTF-8"?>', declaration)
    assert validate(data, today=TODAY) == []


def test_processing_instructions_anywhere_are_refused() -> None:
    data = _changed(b"<Fa>", b"<Fa><?php echo 1 ?>")
    data = data + b"<?trailer x?>"
    defects = validate(data, today=TODAY)
    assert [(d.code, d.params["target"]) for d in defects] == [
        ("processing-instruction", "php"),
        ("processing-instruction", "trailer"),
    ]


def test_issue_date_today_is_fine_and_tomorrow_is_not() -> None:
    data = _changed(b"<P_1>2026-02-15</P_1>", b"<P_1>2026-11-24</P_1>")
    assert validate(data, today=TODAY) == []
    assert [d.code for d in validate(data, today=date(2026, 11, 23))] == ["issue-date-future"]


def test_third_party_nip_checksum_is_checked() -> None:
    sample = (DATA / "fa3-official" / "FA_3_Przykład_4.xml").read_bytes()
    data = _changed(b"<NIP>2222222222</NIP>", b"<NIP>2222222223</NIP>", sample)
    (defect,) = validate(data, today=TODAY)
    assert defect.code == "nip-checksum"
    assert "Podmiot3" in defect.text("en")


@pytest.mark.parametrize(
    ("data", "english"),
    [
        (b"", "The file is empty."),
        (b"hello", "line 1: The file is not XML: it has no root element."),
        (
            _changed(b"</P_2>", b"</P_3>"),
            "line 47: The closing tag </P_3> does not match the open element <P_2>.",
        ),
        (SAMPLE_1 + b"<a/>", "line 129: There is more content after the end of the root element."),
        (
            _changed(b"Warszawa", b"&miasto;"),
            "line 18: Unknown entity reference &miasto; (write & as &amp;).",
        ),
        (
            _changed(b"Warszawa", b"War\x01szawa"),
            "line 18: The character U+0001 is not allowed in XML.",
        ),
        (
            b"\n" + SAMPLE_1,
            "line 2: The XML declaration must be at the very beginning of the file.",
        ),
    ],
)
def test_not_well_formed_xml(data: bytes, english: str) -> None:
    (defect,) = validate(data, today=TODAY)
    assert defect.code == "not-xml"
    assert defect.text("en") == english
    assert defect.text("pl") != english


def test_validate_can_run_in_threads() -> None:
    bad = _changed(b"<P_2>FV2026/02/150</P_2>", b"")
    results: list[list[str]] = []

    def work() -> None:
        for _ in range(20):
            results.append([d.code for d in validate(SAMPLE_1, today=TODAY)])
            results.append([d.code for d in validate(bad, today=TODAY)])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(tuple, results)) == sorted([(), ("xsd",)] * 80)


def test_line_numbers_appear_in_messages_when_known() -> None:
    data = _changed(b"<P_2>FV2026/02/150</P_2>", b"")
    (defect,) = validate(data, today=TODAY)
    assert re.match(r"line \d+: ", defect.text("en"))


@pytest.mark.parametrize(
    ("reference", "code_point"),
    [(b"&#128;", "U+0080"), (b"&#x9F;", "U+009F"), (b"&#x1FFFE;", "U+1FFFE")],
)
def test_character_references_to_forbidden_characters_are_refused(
    reference: bytes, code_point: str
) -> None:
    data = _changed(b"<P_7>lod", b"<P_7>" + reference + b"lod")
    (defect,) = validate(data, today=TODAY)
    assert (defect.code, defect.params["char"]) == ("forbidden-char", code_point)


@pytest.mark.parametrize("reference", [b"&#x85;", b"&#65;", b"&#xA0;"])
def test_character_references_to_allowed_characters_pass(reference: bytes) -> None:
    assert validate(_changed(b"<P_7>lod", b"<P_7>" + reference + b"lod"), today=TODAY) == []


def test_a_single_line_invoice_reports_each_faulty_element() -> None:
    """Generated invoices are often one line: defects are told apart by element, not line."""
    one_line = SAMPLE_1.replace(b"\r\n", b" ")
    assert validate(one_line, today=TODAY) == []
    data = one_line.replace(b"<P_12>23</P_12>", b"<P_12>24</P_12>")  # both 23% lines
    data = data.replace(b"<KodKraju>PL</KodKraju>", b"<KodKraju>pl</KodKraju>")  # both parties
    defects = validate(data, today=TODAY)
    assert sorted(d.code for d in defects) == ["lowercase-code"] * 2 + ["xsd"] * 2
    assert {d.line for d in defects} == {1}


def test_two_attribute_faults_on_one_element_are_two_defects() -> None:
    data = _changed(b'kodSystemowy="FA (3)" wersjaSchemy="1-0E"', b'kodSystemowy="FA (2)"')
    texts = [d.text("en") for d in validate(data, today=TODAY)]
    assert len(texts) == 2
    assert any("wersjaSchemy" in t for t in texts)
    assert any("kodSystemowy" in t for t in texts)


def test_utf16_without_a_bom_is_not_utf8() -> None:
    for encoding in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        data = SAMPLE_1.decode("utf-8").encode(encoding)
        assert [d.code for d in validate(data, today=TODAY)] == ["not-utf8"], encoding


def test_the_utf8_byte_pattern_matches_exactly_the_forbidden_characters() -> None:
    """The fast byte-level scan and the character-level definition agree on every code
    point (surrogates cannot occur in valid UTF-8)."""
    from ksef_desktop.fa3.preflight import _FORBIDDEN, _FORBIDDEN_UTF8

    disagree = [
        code
        for code in range(0x110000)
        if not 0xD800 <= code <= 0xDFFF
        and bool(_FORBIDDEN_UTF8.search(chr(code).encode()))
        != bool(_FORBIDDEN.fullmatch(chr(code)))
    ]
    assert disagree == []
    assert (
        len([c for c in range(0x110000) if _FORBIDDEN.fullmatch(chr(c))]) == 6 + 26 + 32 + 32
    )  # 7F-84, 86-9F, FDD0-FDEF, 16 planes x 2


@pytest.mark.parametrize(
    ("old", "new", "element"),
    [
        (b"<P_1>2026-02-15</P_1>", b"<P_1></P_1>", "P_1"),
        (b"<NIP>9999999999</NIP>", b"<NIP> </NIP>", "NIP"),
        (b"<P_12>5</P_12>", b"<P_12></P_12>", "P_12"),
        (b"<P_15>2051</P_15>", b"<P_15/>", "P_15"),
    ],
)
def test_an_empty_value_is_called_empty(old: bytes, new: bytes, element: str) -> None:
    (defect,) = validate(_changed(old, new), today=TODAY)
    assert defect.text("en").endswith(f": Element {element} is empty.")
    assert defect.text("pl").endswith(f": Element {element} jest pusty.")


def test_a_fixed_value_names_the_required_one() -> None:
    sample = (DATA / "fa3-official" / "FA_3_Przykład_22.xml").read_bytes()
    data = _changed(b"<PrefiksPodatnika>PL<", b"<PrefiksPodatnika>DE<", sample)
    (defect,) = validate(data, today=TODAY)
    assert defect.text("en") == "line 11: The value 'DE' of PrefiksPodatnika must be 'PL'."
    assert (
        defect.text("pl") == "linia 11: Wartość 'DE' elementu PrefiksPodatnika musi wynosić 'PL'."
    )


def test_an_unknown_libxml2_error_still_names_the_element_and_line() -> None:
    from ksef_desktop.fa3.xsd_messages import xsd_defect

    message = (
        "Element '{http://crd.gov.pl/wzor/2025/06/25/13775/}Zalacznik': Some future complaint "
        "about '{http://crd.gov.pl/wzor/2025/06/25/13775/}BlokDanych'."
    )
    defect = xsd_defect(message, 7)
    assert defect.code == "xsd"
    assert defect.text("en") == (
        "line 7: Element Zalacznik does not match the FA(3) schema (Some future complaint "
        "about 'BlokDanych'.)."
    )
    assert defect.text("pl").startswith("linia 7: Element Zalacznik jest niezgodny ze schematem")
    anonymous = xsd_defect("Something odd about '{urn:x}Y'.", None)
    assert (
        anonymous.text("en")
        == "The invoice does not match the FA(3) schema: Something odd about 'Y'."
    )


def test_a_long_padded_value_is_shown_cut_short() -> None:
    data = _changed(b"<P_12>23</P_12>", b"<P_12>23" + b" " * 5000 + b"</P_12>")
    (defect,) = validate(data, today=TODAY)
    assert defect.code == "enum-whitespace"
    assert len(defect.text("en")) < 200


def test_what_build_makes_from_the_samples_passes_every_check() -> None:
    """fa3.build's canonical XML meets KSeF's pre-flight checks, not only the XSD."""
    from ksef_desktop.domain.invoice import ISSUABLE_KINDS
    from ksef_desktop.fa3.build import build
    from ksef_desktop.fa3.parse import parse

    invoices = [parse(p.read_bytes()) for p in OFFICIAL_SAMPLES]
    issuable = [inv for inv in invoices if inv.kind in ISSUABLE_KINDS]
    assert issuable
    for invoice in issuable:
        assert validate(build(invoice), today=TODAY) == []
