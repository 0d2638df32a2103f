"""JPK_V7M(3) of a month from the profile's store (issue 19): which invoices go in with
which KSeF number or marker, which stay out with a notice, and the sums of the rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ksef_desktop import cli
from ksef_desktop.domain.identifiers import make_ksef_number
from ksef_desktop.domain.invoice import VatRate
from ksef_desktop.jpk import from_fa3
from ksef_desktop.jpk.errors import JpkError
from ksef_desktop.jpk.model import DeclarationInputs, Marker, Period
from ksef_desktop.jpk.schema import schema_errors
from ksef_desktop.services.invoice_actions import correction_of
from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.services.jpk_month import build_month, gather_month, month_bounds
from ksef_desktop.store import Store
from ksef_desktop.store.invoices import create_draft, get_invoice
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.outbox import Outbox
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.purchases import ReceivedInvoice, add_purchase
from tests.unit.jpk_support import SUPPLIER_NIP, TAXPAYER, field, line, purchase_fa3, root, rows
from tests.unit.test_store_support import (
    PID,
    SELLER_NIP,
    Clock,
    add_profile,
    make_store,
    sample_invoice,
    sample_profile,
)

MARCH = Period(2026, 3)
CREATED = datetime(2026, 4, 20, 10, 0, tzinfo=UTC)


@dataclass
class Month:
    store: Store
    profile: Profile
    clock: Clock
    series: int

    def issue(self, mode: str | None = None, day: date = date(2026, 3, 2)) -> int:
        deadline = None
        if mode in ("offline24", "offline", "awaria"):
            deadline = datetime.combine(day, datetime.min.time(), UTC) + timedelta(days=3)
        with self.store.db.transaction() as conn:
            draft = create_draft(conn, sample_invoice(day=day), now=self.clock(), profile_id=PID)
        issue_invoice(
            self.store.db, self.store.archive, draft, now=self.clock, series_id=self.series,
            mode=mode, deadline=deadline, profile_id=PID,
        )  # fmt: skip
        return draft

    def number(self, invoice_id: int) -> str:
        number = get_invoice(self.store.db.connection(), invoice_id, profile_id=PID).number
        assert number is not None
        return number

    def purchase(self, ksef: str, number: str, subject: str = "Subject2") -> None:
        xml = purchase_fa3(line(VatRate.R23, "50.00"), number=number, issue_date=date(2026, 3, 1))
        moment = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
        received = ReceivedInvoice(
            ksef_number=ksef, seller_nip=SUPPLIER_NIP, seller_name="Dostawca S.A.",
            number=number, kind="VAT", issue_date=date(2026, 3, 1), acquired_at=moment,
            stored_at=moment, net=Decimal("50.00"), vat=Decimal("11.50"),
            gross=Decimal("61.50"), currency="PLN", xml=xml, subject=subject,
        )  # fmt: skip
        with self.store.db.transaction() as conn:
            add_purchase(conn, self.store.archive, received, profile_id=PID, now=moment)


@pytest.fixture
def month(tmp_path: Path) -> Iterator[Month]:
    store = make_store(tmp_path)
    clock = Clock()
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=clock(), profile_id=PID)
    yield Month(store, sample_profile(store), clock, series)
    store.close()


def sales_ksef(seller: str, day: date, serial: int) -> str:
    return make_ksef_number(seller, day, f"{serial:012X}")


def test_the_month_from_the_store_carries_numbers_and_markers(month: Month) -> None:
    accepted = month.issue()
    offline = month.issue("offline24")
    total_failure = month.issue("awaria-calkowita")
    rejected = month.issue()
    waiting = month.issue()  # online, not yet accepted: not yet an invoice
    outbox = Outbox(month.store.db, month.store.archive, month.clock, profile_id=PID)
    outbox.claim(limit=100)
    accepted_number = sales_ksef("5265877635", date(2026, 3, 2), 1)
    outbox.mark_accepted(accepted, accepted_number)
    outbox.mark_rejected(rejected, 450, "P_1 z przyszłości")
    outbox.release_claims()
    # A correction of the accepted invoice: 2 hours instead of 2 → 1 (−100.00 net, −23.00).
    original = get_invoice(month.store.db.connection(), accepted, profile_id=PID)
    kor = correction_of(original.invoice, accepted_number, date(2026, 3, 3), month.clock())
    after = tuple(
        item if item.before_correction else replace(item, quantity=Decimal(1)) for item in kor.lines
    )
    with month.store.db.transaction() as conn:
        kor_id = create_draft(conn, replace(kor, lines=after), now=month.clock(), profile_id=PID)
    month.clock.advance(timedelta(days=1))
    issue_invoice(
        month.store.db, month.store.archive, kor_id, now=month.clock, series_id=month.series,
        mode="offline24", deadline=datetime(2026, 3, 6, 22, 59, tzinfo=UTC), profile_id=PID,
    )  # fmt: skip
    with month.store.db.transaction() as conn:  # a draft of March: never in the file
        create_draft(conn, sample_invoice(), now=month.clock(), profile_id=PID)
    month.clock.advance(timedelta(days=31))
    month.issue(day=date(2026, 4, 2))  # April's: not in March
    bought = make_ksef_number(SUPPLIER_NIP, date(2026, 3, 5), "0000000000A1")
    month.purchase(bought, "ZAK/1")
    month.purchase(make_ksef_number(SUPPLIER_NIP, date(2026, 4, 1), "0000000000A2"), "ZAK/2")
    third = make_ksef_number(SUPPLIER_NIP, date(2026, 3, 6), "0000000000A3")
    month.purchase(third, "ZAK/3", subject="Subject3")

    made = build_month(
        month.store, month.profile, MARCH, TAXPAYER, DeclarationInputs(), created_at=CREATED
    )
    data = made.data
    assert schema_errors(root(data)) == ()
    sales = rows(data)
    assert [r["DowodSprzedazy"] for r in sales] == [
        month.number(i) for i in (accepted, offline, total_failure, kor_id)
    ]
    assert sales[0]["NrKSeF"] == accepted_number
    assert "OFF" not in sales[0]
    assert sales[1]["OFF"] == "1"
    assert "NrKSeF" not in sales[1]
    assert sales[2]["BFK"] == "1"
    assert sales[3]["OFF"] == "1"
    assert (sales[3]["K_19"], sales[3]["K_20"]) == ("-100.00", "-23.00")
    # 46.00 × 3 invoices − 23.00 of the correction
    assert field(data, "t:Ewidencja/t:SprzedazCtrl/t:PodatekNalezny") == "115.00"
    (purchase,) = rows(data, "ZakupWiersz")
    assert purchase["NrKSeF"] == bought
    assert purchase["DowodZakupu"] == "ZAK/1"
    assert purchase["DataWplywu"] == "2026-03-05"
    assert (made.summary.sales_rows, made.summary.purchase_rows) == (4, 1)
    assert made.summary.tax_deductible == Decimal("11.50")
    codes = {n.code: n for n in made.documents.notices}
    assert set(codes) >= {
        "sale-rejected", "sale-not-in-ksef", "sale-total-failure", "sale-off",
        "purchase-third-subject",
    }  # fmt: skip
    assert month.number(rejected) in codes["sale-rejected"].text("en")
    assert "odrzucona" in codes["sale-rejected"].text("pl")
    assert month.number(waiting) in codes["sale-not-in-ksef"].text("pl")
    assert "ZAK/3" in codes["purchase-third-subject"].text("pl")


def test_an_empty_month_is_a_valid_file_of_zero_rows(month: Month) -> None:
    made = build_month(
        month.store, month.profile, Period(2026, 5), TAXPAYER, DeclarationInputs(),
        created_at=CREATED,
    )  # fmt: skip
    assert schema_errors(root(made.data)) == ()
    assert (made.summary.sales_rows, made.summary.purchase_rows) == (0, 0)
    assert made.documents.notices == ()


def test_the_taxpayer_must_be_the_profile(month: Month) -> None:
    other = replace(TAXPAYER, nip="9999999999")
    with pytest.raises(JpkError) as caught:
        build_month(month.store, month.profile, MARCH, other, DeclarationInputs())
    assert "9999999999" in caught.value.text("pl")


def test_gathering_alone_reads_the_same_rows(month: Month) -> None:
    month.issue("offline")
    found = gather_month(month.store, month.profile, MARCH)
    assert [doc.ksef for doc in found.sales] == [Marker.OFF]


def test_each_sales_row_is_the_invoice_the_store_gives_by_its_id(month: Month) -> None:
    """The month's query reads the frozen XML with the rows in one statement; each row must
    be what the store's own reader of one invoice (``get_invoice``) gives, invoice by
    invoice, in the order of issue date and id, and no other profile's invoice."""
    days = [date(2026, 3, 9), date(2026, 3, 2), date(2026, 3, 31), date(2026, 3, 2)]
    modes: list[str | None] = [None, "offline24", "awaria-calkowita", "offline"]
    ids = [month.issue(mode, day) for mode, day in zip(modes, days, strict=True)]
    outbox = Outbox(month.store.db, month.store.archive, month.clock, profile_id=PID)
    outbox.claim(limit=100)
    outbox.mark_accepted(ids[0], sales_ksef("5265877635", date(2026, 3, 9), 3))
    outbox.release_claims()
    other = add_profile(month.store, "test")  # the same NIP in another environment
    with month.store.db.transaction() as conn:
        series = create_series(conn, "FT", "FT/{n}", now=month.clock(), profile_id=other.id)
        foreign = create_draft(conn, sample_invoice(), now=month.clock(), profile_id=other.id)
    issue_invoice(
        month.store.db, month.store.archive, foreign, now=month.clock, series_id=series,
        mode="offline", deadline=datetime(2026, 3, 5, tzinfo=UTC), profile_id=other.id,
    )  # fmt: skip

    found = gather_month(month.store, month.profile, MARCH)
    conn = month.store.db.connection()
    expected_ids = [ids[1], ids[3], ids[0], ids[2]]  # by issue date, then id
    expected = []
    for invoice_id in expected_ids:
        stored = get_invoice(conn, invoice_id, profile_id=PID)
        assert stored.xml is not None
        assert stored.number is not None
        status = stored.ksef_number or (
            Marker.BFK if stored.mode == "awaria-calkowita" else Marker.OFF
        )
        expected.append(
            from_fa3.sales_document(stored.xml, status, own_nip=SELLER_NIP, label=stored.number)
        )
    assert list(found.sales) == expected
    assert [doc.ksef for doc in found.sales] == [
        Marker.OFF,
        Marker.OFF,
        expected[2].ksef,
        Marker.BFK,
    ]
    assert [d.label for d in gather_month(month.store, other, MARCH).sales] == ["FT/1"]


