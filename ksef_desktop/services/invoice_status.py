"""Where an invoice stands, said plainly: KSeF's own explanation of a rejection, which
actions of the list apply to it, and a document (UPO, XML) laid out for reading.

The invoice list and the offline panel show these; the rules live here so that a button
is never enabled for an action that would only fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ksef_desktop.i18n import _
from ksef_desktop.store.states import InvoiceState

S = InvoiceState


def rejection_text(code: int | None, details: str | None) -> str:
    """A rejection as the user reads it: KSeF's official sentence for the code (the
    invoice statuses of the OpenAPI document, ``ksef.messages``) and what KSeF added."""
    from ksef_desktop.ksef.messages import message

    official = message("invoice", code) if code is not None else None
    if code is None:
        text = _("Rejected by KSeF.")
    elif official:
        text = _("Rejected by KSeF (code {code}): {why}").format(code=code, why=official)
    else:
        text = _("Rejected by KSeF with code {code}.").format(code=code)
    details = (details or "").strip()
    if details and details not in text:
        text += " " + _("KSeF's details: {details}").format(details=details)
    return text


class Action(StrEnum):
    """What the invoice list can do with one invoice (one or more for ``COLLECTIVE``)."""

    OPEN = "open"
    DUPLICATE = "duplicate"
    CORRECT = "correct"
    TECHNICAL = "technical"
    SEND = "send"
    PDF = "pdf"
    XML = "xml"
    UPO = "upo"
    TRANSFER_TITLE = "transfer-title"
    COLLECTIVE = "collective"


@dataclass(frozen=True)
class Row:
    """What the rules need to know of an invoice (``store.queries.ListRow`` has it)."""

    state: InvoiceState
    kind: str
    ksef_number: str | None = None


#: States of an invoice that has been issued (a number, frozen XML and a PDF exist).
ISSUED = frozenset({S.ISSUED, S.QUEUED, S.SENT, S.ACCEPTED, S.REJECTED})


def applicable(row: Row) -> frozenset[Action]:
    """The actions that apply to ``row`` as it stands (the others are disabled)."""
    found = {Action.OPEN, Action.DUPLICATE}
    if row.state in ISSUED:
        found |= {Action.PDF, Action.XML, Action.TRANSFER_TITLE}
    if row.state in (S.ISSUED, S.QUEUED, S.SENT, S.ACCEPTED) and row.kind != "ZAL":
        found.add(Action.CORRECT)  # a KOR of an issued invoice (not of an advance one yet)
    if row.state is S.REJECTED:
        found.add(Action.TECHNICAL)
    if row.state is S.ISSUED:
        found.add(Action.SEND)  # issued, its sending undone: queue it
    if row.state is S.ACCEPTED:
        found |= {Action.UPO, Action.COLLECTIVE}  # a collective identifier needs KSeF numbers
    return frozenset(found)


def pretty_xml(data: bytes) -> str:
    """An XML document indented for reading (the bytes kept and saved stay as they are:
    a UPO is signed, and its signature covers them exactly)."""
    from lxml import etree

    parser = etree.XMLParser(
        remove_blank_text=True, resolve_entities=False, no_network=True, load_dtd=False
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError:
        return data.decode("utf-8", errors="replace")
    text: str = etree.tostring(root, pretty_print=True, encoding="unicode")
    return text
