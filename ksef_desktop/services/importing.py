"""FA(3) files made by another program, taken in as issued invoices of a profile.

A trader whose invoices come from another program uses this one as a safe KSeF gateway:
each file is checked as the editor checks its own (FA(3) schema and KSeF's pre-flight
checks, the seller is the profile's NIP, the number not already taken in the profile),
then issued in one transaction exactly as the editor issues — except that the bytes are
the file's own, never rebuilt: the other program may already have printed KOD I, the
hash of those very bytes — and queued for KSeF with the deadline of its offline mode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.domain.invoice import PolishNip
from ksef_desktop.domain.offline import DeadlineState, OfflineMode, invoice_deadline
from ksef_desktop.i18n import _
from ksef_desktop.store import Store
from ksef_desktop.store.archive import FileKind
from ksef_desktop.store.invoices import (
    StoredInvoice,
    create_draft,
    find_by_hash,
    freeze_document,
    get_invoice,
    sha256_pair,
    summary_columns,
)
from ksef_desktop.store.outbox import enqueue
from ksef_desktop.store.profiles import get_profile
from ksef_desktop.store.states import InvoiceState, transition
from ksef_desktop.store.timefmt import opt_to_db, to_db

#: Codes of the refusals made here (beside those of ``fa3.validate``'s defects).
NOT_FA3 = "not-fa3"
OTHER_SELLER = "other-seller"
NUMBER_TAKEN = "number-taken"


@dataclass(frozen=True)
class Refused:
    """The file was not taken in; nothing was written."""

    code: str
    message: str


@dataclass(frozen=True)
class Imported:
    invoice: StoredInvoice
    #: True when these very bytes were already in the profile (nothing new was written).
    known: bool = False


def import_invoice(
    store: Store,
    xml: bytes,
    *,
    profile_id: int,
    mode: OfflineMode | None,
    now: Callable[[], datetime],
) -> Imported | Refused:
    """Take ``xml`` in as an issued invoice of profile ``profile_id``, queued for KSeF.

    ``mode`` is the offline mode it was issued in (None: online); its deadline follows
    from the issue date as for an invoice issued in the editor. The same bytes taken in
    twice are one invoice.
    """
    from ksef_desktop.fa3.parse import Fa3ParseError, parse
    from ksef_desktop.fa3.validate import validate

    moment = now()
    defects = validate(xml, today=warsaw_date(moment))
    if defects:
        first = defects[0]
        return Refused(str(first.code), first.text())
    try:
        invoice = parse(xml)
    except (Fa3ParseError, ValueError) as exc:
        return Refused(NOT_FA3, _("The file is not an invoice this program can read: {reason}")
                       .format(reason=exc))  # fmt: skip
    b64, hexd = sha256_pair(xml)
    conn = store.db.connection()
    known = find_by_hash(conn, b64, profile_id=profile_id)
    if known is not None:
        return Imported(known, known=True)
    profile = get_profile(conn, profile_id)
    seller = invoice.seller.tax_id
    if not isinstance(seller, PolishNip) or seller.nip != profile.nip:
        return Refused(
            OTHER_SELLER,
            _("The seller of this invoice is not NIP {nip}, whose profile this is.").format(
                nip=profile.nip
            ),
        )
    deadline = None
    if mode is not None:
        due = invoice_deadline(mode, invoice.issue_date, [], issued_at=moment)
        deadline = due.due if due.state is DeadlineState.DUE else None
    with store.db.transaction() as tx:
        taken = tx.execute(
            "SELECT id FROM invoices WHERE profile_id = ? AND number = ? AND kind = ? "
            "AND state <> 'draft'",
            (profile_id, invoice.number, invoice.kind.value),
        ).fetchone()
        if taken is not None:
            return Refused(
                NUMBER_TAKEN,
                _(
                    "Invoice number {number} is already issued in this profile; KSeF would "
                    "refuse a second invoice under the same number."
                ).format(number=invoice.number),
            )
        draft_id = create_draft(tx, invoice, profile_id=profile_id, now=moment)
        relpath = store.archive.invoice_relpath(invoice.issue_date, hexd)
        store.archive.put(tx, FileKind.INVOICE, relpath, xml, now=moment)
        columns: dict[str, object] = summary_columns(invoice)
        columns.update(
            number=invoice.number,
            sha256_b64=b64,
            sha256_hex=hexd,
            mode=None if mode is None else mode.value,
            deadline=opt_to_db(deadline),
            issued_at=to_db(moment),
        )
        freeze_document(tx, draft_id, invoice, xml, profile_id=profile_id)
        transition(
            tx,
            draft_id,
            InvoiceState.ISSUED,
            profile_id=profile_id,
            at=moment,
            detail=f"{invoice.number}; imported; mode {mode or 'online'}",
            columns=columns,
        )
        enqueue(tx, draft_id, profile_id=profile_id, at=moment)
    return Imported(get_invoice(conn, draft_id, profile_id=profile_id))
