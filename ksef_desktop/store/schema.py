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


# Profiles (issue 14): every invoice, series, session, UPO and collective identifier
# belongs to one profile = one seller NIP in one KSeF environment; contractors belong to
# the company (its NIP) and are shared by its environments. A profile never changes
# once a row has it, and no row may be written without one.
V3_TABLES = """
CREATE TABLE profiles (
    id                       INTEGER PRIMARY KEY,
    environment              TEXT NOT NULL
                             CHECK (environment IN ('sandbox','test','demo','prod')),
    nip                      TEXT NOT NULL CHECK (length(nip) = 10),
    company_name             TEXT NOT NULL DEFAULT '',
    company_address          TEXT NOT NULL DEFAULT '',
    offline_certificate      TEXT NOT NULL DEFAULT '',
    created_at               TEXT NOT NULL,
    production_confirmed_at  TEXT,
    UNIQUE (environment, nip)
);

-- Series are per profile: each keeps its own numbering (a name is unique per profile).
CREATE TABLE series_v3 (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profiles(id),
    name        TEXT NOT NULL,
    pattern     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (profile_id, name)
);

ALTER TABLE invoices ADD COLUMN profile_id INTEGER REFERENCES profiles(id);
ALTER TABLE sessions ADD COLUMN profile_id INTEGER REFERENCES profiles(id);
ALTER TABLE upos ADD COLUMN profile_id INTEGER REFERENCES profiles(id);
ALTER TABLE collective_identifiers ADD COLUMN profile_id INTEGER REFERENCES profiles(id);
ALTER TABLE contractors ADD COLUMN company_nip TEXT NOT NULL DEFAULT '';
"""

V3_AFTER = """
CREATE INDEX invoices_by_profile_date ON invoices (profile_id, issue_date, id);
CREATE INDEX invoices_by_profile_state_date ON invoices (profile_id, state, issue_date, id);
CREATE INDEX invoices_by_profile_number ON invoices (profile_id, IFNULL(number, ''), id);
CREATE INDEX invoices_by_profile_buyer ON invoices (profile_id, buyer_search, id);
CREATE INDEX invoices_by_profile_gross ON invoices (profile_id, gross_minor, id);
CREATE INDEX invoices_open_deadline_by_profile ON invoices (profile_id, deadline)
    WHERE deadline IS NOT NULL AND state IN ('issued','queued','sent','rejected');
DROP INDEX invoices_by_date;
DROP INDEX invoices_by_state_date;
DROP INDEX invoices_by_number;
DROP INDEX invoices_by_buyer;
DROP INDEX invoices_by_gross;
DROP INDEX invoices_open_deadline;
CREATE INDEX sessions_by_profile_opened ON sessions (profile_id, opened_at DESC);
CREATE INDEX collective_by_profile ON collective_identifiers (profile_id, created_at);
CREATE INDEX contractors_by_company ON contractors (company_nip, name);
CREATE INDEX upos_by_profile ON upos (profile_id);
"""

#: The tables whose rows belong to a profile (each has ``profile_id``).
PROFILE_TABLES = ("series", "invoices", "sessions", "upos", "collective_identifiers")

_V3_GUARDS = """
CREATE TRIGGER {table}_profile_required BEFORE INSERT ON {table}
WHEN NEW.profile_id IS NULL
BEGIN
    SELECT RAISE(ABORT, '{table}: a row needs its profile');
END;

CREATE TRIGGER {table}_profile_fixed BEFORE UPDATE OF profile_id ON {table}
WHEN OLD.profile_id IS NOT NULL AND NEW.profile_id IS NOT OLD.profile_id
BEGIN
    SELECT RAISE(ABORT, '{table}: a row never changes its profile');
END;
"""


def _hint(conn: sqlite3.Connection, key: str) -> str:
    row = conn.execute("SELECT value FROM temp.migration_hints WHERE key = ?", (key,)).fetchone()
    return "" if row is None or row[0] is None else str(row[0])


def _profile(conn: sqlite3.Connection, environment: str, nip: str, now: str) -> int:
    conn.execute(
        "INSERT INTO profiles (environment, nip, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (environment, nip) DO NOTHING",
        (environment, nip, now),
    )
    row = conn.execute(
        "SELECT id FROM profiles WHERE environment = ? AND nip = ?", (environment, nip)
    ).fetchone()
    return int(row[0])


