"""UPOs that did not come with KSeF's verdict, fetched again later (issue 16).

A UPO is archived only when it proves to be one (``ksef.api_status.verified_upo``): a
pre-signed link that answers with a web firewall's HTML page, or without
``x-ms-meta-hash``, brings nothing to the archive. The invoice is accepted all the same
(its KSeF number is KSeF's verdict); its UPO is "not received yet" until a later try
through the authenticated endpoints succeeds:

- an invoice's UPO: ``GET /sessions/{ref}/invoices/ksef/{ksefNumber}/upo``, with the
  session it was accepted in (the outbox keeps it);
- a session's UPO: every page of ``GET /sessions/{ref}`` (link, then
  ``GET /sessions/{ref}/upo/{upoRef}``).

``Submitter.drain`` calls ``fetch_missing_upos`` after sending (and, when something is
missing, even with nothing to send: the user's "send now" fetches them too), a few at a
time; the session browser shows the state (``sessions_sync.InvoiceLine.upo_pending``).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ksef_desktop.store.archive import Archive
from ksef_desktop.store.db import Database
from ksef_desktop.store.outbox import add_upo
from ksef_desktop.store.timefmt import to_db

if TYPE_CHECKING:  # the KSeF client is imported when first used
    from ksef_desktop.ksef.api_status import Upo
    from ksef_desktop.ksef.workflows import KsefClient

log = logging.getLogger("ksef_desktop.services.upo_fetch")

#: How far back a missing UPO is looked for automatically (older ones: on request).
RETRY_WINDOW = timedelta(days=30)
#: UPOs tried per call (each is one request in KSeF's ``sessionMisc`` group).
PER_CALL = 20


@dataclass(frozen=True)
class MissingUpo:
    invoice_id: int
    ksef_number: str
    session_ref: str


@dataclass
class UpoFetchReport:
    fetched: list[int] = field(default_factory=list)  # invoice ids
    sessions: list[str] = field(default_factory=list)  # sessions whose UPO was fetched
    still_missing: int = 0


def missing_invoice_upos(
    conn: sqlite3.Connection, *, profile_id: int, since: datetime, limit: int = PER_CALL
) -> list[MissingUpo]:
    """The profile's accepted invoices (accepted at or after ``since``) with no UPO
    archived, newest first."""
    rows = conn.execute(
        "SELECT i.id, i.ksef_number, o.session_ref FROM invoices i "
        "JOIN outbox o ON o.invoice_id = i.id "
        "WHERE i.profile_id = ? AND i.state = 'accepted' AND i.ksef_number IS NOT NULL "
        "AND o.session_ref IS NOT NULL AND i.accepted_at >= ? "
        "AND NOT EXISTS (SELECT 1 FROM upos u WHERE u.invoice_id = i.id) "
        "ORDER BY i.accepted_at DESC, i.id DESC LIMIT ?",
        (profile_id, to_db(since), limit),
    ).fetchall()
    return [MissingUpo(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def missing_session_upos(
    conn: sqlite3.Connection, *, profile_id: int, since: datetime, limit: int = PER_CALL
) -> list[str]:
    """The profile's sessions we sent in that KSeF processed with success (so they have a
    UPO) with none archived. Sessions only seen in KSeF's history are not fetched unasked."""
    rows = conn.execute(
        "SELECT s.reference FROM sessions s WHERE s.profile_id = ? AND s.status_code = 200 "
        "AND s.updated_at >= ? "
        "AND EXISTS (SELECT 1 FROM outbox o WHERE o.session_ref = s.reference) "
        "AND NOT EXISTS (SELECT 1 FROM upos u WHERE u.session_ref = s.reference "
        "AND u.invoice_id IS NULL) ORDER BY s.updated_at DESC LIMIT ?",
        (profile_id, to_db(since), limit),
    ).fetchall()
    return [str(r[0]) for r in rows]


def anything_missing(conn: sqlite3.Connection, now: datetime, *, profile_id: int) -> bool:
    since = now - RETRY_WINDOW
    return bool(
        missing_invoice_upos(conn, profile_id=profile_id, since=since, limit=1)
        or missing_session_upos(conn, profile_id=profile_id, since=since, limit=1)
    )


def fetch_missing_upos(
    client: KsefClient,
    db: Database,
    archive: Archive,
    now: Callable[[], datetime],
    *,
    profile_id: int,
    limit: int = PER_CALL,
) -> UpoFetchReport:
    """Try to fetch up to ``limit`` missing invoice UPOs and session UPOs; stop at the
    first sign that KSeF cannot be reached. Only verified UPOs are archived."""
    from ksef_desktop.ksef.errors import EnvironmentFault, KsefError, UpoNotReceived

    report = UpoFetchReport()
    since = now() - RETRY_WINDOW
    conn = db.connection()
    invoices = missing_invoice_upos(conn, profile_id=profile_id, since=since, limit=limit)
    sessions = missing_session_upos(conn, profile_id=profile_id, since=since, limit=limit)
    try:
        for item in invoices:
            try:
                upo = client.invoice_upo_by_ksef_number(item.session_ref, item.ksef_number)
            except UpoNotReceived as exc:
                log.info("UPO of invoice %d still not received: %s", item.invoice_id, exc)
                report.still_missing += 1
                continue
            except EnvironmentFault:
                raise  # KSeF unreachable: stop here
            except KsefError as exc:  # 21178 (no UPO yet), a wrong hash ...
                log.info("UPO of invoice %d still not received: %s", item.invoice_id, exc)
                report.still_missing += 1
                continue
            with db.transaction() as tx:
                add_upo(
                    tx,
                    archive,
                    upo.content,
                    profile_id=profile_id,
                    at=now(),
                    invoice_id=item.invoice_id,
                    session_ref=item.session_ref,
                )
            report.fetched.append(item.invoice_id)
        for reference in sessions:
            pages = _session_pages(client, reference)
            if pages is None:
                report.still_missing += 1
                continue
            with db.transaction() as tx:
                for upo in pages:
                    add_upo(
                        tx,
                        archive,
                        upo.content,
                        profile_id=profile_id,
                        at=now(),
                        session_ref=reference,
                    )
            report.sessions.append(reference)
    except EnvironmentFault as exc:
        log.info("fetching missing UPOs stopped: %s", exc)
    return report


def _session_pages(client: KsefClient, reference: str) -> list[Upo] | None:
    """Every page of a session's UPO, or None when any of them did not come."""
    from ksef_desktop.ksef.errors import EnvironmentFault, KsefError, UpoNotReceived

    status = client.session_status(reference)
    if not status.upo_pages:
        return None
    pages = []
    for page in status.upo_pages:
        try:
            pages.append(client.session_upo_page(reference, page))
        except UpoNotReceived as exc:
            log.info("session UPO %s still not received: %s", reference, exc)
            return None
        except EnvironmentFault:
            raise
        except KsefError as exc:
            log.info("session UPO %s still not received: %s", reference, exc)
            return None
    return pages
