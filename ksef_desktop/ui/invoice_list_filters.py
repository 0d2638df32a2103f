"""The invoice list's filters and its page loader (split from ``ui/invoice_list.py``).

The loader runs in the worker: a page of the current profile's invoices, or the invoices
whose number or KSeF number holds the text typed.
"""

from __future__ import annotations

from collections.abc import Callable

from ksef_desktop.i18n import _
from ksef_desktop.store import Store
from ksef_desktop.store.profiles import Profile
from ksef_desktop.store.queries import Cursor, InvoiceFilter, Page, SortKey, list_invoices
from ksef_desktop.store.states import InvoiceState

#: The store, opened for the calling (worker) thread.
StoreAccess = Callable[[], Store]
#: The current profile, resolved in the worker (``AppContext.profile_now``).
ProfileAccess = Callable[[], Profile]

STATE_CHOICES: tuple[tuple[str, frozenset[InvoiceState] | None], ...] = (
    ("", None),
    ("draft", frozenset({InvoiceState.DRAFT})),
    ("open", frozenset({InvoiceState.ISSUED, InvoiceState.QUEUED, InvoiceState.SENT})),
    ("accepted", frozenset({InvoiceState.ACCEPTED})),
    ("rejected", frozenset({InvoiceState.REJECTED})),
)


def state_choice_label(key: str) -> str:
    labels = {
        "": _("All states"),
        "draft": _("Drafts"),
        "open": _("Not yet in KSeF"),
        "accepted": _("Accepted by KSeF"),
        "rejected": _("Rejected by KSeF"),
    }
    return labels[key]


class TextFilter(InvoiceFilter):
    """The store's filter plus the free text (an invoice or KSeF number, or part of one)."""

    def __init__(self, flt: InvoiceFilter, text: str) -> None:
        super().__init__(flt.buyer, flt.states, flt.date_from, flt.date_to)
        object.__setattr__(self, "text", text)

    text: str


def store_loader(store: StoreAccess, profile: ProfileAccess) -> Callable[..., Page]:
    """Loads pages of the current profile's invoices (in the worker)."""

    def load(
        flt: InvoiceFilter, sort: SortKey, descending: bool, after: Cursor | None, limit: int
    ) -> Page:
        conn = store().db.connection()
        profile_id = profile().id
        text = getattr(flt, "text", "")
        if text:
            from ksef_desktop.services.invoice_search import search_numbers

            return search_numbers(conn, text, flt, profile_id=profile_id)
        return list_invoices(
            conn,
            flt,
            profile_id=profile_id,
            sort=sort,
            descending=descending,
            after=after,
            limit=limit,
        )

    return load
