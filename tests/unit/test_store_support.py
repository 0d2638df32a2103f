"""Shared helpers of the store tests (no tests here): a hand-set clock, a sample invoice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ksef_desktop.domain.invoice import (
    Address,
    Invoice,
    InvoiceKind,
    Line,
    Party,
    Payment,
    PaymentMethod,
    PolishNip,
    VatRate,
)
from ksef_desktop.store import Store, open_store
from ksef_desktop.store.profiles import Profile, ensure_profile


class Clock:
    """A clock the test moves by hand (injected where the program takes ``now``)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


def sample_invoice(
    *, buyer: str = "Żabka Polska sp. z o.o.", day: date = date(2026, 3, 2), price: str = "100.00"
) -> Invoice:
    return Invoice(
        kind=InvoiceKind.VAT,
        number="(draft)",
        issue_date=day,
        seller=Party(
            tax_id=PolishNip("5265877635"),
            name="Jan Kowalski Usługi",
            address=Address("PL", "ul. Prosta 1", "00-001 Warszawa"),
        ),
        buyer=Party(
            tax_id=PolishNip("1111111111"),
            name=buyer,
            address=Address("PL", "ul. Krzywa 2", "30-002 Kraków"),
        ),
        lines=(
            Line(
                name="Usługa programistyczna",
                rate=VatRate.R23,
                quantity=Decimal("2"),
                unit_price=Decimal(price),
                unit="godz.",
            ),
        ),
        created_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        payment=Payment(method=PaymentMethod.TRANSFER, due_date=date(2026, 3, 16)),
    )


#: The seller of ``sample_invoice`` and the NIP of the profile ``make_store`` makes.
SELLER_NIP = "5265877635"
#: The id of that profile (the first one of a new store): the Sandbox, ``SELLER_NIP``.
PID = 1
#: The contractors of the tests belong to the company ``SELLER_NIP``.
NIP = SELLER_NIP


#: The company data of ``sample_invoice``'s seller, as its profile holds them.
SELLER_NAME = "Jan Kowalski Usługi"
SELLER_ADDRESS = "ul. Prosta 1, 00-001 Warszawa"


def add_profile(store: Store, environment: str = "sandbox", nip: str = SELLER_NIP) -> Profile:
    """The profile ``(environment, nip)`` of ``store``, made if new (with the sample
    seller's company data)."""
    with store.db.transaction() as conn:
        return ensure_profile(
            conn,
            environment,
            nip,
            now=datetime(2026, 3, 1, tzinfo=UTC),
            company_name=SELLER_NAME,
            company_address=SELLER_ADDRESS,
        )


def open_profiled(folder: Path) -> Store:
    """The store of ``folder`` with its first profile (``PID``: the Sandbox,
    ``SELLER_NIP``), made if the store is new."""
    store = open_store(folder)
    assert add_profile(store).id == PID
    return store


def make_store(tmp_path: Path) -> Store:
    """A new store with its first profile (``PID``: the Sandbox, ``SELLER_NIP``)."""
    return open_profiled(tmp_path / "data")


def sample_profile(store: Store) -> Profile:
    """The profile ``PID`` of ``store`` (the sample seller in the Sandbox)."""
    return add_profile(store)
