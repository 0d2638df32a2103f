"""The rows the offline panel shows and the outbox counts the status bar shows (no Qt).

``services.ledger_store.StoreLedger`` reads them from the store, for the current profile; each
of its methods runs in the worker thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from ksef_desktop.domain.offline import (
    Announcement,
    Deadline,
    DeadlineState,
    OfflineMode,
    invoice_deadline,
)
from ksef_desktop.i18n import ngettext
from ksef_desktop.services.changes import Changed
from ksef_desktop.store import Store
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.queries import OpenCounts

if TYPE_CHECKING:
    from ksef_desktop.services.submit import DrainReport


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


#: The counts the status bar and the offline panel both show (``store.queries``).
OutboxCounts = OpenCounts


def counts_text(counts: OpenCounts) -> str:
    """One sentence of the counts, the same in the status bar and the offline panel."""
    parts = [
        ngettext("{n} waiting", "{n} waiting", counts.waiting).format(n=counts.waiting),
        ngettext("{n} sending", "{n} sending", counts.sending).format(n=counts.sending),
        ngettext("{n} failed", "{n} failed", counts.failed).format(n=counts.failed),
        ngettext("{n} rejected", "{n} rejected", counts.rejected).format(n=counts.rejected),
    ]
    if counts.held:
        parts.append(ngettext("{n} held back", "{n} held back", counts.held).format(n=counts.held))
    return ", ".join(parts)


@dataclass(frozen=True)
class SendReport:
    """What one send did, for the window to say so."""

    sent: int = 0  # accepted by KSeF (a proven duplicate's original number adopted too)
    failed: int = 0  # not delivered this time: tried again later
    problem: str = ""  # why nothing could be sent (KSeF unavailable …), translated
    rejected: tuple[str, ...] = ()  # the numbers of the invoices KSeF rejected

    @property
    def changed(self) -> Changed:
        """What the send changed: a send always moves the outbox (attempts, pauses)."""
        changed = Changed.OUTBOX
        if self.sent or self.rejected:
            changed |= Changed.INVOICES | Changed.SESSIONS
        elif self.failed:
            changed |= Changed.INVOICES  # the list shows why an attempt failed
        return changed


def send_report(store: Store, profile_id: int, report: DrainReport) -> SendReport:
    """The sender's report with the numbers of the rejected invoices (never their ids)."""
    conn = store.db.connection()
    numbers = tuple(
        get_invoice(conn, invoice_id, profile_id=profile_id).number or "?"
        for invoice_id in report.rejected
    )
    return SendReport(report.delivered, len(report.deferred), report.error or "", numbers)


def send_message(report: SendReport, *, asked: bool) -> str:
    """What the status bar says after a send ("" when an automatic one did nothing)."""
    parts = []
    if report.rejected:
        parts.append(
            ngettext(
                "KSeF REJECTED invoice {numbers}: see the list for why.",
                "KSeF REJECTED invoices {numbers}: see the list for why.",
                len(report.rejected),
            ).format(numbers=", ".join(report.rejected))
        )
    if report.sent or (asked and not report.rejected and not report.problem):
        parts.append(
            ngettext(
                "{n} invoice accepted by KSeF.", "{n} invoices accepted by KSeF.", report.sent
            ).format(n=report.sent)
        )
    if report.problem:
        parts.append(report.problem)
    return " ".join(parts)
