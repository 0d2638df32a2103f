"""The session history as plain Python: pages from KSeF, reconciled with the local records.

``sessions_page`` reads one page of KSeF's session history (one continuation token at a
time, so the browser can page in the background) and records each session in the store.
``session_detail`` lists a session's invoices as KSeF reports them next to what the
store knows: an invoice KSeF has that no local record matches is "missing locally", a
local invoice sent in that session that KSeF does not list is "missing in KSeF".
``fetch_session_upo`` and ``fetch_invoice_upo`` download UPOs into the archive; a
session's UPO exists only once the session is closed and processed.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ksef_desktop.i18n import _
from ksef_desktop.ksef.errors import RequestRejected, UpoHashMismatch, UpoNotReceived
from ksef_desktop.ksef.messages import describe as message_of
from ksef_desktop.ksef.messages import message
from ksef_desktop.ksef.session_facts import FINAL_CODES, SessionKind
from ksef_desktop.store import Store
from ksef_desktop.store.db import StoreError
from ksef_desktop.store.outbox import add_upo
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.sessions import SessionRecord, invoices_of_session, record_session, upos

if TYPE_CHECKING:  # the KSeF client (httpx, cryptography) is imported when first used
    from ksef_desktop.ksef.models import SessionInvoiceStatusResponse, SessionsQueryResponseItem
    from ksef_desktop.ksef.workflows import KsefClient

#: What a UPO download can end in without KSeF being unreachable.
_NOT_RECEIVED = (UpoNotReceived, UpoHashMismatch, RequestRejected)

ONLINE, BATCH = SessionKind.ONLINE, SessionKind.BATCH


class SessionNotClosed(StoreError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"session {reference} is not closed")
        self.reference = reference

    def message(self) -> str:
        return _(
            "The session is still open or being processed; its UPO is issued once KSeF has "
            "closed and processed it."
        )


class NoUpo(StoreError):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self) -> str:
        return self.text


@dataclass(frozen=True)
class SessionRow:
    reference: str
    kind: SessionKind
    status_code: int
    status_text: str
    opened_at: datetime
    updated_at: datetime
    total: int
    succeeded: int
    failed: int

    @property
    def closed(self) -> bool:
        return self.status_code in FINAL_CODES

    @property
    def has_upo(self) -> bool:
        return self.status_code == 200


@dataclass(frozen=True)
class SessionsPage:
    rows: list[SessionRow]
    token: str | None  # None: the last page


@dataclass(frozen=True)
class SessionFilter:
    kind: SessionKind = ONLINE
    date_from: datetime | None = None
    date_to: datetime | None = None
    statuses: tuple[str, ...] = ()


def status_text(kind: SessionKind, code: int, description: str) -> str:
    """KSeF's status in the user's language (KSeF's own words when not in the table)."""
    return message(kind, code) or description


def _row(kind: SessionKind, item: SessionsQueryResponseItem) -> SessionRow:
    return SessionRow(
        reference=item.reference_number,
        kind=kind,
        status_code=item.status.code,
        status_text=status_text(kind, item.status.code, item.status.description),
        opened_at=item.date_created,
        updated_at=item.date_updated,
        total=item.total_invoice_count,
        succeeded=item.successful_invoice_count,
        failed=item.failed_invoice_count,
    )


def sessions_page(
    client: KsefClient,
    store: Store | None,
    flt: SessionFilter,
    token: str | None,
    *,
    profile: Profile,
    page_size: int = 50,
) -> SessionsPage:
    """One page of the history (newest first); each session is recorded in the store,
    under ``profile`` (whose client asked KSeF)."""
    page = client.sessions_page(
        flt.kind,
        page_size=page_size,
        continuation_token=token,
        date_created_from=flt.date_from,
        date_created_to=flt.date_to,
        statuses=flt.statuses,
    )
    rows = [_row(flt.kind, s) for s in page.sessions]
    if store is not None and rows:
        with store.db.transaction() as conn:
            for r in rows:
                record_session(
                    conn,
                    SessionRecord(
                        reference=r.reference,
                        environment=profile.environment.value,
                        kind=r.kind,
                        opened_at=r.opened_at,
                        updated_at=r.updated_at,
                        status_code=r.status_code,
                        status_text=r.status_text,
                        closed_at=r.updated_at if r.closed else None,
                        invoice_count=r.total,
                        success_count=r.succeeded,
                        failed_count=r.failed,
                    ),
                    profile_id=profile.id,
                )
    return SessionsPage(rows, page.continuation_token)


# --- one session ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice of a session, as KSeF and the store know it."""

    ordinal: int | None
    invoice_number: str
    ksef_number: str | None
    status_code: int | None
    explanation: str  # KSeF's verdict in the user's language
    details: str
    local_id: int | None
    local_state: str
    missing_locally: bool
    missing_in_ksef: bool
    invoice_reference: str = ""
    upo_url: str | None = None
    session_reference: str = ""
    #: A UPO of this invoice is in the archive.
    upo_stored: bool = False

    @property
    def upo_pending(self) -> bool:
        """Accepted, but no UPO archived yet ("UPO not received yet"): e.g. the link gave
        a firewall page instead; it is fetched again later (services/upo_fetch.py)."""
        return self.status_code == 200 and not self.upo_stored


@dataclass(frozen=True)
class SessionDetail:
    reference: str
    lines: list[InvoiceLine]
    session_upo_stored: bool


def _b64_to_hex(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return base64.b64decode(value).hex()
    except ValueError:
        return None


def _local_by_hash(
    store: Store, hashes: Sequence[str], profile_id: int
) -> dict[str, tuple[int, str, str]]:
    if not hashes:
        return {}
    conn = store.db.connection()
    marks = ", ".join("?" for _ in hashes)
    rows = conn.execute(
        f"SELECT id, sha256_b64, state, IFNULL(number, '') FROM invoices "  # noqa: S608
        f"WHERE profile_id = ? AND sha256_b64 IN ({marks})",
        [profile_id, *hashes],
    ).fetchall()
    return {r[1]: (int(r[0]), str(r[2]), str(r[3])) for r in rows}


def _line(
    item: SessionInvoiceStatusResponse,
    local: tuple[int, str, str] | None,
    session: str = "",
    upo_stored: bool = False,
) -> InvoiceLine:
    code = item.status.code
    explanation = message("invoice", code) or item.status.description
    return InvoiceLine(
        ordinal=item.ordinal_number,
        invoice_number=item.invoice_number or (local[2] if local else ""),
        ksef_number=item.ksef_number,
        status_code=code,
        explanation=explanation,
        details="; ".join(item.status.details),
        local_id=local[0] if local else None,
        local_state=local[1] if local else "",
        missing_locally=local is None,
        missing_in_ksef=False,
        invoice_reference=item.reference_number,
        upo_url=item.upo_download_url,
        session_reference=session,
        upo_stored=upo_stored,
    )


def _with_upo(conn: sqlite3.Connection, invoice_ids: Sequence[int], profile_id: int) -> set[int]:
    if not invoice_ids:
        return set()
    marks = ", ".join("?" for _ in invoice_ids)
    rows = conn.execute(
        f"SELECT DISTINCT invoice_id FROM upos WHERE profile_id = ? "  # noqa: S608
        f"AND invoice_id IN ({marks})",
        [profile_id, *invoice_ids],
    ).fetchall()
    return {int(r[0]) for r in rows}


def session_detail(
    client: KsefClient, store: Store, reference: str, *, profile_id: int
) -> SessionDetail:
    """The invoices of session ``reference``, reconciled with the profile's records."""
    items = list(client.session_invoices(reference))
    local = _local_by_hash(store, [i.invoice_hash for i in items if i.invoice_hash], profile_id)
    conn = store.db.connection()
    with_upo = _with_upo(conn, [v[0] for v in local.values()], profile_id)
    lines = []
    for i in items:
        mine = local.get(i.invoice_hash or "")
        lines.append(_line(i, mine, reference, mine is not None and mine[0] in with_upo))
    seen = {line.local_id for line in lines if line.local_id is not None}
    for invoice_id in invoices_of_session(conn, reference, profile_id=profile_id):
        if invoice_id in seen:
            continue
        row = conn.execute(
            "SELECT IFNULL(number, ''), state, ksef_number FROM invoices "
            "WHERE id = ? AND profile_id = ?",
            (invoice_id, profile_id),
        ).fetchone()
        lines.append(
            InvoiceLine(
                ordinal=None,
                invoice_number=row[0],
                ksef_number=row[2],
                status_code=None,
                explanation=_(
                    "Sent in this session according to our records; KSeF does not list it."
                ),
                details="",
                local_id=invoice_id,
                local_state=row[1],
                missing_locally=False,
                missing_in_ksef=True,
            )
        )
    stored = bool(upos(conn, profile_id=profile_id, session_ref=reference))
    return SessionDetail(reference, lines, stored)


def fetch_session_upo(
    client: KsefClient,
    store: Store,
    reference: str,
    now: Callable[[], datetime],
    *,
    profile_id: int,
) -> bytes:
    """The session's UPO (every page joined), archived; refused while the session is open."""
    status = client.session_status(reference)
    if status.status.code not in FINAL_CODES:
        raise SessionNotClosed(reference)
    if not status.upo_pages:
        raise NoUpo(_("KSeF issued no UPO for this session (no invoice was accepted)."))
    pages = []
    for wanted in status.upo_pages:
        try:  # the link, then the authenticated endpoint; only a verified UPO comes back
            pages.append(client.session_upo_page(reference, wanted))
        except _NOT_RECEIVED as exc:
            raise NoUpo(_not_received(exc)) from None
    conn = store.db.connection()
    known = {u.sha256_b64 for u in upos(conn, profile_id=profile_id, session_ref=reference)}
    from ksef_desktop.store.invoices import sha256_pair

    with store.db.transaction() as tx:
        for page in pages:
            if sha256_pair(page.content)[0] not in known:
                add_upo(
                    tx,
                    store.archive,
                    page.content,
                    profile_id=profile_id,
                    at=now(),
                    session_ref=reference,
                )
    return b"\n".join(p.content for p in pages)


def fetch_invoice_upo(
    client: KsefClient,
    store: Store,
    line: InvoiceLine,
    now: Callable[[], datetime],
    *,
    profile_id: int,
) -> bytes:
    """An invoice's UPO: from the archive when stored, else from KSeF (then archived)."""
    conn = store.db.connection()
    if line.local_id is not None:
        records = upos(conn, profile_id=profile_id, invoice_id=line.local_id)
        if records:
            return store.archive.read(conn, records[-1].relpath)
    if line.status_code != 200:
        raise NoUpo(_("KSeF has no UPO for this invoice (it was not accepted)."))
    try:  # the link, then the authenticated endpoint; only a verified UPO comes back
        upo = client.invoice_upo(
            line.session_reference,
            invoice_reference=line.invoice_reference,
            ksef_number=line.ksef_number,
            url=line.upo_url,
        )
    except _NOT_RECEIVED as exc:
        raise NoUpo(_not_received(exc)) from None
    with store.db.transaction() as tx:
        add_upo(
            tx,
            store.archive,
            upo.content,
            profile_id=profile_id,
            at=now(),
            invoice_id=line.local_id,
            session_ref=line.session_reference or None,
        )
    return upo.content


def _not_received(exc: Exception) -> str:
    if isinstance(exc, UpoNotReceived):
        return message_of(exc)
    return _("UPO not received yet; try again later.") + " " + message_of(exc)
