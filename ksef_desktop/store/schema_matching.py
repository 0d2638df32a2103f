"""Schema step of issue 24 (bank statements matched to invoices), apart from ``schema.py``.

- ``bank_statements``: each statement file taken in (by its SHA-256: the same file twice
  is one statement);
- ``bank_lines``: its credits and debits, each under its stable key (``bank.model``):
  ``UNIQUE (profile_id, line_key)`` is what makes a second import of the same lines
  change nothing. ``state`` says what matching found: ``matched`` (its invoices are
  marked paid), ``proposed`` (waiting for one click), ``unknown``;
- ``bank_matches``: which invoices a line pays and how much of each (the invoice's
  currency); ``payment_id`` is the payment recorded for it while the match holds;
- ``payments.bank_line_id``: the statement line a payment came from (NULL: by hand).

A payment of a line removed by any path (undo, or ``store.payments.delete_payment``)
turns its match back into a proposal (trigger ``bank_payment_removed``): a line is never
shown as matched without the payment it stands for.
"""

from __future__ import annotations

import sqlite3

from ksef_desktop.store.db import run_script

MATCHING = """
CREATE TABLE bank_statements (
    id           INTEGER PRIMARY KEY,
    profile_id   INTEGER NOT NULL REFERENCES profiles(id),
    file_sha256  TEXT NOT NULL,
    format       TEXT NOT NULL CHECK (format IN ('mt940', 'camt053')),
    account      TEXT NOT NULL DEFAULT '',
    file_name    TEXT NOT NULL DEFAULT '',
    first_day    TEXT,
    last_day     TEXT,
    imported_at  TEXT NOT NULL,
    UNIQUE (profile_id, file_sha256)
);

CREATE TABLE bank_lines (
    id                    INTEGER PRIMARY KEY,
    profile_id            INTEGER NOT NULL REFERENCES profiles(id),
    statement_id          INTEGER NOT NULL REFERENCES bank_statements(id),
    line_key              TEXT NOT NULL,
    booked_on             TEXT NOT NULL,
    direction             TEXT NOT NULL CHECK (direction IN ('credit', 'debit')),
    amount_minor          INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency              TEXT NOT NULL,
    title                 TEXT NOT NULL DEFAULT '',
    counterparty          TEXT NOT NULL DEFAULT '',
    counterparty_account  TEXT NOT NULL DEFAULT '',
    reference             TEXT NOT NULL DEFAULT '',
    details               TEXT NOT NULL DEFAULT '',
    state                 TEXT NOT NULL DEFAULT 'unknown'
                          CHECK (state IN ('matched', 'proposed', 'unknown')),
    basis                 TEXT,
    UNIQUE (profile_id, line_key)
);
CREATE INDEX bank_lines_by_day ON bank_lines (profile_id, booked_on, id);
CREATE INDEX bank_lines_by_state ON bank_lines (profile_id, state, booked_on);

CREATE TABLE bank_matches (
    id            INTEGER PRIMARY KEY,
    profile_id    INTEGER NOT NULL REFERENCES profiles(id),
    line_id       INTEGER NOT NULL REFERENCES bank_lines(id),
    invoice_id    INTEGER NOT NULL REFERENCES invoices(id),
    amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
    payment_id    INTEGER REFERENCES payments(id),
    UNIQUE (line_id, invoice_id)
);
CREATE INDEX bank_matches_by_invoice ON bank_matches (profile_id, invoice_id);

ALTER TABLE payments ADD COLUMN bank_line_id INTEGER REFERENCES bank_lines(id);

CREATE TRIGGER bank_payment_removed BEFORE DELETE ON payments
WHEN OLD.bank_line_id IS NOT NULL
BEGIN
    UPDATE bank_matches SET payment_id = NULL
        WHERE profile_id = OLD.profile_id AND payment_id = OLD.id;
    UPDATE bank_lines SET state = 'proposed'
        WHERE profile_id = OLD.profile_id AND id = OLD.bank_line_id;
END;
"""


def matching_step(conn: sqlite3.Connection) -> None:
    run_script(conn, MATCHING)


# Debits matched to purchase invoices (issue 24, once purchases exist: ``schema._v10``).
# A debit's matches point at purchases; the purchase payment recorded for a match carries
# the line (``purchase_payments.bank_line_id``, set when the payment is inserted: payments
# of purchases are never updated), and removing it turns the line back into a proposal,
# exactly as for credits.
DEBITS = """
CREATE TABLE bank_purchase_matches (
    id            INTEGER PRIMARY KEY,
    profile_id    INTEGER NOT NULL REFERENCES profiles(id),
    line_id       INTEGER NOT NULL REFERENCES bank_lines(id),
    purchase_id   INTEGER NOT NULL REFERENCES purchases(id),
    amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
    payment_id    INTEGER REFERENCES purchase_payments(id),
    UNIQUE (line_id, purchase_id)
);
CREATE INDEX bank_purchase_matches_by_purchase
    ON bank_purchase_matches (profile_id, purchase_id);

ALTER TABLE purchase_payments ADD COLUMN bank_line_id INTEGER REFERENCES bank_lines(id);

CREATE TRIGGER bank_purchase_payment_removed BEFORE DELETE ON purchase_payments
WHEN OLD.bank_line_id IS NOT NULL
BEGIN
    UPDATE bank_purchase_matches SET payment_id = NULL
        WHERE profile_id = OLD.profile_id AND payment_id = OLD.id;
    UPDATE bank_lines SET state = 'proposed'
        WHERE profile_id = OLD.profile_id AND id = OLD.bank_line_id;
END;
"""


def debits_step(conn: sqlite3.Connection) -> None:
    run_script(conn, DEBITS)
