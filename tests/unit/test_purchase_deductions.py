"""The VAT deduction chosen per purchase invoice (issue 19): the share and the month as the
user writes them, the window of art. 86 ust. 10/11, and the store (one transaction for
all the chosen invoices; defaults kept as no row; wrong values never stored)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ksef_desktop import i18n
from ksef_desktop.domain.identifiers import make_ksef_number
from ksef_desktop.domain.invoice import VatRate
from ksef_desktop.errors import UserError
from ksef_desktop.jpk.model import DeductionCategory
from ksef_desktop.services.purchase_deductions import (
    DeductionRefused,
    add_months,
    allowed_months,
    change_deductions,
    check_month,
    check_share,
    deduction_text,
    deductions,
    parse_month,
    parse_share,
    percent_text,
    receipt_month,
)
from ksef_desktop.store import Store
from ksef_desktop.store.purchase_deductions import StoredDeduction, deductions_of, set_deduction
from ksef_desktop.store.purchases import ReceivedInvoice, add_purchase, get_purchase
from tests.unit.jpk_support import SUPPLIER_NIP, line, purchase_fa3
from tests.unit.test_store_support import PID, Clock, add_profile, make_store

MARCH = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("50", "0.5"), ("50 %", "0.5"), ("50%", "0.5"), ("33,33 %", "0.3333"), ("0.5", "0.5"),
        ("0,25", "0.25"), ("1", "1"), ("100", "1"), ("1 %", "0.01"), ("0", "0"), ("0 %", "0"),
        (" 12.5\u00a0% ", "0.125"), ("1.0000", "1"),
    ],
)  # fmt: skip
def test_a_share_as_a_percent_or_a_fraction(text: str, share: str) -> None:
    assert parse_share(text) == Decimal(share)
    assert str(parse_share(text)) == share  # stored normalised


@pytest.mark.parametrize(
    "text", ["", "abc", "50 zł", "-1", "-0.5", "101", "100.01 %", "150%", "NaN", "inf",
             "33.333 %", "0.12345", "1e9", "%"],
)  # fmt: skip
def test_a_bad_share_is_refused_in_both_languages(text: str) -> None:
    with pytest.raises(DeductionRefused) as caught:
        parse_share(text)
    assert isinstance(caught.value, UserError)
    assert caught.value.text("pl") != caught.value.text("en")
    assert "Traceback" not in caught.value.text("pl")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_any_text_is_a_share_or_a_refusal(text: str) -> None:
    try:
        share = parse_share(text)
    except DeductionRefused as exc:
        refusal = exc.message()
        assert refusal
    else:
        assert Decimal(0) <= share <= Decimal(1)
        assert _places(share) <= 4


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return -exponent


def _too_precise(value: Decimal) -> bool:
    return _places(value) > 4


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True),
        st.decimals(min_value=Decimal("-5"), max_value=Decimal("-0.0001"), places=4),
        st.decimals(min_value=Decimal("1.0001"), max_value=Decimal("1e6"), places=4),
        st.decimals(min_value=Decimal(0), max_value=Decimal(1), places=8).filter(_too_precise),
    )
)
def test_a_share_outside_0_1_or_too_precise_is_never_stored(value: Decimal) -> None:
    if value.is_finite() and 0 <= value <= 1 and not _too_precise(value):
        assert check_share(value) == value  # st.decimals' unbounded branch gave a good one
        return
    with pytest.raises(DeductionRefused):
        check_share(value)


def test_the_months_of_the_deduction() -> None:
    ksef = make_ksef_number(SUPPLIER_NIP, date(2026, 11, 30), "0000000000A1")
    assert receipt_month(ksef) == date(2026, 11, 1)
    assert allowed_months(date(2026, 11, 1)) == (
        date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1),
    )  # fmt: skip
    assert add_months(date(2026, 12, 1), -12) == date(2025, 12, 1)
    assert parse_month(" 2027-01 ") == date(2027, 1, 1)
    for month in allowed_months(date(2026, 11, 1)):
        assert check_month(date(2026, 11, 1), month, "X") == month


def test_a_month_before_the_receipt_or_after_three_more_is_refused() -> None:
    with pytest.raises(DeductionRefused) as early:
        check_month(MARCH, date(2026, 2, 1), "ZAK/1")
    assert "86 ust. 10b" in early.value.text("pl")
    assert "ZAK/1" in early.value.text("en")
    with pytest.raises(DeductionRefused) as late:
        check_month(MARCH, date(2026, 7, 1), "ZAK/1")
    for lang in ("pl", "en"):
        text = late.value.text(lang)
        assert "2026-06" in text  # the last month allowed
        assert "2026-07" in text
        assert "86 ust. 13" in text  # how a later deduction is made
    assert "korekt" in late.value.text("pl")


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=date(2026, 2, 1), max_value=date(2089, 1, 1)),
    st.integers(min_value=-400, max_value=400),
)
def test_only_the_receipt_month_and_three_after_it_are_allowed(received: date, shift: int) -> None:
    receipt = received.replace(day=1)
    month = add_months(receipt, shift)
    if 0 <= shift <= 3:
        assert check_month(receipt, month, "X") == month
    else:
        with pytest.raises(DeductionRefused):
            check_month(receipt, month, "X")


@given(st.text(max_size=10))
def test_any_text_is_a_month_or_a_refusal(text: str) -> None:
    try:
        month = parse_month(text)
    except DeductionRefused as exc:
        refusal = exc.text("pl")
        assert refusal
    else:
        assert month.day == 1


# --- the store --------------------------------------------------------------------------


@dataclass
class Bought:
    store: Store
    clock: Clock

    def purchase(self, day: date, serial: int, subject: str = "Subject2", pid: int = PID) -> int:
        ksef = make_ksef_number(SUPPLIER_NIP, day, f"{serial:012X}")
        xml = purchase_fa3(line(VatRate.R23, "100.00"), number=f"ZAK/{serial}", issue_date=day)
        moment = datetime.combine(day, datetime.min.time(), UTC)
        received = ReceivedInvoice(
            ksef_number=ksef, seller_nip=SUPPLIER_NIP, seller_name="Dostawca S.A.",
            number=f"ZAK/{serial}", kind="VAT", issue_date=day, acquired_at=moment,
            stored_at=moment, net=Decimal("100.00"), vat=Decimal("23.00"),
            gross=Decimal("123.00"), currency="PLN", xml=xml, subject=subject,
        )  # fmt: skip
        with self.store.db.transaction() as conn:
            made = add_purchase(conn, self.store.archive, received, profile_id=pid, now=moment)
        assert made is not None
        return made


@pytest.fixture
def bought(tmp_path: Path) -> Iterator[Bought]:
    store = make_store(tmp_path)
    yield Bought(store, Clock())
    store.close()


def test_the_defaults_are_no_row(bought: Bought) -> None:
    pid = bought.purchase(date(2026, 3, 5), 1)
    (found,) = deductions(bought.store.db, [pid], profile_id=PID)
    assert (found.category, found.share, found.month) == (
        DeductionCategory.OTHER, Decimal(1), MARCH,
    )  # fmt: skip
    assert found.default
    assert "2026-03" in deduction_text(found)
    assert deductions_of(bought.store.db.connection(), [pid], profile_id=PID) == {}


def test_a_choice_is_kept_and_changed_part_by_part(bought: Bought) -> None:
    db = bought.store.db
    first, second = bought.purchase(date(2026, 3, 5), 1), bought.purchase(date(2026, 3, 9), 2)
    changed = change_deductions(
        db, [first, second], profile_id=PID, now=bought.clock,
        category=DeductionCategory.FIXED_ASSETS, share=parse_share("50"), month=date(2026, 5, 1),
    )  # fmt: skip
    assert [(d.purchase_id, d.month) for d in changed] == [
        (first, date(2026, 5, 1)),
        (second, date(2026, 5, 1)),
    ]
    kept = deductions_of(db.connection(), [first, second], profile_id=PID)
    assert kept[first] == StoredDeduction("fixed-assets", Decimal("0.5"), "2026-05")
    row = get_purchase(db.connection(), first, profile_id=PID)
    assert row.deduction == kept[first]  # the list's rows carry it
    # Only the share: the category and the month stay.
    (again,) = change_deductions(db, [first], profile_id=PID, now=bought.clock, share=Decimal(1))
    assert (again.category, again.share, again.month) == (
        DeductionCategory.FIXED_ASSETS, Decimal(1), date(2026, 5, 1),
    )  # fmt: skip
    i18n.set_language("en")
    assert deduction_text(again) == "fixed asset, 100 % deductible, in 2026-05"
    i18n.set_language("pl")
    assert deduction_text(again) == "środek trwały, do odliczenia 100 %, w 2026-05"
    # Back to the defaults: no row.
    change_deductions(
        db, [first], profile_id=PID, now=bought.clock, category=DeductionCategory.OTHER, month=0
    )
    assert set(deductions_of(db.connection(), [first, second], profile_id=PID)) == {second}
    # Months after the receipt, counted per invoice.
    (later,) = change_deductions(db, [first], profile_id=PID, now=bought.clock, month=3)
    assert later.month == date(2026, 6, 1)
    assert percent_text(later.share) == "100%"


def test_a_refusal_for_one_invoice_changes_none(bought: Bought) -> None:
    db = bought.store.db
    march, may = bought.purchase(date(2026, 3, 5), 1), bought.purchase(date(2026, 5, 2), 2)
    with pytest.raises(DeductionRefused) as caught:
        change_deductions(
            db, [may, march], profile_id=PID, now=bought.clock, month=date(2026, 4, 1)
        )
    assert "ZAK/2" in caught.value.text("pl")  # May's invoice cannot go back to April
    assert deductions_of(db.connection(), [march, may], profile_id=PID) == {}
    with pytest.raises(DeductionRefused):
        change_deductions(db, [march], profile_id=PID, now=bought.clock, month=4)
    with pytest.raises(DeductionRefused):
        change_deductions(db, [march], profile_id=PID, now=bought.clock, share=Decimal("1.5"))
    assert deductions_of(db.connection(), [march, may], profile_id=PID) == {}


def test_a_third_subjects_invoice_or_another_profiles_is_refused(bought: Bought) -> None:
    db = bought.store.db
    third = bought.purchase(date(2026, 3, 5), 1, subject="Subject3")
    with pytest.raises(DeductionRefused) as caught:
        change_deductions(db, [third], profile_id=PID, now=bought.clock, share=Decimal("0.5"))
    assert "Podmiot3" in caught.value.text("pl")
    other = add_profile(bought.store, nip="9999999999")
    theirs = bought.purchase(date(2026, 3, 5), 2, pid=other.id)
    with pytest.raises(DeductionRefused) as missing:
        change_deductions(db, [theirs], profile_id=PID, now=bought.clock, share=Decimal("0.5"))
    assert f"#{theirs}" in missing.value.text("en")
    with pytest.raises(DeductionRefused):
        deductions(db, [theirs], profile_id=PID)
    # The table itself refuses a choice for another profile's invoice.
    with pytest.raises(sqlite3.IntegrityError), db.transaction() as conn:
        set_deduction(
            conn, theirs, StoredDeduction("fixed-assets", Decimal(1), None),
            profile_id=PID, now=bought.clock(),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("category", "share", "period"),
    [("car", "1", None), ("other", "1.5", None), ("other", "-0.5", None),
     ("other", "abc", None), ("other", "0.5", "2026-3"), ("other", "0.5", "March")],
)  # fmt: skip
def test_the_table_never_keeps_a_wrong_value(
    bought: Bought, category: str, share: str, period: str | None
) -> None:
    pid = bought.purchase(date(2026, 3, 5), 1)
    db = bought.store.db
    with pytest.raises(sqlite3.IntegrityError), db.transaction() as conn:
        conn.execute(
            "INSERT INTO purchase_deductions (purchase_id, profile_id, category, share, period, "
            "updated_at) VALUES (?, ?, ?, ?, ?, '2026-03-05T00:00:00.000000+00:00')",
            (pid, PID, category, share, period),
        )
    assert deductions_of(db.connection(), [pid], profile_id=PID) == {}
