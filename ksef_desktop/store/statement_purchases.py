"""The purchase invoices matching reads for a statement's debits (issue 24 after issue
18): each as ``domain.matching.OpenInvoice`` whose ``buyer_id`` is the counterparty of
the payment, here the supplier (its NIP). Every query names the profile."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from ksef_desktop.domain.matching import OpenInvoice
from ksef_desktop.store.statements import open_invoice

_COLUMNS = (
    "id, number, ksef_number, seller_nip, gross_minor, paid_minor, currency, issue_date, due_date"
)


def purchases_by_ksef(
    conn: sqlite3.Connection, numbers: Sequence[str], *, profile_id: int
) -> dict[str, OpenInvoice]:
    """The profile's purchase invoices behind these KSeF numbers, paid or not."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM purchases WHERE profile_id = ? "  # noqa: S608
        "AND ksef_number IN (SELECT value FROM json_each(?))",
        (profile_id, json.dumps(list(numbers))),
    ).fetchall()
    return {i.ksef_number: i for i in map(open_invoice, rows) if i.ksef_number}


def unpaid_purchases(conn: sqlite3.Connection, *, profile_id: int) -> list[OpenInvoice]:
    """The profile's purchase invoices with something left to pay."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM purchases WHERE profile_id = ? "  # noqa: S608
        "AND gross_minor > 0 AND paid_minor < gross_minor",
        (profile_id,),
    ).fetchall()
    return [open_invoice(r) for r in rows]


def supplier_accounts(conn: sqlite3.Connection, *, profile_id: int) -> dict[str, set[str]]:
    """Which suppliers (NIPs) each known account belongs to: the accounts their invoices
    name for payment (Platnosc/RachunekBankowy), and those debits matched to a
    supplier's invoices went to."""
    from ksef_desktop.bank.model import compact_account

    out: dict[str, set[str]] = {}
    for account, seller in conn.execute(
        "SELECT DISTINCT bank_account, seller_nip FROM purchases WHERE profile_id = ? "
        "AND bank_account <> ''",
        (profile_id,),
    ):
        compact = compact_account(str(account))
        if compact:
            out.setdefault(compact, set()).add(str(seller))
    for account, seller in conn.execute(
        "SELECT DISTINCT l.counterparty_account, p.seller_nip FROM bank_purchase_matches m "
        "JOIN bank_lines l ON l.id = m.line_id JOIN purchases p ON p.id = m.purchase_id "
        "WHERE m.profile_id = ? AND l.profile_id = ? AND p.profile_id = ? "
        "AND m.payment_id IS NOT NULL AND l.counterparty_account <> ''",
        (profile_id, profile_id, profile_id),
    ):
        out.setdefault(str(account), set()).add(str(seller))
    return out
