"""Invoice metadata: the filters of POST /invoices/query/metadata and of exports, and the
``InvoiceMetadata`` view of an accepted invoice (invoices.py and exports.py share them)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ksef_desktop.sandbox.errors import ApiError
from ksef_desktop.sandbox.helpers import visible_to
from ksef_desktop.sandbox.state import InvoiceRecord
from ksef_desktop.sandbox.util import iso, parse_iso

MAX_RANGE = timedelta(days=92)


TECHNICAL_CAP = 10_000


_DATE_FIELDS = {"Issue": "issue", "Invoicing": "invoicing", "PermanentStorage": "permanent"}


_AMOUNTS = {"Brutto": "gross", "Netto": "net", "Vat": "vat"}


def _moment(invoice: InvoiceRecord, field: str) -> datetime | date:
    if field == "issue":
        return date.fromisoformat(invoice.issue_date or "2000-01-01")
    if field == "invoicing":
        return invoice.invoicing_date
    assert invoice.permanent_storage_date is not None
    return invoice.permanent_storage_date


def sort_key(invoice: InvoiceRecord, field: str) -> tuple[str, str]:
    return (_moment(invoice, field).isoformat(), invoice.ksef_number or "")


def _decimal(invoice: InvoiceRecord, kind: str) -> Decimal:
    value = invoice.meta.get(kind)
    return Decimal(value) if value not in (None, "") else Decimal(0)


def metadata_json(invoice: InvoiceRecord) -> dict[str, Any]:
    assert invoice.ksef_number
    assert invoice.acquisition_date
    assert invoice.permanent_storage_date
    meta = invoice.meta
    buyer = meta.get("buyer") or {"identifier": {"type": "None"}}
    out: dict[str, Any] = {
        "ksefNumber": invoice.ksef_number,
        "invoiceNumber": invoice.invoice_number or "",
        "issueDate": invoice.issue_date,
        "invoicingDate": iso(invoice.invoicing_date),
        "acquisitionDate": iso(invoice.acquisition_date),
        "permanentStorageDate": iso(invoice.permanent_storage_date),
        "seller": {"nip": invoice.nip, "name": meta.get("sellerName")},
        "buyer": {"identifier": buyer["identifier"], "name": buyer.get("name")},
        # The wire format is a JSON number (OpenAPI "double"); Decimal until this edge.
        "netAmount": float(_decimal(invoice, "net")),
        "grossAmount": float(_decimal(invoice, "gross")),
        "vatAmount": float(_decimal(invoice, "vat")),
        "currency": meta.get("currency", "PLN"),
        "invoicingMode": invoice.invoicing_mode or "Online",
        "invoiceType": meta.get("invoiceType", "Vat"),
        "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
        "isSelfInvoicing": bool(meta.get("selfInvoicing")),
        "hasAttachment": bool(meta.get("hasAttachment")),
        "invoiceHash": invoice.invoice_hash,
    }
    if invoice.hash_of_corrected:
        out["hashOfCorrectedInvoice"] = invoice.hash_of_corrected
    return out


class Filters:
    def __init__(self, body: dict[str, Any], now: datetime) -> None:
        self.subject = body.get("subjectType")
        if self.subject not in ("Subject1", "Subject2", "Subject3", "SubjectAuthorized"):
            raise ApiError(21405, "Pole 'subjectType' jest wymagane.")
        rng = body.get("dateRange")
        if not isinstance(rng, dict) or rng.get("dateType") not in _DATE_FIELDS:
            raise ApiError(21405, "Pole 'dateRange' (dateType, from) jest wymagane.")
        self.field = _DATE_FIELDS[rng["dateType"]]
        try:
            self.start = parse_iso(str(rng["from"]))
            self.end = parse_iso(str(rng["to"])) if rng.get("to") else now
        except (KeyError, ValueError) as exc:
            raise ApiError(21405, "Daty w 'dateRange' muszą być w formacie ISO-8601.") from exc
        if self.end - self.start > MAX_RANGE:
            raise ApiError(21405, "Zakres dat nie może przekraczać 3 miesięcy.")
        if rng.get("restrictToPermanentStorageHwmDate") and self.start > now:
            raise ApiError(
                21183,
                "Parametr dateRange.from jest późniejszy niż PermanentStorageHwmDate przy "
                "włączonym restrictToPermanentStorageHwmDate.",
            )
        self.body = body

    def visible(self, invoice: InvoiceRecord, nip: str | None) -> bool:
        return visible_to(invoice, nip, str(self.subject))

    def matches(self, invoice: InvoiceRecord) -> bool:
        b = self.body
        moment = _moment(invoice, self.field)
        if isinstance(moment, datetime):
            if not self.start <= moment <= self.end:
                return False
        elif not self.start.date() <= moment <= self.end.date():
            return False
        checks = [
            not b.get("ksefNumber") or invoice.ksef_number == b["ksefNumber"],
            not b.get("invoiceNumber") or invoice.invoice_number == b["invoiceNumber"],
            not b.get("sellerNip") or invoice.nip == b["sellerNip"],
            not b.get("currencyCodes") or invoice.meta.get("currency") in b["currencyCodes"],
            not b.get("invoicingMode") or invoice.invoicing_mode == b["invoicingMode"],
            b.get("isSelfInvoicing") is None
            or bool(invoice.meta.get("selfInvoicing")) == b["isSelfInvoicing"],
            b.get("formType") in (None, "FA"),
            not b.get("invoiceTypes") or invoice.meta.get("invoiceType") in b["invoiceTypes"],
            b.get("hasAttachment") is None
            or bool(invoice.meta.get("hasAttachment")) == b["hasAttachment"],
        ]
        if not all(checks):
            return False
        buyer = b.get("buyerIdentifier")
        if isinstance(buyer, dict):
            ident = invoice.meta.get("buyer", {}).get("identifier", {})
            if ident.get("type") != buyer.get("type"):
                return False
            if buyer.get("value") and ident.get("value") != buyer["value"]:
                return False
        amount = b.get("amount")
        if isinstance(amount, dict) and amount.get("type") in _AMOUNTS:
            value = _decimal(invoice, _AMOUNTS[amount["type"]])
            if amount.get("from") is not None and value < Decimal(str(amount["from"])):
                return False
            if amount.get("to") is not None and value > Decimal(str(amount["to"])):
                return False
        return True
