"""Makes ``release-0.1.0/``: a data folder written by release 0.1.0 (schema version 2).

Run once, at commit 81a04c0 (the release before profiles), from the project root:

    .venv/bin/python tests/data/stores/make_release_store.py

The result is committed; the migration tests open a copy of it with the current code.
It holds what a user of 0.1.0 could have made: invoices issued in the Sandbox and sent
(accepted, with UPOs and a session), one rejected, one queued offline invoice that never
left (its environment cannot be known), drafts, sessions of two environments (Sandbox
and Test) for the same NIP, a collective identifier and contractors.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.store import open_store
from ksef_desktop.store.collective import save_collective
from ksef_desktop.store.contractors import save_contractor
from ksef_desktop.store.invoices import create_draft
from ksef_desktop.store.numbering import create_series
from ksef_desktop.store.outbox import Outbox
from ksef_desktop.store.sessions import SessionRecord, record_session
from tests.unit.test_store_support import Clock, sample_invoice

HERE = Path(__file__).parent
TARGET = HERE / "release-0.1.0"
UPO = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<Potwierdzenie xmlns="http://upo.schematy.mf.gov.pl/KSeF/v4-3">'
    b"<NumerReferencyjnySesji>{ref}</NumerReferencyjnySesji></Potwierdzenie>\n"
)
SANDBOX_SESSION = "20260302-SO-1A2B3C4D5E-6F7A8B9C0D-11"
TEST_SESSION = "20260303-SO-2A2B3C4D5E-6F7A8B9C0D-22"
KSEF_NUMBERS = (
    "5265877635-20260302-0100001AF629-37",
    "5265877635-20260302-0100001AF62A-58",
    "5265877635-20260303-0100001AF62B-B4",
)


def main() -> None:
    from ksef_desktop.domain.identifiers import ksef_number_is_valid

    assert all(ksef_number_is_valid(n) for n in KSEF_NUMBERS), "fix the CRCs"
    if TARGET.exists():
        shutil.rmtree(TARGET)
    store = open_store(TARGET)
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    warsaw = ZoneInfo("Europe/Warsaw")
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=clock())
        drafts = [
            create_draft(conn, sample_invoice(buyer=f"Kupiec {i}"), now=clock()) for i in range(6)
        ]
        save_contractor(conn, sample_invoice().buyer, now=clock())
    outbox = Outbox(store.db, store.archive, clock)
    issued = []
    for draft in drafts[:5]:
        clock.advance(timedelta(minutes=1))
        issued.append(
            issue_invoice(
                store.db,
                store.archive,
                draft,
                now=clock,
                series_id=series,
                mode=None,
                deadline=None,
            ).id
        )
    # Invoices 1 and 2 went out in a Sandbox session, invoice 3 in a Test session.
    for invoice_id, session, number in zip(
        issued[:3], (SANDBOX_SESSION, SANDBOX_SESSION, TEST_SESSION), KSEF_NUMBERS, strict=True
    ):
        outbox.claim(limit=1)
        outbox.mark_sent(invoice_id, session_ref=session, invoice_ref=f"EE-{invoice_id}")
        outbox.mark_accepted(
            invoice_id, number, upo=UPO.replace(b"{ref}", session.encode()), session_ref=session
        )
    # Invoice 4 rejected in the Sandbox session.
    outbox.claim(limit=1)
    outbox.mark_sent(issued[3], session_ref=SANDBOX_SESSION, invoice_ref="EE-4")
    outbox.mark_rejected(issued[3], 450, "Błąd weryfikacji semantyki dokumentu faktury")
    # Invoice 5 stays queued: it never reached a session (environment unknown).
    with store.db.transaction() as conn:
        for ref, env in ((SANDBOX_SESSION, "sandbox"), (TEST_SESSION, "test")):
            record_session(
                conn,
                SessionRecord(
                    ref,
                    env,
                    "online",
                    clock(),
                    clock(),
                    200,
                    "Sesja przetworzona",
                    clock(),
                    3,
                    2,
                    1,
                ),
            )
        save_collective(
            conn,
            "5265877635-IZ202603-65ED02180000-61",
            KSEF_NUMBERS[:2],
            environment="sandbox",
            now=clock(),
        )
    # An offline draft: a sixth invoice issued offline24 with a deadline, still queued.
    with store.db.transaction() as conn:
        offline = create_draft(conn, sample_invoice(buyer="Offline Kupiec"), now=clock())
    issue_invoice(
        store.db,
        store.archive,
        offline,
        now=clock,
        series_id=series,
        mode="offline24",
        deadline=datetime(2026, 3, 3, 23, 59, 59, tzinfo=warsaw),
    )
    store.close()
    print(TARGET)


if __name__ == "__main__":
    main()
# settings.json beside it was written by hand as 0.1.0 writes it: the user has switched to
# the Test environment after practising in the Sandbox (the case issue 14 starts from).
