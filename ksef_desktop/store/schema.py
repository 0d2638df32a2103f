"""The schema, as a list of migration steps (step i takes user_version i to i + 1).

Conventions of every table:
- money: integer minor units (grosze for PLN, cents for EUR…) in ``*_minor`` columns, or
  Decimal text inside JSON; never a float;
- dates (``issue_date``): ISO ``YYYY-MM-DD`` text;
- moments (``*_at``, ``deadline``): ISO text with offset, always written in UTC with
  microseconds (``2026-01-31T22:59:59.000000+00:00``) so that text order is time order;
- hashes: SHA-256 of the exact bytes, Base64 (as KSeF writes them) and hex.
"""

from __future__ import annotations

import sqlite3

from ksef_desktop.store.db import Migration, run_script

V1 = """
CREATE TABLE series (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    pattern     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- The last number given per series and period; advanced only inside the issuing
-- transaction, so a rolled-back issue gives its number back and there are no gaps.
CREATE TABLE series_counters (
    series_id   INTEGER NOT NULL REFERENCES series(id),
    period      TEXT NOT NULL,
    last        INTEGER NOT NULL CHECK (last >= 1),
    PRIMARY KEY (series_id, period)
) WITHOUT ROWID;

CREATE TABLE invoices (
    id                 INTEGER PRIMARY KEY,
    state              TEXT NOT NULL DEFAULT 'draft'
                       CHECK (state IN ('draft','issued','queued','sent','accepted','rejected')),
    kind               TEXT NOT NULL,
    number             TEXT,
    series_id          INTEGER REFERENCES series(id),
    period             TEXT,
    seq                INTEGER,
    issue_date         TEXT NOT NULL,
    seller_nip         TEXT,
    buyer_id           TEXT NOT NULL DEFAULT '',
    buyer_name         TEXT NOT NULL,
    buyer_search       TEXT NOT NULL,
    gross_minor        INTEGER NOT NULL,
    currency           TEXT NOT NULL,
    sha256_b64         TEXT,
    sha256_hex         TEXT,
    mode               TEXT CHECK (mode IS NULL OR
                                   mode IN ('offline24','offline','awaria','awaria-calkowita')),
    deadline           TEXT,
    ksef_number        TEXT UNIQUE,
    rejection_code     INTEGER,
    rejection_details  TEXT,
    corrects_id        INTEGER REFERENCES invoices(id),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    issued_at          TEXT,
    accepted_at        TEXT,
    UNIQUE (series_id, period, seq),
    CHECK ((state = 'draft') = (sha256_b64 IS NULL)),
    CHECK (state = 'draft' OR (sha256_b64 IS NOT NULL AND sha256_hex IS NOT NULL
                               AND number IS NOT NULL AND issued_at IS NOT NULL)),
    CHECK (state <> 'accepted' OR ksef_number IS NOT NULL)
);

-- One index per sort key of the list (keyset paging on (key, id)).
CREATE INDEX invoices_by_date ON invoices (issue_date, id);
CREATE INDEX invoices_by_state_date ON invoices (state, issue_date, id);
CREATE INDEX invoices_by_number ON invoices (IFNULL(number, ''), id);
CREATE INDEX invoices_by_buyer ON invoices (buyer_search, id);
CREATE INDEX invoices_by_gross ON invoices (gross_minor, id);
-- Invoices that still have to reach KSeF, by deadline (the "due soon" count).
CREATE INDEX invoices_open_deadline ON invoices (deadline)
    WHERE deadline IS NOT NULL AND state IN ('issued','queued','sent','rejected');
-- Every buyer search text ever stored: a substring search runs over these few hundred
-- rows, then finds the invoices through invoices_by_buyer.
CREATE TABLE buyers (
    search  TEXT PRIMARY KEY
) WITHOUT ROWID;

CREATE TRIGGER invoices_buyer_insert AFTER INSERT ON invoices
BEGIN
    INSERT OR IGNORE INTO buyers (search) VALUES (NEW.buyer_search);
END;

CREATE TRIGGER invoices_buyer_update AFTER UPDATE OF buyer_search ON invoices
BEGIN
    INSERT OR IGNORE INTO buyers (search) VALUES (NEW.buyer_search);
END;

CREATE INDEX invoices_by_hash ON invoices (sha256_b64) WHERE sha256_b64 IS NOT NULL;
CREATE INDEX invoices_corrects ON invoices (corrects_id) WHERE corrects_id IS NOT NULL;

-- The big values of an invoice in their own table, so that the rows the list scans stay
-- small (a few hundred bytes instead of several kB with overflow pages).
CREATE TABLE invoice_documents (
    invoice_id  INTEGER PRIMARY KEY REFERENCES invoices(id) ON DELETE CASCADE,
    data_json   TEXT NOT NULL,
    xml         BLOB
);

-- An issued invoice is frozen: its XML, hash, number and data never change again
-- (DESIGN.md §3: never rebuild the XML of an issued invoice).
CREATE TRIGGER documents_frozen BEFORE UPDATE ON invoice_documents
WHEN OLD.xml IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'issued invoice is immutable');
END;

CREATE TRIGGER documents_no_delete_issued BEFORE DELETE ON invoice_documents
WHEN OLD.xml IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'issued invoice is immutable');
END;

CREATE TRIGGER invoices_frozen BEFORE UPDATE OF
    sha256_b64, sha256_hex, number, kind, issue_date, series_id, period, seq,
    seller_nip, buyer_id, buyer_name, gross_minor, currency, corrects_id
ON invoices
WHEN OLD.sha256_b64 IS NOT NULL AND (
       NEW.sha256_b64 IS NOT OLD.sha256_b64
    OR NEW.sha256_hex IS NOT OLD.sha256_hex OR NEW.number IS NOT OLD.number
    OR NEW.kind IS NOT OLD.kind
    OR NEW.issue_date IS NOT OLD.issue_date OR NEW.series_id IS NOT OLD.series_id
    OR NEW.period IS NOT OLD.period OR NEW.seq IS NOT OLD.seq
    OR NEW.seller_nip IS NOT OLD.seller_nip OR NEW.buyer_id IS NOT OLD.buyer_id
    OR NEW.buyer_name IS NOT OLD.buyer_name OR NEW.gross_minor IS NOT OLD.gross_minor
    OR NEW.currency IS NOT OLD.currency OR NEW.corrects_id IS NOT OLD.corrects_id)
BEGIN
    SELECT RAISE(ABORT, 'issued invoice is immutable');
END;

CREATE TRIGGER invoices_no_delete_issued BEFORE DELETE ON invoices
WHEN OLD.state <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'issued invoice is immutable');
END;

CREATE TRIGGER invoices_accepted_final BEFORE UPDATE OF state, ksef_number ON invoices
WHEN OLD.state = 'accepted' AND (NEW.state IS NOT OLD.state
                                 OR NEW.ksef_number IS NOT OLD.ksef_number)
BEGIN
    SELECT RAISE(ABORT, 'accepted invoice is final');
END;

-- Every state change of an invoice, in order (from_state NULL: the draft was created).
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    invoice_id  INTEGER NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_by_invoice ON events (invoice_id, id);

-- Work for the sending service: one row per invoice that has to reach KSeF.
--   pending  due at next_attempt_at;  claimed  a sender holds it until claimed_until;
--   sent     waiting for KSeF's verdict;  done  accepted or rejected (final).
CREATE TABLE outbox (
    invoice_id       INTEGER PRIMARY KEY REFERENCES invoices(id),
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending','claimed','sent','done')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    claimed_until    TEXT,
    last_error       TEXT,
    session_ref      TEXT,
    invoice_ref      TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

-- The local view of KSeF sessions.
CREATE TABLE sessions (
    reference       TEXT PRIMARY KEY,
    environment     TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('online','batch')),
    status_code     INTEGER,
    status_text     TEXT NOT NULL DEFAULT '',
    opened_at       TEXT NOT NULL,
    closed_at       TEXT,
    updated_at      TEXT NOT NULL,
    invoice_count   INTEGER NOT NULL DEFAULT 0,
    success_count   INTEGER NOT NULL DEFAULT 0,
    failed_count    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX sessions_by_opened ON sessions (opened_at DESC);

-- Every archived file (sent XML, UPO) with the hash it had when written.
CREATE TABLE archive_files (
    relpath     TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('invoice','upo')),
    sha256_hex  TEXT NOT NULL,
    size        INTEGER NOT NULL,
    created_at  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE upos (
    id           INTEGER PRIMARY KEY,
    invoice_id   INTEGER REFERENCES invoices(id),
    session_ref  TEXT,
    relpath      TEXT NOT NULL REFERENCES archive_files(relpath),
    sha256_b64   TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    CHECK (invoice_id IS NOT NULL OR session_ref IS NOT NULL),
    UNIQUE (invoice_id, session_ref, sha256_b64)
);
CREATE INDEX upos_by_invoice ON upos (invoice_id);
CREATE INDEX upos_by_session ON upos (session_ref);

CREATE TABLE contractors (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    identifier  TEXT NOT NULL DEFAULT '',
    search      TEXT NOT NULL,
    party_json  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX contractors_by_name ON contractors (name);

-- User settings (never secrets: those live in the OS keyring).
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
"""


