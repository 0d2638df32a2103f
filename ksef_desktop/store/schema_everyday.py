"""Schema step of issue 20 (everyday invoicing), kept apart from ``schema.py``'s size.

- contractors: when and where they were checked (the VAT white list or VIES), their VAT
  status and the accounts the list gave;
- ``catalogue``: the company's products and services (like contractors, the company's:
  ``company_nip``, shared by its environments);
- invoices: ``due_date`` (TerminPlatnosci of the invoice, for the list and the overdue
  filter) and ``paid_minor`` (what was paid: in full at issue, or the payments recorded);
- ``payments``: payments received for a sales invoice (the invoice's profile);
- profiles: the seller's bank accounts and logo (the company's, like its name);
- ``mail_outbox``: e-mails of invoices to their buyers, with the Message-ID fixed before
  the first attempt and an in-flight state, so that no retry sends one twice;
  ``invoices.mail_state`` is the state of the invoice's latest e-mail.
"""

from __future__ import annotations

import sqlite3

from ksef_desktop.store.db import run_script

EVERYDAY = """
ALTER TABLE contractors ADD COLUMN checked_on TEXT;
ALTER TABLE contractors ADD COLUMN check_source TEXT
    CHECK (check_source IS NULL OR check_source IN ('whitelist', 'vies'));
ALTER TABLE contractors ADD COLUMN vat_status TEXT;
ALTER TABLE contractors ADD COLUMN accounts_json TEXT NOT NULL DEFAULT '[]';
CREATE INDEX contractors_by_identifier ON contractors (company_nip, identifier);

CREATE TABLE catalogue (
    id           INTEGER PRIMARY KEY,
    company_nip  TEXT NOT NULL,
    name         TEXT NOT NULL,
    search       TEXT NOT NULL,
    unit         TEXT NOT NULL DEFAULT '',
    price        TEXT NOT NULL,
    price_gross  INTEGER NOT NULL DEFAULT 0 CHECK (price_gross IN (0, 1)),
    rate         TEXT NOT NULL,
    gtu          TEXT,
    pkwiu        TEXT,
    cn           TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (company_nip, name)
);

ALTER TABLE invoices ADD COLUMN due_date TEXT;
ALTER TABLE invoices ADD COLUMN paid_minor INTEGER NOT NULL DEFAULT 0;
UPDATE invoices SET
    due_date = (SELECT json_extract(d.data_json, '$.payment.due_date')
                FROM invoice_documents d WHERE d.invoice_id = invoices.id),
    paid_minor = CASE WHEN (SELECT json_extract(d.data_json, '$.payment.paid')
                            FROM invoice_documents d WHERE d.invoice_id = invoices.id)
                      THEN max(gross_minor, 0) ELSE 0 END;
CREATE INDEX invoices_by_profile_due ON invoices (profile_id, due_date, id)
    WHERE due_date IS NOT NULL;

CREATE TABLE payments (
    id            INTEGER PRIMARY KEY,
    profile_id    INTEGER NOT NULL REFERENCES profiles(id),
    invoice_id    INTEGER NOT NULL REFERENCES invoices(id),
    amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
    paid_on       TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL
);
CREATE INDEX payments_by_invoice ON payments (profile_id, invoice_id);

ALTER TABLE profiles ADD COLUMN bank_accounts TEXT NOT NULL DEFAULT '[]';
ALTER TABLE profiles ADD COLUMN logo BLOB;

--   pending    due at next_attempt_at;  sending  handed to the SMTP server by claimed_by
--   (in flight: a crash here leaves it so, and it becomes uncertain, never resent);
--   sent  accepted by the server;  uncertain  the server may have it (the user decides);
--   failed  refused for good;  cancelled  by the user before it went.
CREATE TABLE mail_outbox (
    id               INTEGER PRIMARY KEY,
    profile_id       INTEGER NOT NULL REFERENCES profiles(id),
    invoice_id       INTEGER NOT NULL REFERENCES invoices(id),
    recipient        TEXT NOT NULL,
    lang             TEXT NOT NULL,
    with_xml         INTEGER NOT NULL DEFAULT 0 CHECK (with_xml IN (0, 1)),
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    message_id       TEXT NOT NULL UNIQUE,
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN
                     ('pending', 'sending', 'sent', 'uncertain', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    claimed_by       TEXT,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    sent_at          TEXT
);
CREATE INDEX mail_by_invoice ON mail_outbox (profile_id, invoice_id);
-- The state of an invoice's latest e-mail, for the list (written with mail_outbox).
ALTER TABLE invoices ADD COLUMN mail_state TEXT;
CREATE INDEX mail_due ON mail_outbox (profile_id, state, next_attempt_at);
"""


def everyday_step(conn: sqlite3.Connection) -> None:
    run_script(conn, EVERYDAY)
