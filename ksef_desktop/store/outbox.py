"""The submission outbox: what the sending service works through, one transaction per step.

An invoice enters the outbox in the transaction that queues it (``enqueue``) and leaves
it only with KSeF's verdict (accepted or rejected). ``claim`` hands out due items, the
most urgent deadline first, under a lease: a sender that dies loses its lease and the
item becomes due again. Resending after a crash is safe: KSeF answers a resend with 440
(duplicate), and ``adopt_duplicate`` records the original KSeF number. An accepted
invoice is final: accepting it again is a no-op and it is never handed out again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ksef_desktop.i18n import _
from ksef_desktop.store.archive import Archive, FileKind
from ksef_desktop.store.db import Database, StoreError
from ksef_desktop.store.invoices import owned_state, sha256_pair
from ksef_desktop.store.lock import owner_alive, process_owner
from ksef_desktop.store.states import InvoiceState, UnknownInvoice, transition
from ksef_desktop.store.timefmt import from_db, opt_from_db, to_db

S = InvoiceState


class NotInOutbox(StoreError):
    def __init__(self, invoice_id: int) -> None:
        super().__init__(f"invoice {invoice_id} is not in the outbox")
        self.invoice_id = invoice_id


class TooLateToUndo(StoreError):
    """The send cannot be undone: a sender has the invoice already (or KSeF has it)."""

    def __init__(self, invoice_id: int) -> None:
        super().__init__(f"invoice {invoice_id} is already being sent")
        self.invoice_id = invoice_id

    def message(self) -> str:
        return _("Too late to undo: the invoice is already on its way to KSeF.")


class KsefNumberConflict(StoreError):
    """An accepted invoice reported accepted again under a different KSeF number."""


class DuplicateMismatch(StoreError):
    """KSeF says "duplicate" but the original's hash is not ours: a different invoice with
    the same seller, kind and number was accepted before. Not adopted."""

    def __init__(self, invoice_id: int, ours: str, theirs: str) -> None:
        super().__init__(f"invoice {invoice_id}: duplicate with another hash ({theirs} ≠ {ours})")
        self.invoice_id = invoice_id

    def message(self) -> str:
        return _(
            "KSeF already holds a different invoice with the same number (invoice {id}). "
            "Check the numbering and issue the invoice under a new number."
        ).format(id=self.invoice_id)


@dataclass(frozen=True)
class Backoff:
    """Delay before attempt ``n + 1`` after ``n`` failures: base·2ⁿ⁻¹, at most ``cap``."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(minutes=30)

    def delay(self, failures: int) -> timedelta:
        delay: timedelta = self.base * (2 ** max(failures - 1, 0))
        return min(delay, self.cap)


@dataclass(frozen=True)
class OutboxItem:
    invoice_id: int
    number: str
    xml: bytes
    sha256_b64: str
    mode: str | None
    deadline: datetime | None
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    #: Base64 SHA-256 of the rejected invoice this one technically corrects
    hash_of_corrected: str | None
    session_ref: str | None
    invoice_ref: str | None


_ITEM_SELECT = (
    "SELECT i.id, i.number, d.xml, i.sha256_b64, i.mode, i.deadline, o.attempts, "
    "o.next_attempt_at, o.last_error, c.sha256_b64, o.session_ref, o.invoice_ref "
    "FROM outbox o JOIN invoices i ON i.id = o.invoice_id "
    "JOIN invoice_documents d ON d.invoice_id = i.id "
    "LEFT JOIN invoices c ON c.id = i.corrects_id"
)
_ORDER = " ORDER BY i.deadline IS NULL, i.deadline, o.next_attempt_at, i.id"


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        invoice_id=int(row[0]),
        number=row[1],
        xml=bytes(row[2]),
        sha256_b64=row[3],
        mode=row[4],
        deadline=opt_from_db(row[5]),
        attempts=int(row[6]),
        next_attempt_at=from_db(row[7]),
        last_error=row[8],
        hash_of_corrected=row[9],
        session_ref=row[10],
        invoice_ref=row[11],
    )