def _v1(conn: sqlite3.Connection) -> None:
    run_script(conn, V1)


# Collective identifiers generated by the user (store/collective.py).
V2 = """
CREATE TABLE collective_identifiers (
    number       TEXT PRIMARY KEY,
    seller_nip   TEXT NOT NULL,
    environment  TEXT NOT NULL,
    created_at   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE collective_invoices (
    number       TEXT NOT NULL REFERENCES collective_identifiers(number),
    position     INTEGER NOT NULL,
    ksef_number  TEXT NOT NULL,
    PRIMARY KEY (number, position),
    UNIQUE (number, ksef_number)
) WITHOUT ROWID;
CREATE INDEX collective_invoices_by_ksef ON collective_invoices (ksef_number);
"""


def _v2(conn: sqlite3.Connection) -> None:
    run_script(conn, V2)


def _archive_chain(conn: sqlite3.Connection) -> None:
    """The archive's append-only hash chain (store/chain.py), filled with every file
    archived so far; archived files become immutable (issue 22, item 8)."""
    from ksef_desktop.store.chain import migrate

    migrate(conn)


#: Index i migrates from user_version i to i + 1. Append; never edit a released step.
MIGRATIONS: tuple[Migration, ...] = (_v1, _v2, _archive_chain)
SCHEMA_VERSION = len(MIGRATIONS)