@pytest.mark.parametrize(
    ("period", "bounds"),
    [
        (Period(2026, 2), (date(2026, 2, 1), date(2026, 2, 28))),
        (Period(2026, 12), (date(2026, 12, 1), date(2026, 12, 31))),
        (Period(2028, 2), (date(2028, 2, 1), date(2028, 2, 29))),
    ],
)
def test_month_bounds(period: Period, bounds: tuple[date, date]) -> None:
    assert month_bounds(period) == bounds


PERSON = [
    "--nip", "5265877635", "--tax-office", "1471", "--first-name", "Anna",
    "--last-name", "Wiśniewska", "--birth-date", "1985-04-12", "--email", "anna@example.pl",
]  # fmt: skip


def test_the_command_line_builds_from_the_store(
    month: Month, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    accepted = month.issue()
    offline = month.issue("offline24")
    outbox = Outbox(month.store.db, month.store.archive, month.clock, profile_id=PID)
    outbox.claim(limit=100)
    number = sales_ksef("5265877635", date(2026, 3, 2), 7)
    outbox.mark_accepted(accepted, number)
    outbox.release_claims()
    bought = make_ksef_number(SUPPLIER_NIP, date(2026, 3, 5), "0000000000B1")
    month.purchase(bought, "ZAK/9")
    out = tmp_path / "jpk.xml"
    data_dir = str(month.store.data_dir)
    args = [
        "--data-dir",
        data_dir,
        "jpk",
        "--month",
        "2026-03",
        "--base-url",
        "http://127.0.0.1:9/v2",
        *PERSON,
    ]
    assert cli.main([*args, "-o", str(out)]) == 0
    printed = capsys.readouterr()
    assert printed.out.splitlines()[:4] == [
        "LiczbaWierszySprzedazy 2",
        "LiczbaWierszyZakupow 1",
        "PodatekNalezny 92.00",
        "PodatekNaliczony 11.50",
    ]
    assert month.number(offline) in printed.err  # reported as OFF: the user is told
    data = out.read_bytes()
    assert schema_errors(root(data)) == ()
    assert [r.get("NrKSeF", "OFF") for r in rows(data)] == [number, "OFF"]
    assert rows(data, "ZakupWiersz")[0]["NrKSeF"] == bought
    # Files and the store at once: refused, nothing written.
    again = tmp_path / "again.xml"
    mixed = [*args, "--sales", "x.xml=OFF", "-o", str(again)]
    assert cli.main(mixed) == 2
    assert "--env" in capsys.readouterr().err
    assert not again.exists()
