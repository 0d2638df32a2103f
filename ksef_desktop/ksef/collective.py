"""Collective identifiers (API 2.7.0, 2.9.0; KSEF-PROTOCOL.md §11): one identifier
standing for up to 500 invoices of one seller, for the title of one bank transfer.

One function per operation, taking the client's ``Transport`` (``KsefClient.transport``);
typed request/response data named after the OpenAPI schemas. KSeF's refusals arrive as
``RequestRejected`` with the official codes (71001: no such invoice; 71002: it already
belongs to 132 identifiers; 71004: invoices of several sellers; 71005: a KSeF number
repeated; 21405: invalid data, e.g. more than 500 invoices), explained by
``ksef.messages.describe``.

The invoices of identifiers are read with ``POST /collective-identifiers/invoices``
(since 2.7.1; 2.7.0's ``GET /collective-identifiers/{n}/invoices`` is gone), at most
``MAX_IDENTIFIERS_PER_CALL`` identifiers a call: longer lists are split. Every operation
counts in the rate-limit group ``collectiveIdentifier`` (2.9.0).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ksef_desktop.ksef.errors import ProtocolError
from ksef_desktop.ksef.models import JSON, _opt_str, _req, _str, parse_datetime, parser
from ksef_desktop.ksef.transport import Transport, decode_json

GROUP = "collectiveIdentifier"  # x-rate-limits of every operation here (2.9.0)
READ_GROUP = GROUP
MAX_PAGE_SIZE = 200
MAX_INVOICES_PAGE_SIZE = 500  # POST /collective-identifiers/invoices allows 10..500
MAX_IDENTIFIERS_PER_CALL = 10


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ProtocolError("a payment amount should be a number")
    return Decimal(str(value))


def _flag(data: Any, key: str) -> bool:
    value = _req(data, key)
    if not isinstance(value, bool):
        raise ProtocolError(f"field {key!r} should be true or false")
    return value


def _page(data: Any, key: str) -> list[Any]:
    items = _req(data, key)
    if not isinstance(items, list):
        raise ProtocolError(f"field {key!r} should be a list")
    return items


# --- requests -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CollectiveIdentifierInvoicePayment:
    amount: Decimal
    currency: str

    def to_json(self) -> JSON:
        # The wire type is a JSON number (double); amounts in grosze survive the trip.
        return {"amount": float(self.amount), "currency": self.currency}


@dataclass(frozen=True)
class CollectiveIdentifierInvoice:
    ksef_number: str
    payment: CollectiveIdentifierInvoicePayment | None = None
    description: str | None = None

    def to_json(self) -> JSON:
        out: JSON = {"ksefNumber": self.ksef_number}
        if self.payment is not None:
            out["payment"] = self.payment.to_json()
        if self.description is not None:
            out["description"] = self.description
        return out


@dataclass(frozen=True)
class GenerateCollectiveIdentifierRequest:
    invoices: tuple[CollectiveIdentifierInvoice, ...]

    def to_json(self) -> JSON:
        return {"invoices": [i.to_json() for i in self.invoices]}


@dataclass(frozen=True)
class CollectiveIdentifierInvoicesQueryRequest:
    collective_identifier_numbers: tuple[str, ...]

    def to_json(self) -> JSON:
        return {"collectiveIdentifierNumbers": list(self.collective_identifier_numbers)}


@dataclass(frozen=True)
class CollectiveIdentifiersQueryRequest:
    date_created_from: datetime
    date_created_to: datetime
    collective_identifier_number: str | None = None
    invoice_count_from: int | None = None
    invoice_count_to: int | None = None
    created_in_current_context: bool | None = None

    def to_json(self) -> JSON:
        out: JSON = {
            "dateCreatedFrom": self.date_created_from.isoformat(),
            "dateCreatedTo": self.date_created_to.isoformat(),
        }
        for key, value in (
            ("collectiveIdentifierNumber", self.collective_identifier_number),
            ("invoiceCountFrom", self.invoice_count_from),
            ("invoiceCountTo", self.invoice_count_to),
            ("createdInCurrentContext", self.created_in_current_context),
        ):
            if value is not None:
                out[key] = value
        return out


# --- responses ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerateCollectiveIdentifierResponse:
    collective_identifier_number: str

    @classmethod
    @parser
    def from_json(cls, data: Any) -> GenerateCollectiveIdentifierResponse:
        return cls(_str(data, "collectiveIdentifierNumber"))


@dataclass(frozen=True)
class CollectiveIdentifiersQueryResponseItem:
    collective_identifier_number: str
    date_created: datetime
    invoice_count: int
    created_in_current_context: bool

    @classmethod
    @parser
    def from_json(cls, data: Any) -> CollectiveIdentifiersQueryResponseItem:
        return cls(
            _str(data, "collectiveIdentifierNumber"),
            parse_datetime(_req(data, "dateCreated")),
            int(_req(data, "invoiceCount")),
            _flag(data, "createdInCurrentContext"),
        )


@dataclass(frozen=True)
class CollectiveIdentifiersQueryResponse:
    collective_identifiers: tuple[CollectiveIdentifiersQueryResponseItem, ...]
    continuation_token: str | None

    @classmethod
    @parser
    def from_json(cls, data: Any) -> CollectiveIdentifiersQueryResponse:
        return cls(
            tuple(
                CollectiveIdentifiersQueryResponseItem.from_json(i)
                for i in _page(data, "collectiveIdentifiers")
            ),
            _opt_str(data, "continuationToken") or None,
        )


@dataclass(frozen=True)
class CollectiveIdentifierInvoicesQueryResponseItem:
    ksef_number: str
    payment: CollectiveIdentifierInvoicePayment | None
    description: str | None
    details_hidden: bool
    #: Required by the 2.9.0 schema, yet missing from its own example: None when absent.
    collective_identifier_number: str | None = None

    @classmethod
    @parser
    def from_json(cls, data: Any) -> CollectiveIdentifierInvoicesQueryResponseItem:
        raw = data.get("payment")
        payment = (
            None
            if raw is None
            else CollectiveIdentifierInvoicePayment(
                _amount(_req(raw, "amount")), _str(raw, "currency")
            )
        )
        return cls(
            _str(data, "ksefNumber"),
            payment,
            _opt_str(data, "description"),
            _flag(data, "detailsHidden"),
            _opt_str(data, "collectiveIdentifierNumber"),
        )


@dataclass(frozen=True)
class CollectiveIdentifierInvoicesQueryResponse:
    invoices: tuple[CollectiveIdentifierInvoicesQueryResponseItem, ...]
    continuation_token: str | None

    @classmethod
    @parser
    def from_json(cls, data: Any) -> CollectiveIdentifierInvoicesQueryResponse:
        return cls(
            tuple(
                CollectiveIdentifierInvoicesQueryResponseItem.from_json(i)
                for i in _page(data, "invoices")
            ),
            _opt_str(data, "continuationToken") or None,
        )


@dataclass(frozen=True)
class CollectiveIdentifiersByKsefNumberQueryResponseItem:
    collective_identifier_number: str
    created_in_current_context: bool
    date_created: datetime

    @classmethod
    @parser
    def from_json(cls, data: Any) -> CollectiveIdentifiersByKsefNumberQueryResponseItem:
        return cls(
            _str(data, "collectiveIdentifierNumber"),
            _flag(data, "createdInCurrentContext"),
            parse_datetime(_req(data, "dateCreated")),
        )


@dataclass(frozen=True)
class CollectiveIdentifiersByKsefNumberQueryResponse:
    collective_identifiers: tuple[CollectiveIdentifiersByKsefNumberQueryResponseItem, ...]
    continuation_token: str | None

    @classmethod
    @parser
    def from_json(cls, data: Any) -> CollectiveIdentifiersByKsefNumberQueryResponse:
        return cls(
            tuple(
                CollectiveIdentifiersByKsefNumberQueryResponseItem.from_json(i)
                for i in _page(data, "collectiveIdentifiers")
            ),
            _opt_str(data, "continuationToken") or None,
        )


# --- operations ---------------------------------------------------------------------------


def _decoded(content: bytes, what: str) -> Any:
    try:
        return decode_json(content, parse_float=Decimal)  # amounts stay exact
    except ProtocolError as exc:
        raise ProtocolError(f"the {what} answer: {exc}") from None


def _paging(page_size: int, token: str | None) -> tuple[dict[str, int], dict[str, str] | None]:
    return {"pageSize": page_size}, ({"x-continuation-token": token} if token else None)


def generate_collective_identifier(
    t: Transport, invoices: Sequence[CollectiveIdentifierInvoice | str]
) -> str:
    """POST /collective-identifiers: the new identifier for these invoices (KSeF numbers
    or items with payment details)."""
    items = tuple(
        i if isinstance(i, CollectiveIdentifierInvoice) else CollectiveIdentifierInvoice(i)
        for i in invoices
    )
    data = t.json(
        "POST",
        "/collective-identifiers",
        json=GenerateCollectiveIdentifierRequest(items).to_json(),
        access=True,
        expect=(201,),
        group=GROUP,
    )
    return GenerateCollectiveIdentifierResponse.from_json(data).collective_identifier_number


def query_collective_identifiers(
    t: Transport,
    request: CollectiveIdentifiersQueryRequest,
    *,
    page_size: int = MAX_PAGE_SIZE,
    continuation_token: str | None = None,
) -> CollectiveIdentifiersQueryResponse:
    """POST /collective-identifiers/query; one page (newest first)."""
    params, headers = _paging(page_size, continuation_token)
    data = t.json(
        "POST",
        "/collective-identifiers/query",
        json=request.to_json(),
        params=params,
        headers=headers,
        access=True,
        group=READ_GROUP,
    )
    return CollectiveIdentifiersQueryResponse.from_json(data)


def collective_identifier_invoices(
    t: Transport,
    collective_identifier_numbers: Sequence[str] | str,
    *,
    page_size: int = MAX_INVOICES_PAGE_SIZE,
    continuation_token: str | None = None,
) -> CollectiveIdentifierInvoicesQueryResponse:
    """POST /collective-identifiers/invoices for at most 10 identifiers; one page."""
    numbers = (
        (collective_identifier_numbers,)
        if isinstance(collective_identifier_numbers, str)
        else tuple(collective_identifier_numbers)
    )
    if not 1 <= len(numbers) <= MAX_IDENTIFIERS_PER_CALL:
        raise ValueError(f"1 to {MAX_IDENTIFIERS_PER_CALL} identifiers a call")
    params, headers = _paging(page_size, continuation_token)
    response = t.request(
        "POST",
        "/collective-identifiers/invoices",
        json=CollectiveIdentifierInvoicesQueryRequest(numbers).to_json(),
        params=params,
        headers=headers,
        access=True,
        group=READ_GROUP,
    )
    return CollectiveIdentifierInvoicesQueryResponse.from_json(
        _decoded(response.content, "collective identifier")
    )


def collective_identifiers_of_invoice(
    t: Transport,
    ksef_number: str,
    *,
    page_size: int = MAX_PAGE_SIZE,
    continuation_token: str | None = None,
) -> CollectiveIdentifiersByKsefNumberQueryResponse:
    """GET /collective-identifiers/ksef/{ksefNumber}; one page."""
    params, headers = _paging(page_size, continuation_token)
    data = t.json(
        "GET",
        f"/collective-identifiers/ksef/{ksef_number}",
        params=params,
        headers=headers,
        access=True,
        group=READ_GROUP,
    )
    return CollectiveIdentifiersByKsefNumberQueryResponse.from_json(data)


# --- every page -----------------------------------------------------------------------------

MAX_PAGES = 1000


def invoices_of_collective_identifiers(
    t: Transport, collective_identifier_numbers: Sequence[str]
) -> dict[str, list[CollectiveIdentifierInvoicesQueryResponseItem]]:
    """The invoices of each identifier (every page), in the order the identifiers were
    given; ten identifiers a call. An answer naming an identifier that was not asked
    for is a ``ProtocolError``."""
    wanted = list(dict.fromkeys(collective_identifier_numbers))
    out: dict[str, list[CollectiveIdentifierInvoicesQueryResponseItem]] = {n: [] for n in wanted}
    for start in range(0, len(wanted), MAX_IDENTIFIERS_PER_CALL):
        chunk = wanted[start : start + MAX_IDENTIFIERS_PER_CALL]
        for page in _pages(
            lambda token, chunk=chunk: collective_identifier_invoices(
                t, chunk, continuation_token=token
            )
        ):
            for item in page.invoices:
                owner = item.collective_identifier_number
                if owner is None and len(chunk) == 1:
                    owner = chunk[0]  # the only one asked for
                if owner not in chunk:
                    raise ProtocolError("KSeF listed an invoice of an identifier not asked for")
                assert owner is not None
                out[owner].append(item)
    return out


def all_collective_identifier_invoices(
    t: Transport, collective_identifier_number: str
) -> list[CollectiveIdentifierInvoicesQueryResponseItem]:
    """The invoices of one identifier (every page)."""
    return invoices_of_collective_identifiers(t, [collective_identifier_number])[
        collective_identifier_number
    ]


def all_collective_identifiers_of_invoice(
    t: Transport, ksef_number: str
) -> list[CollectiveIdentifiersByKsefNumberQueryResponseItem]:
    out: list[CollectiveIdentifiersByKsefNumberQueryResponseItem] = []
    for page in _pages(
        lambda token: collective_identifiers_of_invoice(t, ksef_number, continuation_token=token)
    ):
        out.extend(page.collective_identifiers)
    return out


def all_collective_identifiers(
    t: Transport, request: CollectiveIdentifiersQueryRequest
) -> list[CollectiveIdentifiersQueryResponseItem]:
    out: list[CollectiveIdentifiersQueryResponseItem] = []
    for page in _pages(
        lambda token: query_collective_identifiers(t, request, continuation_token=token)
    ):
        out.extend(page.collective_identifiers)
    return out


def _pages(fetch: Any) -> Iterator[Any]:
    token: str | None = None
    for _ in range(MAX_PAGES):
        page = fetch(token)
        yield page
        token = page.continuation_token
        if not token:
            return
    raise ProtocolError("KSeF kept answering with more pages")
