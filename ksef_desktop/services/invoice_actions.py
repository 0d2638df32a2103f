"""What the invoice list does with one invoice, as plain synchronous Python.

Duplicate as a new draft, start a correction (KOR) of an issued invoice, read its frozen
XML, its UPO, and render its PDF. The UI runs each of these in the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.domain.invoice import (
    CorrectedInvoice,
    Correction,
    Invoice,
    InvoiceKind,
    PolishNip,
)
from ksef_desktop.domain.offline import OfflineMode
from ksef_desktop.i18n import _
from ksef_desktop.services.changes import Changed
from ksef_desktop.store import Store
from ksef_desktop.store.db import Database, StoreError
from ksef_desktop.store.invoices import StoredInvoice, create_draft, get_invoice
from ksef_desktop.store.sessions import upos
from ksef_desktop.store.states import InvoiceState

if TYPE_CHECKING:  # cryptography: imported when a certificate is used
    from ksef_desktop.visual.certificates import OfflineSigning

#: The number a draft carries until issuing takes one from the series.
DRAFT_NUMBER = "(draft)"
#: The data folder's sub-folder of the PDFs made at issue.
PDF_FOLDER = "pdf"


def pdf_language(invoice: Invoice, ui_lang: str) -> str:
    """Polish for a Polish buyer in PLN; bilingual for a foreign buyer or currency (a
    foreign buyer, who cannot read KSeF, gets the invoice in a language they read)."""
    if not isinstance(invoice.buyer.tax_id, PolishNip) or invoice.currency != "PLN":
        return "pl+en"
    return "pl" if ui_lang == "pl" else "pl+en"


def pdf_path(store: Store, stored: StoredInvoice) -> Path:
    """Where the PDF of an issued invoice is kept in the data folder."""
    name = (stored.number or str(stored.id)).replace("/", "_").replace("\\", "_")
    return store.data_dir / PDF_FOLDER / f"{name}.pdf"


def write_pdf(store: Store, stored: StoredInvoice, pdf: bytes) -> Path:
    """Keep ``pdf`` as the invoice's PDF (readable by the user only); its path."""
    from ksef_desktop.paths import write_private_file

    path = pdf_path(store, stored)
    write_private_file(path, pdf)
    return path


