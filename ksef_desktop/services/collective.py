"""One bank transfer for many invoices: the collective identifier ("identyfikator
zbiorczy") for invoices the user picked in the list, and transfer titles.

``selection_problems`` says, from the store alone, why the picked invoices cannot share
an identifier; ``create_collective`` checks the same first and only then asks KSeF, and
keeps what KSeF gave in the store in one transaction. Runs in the worker.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ksef_desktop.domain.collective import (
    CollectiveCandidate,
    collective_problems,
    invoice_transfer_title,
)
from ksef_desktop.errors import UserError
from ksef_desktop.i18n import N_, _
from ksef_desktop.store.collective import StoredCollective, get_collective, save_collective
from ksef_desktop.store.db import Database
from ksef_desktop.store.invoices import from_minor
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.states import InvoiceState

OTHER_SELLER = N_(
    "Invoice {label} was issued by NIP {seller}; KSeF is used here as NIP {nip}, which may "
    "make collective identifiers for its own invoices only."
)
UNKNOWN_INVOICE = N_("Invoice #{id} is no longer in the store.")
NO_NUMBER = N_("A draft has no number yet; issue it first.")


class CollectiveRefused(UserError):
    """The picked invoices cannot share an identifier; nothing was sent to KSeF."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("collective identifier refused before sending")
        self.problems = tuple(problems)

    def message(self) -> str:
        return "\n".join(self.problems)


@dataclass(frozen=True)
class Picked:
    """A picked invoice as the store has it."""

    id: int
    label: str
    seller_nip: str
    ksef_number: str | None
    gross: Decimal
    currency: str


def picked_invoices(
    conn: sqlite3.Connection, invoice_ids: Sequence[int], *, profile_id: int
) -> list[Picked]:
    """The profile's invoices ``invoice_ids`` in the order given (unknown ids left out)."""
    found: dict[int, Picked] = {}
    for row in conn.execute(
        "SELECT id, number, seller_nip, state, ksef_number, gross_minor, currency "
        "FROM invoices WHERE profile_id = ? AND id IN (SELECT value FROM json_each(?))",
        (profile_id, json.dumps(list(invoice_ids))),
    ):
        accepted = row[3] == InvoiceState.ACCEPTED.value
        found[row[0]] = Picked(
            id=row[0],
            label=row[1] or f"#{row[0]}",
            seller_nip=row[2] or "",
            ksef_number=row[4] if accepted else None,
            gross=from_minor(int(row[5])),
            currency=row[6],
        )
    return [found[i] for i in invoice_ids if i in found]


def selection_problems(
    conn: sqlite3.Connection, invoice_ids: Sequence[int], profile: Profile
) -> list[str]:
    """Why these invoices cannot share one identifier in ``profile`` (translated); empty
    when they can."""
    nip = profile.nip
    picked = picked_invoices(conn, invoice_ids, profile_id=profile.id)
    known = {p.id for p in picked}
    problems = [_(UNKNOWN_INVOICE).format(id=i) for i in invoice_ids if i not in known]
    if picked or not problems:
        candidates = [CollectiveCandidate(p.label, p.seller_nip, p.ksef_number) for p in picked]
        problems += [_(msgid).format(**args) for msgid, args in collective_problems(candidates)]
    sellers = {p.seller_nip for p in picked}
    if len(sellers) == 1 and nip and sellers != {nip}:
        first = picked[0]
        problems.append(_(OTHER_SELLER).format(label=first.label, seller=first.seller_nip, nip=nip))
    return problems


def _payments(picked: Sequence[Picked]) -> list[Any]:
    """KSeF numbers with the amount to pay of each invoice (its gross, when positive)."""
    from ksef_desktop.ksef.collective import (
        CollectiveIdentifierInvoice,
        CollectiveIdentifierInvoicePayment,
    )

    items = []
    for p in picked:
        assert p.ksef_number is not None
        payment = CollectiveIdentifierInvoicePayment(p.gross, p.currency) if p.gross > 0 else None
        items.append(CollectiveIdentifierInvoice(p.ksef_number, payment))
    return items


def create_collective(
    db: Database,
    client: Callable[[], Any],
    invoice_ids: Sequence[int],
    *,
    profile: Profile,
    now: Callable[[], datetime],
) -> StoredCollective:
    """Ask KSeF for an identifier covering ``invoice_ids`` and keep it.

    ``client`` makes (or returns) the ``KsefClient``; it is not called when the store
    already shows why the invoices cannot go together (``CollectiveRefused``).
    """
    from ksef_desktop.ksef.collective import generate_collective_identifier

    conn = db.connection()
    problems = selection_problems(conn, invoice_ids, profile)
    if problems:
        raise CollectiveRefused(problems)
    picked = picked_invoices(conn, invoice_ids, profile_id=profile.id)
    number = generate_collective_identifier(client().transport, _payments(picked))
    numbers = [p.ksef_number for p in picked if p.ksef_number]
    with db.transaction() as tx:
        save_collective(
            tx,
            number,
            numbers,
            profile_id=profile.id,
            environment=profile.environment.value,
            now=now(),
        )
    stored = get_collective(conn, number, profile_id=profile.id)
    assert stored is not None
    return stored


def invoice_title(conn: sqlite3.Connection, invoice_id: int, *, profile_id: int) -> str:
    """The transfer title paying one invoice: its KSeF number once accepted (the invoice
    number follows as far as it fits), else its number alone."""
    picked = picked_invoices(conn, [invoice_id], profile_id=profile_id)
    if not picked:
        raise CollectiveRefused([_(UNKNOWN_INVOICE).format(id=invoice_id)])
    row = conn.execute(
        "SELECT number FROM invoices WHERE id = ? AND profile_id = ?", (invoice_id, profile_id)
    ).fetchone()
    if row[0] is None:
        raise CollectiveRefused([_(NO_NUMBER)])
    return invoice_transfer_title(row[0], picked[0].ksef_number)
