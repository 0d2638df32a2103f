"""The PDF of an issued invoice, in the buyer's language, and made again once KSeF
accepts the invoice.

- The language follows the buyer (``invoice_actions.pdf_language``): a foreign buyer
  or currency gets the bilingual invoice whatever language the program speaks; "Save
  PDF…" in the list and the editor's PDF use the same rule as the PDF made at issue.
- An offline invoice not yet in KSeF carries KOD II: ``signing`` gives its certificate.
- After KSeF accepts an invoice (``remake_accepted``, called by the sender when the
  verdict has been recorded), its PDF in the data folder is made again: KOD I is then
  labelled with the KSeF number instead of "pending" or ``OFFLINE``, and an offline
  invoice no longer needs KOD II. Only the PDF file changes; the frozen XML, its hash
  and the archive never do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ksef_desktop.services.invoice_actions import (
    invoice_pdf,
    pdf_language,
    write_pdf,
)
from ksef_desktop.store import Store
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.states import InvoiceState

if TYPE_CHECKING:
    from ksef_desktop.visual.certificates import OfflineSigning

log = logging.getLogger(__name__)

Signing = Callable[[], "OfflineSigning | None"]


def pdf_bytes(
    store: Store,
    invoice_id: int,
    *,
    profile_id: int,
    qr_base: str,
    ui_lang: str,
    now: datetime,
    signing: Signing | None = None,
) -> bytes:
    """The invoice's PDF as it should be now, in the buyer's language."""
    stored = get_invoice(store.db.connection(), invoice_id, profile_id=profile_id)
    offline = None
    if stored.mode is not None and stored.ksef_number is None and signing is not None:
        offline = signing()
    return invoice_pdf(
        store,
        invoice_id,
        profile_id=profile_id,
        qr_base=qr_base,
        lang=pdf_language(stored.invoice, ui_lang),
        offline=offline,
        now=now,
    )


def make_pdf(
    store: Store,
    invoice_id: int,
    *,
    profile_id: int,
    qr_base: str,
    ui_lang: str,
    now: datetime,
    signing: Signing | None = None,
) -> Path:
    """Make (again) and keep the invoice's PDF in the data folder; its path."""
    pdf = pdf_bytes(
        store,
        invoice_id,
        profile_id=profile_id,
        qr_base=qr_base,
        ui_lang=ui_lang,
        now=now,
        signing=signing,
    )
    stored = get_invoice(store.db.connection(), invoice_id, profile_id=profile_id)
    return write_pdf(store, stored, pdf)


def remake_accepted(
    store: Store,
    invoice_ids: Iterable[int],
    *,
    profile_id: int,
    qr_base: str,
    ui_lang: str,
    now: datetime,
) -> list[Path]:
    """The PDFs of the invoices KSeF has just accepted, made again with their KSeF number.

    A PDF that cannot be made is logged and skipped: the invoice is accepted whatever
    happens to its picture, and "Save PDF…" makes it again on demand.
    """
    made = []
    conn = store.db.connection()
    for invoice_id in invoice_ids:
        if get_invoice(conn, invoice_id, profile_id=profile_id).state is not InvoiceState.ACCEPTED:
            continue
        try:
            made.append(
                make_pdf(
                    store,
                    invoice_id,
                    profile_id=profile_id,
                    qr_base=qr_base,
                    ui_lang=ui_lang,
                    now=now,
                )
            )
        except (ValueError, OSError) as exc:
            log.warning("the PDF of accepted invoice %s was not made again: %s", invoice_id, exc)
    return made
