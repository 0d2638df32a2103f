"""What the invoice editor does in the worker: load, save, issue, and follow its invoice.

The editor window (``ui/editor.py``) only shows and asks; each of these runs in the
worker thread and returns plain data.

- ``load_editor``: the profile's series (a default one made on first use), the
  company's contractors and the draft (or nothing, for unsaved content: a duplicate,
  a correction or a technical correction is opened *unsaved*, and becomes a draft only
  when the user saves or issues it, so that no stray draft is left behind).
- ``save_draft``: a new draft or the draft's new content (with the rejected invoice it
  technically corrects, when it does: checked again then).
- ``issue_draft``: save, issue and queue, render and write the PDF. An offline
  invoice must carry KOD II: without a valid offline certificate it is *not* issued.
- ``editor_status``: where an issued invoice stands (its KSeF number, the moment KSeF
  accepted it, its UPO and PDF), for an editor showing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.domain.invoice import Address, Party, PolishNip
from ksef_desktop.domain.offline import Deadline, DeadlineState, OfflineMode
from ksef_desktop.i18n import _
from ksef_desktop.services.changes import Changed
from ksef_desktop.store import Store
from ksef_desktop.store.contractors import Contractor, search_contractors
from ksef_desktop.store.invoices import StoredInvoice, create_draft, get_invoice, update_draft
from ksef_desktop.store.numbering import Series, create_series, list_series
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.states import InvoiceState

if TYPE_CHECKING:  # cryptography: imported when a certificate is used
    from ksef_desktop.visual.certificates import OfflineSigning

DEFAULT_SERIES = ("FV", "FV/{yyyy}/{mm}/{n}")


def seller_of(profile: Profile) -> Party:
    """The seller of the profile's invoices: its NIP and company data."""
    return seller_from_settings(profile.nip, profile.company_name, profile.company_address)


def seller_from_settings(nip: str, name: str, address: str) -> Party:
    """The seller as the profile holds it ("street, postcode city" → two address lines)."""
    line1, _sep, line2 = address.partition(",")
    return Party(
        PolishNip(nip), name, Address("PL", line1.strip(), line2.strip() or None) if line1 else None
    )


@dataclass(frozen=True)
class Loaded:
    series: list[Series]
    contractors: list[Contractor]
    draft: StoredInvoice | None


@dataclass(frozen=True)
class Issued:
    invoice: StoredInvoice
    pdf: Path | None
    pdf_problem: str = ""

    #: Issued and in the outbox, handed out only when the undo window ends
    #: (``issue.send_when_due`` then reports it ``QUEUED``).
    changed: Changed = Changed.INVOICES | Changed.OUTBOX


def load_editor(store: Store, profile: Profile, draft_id: int | None, now: datetime) -> Loaded:
    conn = store.db.connection()
    series = list_series(conn, profile_id=profile.id)
    if not series:
        with store.db.transaction() as tx:
            create_series(tx, *DEFAULT_SERIES, profile_id=profile.id, now=now)
        series = list_series(conn, profile_id=profile.id)
    draft = get_invoice(conn, draft_id, profile_id=profile.id) if draft_id is not None else None
    contractors = search_contractors(conn, "", limit=1000, company_nip=profile.nip)
    return Loaded(series, contractors, draft)


def save_draft(
    store: Store,
    profile: Profile,
    draft_id: int | None,
    invoice: Any,
    now: datetime,
    *,
    corrects_id: int | None = None,
) -> int:
    """``draft_id``'s new content, or a new draft (of a technical correction of rejected
    invoice ``corrects_id``, checked again now: another may have been made meanwhile)."""
    if draft_id is None and corrects_id is not None:
        from ksef_desktop.services.issue import save_technical_correction

        return save_technical_correction(
            store.db, corrects_id, invoice, profile_id=profile.id, now=lambda: now
        )
    with store.db.transaction() as conn:
        if draft_id is None:
            return create_draft(conn, invoice, profile_id=profile.id, now=now)
        update_draft(conn, draft_id, invoice, profile_id=profile.id, now=now)
        return draft_id