def enqueue(
    conn: sqlite3.Connection,
    invoice_id: int,
    *,
    profile_id: int,
    at: datetime,
    not_before: datetime | None = None,
    detail: str = "",
) -> None:
    """issued → queued and the outbox row, on the caller's transaction.

    ``not_before``: the item is not handed out earlier (the editor's undo window). It is
    queued all the same, so a crash meanwhile never leaves it unsent.
    """
    transition(conn, invoice_id, S.QUEUED, profile_id=profile_id, at=at, detail=detail)
    due = at if not_before is None or not_before < at else not_before
    conn.execute(
        "INSERT INTO outbox (invoice_id, state, attempts, next_attempt_at, created_at, updated_at)"
        " VALUES (?, 'pending', 0, ?, ?, ?)",
        (invoice_id, to_db(due), to_db(at), to_db(at)),
    )


def add_upo(
    conn: sqlite3.Connection,
    archive: Archive,
    data: bytes,
    *,
    profile_id: int,
    at: datetime,
    invoice_id: int | None = None,
    session_ref: str | None = None,
) -> str:
    """Archive a UPO (of one invoice or of a whole session); return its archive path."""
    b64, hexd = sha256_pair(data)
    relpath = archive.upo_relpath(at, hexd)
    archive.put(conn, FileKind.UPO, relpath, data, now=at)
    conn.execute(
        "INSERT INTO upos (profile_id, invoice_id, session_ref, relpath, sha256_b64, "
        "received_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (profile_id, invoice_id, session_ref, relpath, b64, to_db(at)),
    )
    return relpath


def last_errors(conn: sqlite3.Connection, *, profile_id: int) -> dict[int, str | None]:
    """The last failure of each undecided outbox item of the profile (no XML read)."""
    rows = conn.execute(
        "SELECT o.invoice_id, o.last_error FROM outbox o JOIN invoices i ON i.id = o.invoice_id "
        "WHERE i.profile_id = ? AND o.state <> 'done'",
        (profile_id,),
    ).fetchall()
    return {int(r[0]): r[1] for r in rows}


