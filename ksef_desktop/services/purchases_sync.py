"""Download the profile's purchase invoices from KSeF (issue 18), by the high-water mark.

KSEF-PROTOCOL.md §4 "HWM": invoices are asked for by their *permanent storage* date
with ``restrictToPermanentStorageHwmDate``; KSeF answers with ``permanentStorageHwmDate``,
below which its data is complete and final. The next window starts at that mark (at the
last invoice's storage date when the answer was truncated), and every invoice is kept
once by its KSeF number, so there is no gap and no duplicate across runs, restarts and
a wrong local clock (every bound after the first comes from KSeF, never from our clock).

- The first sync (no mark yet) walks the history in windows of at most 90 days through
  **exports**: one request per window brings up to 10 000 invoices in one encrypted
  package, within the export limit of 20 an hour.
- Later syncs ask the **metadata query** (one request per 250 invoices) and fetch the
  few new files one by one; when more are new than ``download_limit`` (the download
  limit is 64 an hour) the same window goes through an export instead.
- The mark moves only after every invoice of its window is kept: a sync cancelled or
  killed half-way starts that window again and skips what it already has.

Each kept file is byte for byte what KSeF gave, checked against the hash in KSeF's
metadata, archived with its hash in the transaction that records it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from ksef_desktop.domain.calendar import WARSAW
from ksef_desktop.errors import UserError
from ksef_desktop.i18n import _, ngettext
from ksef_desktop.ksef import receiving
from ksef_desktop.ksef.crypto import SessionKey, sha256_b64
from ksef_desktop.ksef.errors import ProtocolError
from ksef_desktop.ksef.receiving import ReceivedMetadata
from ksef_desktop.services.purchase_facts import received_invoice
from ksef_desktop.store import Store
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.purchases import (
    SUBJECTS,
    add_purchase,
    known_numbers,
    set_sync_start,
    sync_start,
)

if TYPE_CHECKING:
    from ksef_desktop.ksef.workflows import KsefClient

AUTO, EXPORT, QUERY = "auto", "export", "query"
#: The first sync starts here unless told otherwise: KSeF became obligatory on 1 Feb 2026.
DEFAULT_SINCE = datetime(2026, 2, 1, tzinfo=WARSAW)
WINDOW = timedelta(days=90)  # KSeF allows 100 days (UTC) per query; some slack
#: More new invoices than this in a later sync: the window goes through an export.
DOWNLOAD_LIMIT = 10
#: A sync that would have to wait longer than this for KSeF's rate limit is postponed.
MAX_WAIT_S = 60.0
BATCH = 100  # invoices kept per transaction


class Job(Protocol):
    """What a long operation is given (``worker.JobContext``, or ``Quiet`` from the CLI)."""

    def check(self) -> None: ...

    def progress(self, done: int, total: int = 0, text: str = "") -> None: ...


class Quiet:
    def check(self) -> None:
        return None

    def progress(self, done: int, total: int = 0, text: str = "") -> None:
        return None


class SyncProblem(UserError):
    """KSeF could not give the invoices now; ``message()`` says why, for the user."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self) -> str:
        return self.text


@dataclass
class SyncReport:
    new: int = 0
    seen: int = 0
    windows: int = 0
    exports: int = 0
    queries: int = 0
    downloads: int = 0
    new_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return ngettext(
            "{n} new purchase invoice received from KSeF.",
            "{n} new purchase invoices received from KSeF.",
            self.new,
        ).format(n=self.new)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@dataclass
