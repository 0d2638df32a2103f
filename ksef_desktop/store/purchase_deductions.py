"""The VAT deduction chosen for a purchase invoice (issue 19): its category (fixed asset
or other), the deductible share of its tax, the month of the deduction and, for a
purchase under reverse charge (FA(3) P_13_10), how its buyer accounts for the tax: the
K_ pair of the self-assessment (``jpk.model.SelfAssessment``) and the Polish rate.

A purchase without a row here takes the defaults: other purchases, the whole tax, in
the month of receipt (the month its KSeF number was assigned). The choice is checked
by ``services.purchase_deductions`` before it is written; the table's checks only keep
a wrong value from ever being stored. One schema step (``schema._v12``).
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
#: The kinds of self-assessed output tax (the values of ``jpk.model.SelfAssessment``).
REVERSE_KINDS = ("K_23", "K_25", "K_27", "K_29", "K_31")

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
    -- reverse charge (P_13_10): the self-assessment's K_ pair and the Polish rate the
    -- buyer applies, as Decimal text ('23', '8', '0'); both or neither
    reverse_kind TEXT CHECK (reverse_kind IS NULL
                             OR reverse_kind IN ('K_23','K_25','K_27','K_29','K_31')),
    reverse_rate TEXT CHECK (reverse_rate IS NULL
                             OR reverse_rate IN ('23','22','8','7','5','0')),
    updated_at   TEXT NOT NULL,
    CHECK ((reverse_kind IS NULL) = (reverse_rate IS NULL))
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
    #: reverse charge: the K_ field of the self-assessment and the rate, both or neither
    reverse_kind: str | None = None
    reverse_rate: Decimal | None = None


#: What ``store.purchases`` selects with each purchase row (NULL: the defaults).
ROW_COLUMN = (
    "(SELECT category || ' ' || share || ' ' || IFNULL(period, '') || ' ' || "
    "IFNULL(reverse_kind, '') || ' ' || IFNULL(reverse_rate, '') FROM purchase_deductions "
    "d WHERE d.purchase_id = purchases.id AND d.profile_id = purchases.profile_id)"
)


def _stored(
    category: str, share: str, period: str | None, kind: str | None, rate: str | None
) -> StoredDeduction:
    return StoredDeduction(
        category, Decimal(share), period or None, kind or None, Decimal(rate) if rate else None
    )


def from_column(text: str | None) -> StoredDeduction | None:
    """The choice from ``ROW_COLUMN``'s text."""
    if not text:
        return None
    category, share, period, kind, rate = [*text.split(" "), "", "", "", ""][:5]
    return _stored(category, share, period, kind, rate)


def deductions_of(
    conn: sqlite3.Connection, purchase_ids: Sequence[int], *, profile_id: int
) -> dict[int, StoredDeduction]:
    """The stored choices of ``purchase_ids`` (a purchase with the defaults is left out)."""
    return {
        int(r[0]): _stored(r[1], r[2], r[3], r[4], r[5])
        for r in conn.execute(
            "SELECT purchase_id, category, share, period, reverse_kind, reverse_rate "
            "FROM purchase_deductions "
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
        "reverse_kind, reverse_rate, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (purchase_id) DO UPDATE SET "
        "category = excluded.category, share = excluded.share, period = excluded.period, "
        "reverse_kind = excluded.reverse_kind, reverse_rate = excluded.reverse_rate, "
        "updated_at = excluded.updated_at WHERE purchase_deductions.profile_id = ?",
        (
            purchase_id,
            profile_id,
            choice.category,
            str(choice.share),
            choice.period,
            choice.reverse_kind,
            None if choice.reverse_rate is None else f"{choice.reverse_rate.normalize():f}",
            to_db(now),
            profile_id,
        ),
    )
