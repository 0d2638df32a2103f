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


def make_store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "data")
