"""Invoice download, the metadata query and the effective rate limits (§4, §9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ksef_desktop.ksef.api_status import Upo, verified_document
from ksef_desktop.ksef.errors import ProtocolError
from ksef_desktop.ksef.models import _opt_str, _req, _str, parse_datetime, parser
from ksef_desktop.ksef.ratelimit import Limit
from ksef_desktop.ksef.transport import INVOICE_ANSWER, Transport, decode_json


def invoice_by_ksef_number(t: Transport, ksef_number: str) -> Upo:
    """GET /invoices/ksef/{ksefNumber}: the invoice XML, checked against its hash header."""
    response = t.request(
        "GET",
        f"/invoices/ksef/{ksef_number}",
        access=True,
        group="invoiceDownload",
        answer=INVOICE_ANSWER,
    )
    return verified_document(ksef_number, response)


@dataclass(frozen=True)
class InvoiceQueryFilters:
    """The filters of POST /invoices/query/metadata (the required ones and the common ones)."""

    subject_type: str
    date_type: str
    date_from: datetime
    date_to: datetime | None = None
    ksef_number: str | None = None
    invoice_number: str | None = None
    seller_nip: str | None = None

    def to_json(self) -> dict[str, Any]:
        date_range: dict[str, Any] = {
            "dateType": self.date_type,
            "from": self.date_from.isoformat(),
        }
        if self.date_to is not None:
            date_range["to"] = self.date_to.isoformat()
        body: dict[str, Any] = {"subjectType": self.subject_type, "dateRange": date_range}
        for key, value in (
            ("ksefNumber", self.ksef_number),
            ("invoiceNumber", self.invoice_number),
            ("sellerNip", self.seller_nip),
        ):
            if value is not None:
                body[key] = value
        return body


@dataclass(frozen=True)
class InvoiceMetadata:
    ksef_number: str
    invoice_number: str
    issue_date: str
    invoicing_date: datetime
    acquisition_date: datetime
    seller_nip: str
    gross_amount: Decimal
    currency: str
    invoicing_mode: str
    invoice_type: str
    invoice_hash: str
    hash_of_corrected_invoice: str | None

    @classmethod
    @parser
    def from_json(cls, data: Any) -> InvoiceMetadata:
        seller = _req(data, "seller")
        return cls(
            _str(data, "ksefNumber"),
            _str(data, "invoiceNumber"),
            _str(data, "issueDate"),
            parse_datetime(_req(data, "invoicingDate")),
            parse_datetime(_req(data, "acquisitionDate")),
            _str(seller, "nip"),
            Decimal(str(_req(data, "grossAmount"))),  # JSON number read as text: no float
            _str(data, "currency"),
            _str(data, "invoicingMode"),
            _str(data, "invoiceType"),
            _str(data, "invoiceHash"),
            _opt_str(data, "hashOfCorrectedInvoice"),
        )


@dataclass(frozen=True)
class QueryInvoicesMetadataResponse:
    has_more: bool
    is_truncated: bool
    invoices: tuple[InvoiceMetadata, ...]

    @classmethod
    @parser
    def from_json(cls, data: Any) -> QueryInvoicesMetadataResponse:
        return cls(
            bool(_req(data, "hasMore")),
            bool(_req(data, "isTruncated")),
            tuple(InvoiceMetadata.from_json(i) for i in _req(data, "invoices")),
        )


def invoices_query_metadata(
    t: Transport,
    filters: InvoiceQueryFilters,
    *,
    page_offset: int = 0,
    page_size: int = 100,
    sort_order: str = "Asc",
) -> QueryInvoicesMetadataResponse:
    """POST /invoices/query/metadata; one page."""
    response = t.request(
        "POST",
        "/invoices/query/metadata",
        params={"pageOffset": page_offset, "pageSize": page_size, "sortOrder": sort_order},
        json=filters.to_json(),
        access=True,
        group="invoiceMetadata",
    )
    # parse_float=Decimal keeps amounts exact (httpx's .json() would make them float).
    data = decode_json(response.content, parse_float=Decimal)
    return QueryInvoicesMetadataResponse.from_json(data)


def rate_limits(t: Transport) -> dict[str, Limit]:
    """GET /rate-limits: the limits in force for this context (EffectiveApiRateLimits)."""
    data = t.json("GET", "/rate-limits", access=True, group="other")
    if not isinstance(data, dict):
        raise ProtocolError("the rate limits are not a JSON object")
    limits = {}
    for group, values in data.items():
        if isinstance(values, dict):
            try:
                limits[group] = Limit(
                    int(values["perSecond"]), int(values["perMinute"]), int(values["perHour"])
                )
            except (KeyError, TypeError, ValueError):
                raise ProtocolError(f"rate limit group {group!r} is malformed") from None
    return limits
