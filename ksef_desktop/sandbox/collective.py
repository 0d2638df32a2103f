"""Collective identifiers (KSEF-PROTOCOL.md §11), as open-api.json 2.9.0 has them:

- POST ``/collective-identifiers``: accepted invoices of ONE seller (at least 2, at most
  the context's limit, 500 by default: GET /limits/context ``collectiveIdentifier``), each
  of which the context may see (it is their seller, buyer or a third subject) -> a new
  identifier ``NIP-IZYYYYMM-12hex-CRC8``. An invoice that does not exist or is not the
  context's: 71001; in 132 identifiers of the context already: 71002; of another seller:
  71004; named twice: 71005; anything malformed: 21405.
- POST ``/collective-identifiers/query``: identifiers generated in the context, and
  those whose invoices have the context's NIP as seller (Podmiot1); dateCreatedFrom/To
  required (at most 100 days apart); dateCreated desc, number desc; paged.
- POST ``/collective-identifiers/invoices``: the KSeF numbers of at most 10 identifiers,
  each item naming its identifier (ksefNumber desc). Amount, currency and description only
  for the creating context or a party of the invoice; for anyone else they are left out
  and ``detailsHidden`` is true (false when none was given).
- GET ``/collective-identifiers/ksef/{ksefNumber}``: the identifiers that include an
  invoice, as far as the context may see them (created there, or a party of it).

All four count in the rate-limit group ``collectiveIdentifier``. API 2.7.0's
``GET /collective-identifiers/{n}/invoices`` is gone (404, as on the real server) unless
the sandbox runs with ``api_version="2.7.0"``; then generation also follows 2.7.0 (one
invoice is enough; another seller or a repeated number: 21405; 71001 "cannot be assigned").
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ksef_desktop.domain.collective import (
    MAX_IDENTIFIERS_PER_INVOICE,
    collective_identifier_is_valid,
    make_collective_identifier,
)
from ksef_desktop.sandbox.core import SandboxCore
from ksef_desktop.sandbox.errors import ApiError
from ksef_desktop.sandbox.helpers import (
    continuation_offset,
    next_token,
    page_size,
    parse_json_object,
    party_of,
)
from ksef_desktop.sandbox.routing import Route
from ksef_desktop.sandbox.state import CollectiveRecord
from ksef_desktop.sandbox.util import WARSAW, Request, Response, iso, json_response, parse_iso

PERMISSIONS = ("InvoiceRead", "InvoiceWrite", "CollectiveIdentifierManage")
MAX_QUERY_RANGE = timedelta(days=100)
MAX_LOOKUP = 10  # identifiers in one POST /collective-identifiers/invoices
_KSEF_NUMBER = re.compile(
    r"([1-9](\d[1-9]|[1-9]\d)\d{7})-(20[2-9][0-9]|2[1-9]\d{2}|[3-9]\d{3})(0[1-9]|1[0-2])"
    r"(0[1-9]|[12]\d|3[01])-([0-9A-F]{6})-?([0-9A-F]{6})-([0-9A-F]{2})",
    re.ASCII,
)
_CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)


# --- POST /collective-identifiers ------------------------------------------------------


def _payment(raw: Any, index: int) -> dict[str, str] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ApiError(21405, f"Pole 'invoices[{index}].payment' musi być obiektem.")
    amount, currency = raw.get("amount"), raw.get("currency")
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise ApiError(21405, f"Pole 'invoices[{index}].payment.amount' musi być liczbą.")
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:  # pragma: no cover - json numbers are finite
        raise ApiError(21405, f"Pole 'invoices[{index}].payment.amount' jest błędne.") from exc
    if not value.is_finite():
        raise ApiError(21405, f"Pole 'invoices[{index}].payment.amount' jest błędne.")
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise ApiError(21405, f"Pole 'invoices[{index}].payment.currency' musi być kodem waluty.")
    return {"amount": str(value), "currency": currency}


def _requested(body: dict[str, Any], limit: int, legacy: bool) -> list[dict[str, Any]]:
    items = body.get("invoices")
    if not isinstance(items, list) or not items:
        raise ApiError(21405, "Pole 'invoices' jest wymagane i nie może być puste.")
    if len(items) < 2 and not legacy:
        raise ApiError(21405, "Identyfikator zbiorczy obejmuje co najmniej 2 faktury.")
    if len(items) > limit:
        raise ApiError(
            21405,
            f"Maksymalna liczba faktur w identyfikatorze zbiorczym wynosi {limit}; "
            f"przekazano {len(items)}.",
        )
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ApiError(21405, f"Element 'invoices[{index}]' musi być obiektem.")
        number = item.get("ksefNumber")
        if not isinstance(number, str) or not _KSEF_NUMBER.fullmatch(number):
            raise ApiError(21405, f"Pole 'invoices[{index}].ksefNumber' ma nieprawidłowy format.")
        if number in seen:
            if legacy:
                raise ApiError(21405, f"Faktura o numerze KSeF {number} powtarza się na liście.")
            raise ApiError(71005, f"Powtórzony numer KSeF {number}.")
        seen.add(number)
        entry: dict[str, Any] = {"ksefNumber": number}
        payment = _payment(item.get("payment"), index)
        if payment is not None:
            entry["payment"] = payment
        description = item.get("description")
        if description is not None:
            if not isinstance(description, str) or len(description) > 512:
                raise ApiError(
                    21405, f"Pole 'invoices[{index}].description' może mieć najwyżej 512 znaków."
                )
            entry["description"] = description
        out.append(entry)
    return out


def _not_found(number: str, legacy: bool) -> ApiError:
    if legacy:
        return ApiError(
            71001,
            f"Faktura o numerze KSeF {number} nie może zostac przypisana do Identyfikatora "
            "Zbiorczego.",
            description="Faktura nie może zostac przypisana do Identyfikatora Zbiorczego.",
        )
    return ApiError(71001, f"Faktura o numerze KSeF {number} nie została znaleziona.")


def _usage_in_context(core: SandboxCore, context: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in core.state.collective.values():
        if record.context_nip != context:
            continue
        for item in record.invoices:
            counts[item["ksefNumber"]] = counts.get(item["ksefNumber"], 0) + 1
    return counts


def _new_number(core: SandboxCore, seller: str, now: datetime) -> str:
    while True:
        number = make_collective_identifier(
            seller, now.astimezone(WARSAW).date(), secrets.token_hex(6).upper()
        )
        if number not in core.state.collective:
            return number


def generate(core: SandboxCore, req: Request) -> Response:
    context = req.context_nip or ""
    legacy = core.config.api_version == "2.7.0"
    limit = core.context_limit(context, "collectiveIdentifier", "maxInvoices")
    items = _requested(parse_json_object(req), limit, legacy)
    now = core.now()
    with core.state.lock:
        sellers: list[str] = []
        for item in items:
            number = item["ksefNumber"]
            ref = core.state.by_ksef_number.get(number)
            invoice = core.state.invoices.get(ref) if ref else None
            if invoice is None or invoice.status_code != 200 or not party_of(invoice, context):
                raise _not_found(number, legacy)
            if sellers and invoice.nip != sellers[0]:
                if legacy:
                    raise ApiError(
                        21405,
                        "Identyfikator zbiorczy może obejmować faktury tylko jednego sprzedawcy.",
                    )
                raise ApiError(71004, f"Faktura o numerze KSeF {number} ma innego sprzedawcę.")
            sellers.append(invoice.nip)
        usage = _usage_in_context(core, context)
        for item in items:
            if usage.get(item["ksefNumber"], 0) >= MAX_IDENTIFIERS_PER_INVOICE:
                raise ApiError(
                    71002,
                    f"Faktura o numerze KSeF {item['ksefNumber']} jest już przypisana do "
                    "maksymalnej liczby Identyfikatorów Zbiorczych.",
                )
        seller = sellers[0]
        number = _new_number(core, seller, now)
        core.state.collective[number] = CollectiveRecord(number, context, seller, now, items)
        core.state.touch()
    return json_response(201, {"collectiveIdentifierNumber": number})


# --- POST /collective-identifiers/query ---------------------------------------------------


def _date(body: dict[str, Any], name: str) -> datetime:
    value = body.get(name)
    if not isinstance(value, str):
        raise ApiError(21405, f"Pole '{name}' jest wymagane.")
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise ApiError(21405, f"Pole '{name}' musi być datą ISO-8601.") from exc


def _optional(body: dict[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ApiError(21405, f"Pole '{name}' ma nieprawidłowy typ.")
    return value


def _visible_in_context(core: SandboxCore, record: CollectiveRecord, context: str) -> bool:
    return record.context_nip == context or record.seller_nip == context


def _newest_first(records: list[CollectiveRecord]) -> list[CollectiveRecord]:
    # As the answer shows them: milliseconds, then the number.
    return sorted(records, key=lambda r: (iso(r.created), r.number), reverse=True)


def query(core: SandboxCore, req: Request) -> Response:
    size = page_size(req, high=200)
    offset = continuation_offset(req)
    body = parse_json_object(req)
    low, high = _date(body, "dateCreatedFrom"), _date(body, "dateCreatedTo")
    if high < low:
        raise ApiError(21405, "Data 'dateCreatedTo' jest wcześniejsza niż 'dateCreatedFrom'.")
    if high - low > MAX_QUERY_RANGE:
        raise ApiError(21405, "Maksymalny przedział dat wynosi 100 dni.")
    wanted = _optional(body, "collectiveIdentifierNumber", str)
    count_from = _optional(body, "invoiceCountFrom", int)
    count_to = _optional(body, "invoiceCountTo", int)
    in_context = _optional(body, "createdInCurrentContext", bool)
    context = req.context_nip or ""
    with core.state.lock:
        found = []
        for record in core.state.collective.values():
            mine = record.context_nip == context
            count = len(record.invoices)
            if (
                not _visible_in_context(core, record, context)
                or not low <= record.created <= high
                or (wanted is not None and record.number != wanted)
                or (count_from is not None and count < count_from)
                or (count_to is not None and count > count_to)
                or (in_context is not None and mine != in_context)
            ):
                continue
            found.append(record)
        found = _newest_first(found)
        items = [
            {
                "collectiveIdentifierNumber": r.number,
                "dateCreated": iso(r.created),
                "invoiceCount": len(r.invoices),
                "createdInCurrentContext": r.context_nip == context,
            }
            for r in found[offset : offset + size]
        ]
    return json_response(
        200,
        {"continuationToken": next_token(offset, size, len(found)), "collectiveIdentifiers": items},
    )


# --- POST /collective-identifiers/invoices (and 2.7.0's GET .../{number}/invoices) ------


def _record(core: SandboxCore, number: str) -> CollectiveRecord:
    if not collective_identifier_is_valid(number):
        raise ApiError(21405, f"Identyfikator zbiorczy {number} ma nieprawidłowy format.")
    record = core.state.collective.get(number)
    if record is None:
        raise ApiError(21405, f"Identyfikator zbiorczy {number} nie istnieje.")
    return record


def _invoice_item(
    core: SandboxCore, record: CollectiveRecord, item: dict[str, Any], context: str
) -> dict[str, Any]:
    ref = core.state.by_ksef_number.get(item["ksefNumber"])
    invoice = core.state.invoices.get(ref) if ref else None
    allowed = record.context_nip == context or (invoice is not None and party_of(invoice, context))
    has_details = "payment" in item or "description" in item
    out: dict[str, Any] = {"ksefNumber": item["ksefNumber"]}
    if allowed:
        if "payment" in item:
            payment = item["payment"]
            out["payment"] = {
                "amount": float(Decimal(payment["amount"])),
                "currency": payment["currency"],
            }
        if "description" in item:
            out["description"] = item["description"]
    out["detailsHidden"] = has_details and not allowed
    return out


def invoices_of(core: SandboxCore, req: Request) -> Response:
    """POST /collective-identifiers/invoices: the invoices of up to 10 identifiers."""
    size = page_size(req, high=500)
    offset = continuation_offset(req)
    body = parse_json_object(req)
    numbers = body.get("collectiveIdentifierNumbers")
    if not isinstance(numbers, list) or not numbers:
        raise ApiError(21405, "Pole 'collectiveIdentifierNumbers' jest wymagane.")
    if len(numbers) > MAX_LOOKUP:
        raise ApiError(
            21405, f"Można podać najwyżej {MAX_LOOKUP} identyfikatorów zbiorczych naraz."
        )
    if not all(isinstance(n, str) for n in numbers):
        raise ApiError(21405, "Pole 'collectiveIdentifierNumbers' to lista napisów.")
    context = req.context_nip or ""
    with core.state.lock:
        records = [_record(core, n) for n in dict.fromkeys(numbers)]
        found = [(record, item) for record in records for item in record.invoices]
        found.sort(key=lambda p: (str(p[1]["ksefNumber"]), p[0].number), reverse=True)
        items = [
            {
                **_invoice_item(core, record, item, context),
                "collectiveIdentifierNumber": record.number,
            }
            for record, item in found[offset : offset + size]
        ]
    return json_response(
        200, {"continuationToken": next_token(offset, size, len(found)), "invoices": items}
    )


def legacy_invoices(core: SandboxCore, req: Request) -> Response:
    """API 2.7.0's GET /collective-identifiers/{number}/invoices (api_version 2.7.0)."""
    size = page_size(req, high=200)
    offset = continuation_offset(req)
    context = req.context_nip or ""
    with core.state.lock:
        record = _record(core, req.params["collectiveIdentifierNumber"])
        ordered = sorted(record.invoices, key=lambda i: str(i["ksefNumber"]), reverse=True)
        items = [_invoice_item(core, record, i, context) for i in ordered[offset : offset + size]]
    return json_response(
        200, {"continuationToken": next_token(offset, size, len(ordered)), "invoices": items}
    )


