"""The VAT deduction chosen for a purchase invoice (issue 19): its category (fixed asset
or other), the deductible share of its tax and the month of the deduction.

A purchase without a row here takes the defaults: other purchases, the whole tax, in
the month of receipt (the month its KSeF number was assigned). The choice is checked
by ``services.purchase_deductions`` before it is written; the table's checks only keep
a wrong value from ever being stored. One schema step (``schema._v11``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ksef_desktop.store.timefmt import to_db

#: The categories as stored (the values of ``jpk.model.DeductionCategory``).
CATEGORIES = ("fixed-assets", "other")

DEDUCTIONS = """
CREATE TABLE purchase_deductions (
    purchase_id  INTEGER PRIMARY KEY REFERENCES purchases(id),
    profile_id   INTEGER NOT NULL REFERENCES profiles(id),
    category     TEXT NOT NULL DEFAULT 'other' CHECK (category IN ('fixed-assets','other')),
    -- a fraction 0..1 as Decimal text ('0.5', '1'); never a float
    share        TEXT NOT NULL DEFAULT '1'
                 CHECK (share GLOB '[01]*' AND CAST(share AS REAL) BETWEEN 0 AND 1),
    -- the month of the deduction, YYYY-MM; NULL: the month of receipt
    period       TEXT CHECK (period IS NULL OR period GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
    updated_at   TEXT NOT NULL
);
-- The purchases deducted in a month other than that of their receipt (JPK_V7M's month).
CREATE INDEX purchase_deductions_by_period ON purchase_deductions (profile_id, period)
    WHERE period IS NOT NULL;

-- A choice belongs to the profile of its invoice.
CREATE TRIGGER purchase_deductions_same_profile BEFORE INSERT ON purchase_deductions
WHEN NEW.profile_id IS NOT (SELECT profile_id FROM purchases WHERE id = NEW.purchase_id)
BEGIN
    SELECT RAISE(ABORT, 'a deduction belongs to the profile of its invoice');
END;
"""


@dataclass(frozen=True)
class StoredDeduction:
    """A choice as kept: ``period`` ``YYYY-MM`` or None (the month of receipt)."""

    category: str
    share: Decimal
    period: str | None


#: What ``store.purchases`` selects with each purchase row (NULL: the defaults).
ROW_COLUMN = (
    "(SELECT category || ' ' || share || ' ' || IFNULL(period, '') FROM purchase_deductions "
    "d WHERE d.purchase_id = purchases.id AND d.profile_id = purchases.profile_id)"
)


def from_column(text: str | None) -> StoredDeduction | None:
    """The choice from ``ROW_COLUMN``'s text."""
    if not text:
        return None
    category, share, period = [*text.split(" "), "", ""][:3]
    return StoredDeduction(category, Decimal(share), period or None)


def deductions_of(
    conn: sqlite3.Connection, purchase_ids: Sequence[int], *, profile_id: int
) -> dict[int, StoredDeduction]:
    """The stored choices of ``purchase_ids`` (a purchase with the defaults is left out)."""
    return {
        int(r[0]): StoredDeduction(r[1], Decimal(r[2]), r[3])
        for r in conn.execute(
            "SELECT purchase_id, category, share, period FROM purchase_deductions "
            "WHERE profile_id = ? AND purchase_id IN (SELECT value FROM json_each(?))",
            (profile_id, json.dumps([int(i) for i in purchase_ids])),
        )
    }


def set_deduction(
    conn: sqlite3.Connection,
    purchase_id: int,
    choice: StoredDeduction | None,
    *,
    profile_id: int,
    now: datetime,
) -> None:
    """Keep ``choice`` for the purchase (call inside a transaction); None: the defaults,
    which are kept as no row at all."""
    if choice is None or choice == StoredDeduction("other", Decimal(1), None):
        conn.execute(
            "DELETE FROM purchase_deductions WHERE profile_id = ? AND purchase_id = ?",
            (profile_id, purchase_id),
        )
        return
    conn.execute(
        "INSERT INTO purchase_deductions (purchase_id, profile_id, category, share, period, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (purchase_id) DO UPDATE SET "
        "category = excluded.category, share = excluded.share, period = excluded.period, "
        "updated_at = excluded.updated_at WHERE purchase_deductions.profile_id = ?",
        (
            purchase_id,
            profile_id,
            choice.category,
            str(choice.share),
            choice.period,
            to_db(now),
            profile_id,
        ),
    )
