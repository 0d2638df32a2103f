"""What a pasted transfer title names, and which of the profile's invoices it pays.

``look_up_title`` finds KSeF numbers, collective identifiers and the profile's own
invoice numbers in the title (``domain.transfer_title``), asks KSeF — through
``lookup``, when given — which invoices each identifier covers (with the payment
details KSeF shows to the identifier's maker and the invoices' parties), and lists the
profile's sales invoices among them with what is left to pay. Without KSeF, an
identifier this program made is read from the store. Runs in the worker or a command.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ksef_desktop.domain.transfer_title import TitleReferences, TitleScan
from ksef_desktop.i18n import _
from ksef_desktop.store import statements as repo
from ksef_desktop.store.collective import get_collective
from ksef_desktop.store.db import Database
from ksef_desktop.store.invoices import from_minor
from ksef_desktop.store.profiles import Profile


@dataclass(frozen=True)
class CoveredItem:
    """An invoice of a collective identifier, as KSeF lists it."""

    ksef_number: str
    amount: Decimal | None = None
    currency: str | None = None
    #: KSeF hides the payment details from this context.
    hidden: bool = False


#: Collective identifiers → their invoices (KSeF's answer; may raise the client's errors).
ItemsLookup = Callable[[Sequence[str]], Mapping[str, Sequence[CoveredItem]]]


@dataclass(frozen=True)
class CollectiveFound:
    identifier: str
    items: tuple[CoveredItem, ...]
    #: Where the list came from: "ksef", "store" (made by this program), or "" (unknown).
    source: str
    problem: str = ""


@dataclass(frozen=True)
class DueInvoice:
    id: int
    number: str
    ksef_number: str | None
    buyer_name: str
    gross: Decimal
    paid: Decimal
    currency: str
    due_date: date | None

    @property
    def left(self) -> Decimal:
        return max(self.gross - self.paid, Decimal("0.00"))


@dataclass(frozen=True)
class TitleLookup:
    references: TitleReferences
    invoice_numbers: tuple[str, ...]
    collectives: tuple[CollectiveFound, ...]
    invoices: tuple[DueInvoice, ...]

    @property
    def empty(self) -> bool:
        return not (self.references.names_invoices or self.invoice_numbers or self.invoices)


def _collectives(
    db: Database,
    identifiers: Sequence[str],
    profile: Profile,
    lookup: ItemsLookup | None,
    strict: bool,
) -> list[CollectiveFound]:
    from ksef_desktop.errors import UserError
    from ksef_desktop.ksef.errors import KsefError
    from ksef_desktop.ksef.messages import describe

    answer: Mapping[str, Sequence[CoveredItem]] = {}
    problem = ""
    if identifiers and lookup is not None:
        try:
            answer = lookup(identifiers)
        except KsefError as exc:
            if strict:
                raise
            problem = describe(exc)
        except UserError as exc:  # no token, no keyring, no Sandbox yet
            if strict:
                raise
            problem = exc.message()
    out = []
    for ident in identifiers:
        if ident in answer:
            out.append(CollectiveFound(ident, tuple(answer[ident]), "ksef"))
            continue
        stored = get_collective(db.connection(), ident, profile_id=profile.id)
        if stored is not None:
            items = tuple(CoveredItem(n) for n in stored.ksef_numbers)
            out.append(CollectiveFound(ident, items, "store", problem))
        else:
            why = problem or _("KSeF was not asked (no connection to KSeF).")
            out.append(CollectiveFound(ident, (), "", why))
    return out


def _due(conn: Any, invoice_ids: Sequence[int], profile_id: int) -> list[DueInvoice]:
    import json

    rows = conn.execute(
        "SELECT id, IFNULL(number, ''), ksef_number, buyer_name, gross_minor, paid_minor, "
        "currency, due_date FROM invoices WHERE profile_id = ? "
        "AND id IN (SELECT value FROM json_each(?))",
        (profile_id, json.dumps(list(invoice_ids))),
    ).fetchall()
    found = {
        int(r[0]): DueInvoice(
            int(r[0]),
            str(r[1]),
            r[2],
            str(r[3]),
            from_minor(int(r[4])),
            from_minor(int(r[5])),
            str(r[6]),
            date.fromisoformat(r[7]) if r[7] else None,
        )
        for r in rows
    }
    return [found[i] for i in invoice_ids if i in found]


def look_up_title(
    db: Database,
    title: str,
    *,
    profile: Profile,
    lookup: ItemsLookup | None = None,
    strict: bool = False,
) -> TitleLookup:
    """What ``title`` names and the profile's invoices among it (see the module). KSeF's
    refusal or absence is noted on the identifiers it concerns, or raised if ``strict``."""
    scan = TitleScan(title)
    refs = scan.references
    conn = db.connection()
    collectives = _collectives(db, refs.collective_identifiers, profile, lookup, strict)
    named = list(refs.ksef_numbers)
    for found in collectives:
        named.extend(item.ksef_number for item in found.items)
    by_ksef = repo.invoices_by_ksef(conn, list(dict.fromkeys(named)), profile_id=profile.id)
    numbers = tuple(scan.invoice_numbers(repo.invoice_numbers(conn, profile_id=profile.id)))
    by_number = repo.invoices_by_number(conn, numbers, profile_id=profile.id)
    ids = list(
        dict.fromkeys(
            [by_ksef[n].id for n in dict.fromkeys(named) if n in by_ksef]
            + [i.id for i in by_number]
        )
    )
    return TitleLookup(refs, numbers, tuple(collectives), tuple(_due(conn, ids, profile.id)))


def ksef_items_lookup(transport: Callable[[], Any]) -> ItemsLookup:
    """``ItemsLookup`` through KSeF (``transport`` makes the client's transport on first
    use: a title without identifiers never logs in)."""

    def lookup(identifiers: Sequence[str]) -> dict[str, list[CoveredItem]]:
        from ksef_desktop.ksef.collective import invoices_of_collective_identifiers

        found = invoices_of_collective_identifiers(transport(), identifiers)
        return {
            ident: [
                CoveredItem(
                    item.ksef_number,
                    item.payment.amount if item.payment else None,
                    item.payment.currency if item.payment else None,
                    item.details_hidden,
                )
                for item in items
            ]
            for ident, items in found.items()
        }

    return lookup
