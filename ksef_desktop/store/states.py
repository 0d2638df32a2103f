"""Invoice states and their legal transitions (DESIGN.md §3); every change is logged.

``transition`` is the one place that changes ``invoices.state``: it checks the move is
legal, updates the row and writes the event row, all on the caller's connection inside
the caller's transaction (so the outbox row goes into the same transaction).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ksef_desktop.i18n import N_, _
from ksef_desktop.store.db import StoreError
from ksef_desktop.store.timefmt import from_db, to_db


class InvoiceState(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    QUEUED = "queued"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        """The state's name in the user's language."""
        return _(_LABELS[self])


_LABELS = {
    InvoiceState.DRAFT: N_("draft"),
    InvoiceState.ISSUED: N_("issued"),
    InvoiceState.QUEUED: N_("waiting to be sent"),
    InvoiceState.SENT: N_("sent, awaiting KSeF"),
    InvoiceState.ACCEPTED: N_("accepted by KSeF"),
    InvoiceState.REJECTED: N_("rejected by KSeF"),
}

S = InvoiceState

#: Where each state may go. queued → accepted/rejected: KSeF's verdict can come back on a
#: resend (duplicate 440) or at once; sent → queued: the session was lost, send again;
#: queued → issued: the user undid the send in its undo window, before any attempt.
ALLOWED: Mapping[InvoiceState, frozenset[InvoiceState]] = {
    S.DRAFT: frozenset({S.ISSUED}),
    S.ISSUED: frozenset({S.QUEUED}),
    S.QUEUED: frozenset({S.SENT, S.ACCEPTED, S.REJECTED, S.ISSUED}),
    S.SENT: frozenset({S.ACCEPTED, S.REJECTED, S.QUEUED}),
    S.ACCEPTED: frozenset(),
    S.REJECTED: frozenset(),
}

#: States in which an invoice still has to reach KSeF.
OPEN_STATES = (S.ISSUED, S.QUEUED, S.SENT)


class UnknownInvoice(StoreError):
    def __init__(self, invoice_id: int) -> None:
        super().__init__(f"no invoice with id {invoice_id}")
        self.invoice_id = invoice_id

    def message(self) -> str:
        return _("There is no invoice with id {id}.").format(id=self.invoice_id)


class IllegalTransition(StoreError):
    """A state change DESIGN.md §3 does not allow (e.g. draft → sent, accepted → rejected)."""

    def __init__(
        self,
        invoice_id: int,
        current: InvoiceState,
        wanted: InvoiceState,
        number: str | None = None,
    ) -> None:
        super().__init__(f"invoice {invoice_id} cannot go from {current} to {wanted}")
        self.invoice_id = invoice_id
        self.current = current
        self.wanted = wanted
        self.number = number

    def message(self) -> str:
        """Named by its number (a draft has none): the database id means nothing to anyone."""
        if self.number:
            return _("Invoice {number} cannot change from “{current}” to “{wanted}”.").format(
                number=self.number, current=self.current.label, wanted=self.wanted.label
            )
        return _("This invoice cannot change from “{current}” to “{wanted}”.").format(
            current=self.current.label, wanted=self.wanted.label
        )


@dataclass(frozen=True)
class Event:
    invoice_id: int
    at: datetime
    from_state: InvoiceState | None
    to_state: InvoiceState
    detail: str


def current_state(conn: sqlite3.Connection, invoice_id: int, *, profile_id: int) -> InvoiceState:
    """The state of invoice ``invoice_id`` of profile ``profile_id`` (``UnknownInvoice``
    when that profile has no such invoice)."""
    row = conn.execute(
        "SELECT state FROM invoices WHERE id = ? AND profile_id = ?", (invoice_id, profile_id)
    ).fetchone()
    if row is None:
        raise UnknownInvoice(invoice_id)
    return InvoiceState(row[0])


def log_event(
    conn: sqlite3.Connection,
    invoice_id: int,
    at: datetime,
    from_state: InvoiceState | None,
    to_state: InvoiceState,
    detail: str = "",
) -> None:
    conn.execute(
        "INSERT INTO events (invoice_id, at, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?)",
        (invoice_id, to_db(at), None if from_state is None else from_state.value, to_state, detail),
    )


def transition(
    conn: sqlite3.Connection,
    invoice_id: int,
    to: InvoiceState,
    *,
    profile_id: int,
    at: datetime,
    detail: str = "",
    columns: Mapping[str, object] | None = None,
) -> InvoiceState:
    """Move ``invoice_id`` of profile ``profile_id`` to ``to`` (also setting ``columns``);
    return the old state."""
    if not conn.in_transaction:
        raise StoreError("a state change must run inside a transaction")
    current = current_state(conn, invoice_id, profile_id=profile_id)
    if to not in ALLOWED[current]:
        number = conn.execute(
            "SELECT number FROM invoices WHERE id = ? AND profile_id = ?", (invoice_id, profile_id)
        ).fetchone()[0]
        raise IllegalTransition(invoice_id, current, to, number)
    values: dict[str, object] = dict(columns or {})
    values["state"] = to.value
    values["updated_at"] = to_db(at)
    assignments = ", ".join(f"{name} = ?" for name in values)
    conn.execute(
        f"UPDATE invoices SET {assignments} WHERE id = ? AND state = ? AND profile_id = ?",  # noqa: S608
        (*values.values(), invoice_id, current.value, profile_id),
    )
    log_event(conn, invoice_id, at, current, to, detail)
    return current


def events_of(conn: sqlite3.Connection, invoice_id: int, *, profile_id: int) -> list[Event]:
    rows = conn.execute(
        "SELECT e.at, e.from_state, e.to_state, e.detail FROM events e "
        "JOIN invoices i ON i.id = e.invoice_id WHERE e.invoice_id = ? AND i.profile_id = ? "
        "ORDER BY e.id",
        (invoice_id, profile_id),
    ).fetchall()
    return [
        Event(
            invoice_id=invoice_id,
            at=from_db(at),
            from_state=None if src is None else InvoiceState(src),
            to_state=InvoiceState(dst),
            detail=detail,
        )
        for at, src, dst, detail in rows
    ]