# --- GET /collective-identifiers/ksef/{ksefNumber} -----------------------------------------


def by_ksef_number(core: SandboxCore, req: Request) -> Response:
    size = page_size(req, high=200)
    offset = continuation_offset(req)
    number = req.params["ksefNumber"]
    if not _KSEF_NUMBER.fullmatch(number):
        raise ApiError(21405, f"Numer KSeF {number} ma nieprawidłowy format.")
    context = req.context_nip or ""
    with core.state.lock:
        ref = core.state.by_ksef_number.get(number)
        invoice = core.state.invoices.get(ref) if ref else None
        party = invoice is not None and party_of(invoice, context)
        found = _newest_first(
            [
                r
                for r in core.state.collective.values()
                if any(i["ksefNumber"] == number for i in r.invoices)
                and (party or r.context_nip == context)
            ]
        )
        items = [
            {
                "collectiveIdentifierNumber": r.number,
                "createdInCurrentContext": r.context_nip == context,
                "dateCreated": iso(r.created),
            }
            for r in found[offset : offset + size]
        ]
    return json_response(
        200,
        {"continuationToken": next_token(offset, size, len(found)), "collectiveIdentifiers": items},
    )


GROUP = "collectiveIdentifier"
ROUTES = [
    Route("POST", "/collective-identifiers", generate, GROUP, permissions=PERMISSIONS),
    Route("POST", "/collective-identifiers/query", query, GROUP, permissions=PERMISSIONS),
    Route("POST", "/collective-identifiers/invoices", invoices_of, GROUP, permissions=PERMISSIONS),
    Route(
        "GET",
        "/collective-identifiers/ksef/{ksefNumber}",
        by_ksef_number,
        GROUP,
        permissions=PERMISSIONS,
    ),
]
# API 2.7.0 only (SandboxConfig.api_version "2.7.0"); reads counted in "other" then.
LEGACY_ROUTES = [
    Route(
        "GET",
        "/collective-identifiers/{collectiveIdentifierNumber}/invoices",
        legacy_invoices,
        "other",
        permissions=PERMISSIONS,
    ),
]
