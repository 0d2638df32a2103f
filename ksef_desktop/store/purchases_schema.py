"""The tables of purchase invoices (issue 18), one schema step (``schema._v9``).

- ``purchases``: one row per invoice KSeF gave the profile as buyer (Podmiot2) or third
  subject (Podmiot3); its XML lives in the archive (``relpath``), byte for byte, with
  its hash. What KSeF said about it (KSeF number, dates, amounts) never changes; only
  ``paid_minor``/``paid_on`` move, and only through ``purchase_payments`` (triggers).
- ``purchase_payments``: every payment the user recorded (date, amount; a negative
  amount is a refund or a correction of a mistake).
- ``purchase_sync``: per profile and subject type, where the next download starts
  (KSeF's high-water mark of permanent storage, KSEF-PROTOCOL.md §4 "HWM").
- ``purchase_sellers``: every seller search text (name + NIP, folded), so that a
  substring search scans a few hundred texts instead of every invoice.
"""

from __future__ import annotations

PURCHASES = """
CREATE TABLE purchases (
    id               INTEGER PRIMARY KEY,
    profile_id       INTEGER NOT NULL REFERENCES profiles(id),
    ksef_number      TEXT NOT NULL,
    subject          TEXT NOT NULL DEFAULT 'Subject2'
                     CHECK (subject IN ('Subject2','Subject3')),
    seller_nip       TEXT NOT NULL,
    seller_name      TEXT NOT NULL DEFAULT '',
    seller_search    TEXT NOT NULL,
    number           TEXT NOT NULL,
    kind             TEXT NOT NULL,
    issue_date       TEXT NOT NULL,
    acquired_at      TEXT NOT NULL,
    stored_at        TEXT NOT NULL,
    net_minor        INTEGER NOT NULL,
    vat_minor        INTEGER NOT NULL,
    gross_minor      INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    due_date         TEXT,
    bank_account     TEXT NOT NULL DEFAULT '',
    invoicing_mode   TEXT NOT NULL DEFAULT 'Online',
    sha256_b64       TEXT NOT NULL,
    sha256_hex       TEXT NOT NULL,
    relpath          TEXT NOT NULL REFERENCES archive_files(relpath),
    corrected_hash   TEXT,
    corrects_json    TEXT NOT NULL DEFAULT '[]',
    warnings_json    TEXT NOT NULL DEFAULT '[]',
    paid_minor       INTEGER NOT NULL DEFAULT 0,
    paid_on          TEXT,
    received_at      TEXT NOT NULL,
    UNIQUE (profile_id, ksef_number)
);
CREATE INDEX purchases_by_date ON purchases (profile_id, issue_date, id);
CREATE INDEX purchases_by_number ON purchases (profile_id, number, id);
CREATE INDEX purchases_by_seller ON purchases (profile_id, seller_search, id);
CREATE INDEX purchases_by_gross ON purchases (profile_id, gross_minor, id);
CREATE INDEX purchases_by_due ON purchases (profile_id, due_date, id);
CREATE INDEX purchases_by_hash ON purchases (profile_id, sha256_b64);
CREATE INDEX purchases_by_seller_nip ON purchases (profile_id, seller_nip, issue_date);
-- Unpaid ones by due date: the overdue list and count.
CREATE INDEX purchases_unpaid_due ON purchases (profile_id, due_date)
    WHERE paid_on IS NULL AND due_date IS NOT NULL;

CREATE TABLE purchase_sellers (
    search  TEXT PRIMARY KEY
) WITHOUT ROWID;

CREATE TRIGGER purchases_seller_insert AFTER INSERT ON purchases
BEGIN
    INSERT OR IGNORE INTO purchase_sellers (search) VALUES (NEW.seller_search);
END;

-- What KSeF gave is kept as it came: only the payment columns ever change.
CREATE TRIGGER purchases_received_fixed BEFORE UPDATE OF
    ksef_number, subject, seller_nip, seller_name, number, kind, issue_date, acquired_at,
    stored_at, net_minor, vat_minor, gross_minor, currency, due_date, sha256_b64,
    sha256_hex, relpath, corrected_hash, corrects_json, received_at
ON purchases
BEGIN
    SELECT RAISE(ABORT, 'a received invoice is kept as KSeF gave it');
END;

CREATE TRIGGER purchases_no_delete BEFORE DELETE ON purchases
BEGIN
    SELECT RAISE(ABORT, 'a received invoice is kept for ten years');
END;

CREATE TABLE purchase_payments (
    id            INTEGER PRIMARY KEY,
    profile_id    INTEGER NOT NULL REFERENCES profiles(id),
    purchase_id   INTEGER NOT NULL REFERENCES purchases(id),
    paid_on       TEXT NOT NULL,
    amount_minor  INTEGER NOT NULL CHECK (amount_minor <> 0),
    note          TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL
);
CREATE INDEX purchase_payments_by_purchase ON purchase_payments (profile_id, purchase_id, id);

-- A payment belongs to the profile of its invoice.
CREATE TRIGGER purchase_payments_same_profile BEFORE INSERT ON purchase_payments
WHEN NEW.profile_id IS NOT (SELECT profile_id FROM purchases WHERE id = NEW.purchase_id)
BEGIN
    SELECT RAISE(ABORT, 'a payment belongs to the profile of its invoice');
END;

-- The paid sum and the day it was paid in full follow the payments.
CREATE TRIGGER purchase_payments_sum_insert AFTER INSERT ON purchase_payments
BEGIN
    UPDATE purchases SET paid_minor = paid_minor + NEW.amount_minor WHERE id = NEW.purchase_id;
    UPDATE purchases SET paid_on = CASE
        WHEN paid_minor >= gross_minor THEN COALESCE(paid_on, NEW.paid_on) ELSE NULL END
    WHERE id = NEW.purchase_id;
END;

CREATE TRIGGER purchase_payments_sum_delete AFTER DELETE ON purchase_payments
BEGIN
    UPDATE purchases SET paid_minor = paid_minor - OLD.amount_minor WHERE id = OLD.purchase_id;
    UPDATE purchases SET paid_on = CASE
        WHEN paid_minor >= gross_minor THEN paid_on ELSE NULL END
    WHERE id = OLD.purchase_id;
END;

CREATE TRIGGER purchase_payments_fixed BEFORE UPDATE ON purchase_payments
BEGIN
    SELECT RAISE(ABORT, 'a payment is deleted and recorded again, never changed');
END;

CREATE TABLE purchase_sync (
    profile_id   INTEGER NOT NULL REFERENCES profiles(id),
    subject      TEXT NOT NULL CHECK (subject IN ('Subject2','Subject3')),
    next_from    TEXT NOT NULL,
    last_run_at  TEXT,
    PRIMARY KEY (profile_id, subject)
) WITHOUT ROWID;
"""