def needs_kod2(mode: OfflineMode | str | None) -> bool:
    """Whether an invoice issued in ``mode`` carries KOD II: every offline mode except a
    total failure, whose invoices carry no QR code at all (KSEF-PROTOCOL.md §6)."""
    return mode is not None and OfflineMode(mode) is not OfflineMode.AWARIA_CALKOWITA


def offline_signing_or_refuse(
    signing: Callable[[], OfflineSigning | None] | None,
) -> OfflineSigning:
    """The certificate and key that sign KOD II, or ``IssueError`` saying how to get one.

    The law's offline invoice is one the buyer can verify without KSeF: it carries KOD II,
    signed with the seller's KSeF offline certificate (the Ministry's "Kody weryfikujące
    QR"). Issuing one without it would hand out an invoice missing a required code, so
    the program refuses, before any number is taken.
    """
    from ksef_desktop.services.issue import IssueError

    how = _(
        "Import your KSeF offline certificate in Settings (Offline certificate: a .crt "
        "with its private key, or a .p12), or issue the invoice when KSeF is available."
    )
    try:
        offline = signing() if signing is not None else None
    except ValueError as exc:  # an expired, foreign or unreadable certificate
        raise IssueError(
            _("An offline invoice needs KOD II, and the offline certificate cannot sign it: "
              "{reason} {how}").format(reason=exc, how=how)
        ) from exc  # fmt: skip
    if offline is None:
        raise IssueError(
            _("An offline invoice must carry KOD II, signed with a KSeF offline certificate, "
              "and none is imported. {how}").format(how=how)
        )  # fmt: skip
    return offline


def issue_draft(
    store: Store,
    profile: Profile,
    draft_id: int | None,
    invoice: Any,
    *,
    series_id: int | None,
    terms: tuple[OfflineMode | None, Deadline | None],
    now: Callable[[], datetime],
    qr_base: str,
    lang: str,
    signing: Callable[[], OfflineSigning | None] | None = None,
    undo_seconds: int = 0,
    corrects_id: int | None = None,
) -> Issued:
    """Save, issue and queue (handed out only after ``undo_seconds``, the undo window),
    render and write the PDF."""
    from ksef_desktop.services.invoice_actions import invoice_pdf, write_pdf
    from ksef_desktop.services.issue import fa3_check, issue_invoice

    mode, deadline = terms
    offline = offline_signing_or_refuse(signing) if needs_kod2(mode) else None
    moment = now()
    draft_id = save_draft(store, profile, draft_id, invoice, moment, corrects_id=corrects_id)
    due = deadline.due if deadline is not None and deadline.state is DeadlineState.DUE else None
    issued = issue_invoice(
        store.db,
        store.archive,
        draft_id,
        profile_id=profile.id,
        now=now,
        series_id=series_id,
        mode=mode,
        deadline=due,
        send=True,
        not_before=moment + timedelta(seconds=undo_seconds),
        check=fa3_check(warsaw_date(moment)),
    )
    try:
        pdf = invoice_pdf(
            store,
            issued.id,
            profile_id=profile.id,
            qr_base=qr_base,
            lang=lang,
            offline=offline,
            now=moment,
        )
    except ValueError as exc:  # the invoice stands; the PDF can be made from the list
        return Issued(issued, None, str(exc))
    return Issued(issued, write_pdf(store, issued, pdf))


@dataclass(frozen=True)
class EditorStatus:
    """Where an issued invoice stands, for the editor that shows it."""

    state: InvoiceState
    number: str | None
    ksef_number: str | None
    accepted_at: datetime | None
    has_upo: bool
    pdf: Path | None  # the PDF kept in the data folder, when there is one


def editor_status(store: Store, invoice_id: int, *, profile_id: int) -> EditorStatus:
    from ksef_desktop.services.invoice_actions import pdf_path
    from ksef_desktop.store.sessions import upos

    conn = store.db.connection()
    stored = get_invoice(conn, invoice_id, profile_id=profile_id)
    path = pdf_path(store, stored) if stored.number is not None else None
    return EditorStatus(
        state=stored.state,
        number=stored.number,
        ksef_number=stored.ksef_number,
        accepted_at=stored.accepted_at,
        has_upo=bool(upos(conn, profile_id=profile_id, invoice_id=invoice_id)),
        pdf=path if path is not None and path.is_file() else None,
    )
