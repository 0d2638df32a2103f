"""A profile's books for the JPK tests of purchases (issue 19): purchase invoices kept as
``purchases_sync`` keeps them (archive file + row), their deduction chosen through the
service, the month's file made from the store and checked against the official XSD."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from ksef_desktop.domain.identifiers import make_ksef_number
from ksef_desktop.domain.invoice import VatRate
from ksef_desktop.jpk.model import DeclarationInputs, DeductionCategory, Period
from ksef_desktop.jpk.schema import schema_errors
from ksef_desktop.services.jpk_month import MonthFile, build_month
from ksef_desktop.services.purchase_deductions import (
    MonthChoice,
    ReverseChoice,
    change_deductions,
)
from ksef_desktop.store import Store
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.purchases import ReceivedInvoice, add_purchase
from tests.unit.jpk_support import SUPPLIER_NIP, TAXPAYER, line, purchase_fa3, root
from tests.unit.test_store_support import PID, Clock, make_store, sample_profile

MARCH, APRIL, MAY = Period(2026, 3), Period(2026, 4), Period(2026, 5)
CREATED = datetime(2026, 6, 20, 10, 0, tzinfo=UTC)


@dataclass
class Books:
    store: Store
    profile: Profile
    clock: Clock

    def purchase(
        self,
        number: str,
        serial: int,
        rate: VatRate = VatRate.R23,
        net: str = "100.00",
        issued: date = date(2026, 3, 1),
    ) -> tuple[int, str]:
        """An invoice of one line at ``rate`` received on 5 March (its KSeF number's date),
        kept as ``purchases_sync`` keeps it: its id and KSeF number."""
        moment = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
        ksef = make_ksef_number(SUPPLIER_NIP, moment.date(), f"{serial:012X}")
        xml = purchase_fa3(line(rate, net), number=number, issue_date=issued)
        vat = Decimal(net) * Decimal("0.23") if rate is VatRate.R23 else Decimal(0)
        received = ReceivedInvoice(
            ksef_number=ksef, seller_nip=SUPPLIER_NIP, seller_name="Dostawca S.A.",
            number=number, kind="VAT", issue_date=issued, acquired_at=moment,
            stored_at=moment, net=Decimal(net), vat=vat, gross=Decimal(net) + vat,
            currency="PLN", xml=xml,
        )  # fmt: skip
        with self.store.db.transaction() as conn:
            made = add_purchase(conn, self.store.archive, received, profile_id=PID, now=moment)
        assert made is not None
        return made, ksef

    def choose(
        self,
        purchase_id: int,
        reverse: ReverseChoice | None = None,
        *,
        category: DeductionCategory | None = None,
        share: str | None = None,
        month: MonthChoice = None,
    ) -> None:
        """The deduction of one purchase (None: that part kept as it is)."""
        change_deductions(
            self.store.db, [purchase_id], profile_id=PID, now=self.clock, category=category,
            share=None if share is None else Decimal(share), month=month, reverse=reverse,
        )  # fmt: skip

    def month(self, period: Period = MARCH) -> MonthFile:
        made = build_month(
            self.store, self.profile, period, TAXPAYER, DeclarationInputs(), created_at=CREATED
        )
        assert schema_errors(root(made.data)) == ()
        return made


def open_books(tmp_path: Path) -> Iterator[Books]:
    """The books of a new store in ``tmp_path`` (a fixture's body: closed after)."""
    store = make_store(tmp_path)
    yield Books(store, sample_profile(store), Clock())
    store.close()
