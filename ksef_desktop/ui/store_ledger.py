"""The offline panel's rows and the outbox counts of the current profile, from the store.

Runs in the worker thread only (the store hands each thread its own connection). Every
issued invoice of the profile that KSeF has not accepted yet is a row; its deadline is the
one frozen when it was issued. Sending is delegated to a ``Sender`` (``send_pending``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from ksef_desktop.domain.offline import Deadline, DeadlineState, OfflineMode
from ksef_desktop.services.invoice_status import rejection_text
from ksef_desktop.store import Store
from ksef_desktop.store.outbox import Outbox, last_errors
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.queries import (
    Cursor,
    InvoiceFilter,
    ListRow,
    SortKey,
    count_open,
    issued_moments,
    list_invoices,
    replaced_rejections,
)
from ksef_desktop.store.states import InvoiceState
from ksef_desktop.ui.ledger import OfflineRow, OutboxCounts, SendReport
from ksef_desktop.worker import JobContext

#: The states of an issued invoice that KSeF has not accepted.
NOT_ACCEPTED = frozenset(
    {InvoiceState.ISSUED, InvoiceState.QUEUED, InvoiceState.SENT, InvoiceState.REJECTED}
)
PAGE = 500


class Sender(Protocol):
    """Sends what the profile's outbox holds (all due items, or only ``ids``)."""

    def __call__(
        self, store: Store, profile: Profile, ctx: JobContext, ids: Sequence[int] | None
    ) -> SendReport: ...


def stored_deadline(mode: str | None, due: datetime | None) -> Deadline | None:
    """The domain deadline of a stored invoice (None: issued online)."""
    if mode is None:
        return None
    if OfflineMode(mode) is OfflineMode.AWARIA_CALKOWITA:
        return Deadline(DeadlineState.NO_OBLIGATION)
    if due is None:
        return Deadline(DeadlineState.WAITING_FOR_EVENT_END)
    return Deadline(DeadlineState.DUE, due)


def _failure(row: ListRow, last_error: str | None) -> str:
    if row.state is InvoiceState.REJECTED:
        return rejection_text(row.rejection_code, row.rejection_details)
    return last_error or ""


class StoreLedger:
    def __init__(
        self,
        store: Callable[[], Store],
        profile: Callable[[], Profile],
        now: Callable[[], datetime],
        sender: Sender,
    ) -> None:
        self._store = store
        self._profile = profile
        self._now = now
        self.sender = sender

    @property
    def store(self) -> Store:
        return self._store()

    def _outbox(self) -> Outbox:
        return Outbox(self.store.db, self.store.archive, self._now, profile_id=self._profile().id)

    def _open_rows(self) -> list[ListRow]:
        conn = self.store.db.connection()
        flt = InvoiceFilter(states=NOT_ACCEPTED)
        profile_id = self._profile().id
        rows: list[ListRow] = []
        after: Cursor | None = None
        while True:
            page = list_invoices(
                conn,
                flt,
                profile_id=profile_id,
                sort=SortKey.ISSUE_DATE,
                descending=False,
                after=after,
                limit=PAGE,
            )
            rows.extend(page.rows)
            if page.next is None:
                return rows
            after = page.next

    def offline_rows(self) -> list[OfflineRow]:
        conn = self.store.db.connection()
        profile_id = self._profile().id
        errors = last_errors(conn, profile_id=profile_id)
        replaced = replaced_rejections(conn, profile_id=profile_id)
        rows = self._open_rows()
        moments = issued_moments(conn, [r.id for r in rows if r.mode], profile_id=profile_id)
        out = [
            OfflineRow(
                invoice_id=r.id,
                number=r.number or "",
                buyer=r.buyer_name,
                gross=r.gross,
                currency=r.currency,
                issued=r.issue_date,
                issued_at=moments.get(r.id),
                mode=OfflineMode(r.mode) if r.mode else None,
                deadline=stored_deadline(r.mode, r.deadline),
                state=r.state.label,
                last_error=_failure(r, errors.get(r.id)),
            )
            for r in rows
            if r.id not in replaced
        ]
        far = datetime.max.replace(tzinfo=self._now().tzinfo)
        out.sort(
            key=lambda r: (
                r.deadline is None or r.deadline.due is None,
                r.deadline.due if r.deadline and r.deadline.due else far,
                r.invoice_id,
            )
        )
        return out

    def outbox_counts(self) -> OutboxCounts:
        """Counted by the store (no invoice's XML is read): the offline panel and the
        status bar both show these."""
        return count_open(self.store.db.connection(), profile_id=self._profile().id)

    def send_pending(self, ctx: JobContext, ids: Sequence[int] | None = None) -> SendReport:
        return self.sender(self.store, self._profile(), ctx, ids)

    def retry_now(self, ids: Sequence[int] | None = None) -> int:
        """Waiting invoices due at once, whatever pause their failed attempts earned."""
        return self._outbox().retry_now(ids)
