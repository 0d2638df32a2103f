"""Issuing an invoice: one SQLite transaction from draft to queued (DESIGN.md §3).

In that one transaction: the number is taken from the series, the FA(3) XML is built
and frozen with its SHA-256, the offline mode and deadline are stored, the XML is
archived, the outbox row is written and every state change is logged. Anything failing
rolls all of it back (the number included), so a crash at any point leaves the draft a
draft or the invoice fully issued and queued, never half of it.

The mode and the deadline are the caller's: ``ksef_desktop.domain.offline`` computes
the deadline (``invoice_deadline(mode, issued, announcements, issued_at=now).due``;
``None`` while it waits for an event's end or when there is no obligation); this service
only checks that they are well-formed. A later announcement may move the deadline: ``set_deadline``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime

from ksef_desktop.domain.invoice import Invoice, PolishNip
from ksef_desktop.domain.offline import OfflineMode
from ksef_desktop.fa3.build import build
from ksef_desktop.i18n import _
from ksef_desktop.services.changes import ISSUED, Changed
from ksef_desktop.store.archive import Archive, FileKind
from ksef_desktop.store.db import Database, StoreError
from ksef_desktop.store.invoices import (
    NotADraft,
    StoredInvoice,
    create_draft,
    freeze_document,
    get_invoice,
    set_deadline,
    sha256_pair,
    summary_columns,
)
from ksef_desktop.store.numbering import next_number
from ksef_desktop.store.outbox import enqueue
from ksef_desktop.store.profiles import get_profile
from ksef_desktop.store.states import IllegalTransition, InvoiceState, transition
from ksef_desktop.store.timefmt import opt_to_db, to_db

#: The spellings of ``domain.offline.OfflineMode`` (also the CHECK constraint of
#: invoices.mode, tested to agree); ``None`` means the invoice is sent online.
OFFLINE_MODES = tuple(mode.value for mode in OfflineMode)

#: What a pre-flight check returns: its defects (empty when the XML may be issued).
Check = Callable[[bytes], Sequence[object]]


class IssueError(StoreError):
    """The draft cannot be issued as it is; nothing was changed."""

    def __init__(self, text: str, defects: Sequence[object] = ()) -> None:
        super().__init__(text)
        self.text = text
        self.defects = tuple(defects)

    def message(self) -> str:
        return self.text


def fa3_check(today: date) -> Check:
    """The FA(3) validation (XSD + KSeF's pre-flight checks) as of ``today`` as a ``check``."""
    from ksef_desktop.fa3.validate import validate

    def check(xml: bytes) -> Sequence[object]:
        return validate(xml, today=today)

    return check


def _check_mode(mode: OfflineMode | str | None, deadline: datetime | None) -> None:
    if mode is not None and mode not in OFFLINE_MODES:
        raise IssueError(_("Unknown offline mode “{mode}”.").format(mode=mode))
    if deadline is not None and (deadline.tzinfo is None or deadline.utcoffset() is None):
        raise IssueError(_("The deadline must carry a time zone."))
    if mode is None and deadline is not None:
        raise IssueError(_("An invoice sent online has no offline deadline."))
    if mode == OfflineMode.AWARIA_CALKOWITA and deadline is not None:
        raise IssueError(_("An invoice issued during a total failure has no deadline."))


def _check_seller(conn: sqlite3.Connection, stored: StoredInvoice, profile_id: int) -> None:
    """A profile issues for its own NIP only: a draft naming another seller is refused."""
    nip = get_profile(conn, profile_id).nip
    seller = stored.invoice.seller.tax_id
    if not isinstance(seller, PolishNip) or seller.nip != nip:
        reason = _(
            "its seller is not NIP {nip}, whose profile is open; an invoice is issued in "
            "the profile of its own seller."
        ).format(nip=nip)
        raise IssueError(_("The invoice cannot be issued: {reason}").format(reason=reason))


def overdue_warning(due: datetime | None, now: datetime) -> str:
    """What to confirm before issuing an invoice whose deadline to reach KSeF has passed
    already (an offline24 invoice dated weeks back): "" when there is time left."""
    if due is None or due > now:
        return ""
    from ksef_desktop.domain.calendar import WARSAW

    moment = due.astimezone(WARSAW).strftime("%d.%m.%Y %H:%M")
    return _(
        "This invoice had to reach KSeF by {moment}: issued now, it is overdue at once, and "
        "sending it late may be penalised. Check its issue date. Issue it anyway?"
    ).format(moment=moment)


def issue_invoice(
    db: Database,
    archive: Archive,
    draft_id: int,
    *,
    profile_id: int,
    now: Callable[[], datetime],
    series_id: int | None,
    mode: OfflineMode | str | None,
    deadline: datetime | None,
    send: bool = True,
    not_before: datetime | None = None,
    check: Check | None = None,
) -> StoredInvoice:
    """Issue draft ``draft_id``; with ``send`` (the default) also queue it for KSeF, to be
    handed out not before ``not_before`` (the editor's undo window): queued in the same
    transaction, so that a crash in that window never leaves it unsent.

    ``series_id`` names the numbering series; a technical correction keeps the number of
    the invoice it corrects and takes none. ``check`` (e.g. FA(3) validation) runs on the
    built XML inside the transaction: any defect aborts the issue with ``IssueError``.
    """
    _check_mode(mode, deadline)
    mode = None if mode is None else str(OfflineMode(mode))
    moment = now()
    with db.transaction() as conn:
        stored = get_invoice(conn, draft_id, profile_id=profile_id)  # UnknownInvoice if not ours
        if stored.state is not InvoiceState.DRAFT:
            raise NotADraft(draft_id, stored.state)
        _check_seller(conn, stored, profile_id)
        corrects_id = stored.corrects_id
        numbering: dict[str, object] = {}
        if corrects_id is not None:
            original = get_invoice(conn, corrects_id, profile_id=profile_id)
            if original.state is not InvoiceState.REJECTED or original.number is None:
                raise IllegalTransition(
                    corrects_id, original.state, InvoiceState.REJECTED, original.number
                )
            number = original.number
        else:
            if series_id is None:
                raise IssueError(_("Choose a numbering series to issue the invoice."))
            assigned = next_number(
                conn, series_id, stored.invoice.issue_date, profile_id=profile_id
            )
            number = assigned.number
            numbering = {"series_id": series_id, "period": assigned.period, "seq": assigned.seq}
        invoice = replace(stored.invoice, number=number, created_at=moment)
        try:
            xml = build(invoice)
        except ValueError as exc:
            raise IssueError(
                _("The invoice cannot be issued: {reason}").format(reason=exc), [str(exc)]
            ) from exc
        if check is not None:
            defects = list(check(xml))
            if defects:
                raise IssueError(_("The invoice has errors and was not issued."), defects)
        b64, hexd = sha256_pair(xml)
        relpath = archive.invoice_relpath(invoice.issue_date, hexd)
        archive.put(conn, FileKind.INVOICE, relpath, xml, now=moment)
        columns: dict[str, object] = summary_columns(invoice)
        columns.update(numbering)
        columns.update(
            number=number,
            sha256_b64=b64,
            sha256_hex=hexd,
            mode=mode,
            deadline=opt_to_db(deadline),
            issued_at=to_db(moment),
        )
        detail = f"{number}; mode {mode or 'online'}"
        if deadline is not None:
            detail += f"; deadline {deadline.isoformat()}"
        freeze_document(conn, draft_id, invoice, xml, profile_id=profile_id)
        transition(
            conn,
            draft_id,
            InvoiceState.ISSUED,
            profile_id=profile_id,
            at=moment,
            detail=detail,
            columns=columns,
        )
        if send:
            enqueue(conn, draft_id, profile_id=profile_id, at=moment, not_before=not_before)
    return get_invoice(db.connection(), draft_id, profile_id=profile_id)


def update_deadline(
    db: Database,
    invoice_id: int,
    deadline: datetime | None,
    *,
    profile_id: int,
    reason: str,
    now: Callable[[], datetime],
) -> None:
    """Store a new deadline (e.g. ``invoice_deadline`` after a failure announcement)."""
    if deadline is not None and (deadline.tzinfo is None or deadline.utcoffset() is None):
        raise IssueError(_("The deadline must carry a time zone."))
    with db.transaction() as conn:
        set_deadline(conn, invoice_id, deadline, profile_id=profile_id, at=now(), reason=reason)


def queue_for_sending(
    db: Database, invoice_id: int, *, profile_id: int, now: Callable[[], datetime]
) -> Changed:
    """issued → queued for an invoice issued with ``send=False``."""
    with db.transaction() as conn:
        enqueue(conn, invoice_id, profile_id=profile_id, at=now())
    return ISSUED


def withdraw_from_queue(
    db: Database,
    archive: Archive,
    invoice_id: int,
    *,
    profile_id: int,
    now: Callable[[], datetime],
) -> Changed:
    """Undo the send of an invoice still in its undo window (``TooLateToUndo`` after)."""
    from ksef_desktop.store.outbox import Outbox

    Outbox(db, archive, now, profile_id=profile_id).withdraw(invoice_id)
    return Changed.INVOICES | Changed.OUTBOX


def send_when_due(
    db: Database,
    archive: Archive,
    invoice_id: int,
    *,
    profile_id: int,
    now: Callable[[], datetime],
) -> Changed:
    """The undo window is over (or skipped): the queued invoice is due at once."""
    from ksef_desktop.store.outbox import Outbox

    Outbox(db, archive, now, profile_id=profile_id).retry_now([invoice_id])
    return Changed.QUEUED | Changed.OUTBOX


def requeue_stranded(db: Database, archive: Archive, *, now: Callable[[], datetime]) -> int:
    """At start: queue every issued invoice that is not queued, in every profile (one
    issued just before a crash, in its undo window, would otherwise never be sent)."""
    from ksef_desktop.store.outbox import Outbox
    from ksef_desktop.store.profiles import list_profiles

    count = 0
    for profile in list_profiles(db.connection()):
        count += len(Outbox(db, archive, now, profile_id=profile.id).requeue_stranded())
    return count


def _correctable(conn: sqlite3.Connection, rejected_id: int, profile_id: int) -> StoredInvoice:
    """Rejected invoice ``rejected_id``, if it may get a technical correction now.

    KSeF accepts one technical correction per original (``hashOfCorrectedInvoice`` is the
    rejected file's hash; the outbox item carries it). A correction that is itself still
    on its way or accepted blocks another.
    """
    original = get_invoice(conn, rejected_id, profile_id=profile_id)
    if original.state is not InvoiceState.REJECTED:
        raise IssueError(
            _(
                "Only an invoice KSeF rejected gets a technical correction; {number} is “{state}”."
            ).format(number=original.number or _("a draft"), state=original.state.label)
        )
    busy = conn.execute(
        "SELECT number FROM invoices WHERE corrects_id = ? AND state <> 'rejected' "
        "AND profile_id = ?",
        (rejected_id, profile_id),
    ).fetchone()
    if busy is not None:
        raise IssueError(
            _("Invoice {number} already has a technical correction ({other}).").format(
                number=original.number, other=busy[0] or _("a draft")
            )
        )
    return original


def technical_correction_content(db: Database, rejected_id: int, *, profile_id: int) -> Invoice:
    """What a technical correction of rejected invoice ``rejected_id`` starts from (its
    content and number), for the editor to open unsaved."""
    return _correctable(db.connection(), rejected_id, profile_id).invoice


def save_technical_correction(
    db: Database,
    rejected_id: int,
    invoice: Invoice,
    *,
    profile_id: int,
    now: Callable[[], datetime],
) -> int:
    """The draft of a technical correction of ``rejected_id`` with content ``invoice``."""
    moment = now()
    with db.transaction() as conn:
        _correctable(conn, rejected_id, profile_id)
        return create_draft(
            conn, invoice, profile_id=profile_id, now=moment, corrects_id=rejected_id
        )


def start_technical_correction(
    db: Database, rejected_id: int, *, profile_id: int, now: Callable[[], datetime]
) -> int:
    """A new draft linked to rejected invoice ``rejected_id``, with its content and number."""
    moment = now()
    with db.transaction() as conn:
        original = _correctable(conn, rejected_id, profile_id)
        return create_draft(
            conn, original.invoice, profile_id=profile_id, now=moment, corrects_id=rejected_id
        )