class ActionRefused(StoreError):
    """The action does not apply to this invoice (the message says why)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self) -> str:
        return self.text


def fresh_copy(invoice: Invoice, today: date, now: datetime) -> Invoice:
    """``invoice`` as a new draft dated ``today`` (no number, no correction data).

    A copy of an invoice paid at issue (cash, card) is paid today, not on the old day.
    """
    payment = invoice.payment
    if payment is not None and payment.paid:
        payment = replace(payment, paid_date=today)
    return replace(
        invoice,
        number=DRAFT_NUMBER,
        issue_date=today,
        sale_date=today if invoice.sale_date is not None else None,
        payment=payment,
        created_at=now,
        declared=None,
    )


def duplicate_content(
    db: Database, invoice_id: int, *, profile_id: int, now: Callable[[], datetime]
) -> Invoice:
    """The content of invoice ``invoice_id`` as a new invoice dated today (not saved: the
    editor opens it, and it becomes a draft only when saved or issued)."""
    moment = now()
    original = get_invoice(db.connection(), invoice_id, profile_id=profile_id)
    copy = fresh_copy(original.invoice, warsaw_date(moment), moment)
    if copy.kind is InvoiceKind.KOR:
        copy = replace(
            copy,
            correction=None,
            kind=InvoiceKind.VAT,
            lines=tuple(line for line in copy.lines if not line.before_correction),
        )
    return copy


def duplicate_as_new(
    db: Database, invoice_id: int, *, profile_id: int, now: Callable[[], datetime]
) -> int:
    """A new draft with the content of invoice ``invoice_id``, dated today."""
    copy = duplicate_content(db, invoice_id, profile_id=profile_id, now=now)
    with db.transaction() as conn:
        return create_draft(conn, copy, profile_id=profile_id, now=copy.created_at)


def correction_of(
    original: Invoice, ksef_number: str | None, today: date, now: datetime
) -> Invoice:
    """A KOR draft of ``original``: each line before (StanPrzed) and after, equal at first.

    The user changes the "after" lines; the totals are the differences.
    """
    lines = []
    for line in original.lines:
        if line.before_correction:
            continue  # a correction of a correction starts from the last "after" state
        lines.append(replace(line, before_correction=True))
        lines.append(replace(line, before_correction=False))
    corrected = CorrectedInvoice(original.issue_date, original.number, ksef_number)
    return replace(
        original,
        kind=InvoiceKind.KOR,
        number=DRAFT_NUMBER,
        issue_date=today,
        created_at=now,
        lines=tuple(lines),
        correction=Correction((corrected,)),
        advance_received=None,
        declared=None,
    )


#: An invoice that has been issued (its number and content are final) may be corrected.
CORRECTABLE = frozenset(
    {InvoiceState.ISSUED, InvoiceState.QUEUED, InvoiceState.SENT, InvoiceState.ACCEPTED}
)


def correction_content(
    db: Database, invoice_id: int, *, profile_id: int, now: Callable[[], datetime]
) -> Invoice:
    """A KOR of issued invoice ``invoice_id``, not saved (the editor opens it)."""
    moment = now()
    original = get_invoice(db.connection(), invoice_id, profile_id=profile_id)
    if original.state not in CORRECTABLE:
        raise ActionRefused(
            _("Only an issued invoice can be corrected; this one is “{state}”.").format(
                state=original.state.label
            )
        )
    if original.invoice.kind is InvoiceKind.ZAL:
        raise ActionRefused(_("This program does not correct advance invoices yet."))
    return correction_of(original.invoice, original.ksef_number, warsaw_date(moment), moment)


def start_correction(
    db: Database, invoice_id: int, *, profile_id: int, now: Callable[[], datetime]
) -> int:
    """A new KOR draft correcting issued invoice ``invoice_id``; its id."""
    draft = correction_content(db, invoice_id, profile_id=profile_id, now=now)
    with db.transaction() as conn:
        return create_draft(conn, draft, profile_id=profile_id, now=draft.created_at)


def invoice_xml(store: Store, invoice_id: int, *, profile_id: int) -> bytes:
    """The frozen FA(3) bytes of an issued invoice."""
    stored = get_invoice(store.db.connection(), invoice_id, profile_id=profile_id)
    if stored.xml is None:
        raise ActionRefused(_("A draft has no XML yet: it is made when the invoice is issued."))
    return stored.xml


def invoice_upo(store: Store, invoice_id: int, *, profile_id: int) -> bytes:
    """The latest UPO of an invoice, from the archive."""
    conn = store.db.connection()
    records = upos(conn, profile_id=profile_id, invoice_id=invoice_id)
    if not records:
        raise ActionRefused(
            _("There is no UPO for this invoice yet (it comes once KSeF accepts it).")
        )
    return store.archive.read(conn, records[-1].relpath)


def invoice_pdf(
    store: Store,
    invoice_id: int,
    *,
    profile_id: int,
    qr_base: str,
    lang: str = "pl",
    offline: OfflineSigning | None = None,
    now: datetime | None = None,
) -> bytes:
    """The PDF of an issued invoice (KOD I; KOD II too for an offline one given ``offline``;
    no codes for one issued during a total failure and never accepted by KSeF)."""
    from ksef_desktop.store.company import logo
    from ksef_desktop.visual.pdf import render_pdf

    stored = get_invoice(store.db.connection(), invoice_id, profile_id=profile_id)
    if stored.xml is None:
        raise ActionRefused(_("A draft has no PDF yet: it is made when the invoice is issued."))
    total_failure = stored.mode == OfflineMode.AWARIA_CALKOWITA and stored.ksef_number is None
    outside = stored.mode is not None and stored.ksef_number is None
    signing = offline if outside and not total_failure else None
    return render_pdf(
        stored.xml,
        lang=lang,
        qr_base=qr_base,
        ksef_number=stored.ksef_number,
        offline=signing,
        now=now,
        total_failure=total_failure,
        logo=logo(store.db.connection(), profile_id),
        online_pending=stored.mode is None and stored.ksef_number is None,
    )


def mark_paid(
    store: Store, invoice_id: int, day: date, *, profile_id: int, now: datetime
) -> Changed:
    """Record the rest of invoice ``invoice_id`` as paid on ``day``, in one transaction
    (``Changed.NOTHING``: nothing was left to pay)."""
    from ksef_desktop.store.payments import mark_paid as record_paid

    with store.db.transaction() as conn:
        paid = record_paid(conn, invoice_id, day, profile_id=profile_id, now=now) is not None
    return Changed.PAYMENTS | Changed.INVOICES if paid else Changed.NOTHING
