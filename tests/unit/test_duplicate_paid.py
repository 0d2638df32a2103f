"""Duplicating an invoice paid at issue: the copy is paid on its own issue day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from ksef_desktop.domain.checks import check_invoice
from ksef_desktop.domain.invoice import Payment, PaymentMethod
from ksef_desktop.services.invoice_actions import duplicate_as_new
from ksef_desktop.store.invoices import create_draft, get_invoice
from tests.unit.test_store_support import PID, make_store, sample_invoice

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_a_copy_of_a_paid_invoice_is_paid_on_its_issue_day(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    try:
        paid = Payment(method=PaymentMethod.CARD, paid=True, paid_date=date(2026, 3, 2))
        original = replace(
            sample_invoice(), payment=paid, sale_period=(date(2026, 2, 1), date(2026, 2, 28))
        )
        with store.db.transaction() as conn:
            first = create_draft(conn, original, now=NOW, profile_id=PID)
        copy_id = duplicate_as_new(store.db, first, now=lambda: NOW, profile_id=PID)
        copy = get_invoice(store.db.connection(), copy_id, profile_id=PID).invoice
        assert copy.issue_date == date(2026, 11, 20)
        assert copy.payment == replace(paid, paid_date=date(2026, 11, 20))
        assert copy.sale_period == original.sale_period  # shown in the editor to be changed
        assert check_invoice(copy, today=date(2026, 11, 20)) == []

        unpaid = replace(original, payment=Payment(method=PaymentMethod.TRANSFER))
        with store.db.transaction() as conn:
            second = create_draft(conn, unpaid, now=NOW, profile_id=PID)
        again = get_invoice(
            store.db.connection(),
            duplicate_as_new(store.db, second, now=lambda: NOW, profile_id=PID),
            profile_id=PID,
        )
        assert again.invoice.payment == Payment(method=PaymentMethod.TRANSFER)
    finally:
        store.close()