def _v3(conn: sqlite3.Connection) -> None:
    """Profiles, and the existing rows assigned to the profile they were made in.

    Evidence, strongest first: an invoice sent in a session belongs to that session's
    environment (the session table recorded it); the rest — drafts, invoices that never
    reached KSeF — to the Sandbox, so that a practice invoice can never become one to be
    sent to the Ministry's production system. The NIP is the invoice's seller NIP, else
    the one the settings name (hint ``nip``), else the NIP most invoices have. Company
    data from the settings (hints) go to every profile of that NIP.
    """
    run_script(conn, V3_TABLES)
    now = conn.execute("SELECT strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now')").fetchone()[0]
    common = conn.execute(
        "SELECT seller_nip FROM invoices WHERE length(seller_nip) = 10 "
        "GROUP BY seller_nip ORDER BY count(*) DESC, seller_nip LIMIT 1"
    ).fetchone()
    hinted = _hint(conn, "nip")
    fallback_nip = hinted if len(hinted) == 10 else (common[0] if common else "")

    # The environment each invoice was sent in (through its outbox row or its UPOs).
    conn.execute(
        "CREATE TEMP TABLE invoice_env AS SELECT i.id AS invoice_id, "
        "COALESCE((SELECT s.environment FROM outbox o JOIN sessions s "
        "          ON s.reference = o.session_ref WHERE o.invoice_id = i.id), "
        "         (SELECT s.environment FROM upos u JOIN sessions s "
        "          ON s.reference = u.session_ref WHERE u.invoice_id = i.id LIMIT 1), "
        "         'sandbox') AS environment, "
        "CASE WHEN length(i.seller_nip) = 10 THEN i.seller_nip ELSE ? END AS nip "
        "FROM invoices i",
        (fallback_nip,),
    )
    pairs = conn.execute(
        "SELECT DISTINCT environment, nip FROM temp.invoice_env WHERE nip <> ''"
    ).fetchall()
    for environment, nip in pairs:
        _profile(conn, environment, nip, now)
    conn.execute(
        "UPDATE invoices SET profile_id = (SELECT p.id FROM temp.invoice_env e "
        "JOIN profiles p ON p.environment = e.environment AND p.nip = e.nip "
        "WHERE e.invoice_id = invoices.id)"
    )
    conn.execute(
        "INSERT INTO events (invoice_id, at, from_state, to_state, detail) "
        "SELECT i.id, ?, i.state, i.state, 'profile ' || e.environment || ' ' || e.nip || "
        "CASE WHEN e.environment = 'sandbox' AND NOT EXISTS (SELECT 1 FROM outbox o "
        "  WHERE o.invoice_id = i.id AND o.session_ref IS NOT NULL) "
        "THEN ' (never sent: environment unknown, the Sandbox assumed)' ELSE '' END "
        "FROM invoices i JOIN temp.invoice_env e ON e.invoice_id = i.id",
        (now,),
    )

    # Sessions: their own environment; the NIP of the invoices sent in them.
    for reference, environment in conn.execute(
        "SELECT reference, environment FROM sessions"
    ).fetchall():
        row = conn.execute(
            "SELECT i.seller_nip FROM outbox o JOIN invoices i ON i.id = o.invoice_id "
            "WHERE o.session_ref = ? AND length(i.seller_nip) = 10 LIMIT 1",
            (reference,),
        ).fetchone()
        nip = row[0] if row else fallback_nip
        if environment in ("sandbox", "test", "demo", "prod") and nip:
            conn.execute(
                "UPDATE sessions SET profile_id = ? WHERE reference = ?",
                (_profile(conn, environment, nip, now), reference),
            )

    # UPOs: their invoice's profile, else their session's.
    conn.execute(
        "UPDATE upos SET profile_id = COALESCE("
        "(SELECT profile_id FROM invoices WHERE id = upos.invoice_id), "
        "(SELECT profile_id FROM sessions WHERE reference = upos.session_ref))"
    )
    # Collective identifiers: they recorded their environment and seller.
    for number, environment, nip in conn.execute(
        "SELECT number, environment, seller_nip FROM collective_identifiers"
    ).fetchall():
        if environment in ("sandbox", "test", "demo", "prod") and len(nip) == 10:
            conn.execute(
                "UPDATE collective_identifiers SET profile_id = ? WHERE number = ?",
                (_profile(conn, environment, nip, now), number),
            )
    # Contractors: the company of the settings (or of most invoices).
    conn.execute("UPDATE contractors SET company_nip = ?", (fallback_nip,))

    # Series: one copy per profile that used it, counters continuing from what that
    # profile issued (never a number twice in one profile).
    old_series = conn.execute("SELECT id, name, pattern, created_at FROM series").fetchall()
    used = conn.execute(
        "SELECT DISTINCT series_id, profile_id FROM invoices "
        "WHERE series_id IS NOT NULL AND profile_id IS NOT NULL ORDER BY series_id, profile_id"
    ).fetchall()
    owners: dict[int, list[int]] = {}
    for series_id, profile_id in used:
        owners.setdefault(int(series_id), []).append(int(profile_id))
    default_profile = (
        _profile(conn, _hint(conn, "environment") or "sandbox", fallback_nip, now)
        if fallback_nip and _hint(conn, "environment") in ("sandbox", "test", "demo", "prod", "")
        else None
    )
    remap: dict[tuple[int, int], int] = {}
    for series_id, name, pattern, created_at in old_series:
        profiles = owners.get(int(series_id)) or (
            [default_profile] if default_profile is not None else []
        )
        for index, profile_id in enumerate(profiles):
            new_id = int(series_id) if index == 0 else None
            cur = conn.execute(
                "INSERT INTO series_v3 (id, profile_id, name, pattern, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (new_id, profile_id, name, pattern, created_at),
            )
            remap[(int(series_id), profile_id)] = int(cur.lastrowid or 0)
    conn.execute("DROP TRIGGER invoices_frozen")
    for (old_id, profile_id), new_id in remap.items():
        if new_id != old_id:
            conn.execute(
                "UPDATE invoices SET series_id = ? WHERE series_id = ? AND profile_id = ?",
                (new_id, old_id, profile_id),
            )
    counters = conn.execute(
        "SELECT series_id, period, max(seq) FROM invoices "
        "WHERE series_id IS NOT NULL AND seq IS NOT NULL GROUP BY series_id, period"
    ).fetchall()
    conn.execute("DELETE FROM series_counters")
    conn.executemany(
        "INSERT INTO series_counters (series_id, period, last) VALUES (?, ?, ?)", counters
    )
    conn.execute("DROP TABLE series")
    conn.execute("ALTER TABLE series_v3 RENAME TO series")
    run_script(conn, _FROZEN_TRIGGER)

    # Company data from the settings, for every profile of the settings' NIP.
    if hinted:
        conn.execute(
            "UPDATE profiles SET company_name = ?, company_address = ?, "
            "offline_certificate = CASE WHEN environment = ? THEN ? ELSE '' END WHERE nip = ?",
            (
                _hint(conn, "company_name"),
                _hint(conn, "company_address"),
                _hint(conn, "environment"),
                _hint(conn, "offline_certificate"),
                hinted,
            ),
        )
    conn.execute("DROP TABLE temp.invoice_env")
    run_script(conn, V3_AFTER)
    for table in PROFILE_TABLES:
        run_script(conn, _V3_GUARDS.format(table=table))


