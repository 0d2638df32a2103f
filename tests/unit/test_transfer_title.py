"""What a transfer title names (domain.transfer_title): KSeF numbers however a bank
mangles them, collective identifiers, NIPs, and the seller's invoice numbers."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop.domain.collective import make_collective_identifier
from ksef_desktop.domain.identifiers import ksef_number_is_valid, make_ksef_number
from ksef_desktop.domain.transfer_title import TitleScan, references_in

K1 = make_ksef_number("5265877635", date(2026, 3, 2), "0000000000A1")
K2 = make_ksef_number("5265877635", date(2026, 3, 2), "ABCDEF012345")
LEGACY = "5265877635-20211001-1A2B3C-4D5E6F-12"  # KSeF 1.0: 36 characters
IZ = make_collective_identifier("5265877635", date(2026, 3, 1), "00000000C001")


def test_a_plain_ksef_number() -> None:
    assert references_in(f"Zapłata KSeF {K1}").ksef_numbers == (K1,)


def test_a_number_split_across_lines_in_lower_case_with_extra_spaces() -> None:
    mangled = f"ksef  {K2[:15]}\n{K2[15:27].lower()}  \r\n {K2[27:].lower()}  fv 1"
    assert references_in(mangled).ksef_numbers == (K2,)
    spaced = " - ".join(K2.split("-")).lower()  # "5265877635 - 20260302 - abcdef…"
    assert references_in(f"faktura {spaced}").ksef_numbers == (K2,)


def test_numbers_glued_to_other_text_are_found() -> None:
    assert references_in(f"FV1/2026{K1}zaplata{K2}").ksef_numbers == (K1, K2)


def test_a_wrong_checksum_is_no_number() -> None:
    broken = K1[:-2] + ("00" if K1[-2:] != "00" else "01")
    assert references_in(f"KSeF {broken}").ksef_numbers == ()


def test_a_ksef_1_number_of_36_characters() -> None:
    assert ksef_number_is_valid(LEGACY)
    assert references_in(f"zapłata {LEGACY[:20]}\n{LEGACY[20:]}").ksef_numbers == (LEGACY,)


def test_a_collective_identifier_and_its_nip_is_not_a_nip() -> None:
    refs = references_in(f"KSeF {IZ[:12].lower()} {IZ[12:]} za marzec")
    assert refs.collective_identifiers == (IZ,)
    assert refs.ksef_numbers == ()
    assert refs.nips == ()  # the NIP at the head of the identifier is not found again


def test_repeats_are_named_once_in_title_order() -> None:
    refs = references_in(f"{K2} {K1} {K2} {IZ} {IZ}")
    assert refs.ksef_numbers == (K2, K1)
    assert refs.collective_identifiers == (IZ,)


def test_nips_standing_alone() -> None:
    refs = references_in("/VAT/23,00/IDC/PL 526-587-76-35/INV/FV 1/TXT/x 15265877635")
    assert refs.nips == ("5265877635",)  # the 11-digit run is no NIP
    assert references_in("NIP 5265877636").nips == ()  # checksum (python-stdnum)


def test_invoice_numbers_at_boundaries_only() -> None:
    scan = TitleScan("Zapłata za fv/1/2026, FV/11/2026 oraz FA 7 /2026;FV/12/2026x")
    numbers = ["FV/1/2026", "1/2026", "FV/11/2026", "FA 7/2026", "FV/12/2026", "FV/2/2026"]
    assert scan.invoice_numbers(numbers) == ["FV/1/2026", "FV/11/2026", "FA 7/2026", "FV/12/2026"]
    assert TitleScan("FV/12/20261").invoice_numbers(["FV/12/2026"]) == []  # continues: 20261
    assert TitleScan("XFV/12/2026").invoice_numbers(["FV/12/2026"]) == []


def test_an_invoice_number_split_across_lines() -> None:
    assert TitleScan("FV/2026/0\n3/8 zapłata").invoice_numbers(["FV/2026/03/8"]) == ["FV/2026/03/8"]


def test_invoice_numbers_inside_a_ksef_number_are_not_found() -> None:
    scan = TitleScan(f"KSeF {K1}")
    assert scan.invoice_numbers(["20260302", "0000000000A1"]) == []


def test_numbers_too_short_or_without_digits_are_not_searched() -> None:
    assert TitleScan("A1 zapłata FAKTURA").invoice_numbers(["A1", "FAKTURA"]) == []


@given(st.text(max_size=300))
def test_any_text_is_searched_without_error(text: str) -> None:
    scan = TitleScan(text)
    assert all(ksef_number_is_valid(n) for n in scan.references.ksef_numbers)
    scan.invoice_numbers(["FV/1/2026", text[:20]])


@given(
    st.lists(st.sampled_from(["", " ", "  ", "\n", "\r\n", "\t"]), min_size=36, max_size=36),
    st.lists(st.booleans(), min_size=35, max_size=35),
    st.text(alphabet="abc xyz/", max_size=20),
)
def test_whitespace_anywhere_and_any_case_still_find_the_number(
    gaps: list[str], lower: list[bool], around: str
) -> None:
    mangled = "".join(
        gap + (ch.lower() if low else ch) for gap, ch, low in zip(gaps, K2, lower, strict=False)
    )
    assert references_in(f"{around} {mangled}{gaps[-1]} {around}").ksef_numbers == (K2,)


def test_malformed_numbers_are_told_apart_and_give_no_nip() -> None:
    broken = IZ[:-2] + ("00" if IZ[-2:] != "00" else "01")
    scan = TitleScan(f"KSeF {broken} i {K1[:-1]}0")
    assert scan.malformed == [broken, f"{K1[:-1]}0"]
    assert scan.references.nips == ()
    assert TitleScan(f"KSeF {K1}").malformed == []
