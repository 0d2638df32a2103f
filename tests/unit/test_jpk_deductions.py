"""The deduction chosen per purchase invoice in the month's JPK_V7M(3) (issue 19): a fixed
asset in K_40/K_41, a share that cuts the tax (K_43) and not the net (K_42), a purchase
deducted in a later month in that month's file only (its DataWplywu still the day of
receipt), and a purchase without the right to deduct (0 %) left out with a notice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ksef_desktop.jpk.model import DeductionCategory
from ksef_desktop.services.jpk_month import MonthFile
from tests.unit.jpk_books import APRIL, MARCH, MAY, Books, open_books
from tests.unit.jpk_support import field, rows


@pytest.fixture
def books(tmp_path: Path) -> Iterator[Books]:
    yield from open_books(tmp_path)


def _purchase_row(made: MonthFile, number: str) -> dict[str, str]:
    (found,) = [r for r in rows(made.data, "ZakupWiersz") if r["DowodZakupu"] == number]
    return found


def test_a_fixed_asset_lands_in_k40_k41(books: Books) -> None:
    asset, _ksef = books.purchase("ZAK/AS", 1, net="8000.00")
    books.purchase("ZAK/OT", 2)
    books.choose(asset, category=DeductionCategory.FIXED_ASSETS)
    made = books.month(MARCH)
    row = _purchase_row(made, "ZAK/AS")
    assert (row["K_40"], row["K_41"]) == ("8000.00", "1840.00")
    assert "K_42" not in row
    assert "K_43" not in row
    other = _purchase_row(made, "ZAK/OT")
    assert (other["K_42"], other["K_43"]) == ("100.00", "23.00")
    assert "K_40" not in other
    assert field(made.data, "t:Ewidencja/t:ZakupCtrl/t:PodatekNaliczony") == "1863.00"


def test_half_the_share_halves_the_tax_not_the_net(books: Books) -> None:
    car, _ksef = books.purchase("ZAK/CAR", 1, net="1000.00")
    books.choose(car, share="0.5")
    made = books.month(MARCH)
    row = _purchase_row(made, "ZAK/CAR")
    assert (row["K_42"], row["K_43"]) == ("1000.00", "115.00")
    assert made.summary.tax_deductible == Decimal("115.00")


def test_a_later_month_takes_the_purchase_with_its_day_of_receipt(books: Books) -> None:
    later, ksef = books.purchase("ZAK/LATER", 1)
    books.purchase("ZAK/NOW", 2)
    books.choose(later, month=date(2026, 5, 1))
    march = books.month(MARCH)
    assert [r["DowodZakupu"] for r in rows(march.data, "ZakupWiersz")] == ["ZAK/NOW"]
    (moved,) = [n for n in march.documents.notices if n.code == "purchase-deducted-later"]
    assert "ZAK/LATER" in moved.text("pl")
    assert "2026-05" in moved.text("pl")
    assert rows(books.month(APRIL).data, "ZakupWiersz") == []
    may = books.month(MAY)
    (row,) = rows(may.data, "ZakupWiersz")
    assert (row["DowodZakupu"], row["NrKSeF"]) == ("ZAK/LATER", ksef)
    assert row["DataWplywu"] == "2026-03-05"  # still the day of receipt
    assert row["K_43"] == "23.00"
    (here,) = [n for n in may.documents.notices if n.code == "purchase-deducted-here"]
    assert "2026-03" in here.text("en")
    # Back to the month of receipt: in March again, and in May no more.
    books.choose(later, month=0)
    assert len(rows(books.month(MARCH).data, "ZakupWiersz")) == 2
    assert rows(books.month(MAY).data, "ZakupWiersz") == []


def test_no_right_to_deduct_leaves_the_purchase_out_with_a_notice(books: Books) -> None:
    private, _ksef = books.purchase("ZAK/PRIV", 1)
    books.purchase("ZAK/OK", 2)
    books.choose(private, share="0")
    made = books.month(MARCH)
    assert [r["DowodZakupu"] for r in rows(made.data, "ZakupWiersz")] == ["ZAK/OK"]
    (notice,) = [n for n in made.documents.notices if n.code == "purchase-not-deductible"]
    assert "ZAK/PRIV" in notice.text("pl")
    assert notice.text("pl") != notice.text("en")
    assert made.summary.tax_deductible == Decimal("23.00")
