"""A purchase under reverse charge (FA(3) P_13_10, line rate "oo") in the month's JPK_V7M(3)
from a real store (issue 19): without a choice the month is still made (valid against
the official XSD) and a notice names the invoice and says how to choose; with the kind
and rate chosen the file has the buyer's self-assessed output tax (SprzedazWiersz) and
its deduction (ZakupWiersz) with the right sums; the choice is checked (Polish rates
only, a kind only with a rate) and kept in the store's table, which refuses a wrong one."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ksef_desktop import i18n
from ksef_desktop.domain.invoice import VatRate
from ksef_desktop.jpk.model import DeductionCategory, SelfAssessment
from ksef_desktop.services.jpk_month import MonthFile
from ksef_desktop.services.purchase_deductions import (
    NO_REVERSE,
    REVERSE_RATES,
    DeductionRefused,
    ReverseChoice,
    change_deductions,
    check_reverse,
    deduction_text,
    deductions,
    parse_rate,
)
from ksef_desktop.store.purchase_deductions import deductions_of
from tests.unit.jpk_books import APRIL, Books, open_books
from tests.unit.jpk_support import (
    SUPPLIER_NIP,
    declaration,
    field,
    rows,
)
from tests.unit.test_store_support import PID

K31_23 = ReverseChoice(SelfAssessment.BUYER_IS_TAXPAYER, Decimal(23))


@pytest.fixture
def books(tmp_path: Path) -> Iterator[Books]:
    yield from open_books(tmp_path)


def _codes(made: MonthFile) -> list[str]:
    return [n.code for n in made.documents.notices]


def test_without_a_choice_the_month_is_made_and_says_how_to_choose(books: Books) -> None:
    _oo, ksef = books.purchase("ZAK/OO", 1, VatRate.OO, "1000.00")
    books.purchase("ZAK/23", 2, VatRate.R23, "100.00")
    made = books.month()
    assert [r["DowodZakupu"] for r in rows(made.data, "ZakupWiersz")] == ["ZAK/23"]
    assert rows(made.data) == []
    (notice,) = [n for n in made.documents.notices if n.code == "purchase-reverse-charge-unchosen"]
    for lang in ("pl", "en"):
        text = notice.text(lang)
        assert "ZAK/OO" in text
        assert f"purchases deduction {ksef} --reverse-charge K_31 --rate 23" in text
    assert "odliczenie vat" in notice.text("pl").lower()  # the dialog's action, in Polish
    assert notice.text("pl") != notice.text("en")
    assert made.summary.tax_deductible == Decimal("23.00")


def test_k31_at_23_percent_gives_both_rows_and_the_sums(books: Books) -> None:
    oo, ksef = books.purchase("ZAK/OO", 1, VatRate.OO, "1000.00")
    books.purchase("ZAK/23", 2, VatRate.R23, "100.00")
    books.choose(oo, K31_23)
    made = books.month()
    # Worked example: 1000.00 under art. 17 ust. 1 pkt 5 at the buyer's 23 %: the output
    # tax K_31 1000.00 / K_32 230.00, deducted in K_42/K_43; with the other purchase
    # (100.00 + 23.00) the input tax is 253.00, 23.00 more than the output tax.
    (sale,) = rows(made.data)
    assert (sale["NrKSeF"], sale["DowodSprzedazy"], sale["NrKontrahenta"]) == (
        ksef, "ZAK/OO", SUPPLIER_NIP,
    )  # fmt: skip
    assert sale["DataWystawienia"] == "2026-03-01"
    assert {k: v for k, v in sale.items() if k.startswith("K_")} == {
        "K_31": "1000.00",
        "K_32": "230.00",
    }
    bought = {r["DowodZakupu"]: r for r in rows(made.data, "ZakupWiersz")}
    assert (bought["ZAK/OO"]["K_42"], bought["ZAK/OO"]["K_43"]) == ("1000.00", "230.00")
    assert (bought["ZAK/23"]["K_42"], bought["ZAK/23"]["K_43"]) == ("100.00", "23.00")
    assert field(made.data, "t:Ewidencja/t:SprzedazCtrl/t:LiczbaWierszySprzedazy") == "1"
    assert field(made.data, "t:Ewidencja/t:SprzedazCtrl/t:PodatekNalezny") == "230.00"
    assert field(made.data, "t:Ewidencja/t:ZakupCtrl/t:LiczbaWierszyZakupow") == "2"
    assert field(made.data, "t:Ewidencja/t:ZakupCtrl/t:PodatekNaliczony") == "253.00"
    p = declaration(made.data)
    assert (p["P_31"], p["P_32"], p["P_38"]) == ("1000", "230", "230")
    assert (p["P_42"], p["P_43"], p["P_48"]) == ("1100", "253", "253")
    assert (p["P_51"], p["P_53"], p["P_62"]) == ("0", "23", "23")
    assert "purchase-reverse-charge-unchosen" not in _codes(made)
    (said,) = [n for n in made.documents.notices if n.code == "purchase-reverse-charge"]
    assert "K_31/K_32" in said.text("en")
    assert "purchase-reverse-charge-tax-point" not in _codes(made)  # supplied in March


def test_other_kinds_rates_shares_and_a_fixed_asset(books: Books) -> None:
    oo, _ksef = books.purchase("ZAK/OO", 1, VatRate.OO, "400.00")
    change_deductions(
        books.store.db, [oo], profile_id=PID, now=books.clock, share=Decimal("0.5"),
        category=DeductionCategory.FIXED_ASSETS,
        reverse=ReverseChoice(SelfAssessment.IMPORT_OF_SERVICES_28B, Decimal(8)),
    )  # fmt: skip
    made = books.month()
    # 400.00 at 8 %: 32.00 owed in full (K_29/K_30); half of it deductible, as a fixed asset.
    (sale,) = rows(made.data)
    assert (sale["K_29"], sale["K_30"]) == ("400.00", "32.00")
    (bought,) = rows(made.data, "ZakupWiersz")
    assert (bought["K_40"], bought["K_41"]) == ("400.00", "16.00")
    p = declaration(made.data)
    assert (p["P_29"], p["P_30"], p["P_40"], p["P_41"], p["P_51"]) == (
        "400", "32", "400", "16", "16",
    )  # fmt: skip


def test_no_right_to_deduct_still_owes_the_output_tax(books: Books) -> None:
    oo, _ksef = books.purchase("ZAK/OO", 1, VatRate.OO, "1000.00")
    books.choose(oo, K31_23, share="0")
    made = books.month()
    (sale,) = rows(made.data)
    assert (sale["K_31"], sale["K_32"]) == ("1000.00", "230.00")
    assert rows(made.data, "ZakupWiersz") == []
    assert "purchase-not-deductible" in _codes(made)
    assert declaration(made.data)["P_51"] == "230"


def test_nothing_to_deduct_does_not_hide_an_unchosen_reverse_charge(books: Books) -> None:
    oo, _ksef = books.purchase("ZAK/OO", 1, VatRate.OO, "1000.00")
    change_deductions(books.store.db, [oo], profile_id=PID, now=books.clock, share=Decimal(0))
    made = books.month()
    assert rows(made.data) == rows(made.data, "ZakupWiersz") == []
    assert _codes(made) == ["purchase-reverse-charge-unchosen"]


def test_a_later_deduction_month_takes_both_rows(books: Books) -> None:
    oo, _ksef = books.purchase("ZAK/OO", 1, VatRate.OO, "1000.00")
    change_deductions(
        books.store.db, [oo], profile_id=PID, now=books.clock, reverse=K31_23,
        month=date(2026, 4, 1),
    )  # fmt: skip
    march = books.month()
    assert rows(march.data) == rows(march.data, "ZakupWiersz") == []
    april = books.month(APRIL)
    assert [r["K_32"] for r in rows(april.data)] == ["230.00"]
    assert [r["K_43"] for r in rows(april.data, "ZakupWiersz")] == ["230.00"]
    # Supplied (issued) in March, in April's file: the notice says where the tax belongs.
    (late,) = [n for n in april.documents.notices if n.code == "purchase-reverse-charge-tax-point"]
    assert "2026-03" in late.text("pl")
    assert "19a" in late.text("en")


def test_a_choice_on_an_ordinary_invoice_is_ignored_with_a_notice(books: Books) -> None:
    plain, _ksef = books.purchase("ZAK/23", 1, VatRate.R23, "100.00")
    books.choose(plain, K31_23)
    made = books.month()
    assert rows(made.data) == []
    (bought,) = rows(made.data, "ZakupWiersz")
    assert bought["K_43"] == "23.00"
    assert "purchase-reverse-charge-ignored" in _codes(made)


# --- the choice -------------------------------------------------------------------------


def test_the_choice_is_kept_shown_and_cleared(books: Books) -> None:
    oo, _ksef = books.purchase("ZAK/OO", 1, VatRate.OO, "1000.00")
    books.choose(oo, ReverseChoice(SelfAssessment.BUYER_IS_TAXPAYER, Decimal("8.0")))
    stored = deductions_of(books.store.db.connection(), [oo], profile_id=PID)[oo]
    assert (stored.reverse_kind, stored.reverse_rate) == ("K_31", Decimal(8))
    (found,) = deductions(books.store.db, [oo], profile_id=PID)
    assert found.reverse == ReverseChoice(SelfAssessment.BUYER_IS_TAXPAYER, Decimal(8))
    assert not found.default
    i18n.set_language("en")
    assert deduction_text(found).endswith("; reverse charge K_31 at 8 %")
    i18n.set_language("pl")
    assert deduction_text(found).endswith("; odwrotne obciążenie K_31 według stawki 8 %")
    # Another part changed: the reverse charge stays.
    change_deductions(books.store.db, [oo], profile_id=PID, now=books.clock, share=Decimal("0.5"))
    (found,) = deductions(books.store.db, [oo], profile_id=PID)
    assert found.reverse.kind is SelfAssessment.BUYER_IS_TAXPAYER
    books.choose(oo, NO_REVERSE, share="1")
    assert deductions_of(books.store.db.connection(), [oo], profile_id=PID) == {}  # defaults


@pytest.mark.parametrize(
    ("choice", "words"),
    [
        (ReverseChoice(SelfAssessment.BUYER_IS_TAXPAYER, None), "23, 8, 5"),
        (ReverseChoice(None, Decimal(23)), "K_31"),
        (ReverseChoice(SelfAssessment.BUYER_IS_TAXPAYER, Decimal(19)), "19"),
        (ReverseChoice(SelfAssessment.INTRA_EU_ACQUISITION, Decimal("23.5")), "23.5"),
        (ReverseChoice(SelfAssessment.BUYER_IS_TAXPAYER, Decimal("NaN")), "NaN"),
    ],
)
def test_a_bad_choice_is_refused_in_both_languages(
    books: Books, choice: ReverseChoice, words: str
) -> None:
    oo, _ksef = books.purchase("ZAK/OO", 1, VatRate.OO, "1000.00")
    with pytest.raises(DeductionRefused) as caught:
        books.choose(oo, choice)
    assert words in caught.value.text("en")
    assert caught.value.text("pl") != caught.value.text("en")
    assert deductions_of(books.store.db.connection(), [oo], profile_id=PID) == {}


@settings(max_examples=300, deadline=None)
@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_only_a_polish_rate_passes(rate: Decimal) -> None:
    choice = ReverseChoice(SelfAssessment.BUYER_IS_TAXPAYER, rate)
    if rate.is_finite() and rate in REVERSE_RATES:
        checked = check_reverse(choice)
        assert checked.rate == rate
        assert str(checked.rate) in {"23", "22", "8", "7", "5", "0"}
    else:
        with pytest.raises(DeductionRefused):
            check_reverse(choice)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=8))
def test_any_text_is_a_rate_or_a_refusal(text: str) -> None:
    try:
        rate = parse_rate(text)
    except DeductionRefused as exc:
        refusal = exc.message()
        assert refusal
    else:
        assert rate in REVERSE_RATES


@pytest.mark.parametrize(("text", "rate"), [("23", 23), (" 8 % ", 8), ("5,0", 5), ("0%", 0)])
def test_a_rate_as_the_user_writes_it(text: str, rate: int) -> None:
    assert parse_rate(text) == Decimal(rate)


@pytest.mark.parametrize(
    ("kind", "rate"), [("K_33", "23"), ("K_31", "19"), ("K_31", None), (None, "23"), ("", "8")]
)
def test_the_table_never_keeps_a_wrong_reverse_charge(
    books: Books, kind: str | None, rate: str | None
) -> None:
    oo, _ksef = books.purchase("ZAK/OO", 1, VatRate.OO, "1000.00")
    with pytest.raises(sqlite3.IntegrityError), books.store.db.transaction() as conn:
        conn.execute(
            "INSERT INTO purchase_deductions (purchase_id, profile_id, reverse_kind, "
            "reverse_rate, updated_at) VALUES (?, ?, ?, ?, '2026-03-05T00:00:00Z')",
            (oo, PID, kind, rate),
        )
