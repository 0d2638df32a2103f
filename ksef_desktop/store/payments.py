"""Payments received for sales invoices, and what is paid, partly paid or overdue.

A payment belongs to an issued invoice of the profile. ``invoices.paid_minor`` is what was
paid: in full at issue (the invoice says "Zapłacono"), plus the payments recorded here;
each payment and that sum change in one transaction. Overdue: a due date passed with
something left to pay (``domain.payments``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ksef_desktop.domain.payments import PaymentStatus, payment_status
from ksef_desktop.i18n import _
from ksef_desktop.store.db import StoreError
from ksef_desktop.store.invoices import from_minor, to_minor
from ksef_desktop.store.states import InvoiceState, UnknownInvoice
from ksef_desktop.store.timefmt import to_db


class PaymentRefused(StoreError):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self) -> str:
        return self.text


@dataclass(frozen=True)
class PaymentRecord:
    id: int
    invoice_id: int
    amount: Decimal
    paid_on: date
    note: str


@dataclass(frozen=True)
class PaymentSummary:
    invoice_id: int
    gross: Decimal
    paid: Decimal
    due_date: date | None
    currency: str

    def status(self, today: date) -> PaymentStatus:
        return payment_status(self.gross, self.paid, self.due_date, today)

    @property
    def left(self) -> Decimal:
        return max(self.gross - self.paid, Decimal("0.00"))


def summary(conn: sqlite3.Connection, invoice_id: int, *, profile_id: int) -> PaymentSummary:
    row = conn.execute(
        "SELECT state, gross_minor, paid_minor, due_date, currency FROM invoices "
        "WHERE id = ? AND profile_id = ?",
        (invoice_id, profile_id),
    ).fetchone()
    if row is None:
        raise UnknownInvoice(invoice_id)
    due = None if row[3] is None else date.fromisoformat(row[3])
    return PaymentSummary(invoice_id, from_minor(row[1]), from_minor(row[2]), due, row[4])


def record_payment(
    conn: sqlite3.Connection,
    invoice_id: int,
    amount: Decimal,
    paid_on: date,
    *,
    profile_id: int,
    now: datetime,
    note: str = "",
) -> int:
    """A payment of ``amount`` (the invoice's currency) received on ``paid_on``."""
    row = conn.execute(
        "SELECT state FROM invoices WHERE id = ? AND profile_id = ?", (invoice_id, profile_id)
    ).fetchone()
    if row is None:
        raise UnknownInvoice(invoice_id)
    if InvoiceState(row[0]) is InvoiceState.DRAFT:
        raise PaymentRefused(_("A draft cannot be paid: issue it first."))
    minor = to_minor(amount)
    if minor <= 0:
        raise PaymentRefused(_("A payment must be more than zero."))
    cur = conn.execute(
        "INSERT INTO payments (profile_id, invoice_id, amount_minor, paid_on, note, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (profile_id, invoice_id, minor, paid_on.isoformat(), note, to_db(now)),
    )
    conn.execute(
        "UPDATE invoices SET paid_minor = paid_minor + ? WHERE id = ? AND profile_id = ?",
        (minor, invoice_id, profile_id),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def mark_paid(
    conn: sqlite3.Connection, invoice_id: int, paid_on: date, *, profile_id: int, now: datetime
) -> int | None:
    """Record the rest of the invoice as paid on ``paid_on`` (None: nothing was left)."""
    left = summary(conn, invoice_id, profile_id=profile_id).left
    if left <= 0:
        return None
    return record_payment(conn, invoice_id, left, paid_on, profile_id=profile_id, now=now)


def delete_payment(conn: sqlite3.Connection, payment_id: int, *, profile_id: int) -> None:
    row = conn.execute(
        "SELECT invoice_id, amount_minor FROM payments WHERE id = ? AND profile_id = ?",
        (payment_id, profile_id),
    ).fetchone()
    if row is None:
        raise PaymentRefused(_("There is no such payment."))
    conn.execute("DELETE FROM payments WHERE id = ? AND profile_id = ?", (payment_id, profile_id))
    conn.execute(
        "UPDATE invoices SET paid_minor = paid_minor - ? WHERE id = ? AND profile_id = ?",
        (row[1], row[0], profile_id),
    )


def payments_of(
    conn: sqlite3.Connection, invoice_id: int, *, profile_id: int
) -> list[PaymentRecord]:
    rows = conn.execute(
        "SELECT id, invoice_id, amount_minor, paid_on, note FROM payments "
        "WHERE invoice_id = ? AND profile_id = ? ORDER BY paid_on, id",
        (invoice_id, profile_id),
    ).fetchall()
    return [
        PaymentRecord(int(r[0]), int(r[1]), from_minor(r[2]), date.fromisoformat(r[3]), r[4])
        for r in rows
    ]


#: The condition of an overdue invoice on a day (``?`` = that day, ISO).
OVERDUE_SQL = (
    "state <> 'draft' AND due_date IS NOT NULL AND due_date < ? "
    "AND gross_minor > 0 AND paid_minor < gross_minor"
)


def overdue(
    conn: sqlite3.Connection, today: date, *, profile_id: int, limit: int = 1000
) -> list[PaymentSummary]:
    """The profile's overdue invoices on ``today``, the longest overdue first."""
    rows = conn.execute(
        "SELECT id, gross_minor, paid_minor, due_date, currency FROM invoices "  # noqa: S608
        f"WHERE profile_id = ? AND {OVERDUE_SQL} ORDER BY due_date, id LIMIT ?",
        (profile_id, today.isoformat(), limit),
    ).fetchall()
    return [
        PaymentSummary(
            int(r[0]), from_minor(r[1]), from_minor(r[2]), date.fromisoformat(r[3]), r[4]
        )
        for r in rows
    ]
