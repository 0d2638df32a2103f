"""The deduction chosen per purchase invoice in the month's JPK_V7M(3) (issue 19): a fixed
asset in K_40/K_41, a share that cuts the tax (K_43) and not the net (K_42), a purchase
deducted in a later month in that month's file only (its DataWplywu still the day of
receipt), and a purchase without the right to deduct (0 %) left out with a notice."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ksef_desktop.domain.identifiers import make_ksef_number
from ksef_desktop.domain.invoice import VatRate
from ksef_desktop.jpk.model import DeclarationInputs, DeductionCategory, Period
from ksef_desktop.jpk.schema import schema_errors
from ksef_desktop.services.jpk_month import MonthFile, build_month
from ksef_desktop.services.purchase_deductions import MonthChoice, change_deductions
from ksef_desktop.store import Store
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.purchases import ReceivedInvoice, add_purchase
from tests.unit.jpk_support import SUPPLIER_NIP, TAXPAYER, field, line, purchase_fa3, root, rows
from tests.unit.test_store_support import PID, Clock, make_store, sample_profile

MARCH, APRIL, MAY = Period(2026, 3), Period(2026, 4), Period(2026, 5)
CREATED = datetime(2026, 6, 20, 10, 0, tzinfo=UTC)


@dataclass
class Books:
    store: Store
    profile: Profile
    clock: Clock

    def purchase(self, number: str, serial: int, net: str = "100.00") -> tuple[int, str]:
        """An invoice for ``net`` at 23 % received on 5 March (its KSeF number's date)."""
        day = date(2026, 3, 5)
        ksef = make_ksef_number(SUPPLIER_NIP, day, f"{serial:012X}")
        xml = purchase_fa3(line(VatRate.R23, net), number=number, issue_date=date(2026, 3, 1))
        moment = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
        received = ReceivedInvoice(
            ksef_number=ksef, seller_nip=SUPPLIER_NIP, seller_name="Dostawca S.A.",
            number=number, kind="VAT", issue_date=date(2026, 3, 1), acquired_at=moment,
            stored_at=moment, net=Decimal(net), vat=Decimal(net) * Decimal("0.23"),
            gross=Decimal(net) * Decimal("1.23"), currency="PLN", xml=xml,
        )  # fmt: skip
        with self.store.db.transaction() as conn:
            made = add_purchase(conn, self.store.archive, received, profile_id=PID, now=moment)
        assert made is not None
        return made, ksef

    def choose(
        self,
        purchase_id: int,
        *,
        category: DeductionCategory | None = None,
        share: str | None = None,
        month: MonthChoice = None,
    ) -> None:
        change_deductions(
            self.store.db, [purchase_id], profile_id=PID, now=self.clock, category=category,
            share=None if share is None else Decimal(share), month=month,
        )  # fmt: skip

    def month(self, period: Period) -> MonthFile:
        made = build_month(
            self.store, self.profile, period, TAXPAYER, DeclarationInputs(), created_at=CREATED
        )
        assert schema_errors(root(made.data)) == ()
        return made


@pytest.fixture
def books(tmp_path: Path) -> Iterator[Books]:
    store = make_store(tmp_path)
    yield Books(store, sample_profile(store), Clock())
    store.close()


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
