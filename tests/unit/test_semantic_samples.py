"""The 26 official FA(3) samples are the clean corpus of the semantic checks.

They warn only where the sample itself is wrong; each such sample is listed here with
why, and the test fails if a sample warns about anything else or stops warning.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ksef_desktop.domain.identifiers import ksef_number_checksum
from ksef_desktop.fa3.semantic import semantic_warnings
from tests.conftest import OFFICIAL_SAMPLES

# The placeholder KSeF numbers of the samples (seller 9999999999, "accepted" 2023-09-08):
# none ends with the CRC-8 of its first 32 characters (KSEF-PROTOCOL.md §5), whichever
# CRC-8 variant one tries. Issue 25 expected one such sample; eleven carry them.
_K1 = "Fa/DaneFaKorygowanej/NrKSeFFaKorygowanej"
_Z1 = "Fa/FakturaZaliczkowa/NrKSeFFaZaliczkowej"
_SIX = [("ksef-number", f"Fa/DaneFaKorygowanej[{i}]/NrKSeFFaKorygowanej") for i in range(1, 7)]

SAMPLES_THAT_ARE_WRONG: dict[str, list[tuple[str, str]]] = {
    # Net 1626.01 + 40.65 + 0.95 and VAT 383.33 + 0.05 make 2050.99, but P_15 says 2051
    # (the shop's gross prices 2000 + 50 + 1, not what the invoice's own amounts add up to).
    "FA_3_Przykład_1.xml": [("total", "Fa/P_15")],
    # A correction of 2026-03-15 of FV2026/02/150, but its KSeF number's check code is wrong.
    "FA_3_Przykład_2.xml": [("ksef-number", _K1)],
    "FA_3_Przykład_3.xml": [("ksef-number", _K1)],
    "FA_3_Przykład_5.xml": [("ksef-number", _K1)],
    # Six corrected invoices, six KSeF numbers with wrong check codes.
    "FA_3_Przykład_6.xml": _SIX,
    "FA_3_Przykład_7.xml": _SIX,
    # Delivered 2026-01-27 (P_6), invoiced 2026-02-27: after 2026-02-15, the last day
    # art. 106i ust. 1 allows (a margin-scheme sale has no longer term).
    "FA_3_Przykład_8.xml": [("timing", "Fa/P_6")],
    "FA_3_Przykład_11.xml": [("ksef-number", _K1)],
    "FA_3_Przykład_12.xml": [("ksef-number", _K1)],
    "FA_3_Przykład_13.xml": [("ksef-number", _K1)],
    "Fa_3_Przykład_14.xml": [("ksef-number", _Z1)],
    "Fa_3_Przykład_17.xml": [("ksef-number", _Z1)],
    "Fa_3_Przykład_18.xml": [("ksef-number", _K1), ("ksef-number", _Z1)],
    # A gross line of 1000 at 23 % holds 1000 × 23/123 = 186.9919 of tax: 186.99 (net
    # 813.01) either way the law rounds (art. 106e ust. 11, half up to the grosz); the
    # sample declares 187 and 813, rounded to whole złoty.
    "Fa_3_Przykład_19.xml": [("rate-vat", "Fa/P_14_1")],
    # An export delivered 2026-01-03 (P_6A) invoiced 2026-06-15: five months after the
    # 2026-02-15 deadline of art. 106i ust. 1 (its number FV2026/02/150 suggests P_1 was
    # meant to be 2026-02-15, as in the samples it was copied from).
    "FA_3_Przykład_23.xml": [("timing", "Fa/FaWiersz/P_6A")],
}


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def test_the_corpus_is_the_26_samples() -> None:
    assert len(OFFICIAL_SAMPLES) == 26
    assert set(SAMPLES_THAT_ARE_WRONG) <= {p.name for p in OFFICIAL_SAMPLES}


@pytest.mark.parametrize("path", OFFICIAL_SAMPLES, ids=_ids(OFFICIAL_SAMPLES))
def test_an_official_sample_warns_only_where_it_is_wrong(path: Path) -> None:
    found = [(w.code, w.path) for w in semantic_warnings(path.read_bytes())]
    assert found == SAMPLES_THAT_ARE_WRONG.get(path.name, [])


def test_the_placeholder_ksef_numbers_really_have_wrong_check_codes() -> None:
    numbers = {
        "9999999999-20230908-8BEF280C8D35-4D",
        "9999999999-20230908-76B2B580D4DC-80",
        "9999999999-20230908-4191312C0E57-09",
        "9999999999-20230908-2B9266CEF3C4-DD",
        "9999999999-20230908-16B99491C78B-3D",
        "9999999999-20230908-D08FB95950BE-3E",
    }
    for number in numbers:
        assert ksef_number_checksum(number[:32]) != number[-2:], number
    in_samples = set()
    for path in OFFICIAL_SAMPLES:
        text = path.read_text(encoding="utf-8")
        in_samples |= {n for n in numbers if n in text}
    assert in_samples == numbers


def test_sample_1_is_one_grosz_off() -> None:
    [warning] = semantic_warnings((OFFICIAL_SAMPLES[0].parent / "FA_3_Przykład_1.xml").read_bytes())
    assert warning.params == {"found": "2051", "expected": "2050.99"}
