"""The company's contractors as use cases: each one transaction, run in the worker.

The window's contractor panel, the editor's "keep the buyer" button and its register
look-up call these; ``ui/`` only shows and asks (issue 21).
"""

from __future__ import annotations

from datetime import datetime

from ksef_desktop.domain.invoice import Party
from ksef_desktop.registries.vies import ViesClient
from ksef_desktop.registries.whitelist import WhiteListClient
from ksef_desktop.services.lookups import BuyerFacts, keep_buyer, lookup_buyer
from ksef_desktop.store import Store
from ksef_desktop.store.contractors import (
    Contractor,
    delete_contractor,
    save_contractor,
    search_contractors,
)

#: How many contractors the editor's buyer list offers.
LISTED = 1000


def contractors(
    store: Store, *, company_nip: str, text: str = "", limit: int = LISTED
) -> list[Contractor]:
    """The company's contractors matching ``text`` (all when empty), at most ``limit``."""
    return search_contractors(store.db.connection(), text, limit=limit, company_nip=company_nip)


def save(
    store: Store,
    party: Party,
    *,
    company_nip: str,
    now: datetime,
    contractor_id: int | None = None,
) -> int:
    """Add ``party`` (or replace contractor ``contractor_id``); its id."""
    with store.db.transaction() as conn:
        return save_contractor(
            conn, party, company_nip=company_nip, now=now, contractor_id=contractor_id
        )


def keep(store: Store, party: Party, *, company_nip: str, now: datetime) -> list[Contractor]:
    """Add the editor's buyer to the contractors; the list as it is afterwards."""
    save(store, party, company_nip=company_nip, now=now)
    return contractors(store, company_nip=company_nip)


def delete(store: Store, contractor_id: int, *, company_nip: str) -> None:
    """Forget a contractor (issued invoices keep their own copy of the buyer)."""
    with store.db.transaction() as conn:
        delete_contractor(conn, contractor_id, company_nip=company_nip)


def look_up(
    store: Store,
    identifier: str,
    *,
    whitelist: WhiteListClient,
    vies: ViesClient,
    country: str,
    company_nip: str,
    now: datetime,
) -> BuyerFacts:
    """Ask the register about a buyer and keep what it said among the contractors."""
    facts = lookup_buyer(identifier, whitelist=whitelist, vies=vies, country=country)
    with store.db.transaction() as conn:
        keep_buyer(conn, facts, company_nip=company_nip, now=now)
    return facts
