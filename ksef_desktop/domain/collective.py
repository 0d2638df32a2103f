"""The collective identifier ("identyfikator zbiorczy", KSEF-PROTOCOL.md §11) and
bank-transfer titles.

A collective identifier stands for 2 to 500 invoices of one seller (API 2.9.0 asks for at
least two), so that a payer can put one short code instead of many KSeF numbers into the
title of one transfer. Format (open-api.json 2.7.0, POST /collective-identifiers)::

    9999999999-IZRRRRMM-FFFFFFFFFFFF-FF

seller NIP, ``IZ`` + year and month of creation, 12 uppercase hex digits, and the CRC-8
(polynomial 0x07, initial value 0) of the first 32 characters as two uppercase hex
digits. Official example: ``1111111111-IZ202607-65ED02180000-E7``.

Polish bank transfers (Elixir) carry a title of at most 140 characters; the helpers here
never cut an identifier or a KSeF number, only the free text after it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ksef_desktop.domain.identifiers import crc8
from ksef_desktop.i18n import N_

COLLECTIVE_ID_LENGTH = 35
MAX_INVOICES_PER_IDENTIFIER = 500
MIN_INVOICES_PER_IDENTIFIER = 2  # open-api.json 2.9.0: GenerateCollectiveIdentifierRequest
MAX_IDENTIFIERS_PER_INVOICE = 132
TRANSFER_TITLE_LIMIT = 140

_COLLECTIVE_ID = re.compile(
    r"(?P<nip>[1-9]((\d[1-9])|([1-9]\d))\d{7})-IZ(?P<year>\d{4})(?P<month>\d{2})"
    r"-(?P<tech>[0-9A-F]{12})-(?P<crc>[0-9A-F]{2})",
    re.ASCII,
)


def collective_checksum(data_part: str) -> str:
    """The two uppercase hex digits that end an identifier, from its first 32 characters."""
    return f"{crc8(data_part.encode('ascii')):02X}"


def make_collective_identifier(seller_nip: str, created_on: date, technical: str) -> str:
    """Assemble ``NIP-IZYYYYMM-TTTTTTTTTTTT-CC`` (35 characters) with its checksum."""
    if not re.fullmatch(r"[0-9A-F]{12}", technical):
        raise ValueError("the technical part is 12 uppercase hexadecimal digits")
    if not re.fullmatch(r"\d{10}", seller_nip, re.ASCII):
        raise ValueError("the seller NIP is 10 digits")
    data_part = f"{seller_nip}-IZ{created_on:%Y%m}-{technical}"
    return f"{data_part}-{collective_checksum(data_part)}"


def collective_identifier_is_valid(text: str) -> bool:
    """True for a well-formed identifier: the shape, a real month and a matching CRC-8."""
    match = _COLLECTIVE_ID.fullmatch(text)
    if match is None:
        return False
    if not 1 <= int(match.group("month")) <= 12 or int(match.group("year")) < 2000:
        return False
    return collective_checksum(text[:32]) == match.group("crc")


def collective_identifier_seller(text: str) -> str | None:
    """The seller NIP a valid identifier starts with (None for an invalid one)."""
    return text[:10] if collective_identifier_is_valid(text) else None


# --- transfer titles ---------------------------------------------------------------------


def _fit(head: str, tail: str, limit: int) -> str:
    """``head`` whole, then as much of ``tail`` as fits (whitespace squeezed)."""
    tail = " ".join(tail.split())
    if not tail:
        return head
    room = limit - len(head) - 1
    if room <= 0:
        return head
    return f"{head} {tail[:room].rstrip()}"


def invoice_transfer_title(
    invoice_number: str, ksef_number: str | None = None, limit: int = TRANSFER_TITLE_LIMIT
) -> str:
    """The title of a transfer paying one invoice.

    With a KSeF number: ``KSeF <number> <invoice number>`` (the number is what the seller
    matches on; the invoice number follows as far as it fits). Without one (an invoice
    outside KSeF): the invoice number alone.
    """
    number = " ".join(invoice_number.split())
    if ksef_number:
        return _fit(f"KSeF {ksef_number}", number, limit)
    return number[:limit].rstrip()


def collective_transfer_title(
    identifier: str, note: str = "", limit: int = TRANSFER_TITLE_LIMIT
) -> str:
    """The title of one transfer paying every invoice of a collective identifier."""
    if not collective_identifier_is_valid(identifier):
        raise ValueError("not a valid collective identifier")
    return _fit(f"KSeF {identifier}", note, limit)


# --- which invoices may share an identifier --------------------------------------------


@dataclass(frozen=True)
class CollectiveCandidate:
    """An invoice the user picked: its KSeF number (None until accepted) and seller."""

    label: str
    seller_nip: str
    ksef_number: str | None


NOT_ACCEPTED = N_("Invoice {label} has no KSeF number yet; it must be accepted by KSeF first.")
MIXED_SELLERS = N_("A collective identifier covers invoices of one seller only.")
TOO_MANY = N_("A collective identifier covers at most {limit} invoices; {count} were selected.")
NONE_SELECTED = N_("Select at least one invoice accepted by KSeF.")
TOO_FEW = N_(
    "A collective identifier covers at least {minimum} invoices; select one more (one "
    "invoice is paid with its own KSeF number in the transfer title)."
)
REPEATED = N_("Invoice {label} was selected twice.")


def collective_problems(
    candidates: Sequence[CollectiveCandidate],
) -> list[tuple[str, dict[str, object]]]:
    """Why these invoices cannot share one identifier, as (message id, arguments).

    Empty when they can. Checked before anything is sent to KSeF; the caller translates
    with ``_(msgid).format(**arguments)``.
    """
    problems: list[tuple[str, dict[str, object]]] = []
    if not candidates:
        return [(NONE_SELECTED, {})]
    for candidate in candidates:
        if not candidate.ksef_number:
            problems.append((NOT_ACCEPTED, {"label": candidate.label}))
    if len({c.seller_nip for c in candidates}) > 1:
        problems.append((MIXED_SELLERS, {}))
    if len(candidates) < MIN_INVOICES_PER_IDENTIFIER:
        problems.append((TOO_FEW, {"minimum": MIN_INVOICES_PER_IDENTIFIER}))
    if len(candidates) > MAX_INVOICES_PER_IDENTIFIER:
        problems.append(
            (TOO_MANY, {"limit": MAX_INVOICES_PER_IDENTIFIER, "count": len(candidates)})
        )
    seen: set[str] = set()
    for candidate in candidates:
        if candidate.ksef_number and candidate.ksef_number in seen:
            problems.append((REPEATED, {"label": candidate.label}))
        if candidate.ksef_number:
            seen.add(candidate.ksef_number)
    return problems
