"""Every semantic rule has a crafted file (an official sample with one change) that the
rule flags and every other rule leaves alone; each file stays valid for KSeF."""

from __future__ import annotations

import importlib.util
import re
from datetime import date
from types import ModuleType

import pytest

from ksef_desktop.fa3.semantic import RULES, semantic_warnings
from ksef_desktop.fa3.validate import validate
from tests.conftest import DATA

FIXTURES = DATA / "semantic"


def _regenerate_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("semantic_regenerate", FIXTURES / "regenerate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REGENERATE = _regenerate_module()
CASES = {f.name: f for f in REGENERATE.FIXTURES}

# fixture -> (element path, English message) of its one warning (two for the split and the
# negative amounts, which are wrong in two places).
EXPECTED: dict[str, list[tuple[str, str]]] = {
    "line-value.xml": [
        ("Fa/FaWiersz[1]/P_11", "P_11 is 16260.10, but P_8B × P_9A = 10 × 1626.11 = 16261.10.")
    ],
    "line-vat.xml": [
        (
            "Fa/FaWiersz[1]/P_11Vat",
            "P_11Vat is 3793.82, but the tax at 23% on P_11 = 16260.10 is 3739.82.",
        )
    ],
    "rate-net.xml": [
        ("Fa/P_13_7", "P_13_7 is 310.00, but the values of the lines at this rate give 300.00.")
    ],
    "rate-net-correction.xml": [
        ("Fa/P_13_1", "P_13_1 is -162.60, but the values of the lines at this rate give -162.59.")
    ],
    "rate-vat.xml": [
        (
            "Fa/P_14_1",
            "P_14_1 is 470, but 23% of P_13_1 = 2000.00 is 460.00, and rounding the tax per "
            "line does not give 470 either.",
        )
    ],
    "total.xml": [
        (
            "Fa/P_15",
            "P_15 is 2761, but the sum of the amounts per rate (P_13_x and P_14_x) is 2760.00.",
        )
    ],
    "charges.xml": [
        (
            "Fa/Rozliczenie/DoZaplaty",
            "DoZaplaty is 35.5, but P_15 + charges − deductions = 31.5 + 5.00 − 0.00 gives 36.50.",
        )
    ],
    "currency.xml": [
        (
            "Fa/FaWiersz[1]/KursWaluty",
            "The invoice is in PLN (KodWaluty), but it gives KursWaluty: an exchange rate and "
            "the tax converted to PLN belong to an invoice in a foreign currency.",
        )
    ],
    "currency-tax.xml": [
        (
            "Fa/P_14_1W",
            "P_14_1W is 14063.16, but the tax P_14_1 = 3118.80 converted at the invoice's "
            "exchange rates gives 14036.16.",
        )
    ],
    "advance-order.xml": [
        (
            "Fa/Zamowienie/WartoscZamowienia",
            "WartoscZamowienia is 375105, but the order's lines (P_11NettoZ + P_11VatZ) add up "
            "to 375150.00.",
        )
    ],
    "advance-split.xml": [
        (
            "Fa/P_13_1",
            "P_13_1 + P_14_1 is 10000.00, but the advance split over the rates in proportion "
            "to the order's value gives 20000.00 for this rate.",
        ),
        (
            "Fa/P_13_2",
            "P_13_2 + P_14_2 is 10000.00, but the advance split over the rates in proportion "
            "to the order's value gives 0.00 for this rate.",
        ),
    ],
    "advance-settlement.xml": [
        (
            "Fa/RodzajFaktury",
            "A settlement invoice (ROZ) names the advance invoices it settles "
            "(FakturaZaliczkowa, art. 106f ust. 3), but this one names none.",
        )
    ],
    "correction-lines.xml": [
        (
            "Fa/FaWiersz[3]/StanPrzed",
            "StanPrzed = 1 marks the state before a correction, but this is a VAT invoice, "
            "not a correction.",
        )
    ],
    "correction-reference.xml": [
        (
            "Fa/RodzajFaktury",
            "A correction (KOR) names the invoice it corrects (DaneFaKorygowanej: number, "
            "issue date, KSeF number or NrKSeFN; art. 106j ust. 2), but this one names none.",
        )
    ],
    "negative.xml": [
        (
            "Fa/P_13_7",
            "P_13_7 = -300 in a VAT invoice: negative quantities and amounts belong in a "
            "correction (KOR).",
        ),
        (
            "Fa/FaWiersz[2]/P_8B",
            "P_8B = -1, P_11 = -300 in a VAT invoice: negative quantities and amounts belong "
            "in a correction (KOR).",
        ),
    ],
    "line-numbers.xml": [
        (
            "Fa/FaWiersz[3]/NrWierszaFa",
            "NrWierszaFa 2 is used twice (also in Fa/FaWiersz[2]): each line has its own number.",
        )
    ],
    "reverse-charge.xml": [
        (
            "Fa/Adnotacje/P_18",
            "P_18 = 1 says the buyer settles the tax (reverse charge), but no line is oo or "
            "np II and the invoice charges Polish VAT: P_14_1 = 460.",
        )
    ],
    "reverse-charge-missing.xml": [
        (
            "Fa/Adnotacje/P_18",
            "P_18 = 2, but the invoice has supplies whose tax the buyer settles (P_12 np II, "
            "P_13_9): it must say “odwrotne obciążenie” (P_18 = 1, art. 106e ust. 1 pkt 18).",
        )
    ],
    "exemption.xml": [
        (
            "Fa/Adnotacje/Zwolnienie/P_19N",
            "The invoice has exempt supplies (P_12 zw, P_13_7), but gives no legal basis of "
            "the exemption (P_19 with P_19A, P_19B or P_19C, art. 106e ust. 1 pkt 19).",
        )
    ],
    "bank-account.xml": [
        (
            "Fa/Platnosc/RachunekBankowy/NrRB",
            "The account number 73111111111111111111111112 is not a valid Polish account "
            "number (NRB): its check digits do not match.",
        )
    ],
    "nip.xml": [
        (
            "Fa/WarunkiTransakcji/Transport/Przewoznik/DaneIdentyfikacyjne/NIP",
            "The NIP 6666666665 has a wrong check digit.",
        )
    ],
    "ksef-number.xml": [
        (
            "Fa/DaneFaKorygowanej/NrKSeFFaKorygowanej",
            "The KSeF number 9999999999-20260215-0100001AF629-00 has a wrong check code: 00 "
            "instead of A5. Copy the number again from KSeF or the invoice.",
        )
    ],
    "timing.xml": [
        (
            "Fa/P_6",
            "The invoice is issued on 2026-02-01 (P_1), but the supply is dated 2025-12-01 "
            "(P_6): art. 106i ust. 1 requires the invoice by 2026-01-15, the 15th day of the "
            "following month (unless a longer term of ust. 3 applies).",
        )
    ],
    "timing-early.xml": [
        (
            "Fa/P_6",
            "The invoice is issued on 2026-02-01 (P_1), more than 60 days before 2026-04-15 "
            "(P_6): art. 106i ust. 7 allows it from 2026-02-14 on.",
        )
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_fixture_is_flagged_by_its_rule_alone(name: str) -> None:
    warnings = semantic_warnings((FIXTURES / name).read_bytes())
    assert {w.code for w in warnings} == {CASES[name].rule}
    assert sorted((w.path, w.text("en").split(": ", 1)[1]) for w in warnings) == sorted(
        EXPECTED[name]
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_fixture_is_an_invoice_ksef_accepts(name: str) -> None:
    # The mistakes are the ones KSeF lets through: schema and pre-flight find nothing.
    assert validate((FIXTURES / name).read_bytes(), today=date(2030, 1, 1)) == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_warning_reads_in_polish_too(name: str) -> None:
    for warning in semantic_warnings((FIXTURES / name).read_bytes()):
        polish, english = warning.text("pl"), warning.text("en")
        assert polish != english
        assert not re.search(r"\{[a-z_]+\}", polish + english)
        assert warning.located("pl").startswith("ostrzeżenie: linia ")
        assert warning.located("en").startswith("warning: line ")


def test_every_rule_has_a_fixture_and_every_fixture_an_expectation() -> None:
    assert {f.rule for f in REGENERATE.FIXTURES} == set(RULES)
    assert set(EXPECTED) == set(CASES)


def test_fixtures_and_readme_are_exactly_what_the_script_makes() -> None:
    for fixture in REGENERATE.FIXTURES:
        source = (REGENERATE.OFFICIAL / fixture.source).read_bytes()
        assert (FIXTURES / fixture.name).read_bytes() == fixture.make(source), fixture.name
    assert (FIXTURES / "README.md").read_text(encoding="utf-8") == REGENERATE.readme()
    committed = {p.name for p in FIXTURES.glob("*.xml")}
    assert committed == set(CASES)