# invoices_frozen of V1 plus profile_id: dropped and made again by step 3.
_FROZEN_TRIGGER = """
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
"""

# A claim names the process that holds it (``store.lock.process_owner``): a sender
# releases only the claims of a process that is gone, never another's live ones.
V4 = """
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
"""


def _v4(conn: sqlite3.Connection) -> None:
    run_script(conn, V4)


# Settings live in settings.json only (ui/settings.py): the store's settings table was
# never used, and two places for one setting is one too many.
V5 = """
DROP TABLE settings;
"""


def _v5(conn: sqlite3.Connection) -> None:
    run_script(conn, V5)


def _v6(conn: sqlite3.Connection) -> None:
    """Everyday invoicing (issue 20): catalogue, payments, mail, contractor checks."""
    from ksef_desktop.store.schema_everyday import everyday_step

    everyday_step(conn)


def _v7(conn: sqlite3.Connection) -> None:
    """The archive's append-only hash chain (store/chain.py), filled with every file
    archived so far; archived files become immutable (issue 22, item 8)."""
    from ksef_desktop.store.chain import migrate

    migrate(conn)


def _v8(conn: sqlite3.Connection) -> None:
    """Bank statements matched to invoices (issue 24)."""
    from ksef_desktop.store.schema_matching import matching_step

    matching_step(conn)


def _v9(conn: sqlite3.Connection) -> None:
    """Purchase invoices received from KSeF (issue 18): store/purchases.py."""
    from ksef_desktop.store.purchases_schema import PURCHASES

    run_script(conn, PURCHASES)
    for table in ("purchases", "purchase_payments", "purchase_sync"):
        run_script(conn, _V3_GUARDS.format(table=table))


def _v10(conn: sqlite3.Connection) -> None:
    """Debits matched to purchase invoices (issue 24 after issue 18)."""
    from ksef_desktop.store.schema_matching import debits_step

    debits_step(conn)
    run_script(conn, _V3_GUARDS.format(table="bank_purchase_matches"))


def _v11(conn: sqlite3.Connection) -> None:
    """The JPK_V7M files made per profile and month, and the taxpayer's data of the
    profile (issue 19): store/jpk_files.py."""
    from ksef_desktop.store.jpk_files import JPK_TABLES

    run_script(conn, JPK_TABLES)
    for table in ("jpk_taxpayers", "jpk_files"):
        run_script(conn, _V3_GUARDS.format(table=table))


def _v12(conn: sqlite3.Connection) -> None:
    """The VAT deduction chosen per purchase invoice (issue 19): store/purchase_deductions.py."""
    from ksef_desktop.store.purchase_deductions import DEDUCTIONS

    run_script(conn, DEDUCTIONS)
    run_script(conn, _V3_GUARDS.format(table="purchase_deductions"))


def _v13(conn: sqlite3.Connection) -> None:
    """Documents of the VAT register entered by hand (issue 19): store/jpk_entries.py."""
    from ksef_desktop.store.jpk_entries import JPK_ENTRIES

    run_script(conn, JPK_ENTRIES)
    run_script(conn, _V3_GUARDS.format(table="jpk_entries"))


#: Index i migrates from user_version i to i + 1. Append; never edit a released step.
MIGRATIONS: tuple[Migration, ...] = (
    _v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9, _v10, _v11, _v12, _v13,
)  # fmt: skip
SCHEMA_VERSION = len(MIGRATIONS)
