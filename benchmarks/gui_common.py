"""What the GUI benchmark scripts share: a demo invoice and a store filled with them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
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
from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.store import Store
from ksef_desktop.store.invoices import create_draft
from ksef_desktop.store.numbering import create_series
from tests.unit.test_store_support import PID

SELLER = "5265877635"  # the demo company's NIP (ui/settings.py DEMO_NIP)
BUYERS = ("Kwiaciarnia Różana s.c.", "Żabka Polska sp. z o.o.", "Pracownia Ósemka")


def demo_invoice(day: date, price: str, buyer: str = BUYERS[0]) -> Invoice:
    return Invoice(
        kind=InvoiceKind.VAT,
        number="(draft)",
        issue_date=day,
        seller=Party(
            tax_id=PolishNip(SELLER),
            name="Firma Demonstracyjna Jan Kowalski",
            address=Address("PL", "ul. Przykładowa 1", "00-001 Warszawa"),
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
        created_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
        payment=Payment(method=PaymentMethod.TRANSFER, due_date=day),
    )


def new_series(store: Store, now: datetime) -> int:
    with store.db.transaction() as conn:
        return create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=now, profile_id=PID)


def issue_one(
    store: Store,
    series: int,
    invoice: Invoice,
    now: Callable[[], datetime],
    mode: str | None = None,
    deadline: datetime | None = None,
) -> int:
    with store.db.transaction() as conn:
        draft = create_draft(conn, invoice, now=now(), profile_id=PID)
    issue_invoice(
        store.db,
        store.archive,
        draft,
        now=now,
        series_id=series,
        mode=mode,
        deadline=deadline,
        profile_id=PID,
    )
    return draft


def data_dir_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