class Outbox:
    """The outbox of one profile: it hands out, and records verdicts for, only the
    invoices of ``profile_id`` (whose KSeF client the sender holds)."""

    def __init__(
        self,
        db: Database,
        archive: Archive,
        now: Callable[[], datetime],
        *,
        profile_id: int,
        owner: str | None = None,
        lease: timedelta = timedelta(minutes=5),
        backoff: Backoff | None = None,
    ) -> None:
        self._db = db
        self._archive = archive
        self._now = now
        self.profile_id = profile_id
        #: Who claims: this process (``host/pid``) unless told otherwise.
        self.owner = owner if owner is not None else process_owner()
        self._lease = lease
        self._backoff = backoff or Backoff()

    def _outbox_state(self, conn: sqlite3.Connection, invoice_id: int) -> str:
        row = conn.execute(
            "SELECT o.state FROM outbox o JOIN invoices i ON i.id = o.invoice_id "
            "WHERE o.invoice_id = ? AND i.profile_id = ?",
            (invoice_id, self.profile_id),
        ).fetchone()
        if row is None:
            owned_state(conn, invoice_id, self.profile_id)  # UnknownInvoice if not ours
            raise NotInOutbox(invoice_id)
        return str(row[0])

    def claim(self, limit: int = 10) -> list[OutboxItem]:
        """Up to ``limit`` due items, most urgent deadline first, leased to the caller."""
        now = self._now()
        stamp = to_db(now)
        with self._db.transaction() as conn:
            rows = conn.execute(
                f"{_ITEM_SELECT} WHERE i.profile_id = ? AND i.state = 'queued' AND ("
                "(o.state = 'pending' AND o.next_attempt_at <= ?) OR "
                f"(o.state = 'claimed' AND o.claimed_until <= ?)){_ORDER} LIMIT ?",
                (self.profile_id, stamp, stamp, limit),
            ).fetchall()
            until = to_db(now + self._lease)
            conn.executemany(
                "UPDATE outbox SET state = 'claimed', claimed_until = ?, claimed_by = ?, "
                "updated_at = ? WHERE invoice_id = ? AND invoice_id IN "
                "(SELECT id FROM invoices WHERE profile_id = ?)",
                [(until, self.owner, stamp, row[0], self.profile_id) for row in rows],
            )
        return [_item(row) for row in rows]

    def release_claims(self) -> int:
        """Hand back the claims of senders that are gone (a process that died): due again
        at once. A live process's claims are left alone: its work is not taken over."""
        stamp = to_db(self._now())
        with self._db.transaction() as conn:
            owners = [
                r[0]
                for r in conn.execute(
                    "SELECT DISTINCT o.claimed_by FROM outbox o JOIN invoices i "
                    "ON i.id = o.invoice_id WHERE o.state = 'claimed' AND i.profile_id = ?",
                    (self.profile_id,),
                )
            ]
            gone = [o for o in owners if o != self.owner and (o is None or not owner_alive(o))]
            released = 0
            for owner in gone:
                cursor = conn.execute(
                    "UPDATE outbox SET state = 'pending', claimed_until = NULL, claimed_by = NULL, "
                    "next_attempt_at = ?, updated_at = ? WHERE state = 'claimed' "
                    "AND claimed_by IS ? AND invoice_id IN "
                    "(SELECT id FROM invoices WHERE profile_id = ?)",
                    (stamp, stamp, owner, self.profile_id),
                )
                released += int(cursor.rowcount)
        return released

    def retry_now(self, ids: Sequence[int] | None = None) -> int:
        """Make waiting items due at once (the user pressed "Send now"): the pause after
        failed attempts is skipped; the attempts stay counted. ``ids``: only these."""
        stamp = to_db(self._now())
        chosen = json.dumps(None if ids is None else list(ids))
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE outbox SET next_attempt_at = ?, updated_at = ? "
                "WHERE state = 'pending' AND next_attempt_at > ? AND (? = 'null' OR "
                "invoice_id IN (SELECT value FROM json_each(?))) AND invoice_id IN "
                "(SELECT id FROM invoices WHERE profile_id = ?)",
                (stamp, stamp, stamp, chosen, chosen, self.profile_id),
            )
        return int(cursor.rowcount)

    def withdraw(self, invoice_id: int, *, reason: str = "sending undone") -> None:
        """queued → issued, out of the outbox: the user undid the send before any attempt
        (``TooLateToUndo`` once a sender holds it or tried it)."""
        now = self._now()
        with self._db.transaction() as conn:
            state = self._outbox_state(conn, invoice_id)
            row = conn.execute(
                "SELECT o.attempts, o.session_ref FROM outbox o JOIN invoices i "
                "ON i.id = o.invoice_id WHERE o.invoice_id = ? AND i.profile_id = ?",
                (invoice_id, self.profile_id),
            ).fetchone()
            if state != "pending" or row[0] or row[1]:
                raise TooLateToUndo(invoice_id)
            transition(
                conn, invoice_id, S.ISSUED, profile_id=self.profile_id, at=now, detail=reason
            )
            conn.execute(
                "DELETE FROM outbox WHERE invoice_id = ? AND invoice_id IN "
                "(SELECT id FROM invoices WHERE profile_id = ?)",
                (invoice_id, self.profile_id),
            )

    def requeue_stranded(self) -> list[int]:
        """Queue every issued invoice of the profile that is not queued (left so by a crash
        in the undo window, or by an undo): an issued invoice must reach KSeF."""
        now = self._now()
        with self._db.transaction() as conn:
            ids = [
                int(r[0])
                for r in conn.execute(
                    "SELECT id FROM invoices WHERE profile_id = ? AND state = 'issued' "
                    "AND id NOT IN (SELECT invoice_id FROM outbox) ORDER BY id",
                    (self.profile_id,),
                )
            ]
            for invoice_id in ids:
                enqueue(
                    conn,
                    invoice_id,
                    profile_id=self.profile_id,
                    at=now,
                    detail="queued at start: issued but never queued",
                )
        return ids

    def awaiting_verdict(self) -> list[OutboxItem]:
        """Sent items whose KSeF status has to be polled (resumed after a restart too)."""
        conn = self._db.connection()
        rows = conn.execute(
            f"{_ITEM_SELECT} WHERE i.profile_id = ? AND o.state = 'sent' AND i.state = 'sent'"
            f"{_ORDER}",
            (self.profile_id,),
        ).fetchall()
        return [_item(row) for row in rows]

    def pending(self) -> list[OutboxItem]:
        """Every item not yet decided, due or not (for the UI and for resuming)."""
        conn = self._db.connection()
        rows = conn.execute(
            f"{_ITEM_SELECT} WHERE i.profile_id = ? AND o.state <> 'done'{_ORDER}",
            (self.profile_id,),
        ).fetchall()
        return [_item(row) for row in rows]

    def mark_sent(self, invoice_id: int, *, session_ref: str, invoice_ref: str) -> None:
        """queued → sent: KSeF took the file (session and invoice reference numbers)."""
        now = self._now()
        with self._db.transaction() as conn:
            self._outbox_state(conn, invoice_id)
            transition(
                conn,
                invoice_id,
                S.SENT,
                profile_id=self.profile_id,
                at=now,
                detail=f"session {session_ref} invoice {invoice_ref}",
            )
            conn.execute(
                "UPDATE outbox SET state = 'sent', attempts = attempts + 1, claimed_until = NULL, "
                "session_ref = ?, invoice_ref = ?, last_error = NULL, updated_at = ? "
                "WHERE invoice_id = ?",
                (session_ref, invoice_ref, to_db(now), invoice_id),
            )

    def mark_failed(self, invoice_id: int, error: str) -> datetime:
        """A send attempt failed for the environment's reasons; due again after a backoff."""
        now = self._now()
        with self._db.transaction() as conn:
            state = self._outbox_state(conn, invoice_id)
            if state not in ("pending", "claimed"):
                raise StoreError(f"invoice {invoice_id}: outbox item is {state}, not being sent")
            attempts = int(
                conn.execute(
                    "SELECT o.attempts FROM outbox o JOIN invoices i ON i.id = o.invoice_id "
                    "WHERE o.invoice_id = ? AND i.profile_id = ?",
                    (invoice_id, self.profile_id),
                ).fetchone()[0]
            )
            due = now + self._backoff.delay(attempts + 1)
            conn.execute(
                "UPDATE outbox SET state = 'pending', attempts = attempts + 1, "
                "claimed_until = NULL, next_attempt_at = ?, last_error = ?, updated_at = ? "
                "WHERE invoice_id = ?",
                (to_db(due), error, to_db(now), invoice_id),
            )
            conn.execute(
                "INSERT INTO events (invoice_id, at, from_state, to_state, detail) "
                "VALUES (?, ?, 'queued', 'queued', ?)",
                (invoice_id, to_db(now), f"attempt {attempts + 1} failed: {error}"),
            )
        return due

    def requeue(self, invoice_id: int, reason: str) -> None:
        """sent → queued: the session was lost before a verdict; send the same bytes again."""
        now = self._now()
        with self._db.transaction() as conn:
            self._outbox_state(conn, invoice_id)
            transition(
                conn, invoice_id, S.QUEUED, profile_id=self.profile_id, at=now, detail=reason
            )
            conn.execute(
                "UPDATE outbox SET state = 'pending', next_attempt_at = ?, last_error = ?, "
                "updated_at = ? WHERE invoice_id = ?",
                (to_db(now), reason, to_db(now), invoice_id),
            )

    def mark_accepted(
        self,
        invoice_id: int,
        ksef_number: str,
        *,
        upo: bytes | None = None,
        session_ref: str | None = None,
        detail: str = "",
    ) -> bool:
        """→ accepted with its KSeF number (and UPO). False when it already was (no-op)."""
        now = self._now()
        with self._db.transaction() as conn:
            return self._accept(conn, invoice_id, ksef_number, now, upo, session_ref, detail)

    def _accept(
        self,
        conn: sqlite3.Connection,
        invoice_id: int,
        ksef_number: str,
        now: datetime,
        upo: bytes | None,
        session_ref: str | None,
        detail: str,
    ) -> bool:
        row = conn.execute(
            "SELECT state, ksef_number FROM invoices WHERE id = ? AND profile_id = ?",
            (invoice_id, self.profile_id),
        ).fetchone()
        if row is None:
            raise UnknownInvoice(invoice_id)
        if row[0] == S.ACCEPTED:
            if row[1] != ksef_number:
                raise KsefNumberConflict(
                    f"invoice {invoice_id} is accepted as {row[1]}, not {ksef_number}"
                )
            return False
        self._outbox_state(conn, invoice_id)
        transition(
            conn,
            invoice_id,
            S.ACCEPTED,
            profile_id=self.profile_id,
            at=now,
            detail=detail or f"KSeF number {ksef_number}",
            columns={"ksef_number": ksef_number, "accepted_at": to_db(now)},
        )
        # The session it was accepted in stays known: a UPO that did not come with the
        # verdict is fetched later from that session (services/upo_fetch.py).
        conn.execute(
            "UPDATE outbox SET state = 'done', claimed_until = NULL, "
            "session_ref = COALESCE(?, session_ref), updated_at = ? WHERE invoice_id = ?",
            (session_ref, to_db(now), invoice_id),
        )
        if upo is not None:
            add_upo(
                conn,
                self._archive,
                upo,
                profile_id=self.profile_id,
                at=now,
                invoice_id=invoice_id,
                session_ref=session_ref,
            )
        return True

    def mark_rejected(self, invoice_id: int, code: int, details: str) -> None:
        """→ rejected with KSeF's code and details (a technical correction may follow)."""
        now = self._now()
        with self._db.transaction() as conn:
            self._outbox_state(conn, invoice_id)
            transition(
                conn,
                invoice_id,
                S.REJECTED,
                profile_id=self.profile_id,
                at=now,
                detail=f"{code}: {details}",
                columns={"rejection_code": code, "rejection_details": details},
            )
            conn.execute(
                "UPDATE outbox SET state = 'done', claimed_until = NULL, last_error = ?, "
                "updated_at = ? WHERE invoice_id = ?",
                (f"{code}: {details}", to_db(now), invoice_id),
            )

    def adopt_duplicate(
        self,
        invoice_id: int,
        original_ksef_number: str,
        *,
        original_hash_b64: str | None = None,
        original_session_ref: str | None = None,
    ) -> bool:
        """KSeF said 440 (duplicate): ours was accepted before; adopt the original number.

        With ``original_hash_b64`` (from the original's metadata) the hashes must match,
        otherwise ``DuplicateMismatch``: another invoice holds this number in KSeF.
        """
        now = self._now()
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT sha256_b64 FROM invoices WHERE id = ? AND profile_id = ?",
                (invoice_id, self.profile_id),
            ).fetchone()
            if row is None:
                raise UnknownInvoice(invoice_id)
            if original_hash_b64 is not None and original_hash_b64 != row[0]:
                raise DuplicateMismatch(invoice_id, row[0], original_hash_b64)
            detail = f"duplicate (440): adopted {original_ksef_number}"
            if original_session_ref:
                detail += f" from session {original_session_ref}"
            return self._accept(
                conn, invoice_id, original_ksef_number, now, None, original_session_ref, detail
            )

    def add_upo(
        self, data: bytes, *, invoice_id: int | None = None, session_ref: str | None = None
    ) -> str:
        """Archive a UPO that arrived later than the verdict (or a session's UPO)."""
        now = self._now()
        with self._db.transaction() as conn:
            if invoice_id is not None:
                owned_state(conn, invoice_id, self.profile_id)
            return add_upo(
                conn,
                self._archive,
                data,
                profile_id=self.profile_id,
                at=now,
                invoice_id=invoice_id,
                session_ref=session_ref,
            )
