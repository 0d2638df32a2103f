"""The rows the offline panel shows and the outbox counts the status bar shows (no Qt).

``ui.store_ledger.StoreLedger`` reads them from the store, for the current profile; each
of its methods runs in the worker thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from ksef_desktop.domain.offline import (
    Announcement,
    Deadline,
    DeadlineState,
    OfflineMode,
    invoice_deadline,
)


@dataclass(frozen=True)
class OfflineRow:
    """One issued invoice that KSeF has not accepted yet."""

    invoice_id: int
    number: str
    buyer: str
    gross: Decimal
    currency: str
    issued: date
    mode: OfflineMode | None  # None: issued online, waiting in the outbox
    deadline: Deadline | None  # None for invoices issued online
    state: str  # a translated state ("waiting", "sending", "rejected" …)
    last_error: str = ""
    issued_at: datetime | None = None  # the moment it was issued (None: only the day known)


def refine_deadline(row: OfflineRow, announcements: Iterable[Announcement]) -> OfflineRow:
    """``row`` with its deadline recomputed from what Latarnia announced since it was issued.

    An ``awaria``/``offline`` deadline becomes known once its event's end is announced,
    and a later failure extends a pending one; a deadline is never shortened. Events are
    matched against the moment the row was issued (``issued_at``), so one that was over
    before the invoice existed changes nothing.
    """
    events = list(announcements)
    if row.mode is None or row.deadline is None or not events:
        return row
    fresh = invoice_deadline(row.mode, row.issued, events, issued_at=row.issued_at)
    old = row.deadline
    if fresh.state is DeadlineState.EVENT_UNKNOWN:
        return row
    if old.due is not None and fresh.due is not None and fresh.due <= old.due:
        return row
    return replace(row, deadline=fresh)


@dataclass(frozen=True)
class OutboxCounts:
    waiting: int = 0
    sending: int = 0
    failed: int = 0


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    failed: int = 0
    problem: str = ""  # why nothing could be sent (KSeF unavailable …), translated