class _Sync:
    store: Store
    client: KsefClient
    profile: Profile
    now: Callable[[], datetime]
    job: Job
    method: str
    download_limit: int
    sleep: Callable[[float], None]
    report: SyncReport = field(default_factory=SyncReport)

    # --- helpers ------------------------------------------------------------------

    def _gate(self, group: str) -> None:
        wait = self.client.wait_time(group)
        if wait > MAX_WAIT_S:
            minutes = max(1, round(wait / 60))
            raise SyncProblem(
                ngettext(
                    "KSeF's limits allow the next download in {n} minute; try again then.",
                    "KSeF's limits allow the next download in {n} minutes; try again then.",
                    minutes,
                ).format(n=minutes)
            )

    def _keep(self, items: Iterable[tuple[ReceivedMetadata, bytes]], subject: str) -> None:
        """Keep every invoice not kept yet, ``BATCH`` per transaction."""
        pending = list(items)
        db, archive, pid = self.store.db, self.store.archive, self.profile.id
        for start in range(0, len(pending), BATCH):
            self.job.check()
            chunk = pending[start : start + BATCH]
            for meta, xml in chunk:
                if sha256_b64(xml) != meta.invoice_hash:
                    raise ProtocolError(
                        f"invoice {meta.ksef_number} does not match the hash KSeF gives for it"
                    )
            rows = [received_invoice(meta, xml, subject) for meta, xml in chunk]
            with db.transaction() as conn:
                for row in rows:
                    made = add_purchase(conn, archive, row, profile_id=pid, now=self.now())
                    if made is not None:
                        self.report.new += 1
                        self.report.new_ids.append(made)
            self.report.seen += len(chunk)
            self.job.progress(
                self.report.seen,
                0,
                _("Purchase invoices: {n} received").format(n=self.report.new),
            )

    # --- one window ------------------------------------------------------------------

    def export_window(
        self, subject: str, start: datetime, end: datetime | None
    ) -> tuple[datetime, bool]:
        """(where the next window starts, whether KSeF has more after it)."""
        self._gate("invoiceExport")
        client = self.client
        key = SessionKey.generate()
        filters = receiving.storage_filters(subject, start, end)
        reference = client.start_export(key, filters)
        self.report.exports += 1
        self.job.progress(self.report.seen, 0, _("KSeF is preparing the invoices…"))
        status = client.wait_for_export(reference, sleep=self.sleep, check=self.job.check)
        if status.code == receiving.EXPORT_BEYOND_HWM:
            return start, False
        if status.code != receiving.EXPORT_DONE:
            raise SyncProblem(
                _("KSeF could not prepare the invoices (status {code}: {text}).").format(
                    code=status.code, text=status.description
                )
            )
        package = client.download_package(key, status)
        known = known_numbers(
            self.store.db.connection(),
            [m.ksef_number for m in package.metadata],
            profile_id=self.profile.id,
        )
        items = []
        for meta in package.metadata:
            if meta.ksef_number in known:
                continue
            xml = package.files.get(meta.ksef_number)
            if xml is None:
                raise ProtocolError(f"the export package lacks {meta.ksef_number}.xml")
            items.append((meta, xml))
        self._keep(items, subject)
        if status.is_truncated:
            last = status.last_storage or max(
                (m.permanent_storage_date for m in package.metadata), default=start
            )
            return last, True
        return _next_start(start, end, status.hwm, package.metadata), False

    def query_window(
        self, subject: str, start: datetime, end: datetime | None
    ) -> tuple[datetime, bool]:
        client = self.client
        filters = receiving.storage_filters(subject, start, end)
        found: list[ReceivedMetadata] = []
        offset, truncated, hwm = 0, False, None
        while True:
            self.job.check()
            self._gate("invoiceMetadata")
            page = client.query_received(filters, offset)
            self.report.queries += 1
            found.extend(page.invoices)
            hwm, truncated = page.hwm, page.is_truncated
            if not page.has_more:
                break
            offset += 1
        known = known_numbers(
            self.store.db.connection(), [m.ksef_number for m in found], profile_id=self.profile.id
        )
        unknown = [m for m in found if m.ksef_number not in known]
        if self.method == AUTO and len(unknown) > self.download_limit:
            return self.export_window(subject, start, end)
        for index, meta in enumerate(unknown):
            self.job.check()
            self._gate("invoiceDownload")
            document = client.download_invoice(meta.ksef_number)
            self.report.downloads += 1
            self._keep([(meta, document.content)], subject)
            self.job.progress(index + 1, len(unknown), _("Downloading purchase invoices…"))
        if truncated and found:
            return found[-1].permanent_storage_date, True
        return _next_start(start, end, hwm, found), False

    # --- every window ------------------------------------------------------------------

    def run(self, subject: str, since: datetime) -> None:
        conn = self.store.db.connection()
        mark = sync_start(conn, subject, profile_id=self.profile.id)
        start = _utc(mark if mark is not None else since)
        first = mark is None
        while True:
            self.job.check()
            horizon = self.now() - timedelta(days=1)
            end = start + WINDOW if start + WINDOW < horizon else None
            if self.method == EXPORT or (first and self.method == AUTO):
                following, more = self.export_window(subject, start, end)
            else:
                following, more = self.query_window(subject, start, end)
            self.report.windows += 1
            following = _utc(following)
            with self.store.db.transaction() as tx:
                set_sync_start(tx, subject, following, profile_id=self.profile.id, now=self.now())
            if not more and end is None:
                return
            if following <= start and not more:
                return  # KSeF's mark did not move: nothing later is final yet
            start = following


def _next_start(
    start: datetime,
    end: datetime | None,
    hwm: datetime | None,
    found: Sequence[ReceivedMetadata],
) -> datetime:
    """Where the window after a complete one starts: KSeF's mark, never past the window's
    own end (for an old window KSeF's mark equals it; a Sandbox may say "now")."""
    if hwm is None:  # KSeF always gives it for PermanentStorage queries; be safe anyway
        hwm = max((m.permanent_storage_date for m in found), default=start)
    following = min(hwm, end) if end is not None else hwm
    return max(following, start)


def sync_purchases(
    store: Store,
    client: Any,
    profile: Profile,
    *,
    now: Callable[[], datetime],
    job: Job | None = None,
    method: str = AUTO,
    since: datetime | None = None,
    subjects: Sequence[str] = SUBJECTS,
    download_limit: int = DOWNLOAD_LIMIT,
    sleep: Callable[[float], None] = time.sleep,
) -> SyncReport:
    """Download what KSeF holds for ``profile`` as buyer (Podmiot2) and as a third subject
    (Podmiot3: an additional buyer, the recipient, the payer...) since the last sync, each
    by its own high-water mark; returns what was kept. ``method``: auto, export or query.

    Both by default, for the window's button, its half-hourly download and the command
    line alike: an invoice naming the trader in Podmiot3 is one they may have to pay or
    book, and nobody can be expected to know to ask for it by that name."""
    if method not in (AUTO, EXPORT, QUERY):
        raise ValueError(method)
    sync = _Sync(store, client, profile, now, job or Quiet(), method, download_limit, sleep)
    for subject in subjects:
        sync.run(subject, since or DEFAULT_SINCE)
    return sync.report
