"""Invoice ⇄ JSON, written out field by field (no pickle, no reflection).

Decimals are strings (``"1234.50"``: exact, never a float), dates ISO ``YYYY-MM-DD``,
moments ISO with offset, enums by value. ``"v"`` is the format version, so that a later
program can still read what an earlier one stored.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ksef_desktop.domain.invoice import (
    Address,
    CorrectedInvoice,
    Correction,
    CorrectionEffect,
    EuVatNumber,
    Exemption,
    ExemptionBasis,
    Invoice,
    InvoiceKind,
    Line,
    NoTaxId,
    OtherTaxId,
    Party,
    Payment,
    PaymentMethod,
    PolishNip,
    RateTotal,
    TaxId,
    Totals,
    VatRate,
)
from ksef_desktop.domain.marks import LineProcedure

#: Version 1 throughout: fields added later (``procedure`` of a line, ``related_parties``)
#: are optional on reading, so that drafts stored before them load unchanged.
FORMAT_VERSION = 1

Json = dict[str, Any]


class SerializationError(ValueError):
    """Stored JSON that does not describe an invoice."""


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: Any) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise SerializationError(f"a decimal must be stored as text, got {value!r}")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise SerializationError(f"not a decimal: {value!r}") from None
    if not result.is_finite():
        raise SerializationError(f"not a finite decimal: {value!r}")
    return result


def _req_dec(value: Any) -> Decimal:
    result = _undec(value)
    if result is None:
        raise SerializationError("a required decimal is missing")
    return result


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _unday(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _req_day(value: Any) -> date:
    result = _unday(value)
    if result is None:
        raise SerializationError("a required date is missing")
    return result


# --- parties -------------------------------------------------------------------------------


def tax_id_to_json(tax_id: TaxId) -> Json:
    if isinstance(tax_id, PolishNip):
        return {"type": "nip", "nip": tax_id.nip}
    if isinstance(tax_id, EuVatNumber):
        return {"type": "eu", "country": tax_id.country, "number": tax_id.number}
    if isinstance(tax_id, OtherTaxId):
        return {"type": "other", "number": tax_id.number, "country": tax_id.country}
    return {"type": "none"}


def tax_id_from_json(data: Json) -> TaxId:
    kind = data.get("type")
    if kind == "nip":
        return PolishNip(data["nip"])
    if kind == "eu":
        return EuVatNumber(country=data["country"], number=data["number"])
    if kind == "other":
        return OtherTaxId(number=data["number"], country=data.get("country"))
    if kind == "none":
        return NoTaxId()
    raise SerializationError(f"unknown tax identifier type {kind!r}")


def party_to_json(party: Party) -> Json:
    address = party.address
    return {
        "tax_id": tax_id_to_json(party.tax_id),
        "name": party.name,
        "address": None
        if address is None
        else {"country": address.country, "line1": address.line1, "line2": address.line2},
        "email": party.email,
        "phone": party.phone,
    }


def party_from_json(data: Json) -> Party:
    raw = data.get("address")
    address = (
        None
        if raw is None
        else Address(country=raw["country"], line1=raw["line1"], line2=raw.get("line2"))
    )
    return Party(
        tax_id=tax_id_from_json(data["tax_id"]),
        name=data["name"],
        address=address,
        email=data.get("email"),
        phone=data.get("phone"),
    )


def identifier_text(tax_id: TaxId) -> str:
    """The identifier as one string for lists and searches ("" for no identifier)."""
    if isinstance(tax_id, PolishNip):
        return tax_id.nip
    if isinstance(tax_id, EuVatNumber):
        return tax_id.country + tax_id.number
    if isinstance(tax_id, OtherTaxId):
        return tax_id.number
    return ""


# --- lines and parts ------------------------------------------------------------------------


def _line_to_json(line: Line) -> Json:
    return {
        "name": line.name,
        "rate": None if line.rate is None else line.rate.value,
        "quantity": _dec(line.quantity),
        "unit_price": _dec(line.unit_price),
        "unit": line.unit,
        "discount": _dec(line.discount),
        "before_correction": line.before_correction,
        "exchange_rate": _dec(line.exchange_rate),
        "gtu": line.gtu,
        "value": _dec(line.value),
        "procedure": None if line.procedure is None else line.procedure.value,
    }


def _line_from_json(data: Json) -> Line:
    rate = data.get("rate")
    return Line(
        name=data["name"],
        rate=None if rate is None else VatRate(rate),
        quantity=_undec(data.get("quantity")),
        unit_price=_undec(data.get("unit_price")),
        unit=data.get("unit"),
        discount=_req_dec(data["discount"]),
        before_correction=bool(data["before_correction"]),
        exchange_rate=_undec(data.get("exchange_rate")),
        gtu=data.get("gtu"),
        value=_undec(data.get("value")),
        procedure=None if data.get("procedure") is None else LineProcedure(data["procedure"]),
    )


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise SerializationError(f"a flag must be stored as true or false, got {value!r}")
    return value


def _payment_to_json(payment: Payment) -> Json:
    return {
        "method": None if payment.method is None else int(payment.method),
        "due_date": _day(payment.due_date),
        "bank_account": payment.bank_account,
        "bank_name": payment.bank_name,
        "paid": payment.paid,
        "paid_date": _day(payment.paid_date),
        "payment_link": payment.payment_link,
        "ipksef": payment.ipksef,
    }


def _payment_from_json(data: Json) -> Payment:
    method = data.get("method")
    return Payment(
        method=None if method is None else PaymentMethod(method),
        due_date=_unday(data.get("due_date")),
        bank_account=data.get("bank_account"),
        bank_name=data.get("bank_name"),
        paid=bool(data["paid"]),
        paid_date=_unday(data.get("paid_date")),
        payment_link=data.get("payment_link"),
        ipksef=data.get("ipksef"),
    )


def _correction_to_json(correction: Correction) -> Json:
    return {
        "corrected": [
            {
                "issue_date": c.issue_date.isoformat(),
                "number": c.number,
                "ksef_number": c.ksef_number,
            }
            for c in correction.corrected
        ],
        "reason": correction.reason,
        "effect": None if correction.effect is None else int(correction.effect),
    }


def _correction_from_json(data: Json) -> Correction:
    effect = data.get("effect")
    return Correction(
        corrected=tuple(
            CorrectedInvoice(
                issue_date=_req_day(c["issue_date"]),
                number=c["number"],
                ksef_number=c.get("ksef_number"),
            )
            for c in data["corrected"]
        ),
        reason=data.get("reason"),
        effect=None if effect is None else CorrectionEffect(effect),
    )


def _totals_to_json(totals: Totals) -> Json:
    return {
        "groups": {
            group: {"net": _dec(t.net), "vat": _dec(t.vat), "vat_pln": _dec(t.vat_pln)}
            for group, t in totals.groups.items()
        },
        "gross": _dec(totals.gross),
    }


def _totals_from_json(data: Json) -> Totals:
    return Totals(
        groups={
            group: RateTotal(
                net=_req_dec(t["net"]), vat=_undec(t.get("vat")), vat_pln=_undec(t.get("vat_pln"))
            )
            for group, t in data["groups"].items()
        },
        gross=_req_dec(data["gross"]),
    )


# --- the invoice ---------------------------------------------------------------------------


def invoice_to_dict(invoice: Invoice) -> Json:
    if invoice.created_at.tzinfo is None:
        raise ValueError("created_at must be an aware datetime")
    return {
        "v": FORMAT_VERSION,
        "kind": invoice.kind.value,
        "number": invoice.number,
        "issue_date": invoice.issue_date.isoformat(),
        "seller": party_to_json(invoice.seller),
        "buyer": party_to_json(invoice.buyer),
        "lines": [_line_to_json(line) for line in invoice.lines],
        "created_at": invoice.created_at.isoformat(),
        "issue_place": invoice.issue_place,
        "sale_date": _day(invoice.sale_date),
        "sale_period": None
        if invoice.sale_period is None
        else [invoice.sale_period[0].isoformat(), invoice.sale_period[1].isoformat()],
        "currency": invoice.currency,
        "exchange_rate": _dec(invoice.exchange_rate),
        "exchange_rate_date": _day(invoice.exchange_rate_date),
        "prices_gross": invoice.prices_gross,
        "payment": None if invoice.payment is None else _payment_to_json(invoice.payment),
        "correction": None
        if invoice.correction is None
        else _correction_to_json(invoice.correction),
        "advance_received": _dec(invoice.advance_received),
        "exemption": None
        if invoice.exemption is None
        else {"basis": invoice.exemption.basis.value, "text": invoice.exemption.text},
        "split_payment": invoice.split_payment,
        "cash_accounting": invoice.cash_accounting,
        "self_billing": invoice.self_billing,
        "related_parties": invoice.related_parties,
        "notes": [[key, value] for key, value in invoice.notes],
        "footer": invoice.footer,
        "system_info": invoice.system_info,
        "declared": None if invoice.declared is None else _totals_to_json(invoice.declared),
    }


def invoice_from_dict(data: Json) -> Invoice:
    version = data.get("v")
    if version != FORMAT_VERSION:
        raise SerializationError(f"unknown invoice JSON format version {version!r}")
    try:
        period = data.get("sale_period")
        exemption = data.get("exemption")
        created_at = datetime.fromisoformat(data["created_at"])
        if created_at.tzinfo is None:
            raise SerializationError("created_at has no offset")
        return Invoice(
            kind=InvoiceKind(data["kind"]),
            number=data["number"],
            issue_date=_req_day(data["issue_date"]),
            seller=party_from_json(data["seller"]),
            buyer=party_from_json(data["buyer"]),
            lines=tuple(_line_from_json(line) for line in data["lines"]),
            created_at=created_at,
            issue_place=data.get("issue_place"),
            sale_date=_unday(data.get("sale_date")),
            sale_period=None if period is None else (_req_day(period[0]), _req_day(period[1])),
            currency=data["currency"],
            exchange_rate=_undec(data.get("exchange_rate")),
            exchange_rate_date=_unday(data.get("exchange_rate_date")),
            prices_gross=bool(data["prices_gross"]),
            payment=None if data.get("payment") is None else _payment_from_json(data["payment"]),
            correction=None
            if data.get("correction") is None
            else _correction_from_json(data["correction"]),
            advance_received=_undec(data.get("advance_received")),
            exemption=None
            if exemption is None
            else Exemption(basis=ExemptionBasis(exemption["basis"]), text=exemption["text"]),
            split_payment=bool(data["split_payment"]),
            cash_accounting=bool(data["cash_accounting"]),
            self_billing=bool(data["self_billing"]),
            related_parties=_flag(data.get("related_parties", False)),
            notes=tuple((str(k), str(v)) for k, v in data["notes"]),
            footer=data.get("footer"),
            system_info=data["system_info"],
            declared=None if data.get("declared") is None else _totals_from_json(data["declared"]),
        )
    except SerializationError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise SerializationError(f"stored invoice is malformed: {exc!r}") from None


def invoice_to_json(invoice: Invoice) -> str:
    return json.dumps(invoice_to_dict(invoice), ensure_ascii=False, sort_keys=True)


def invoice_from_json(text: str) -> Invoice:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SerializationError(f"stored invoice is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SerializationError("stored invoice is not a JSON object")
    return invoice_from_dict(data)
