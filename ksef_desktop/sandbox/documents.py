"""What the sandbox checks in an invoice file and the facts it reads from it.

The checks are the project's FA(3) validation (``ksef_desktop.fa3.validate``: bytes,
hardened parsing, processing instructions, the official XSD under a lock, what the XSD
misses), as KSEF-PROTOCOL.md §3.2 lists them; the sandbox adds the form code of the
session. A future issue date is a semantic error (450); every other defect is a file
error (430).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from ksef_desktop.fa3.schema import FA3_NAMESPACE, FA3_SYSTEM_CODE
from ksef_desktop.fa3.validate import validate
from ksef_desktop.fa3.xmlsafe import parse_untrusted

MAX_INVOICE_WITH_ATTACHMENT_SIZE = 3_000_000
SEMANTIC_DEFECTS = frozenset({"issue-date-future"})
_NS = {"f": FA3_NAMESPACE}
_MAX_DETAILS = 5

INVOICE_TYPES = {
    "VAT": "Vat",
    "ZAL": "Zal",
    "KOR": "Kor",
    "ROZ": "Roz",
    "UPR": "Upr",
    "KOR_ZAL": "KorZal",
    "KOR_ROZ": "KorRoz",
}


class InvalidDocument(ValueError):
    """Status 430: the file is not a valid invoice of the session's schema."""

    status = 430

    def __init__(self, *details: str) -> None:
        super().__init__("; ".join(details))
        self.details = list(details)


class SemanticError(InvalidDocument):
    """Status 450: a valid file whose content KSeF refuses (e.g. P_1 in the future)."""

    status = 450


@dataclass
class InvoiceFacts:
    seller_nip: str
    seller_name: str | None
    kind: str  # RodzajFaktury
    number: str  # P_2
    issue_date: str  # P_1
    currency: str
    gross: str | None
    net: str
    vat: str
    buyer: dict[str, Any]
    has_attachment: bool
    self_invoicing: bool
    third_subjects: list[dict[str, Any]] = field(default_factory=list)


def _text(root: etree._Element, path: str) -> str | None:
    found = root.find(path, _NS)
    # XML whitespace only (XSD "collapse"); str.strip() would also eat U+00A0 and friends.
    return found.text.strip(" \t\r\n") if found is not None and found.text else None


def _sum(root: etree._Element, names: list[str]) -> str:
    total = Decimal(0)
    for name in names:
        value = _text(root, f"f:Fa/f:{name}")
        if value:
            try:
                total += Decimal(value)
            except InvalidOperation:
                continue
    return str(total)


def _party(node: etree._Element | None) -> dict[str, Any]:
    if node is None:
        return {"identifier": {"type": "None"}, "name": None}
    ident = node.find("f:DaneIdentyfikacyjne", _NS)
    name = _text(node, "f:DaneIdentyfikacyjne/f:Nazwa")
    if ident is None:
        return {"identifier": {"type": "None"}, "name": name}
    nip = _text(ident, "f:NIP")
    if nip:
        return {"identifier": {"type": "Nip", "value": nip}, "name": name}
    vat = _text(ident, "f:NrVatUE")
    if vat:
        code = _text(ident, "f:KodUE") or ""
        return {"identifier": {"type": "VatUe", "value": f"{code}{vat}"}, "name": name}
    other = _text(ident, "f:NrID")
    if other:
        return {"identifier": {"type": "Other", "value": other}, "name": name}
    return {"identifier": {"type": "None"}, "name": name}


def check_invoice(data: bytes, form_code: dict[str, str], *, today: date) -> InvoiceFacts:
    """Raise InvalidDocument (430) or SemanticError (450), or return the invoice's facts.

    ``today`` is the day of acceptance (Europe/Warsaw).
    """
    if form_code.get("systemCode") != FA3_SYSTEM_CODE:
        raise InvalidDocument("Sandbox weryfikuje wyłącznie faktury FA (3).")
    defects = validate(data, today=today)
    if defects:
        file_defects = [d for d in defects if d.code not in SEMANTIC_DEFECTS]
        error = InvalidDocument if file_defects else SemanticError
        raise error(*(d.text("pl") for d in (file_defects or defects)[:_MAX_DETAILS]))
    root = parse_untrusted(data)
    code = root.find("f:Naglowek/f:KodFormularza", _NS)
    if code is None or (
        code.get("kodSystemowy") != form_code.get("systemCode")
        or code.get("wersjaSchemy") != form_code.get("schemaVersion")
        or (code.text or "").strip() != form_code.get("value")
    ):
        raise InvalidDocument("Kod formularza faktury nie zgadza się z kodem formularza sesji.")
    kind = _text(root, "f:Fa/f:RodzajFaktury") or ""
    return InvoiceFacts(
        seller_nip=_text(root, "f:Podmiot1/f:DaneIdentyfikacyjne/f:NIP") or "",
        seller_name=_text(root, "f:Podmiot1/f:DaneIdentyfikacyjne/f:Nazwa"),
        kind=kind,
        number=_text(root, "f:Fa/f:P_2") or "",
        issue_date=_text(root, "f:Fa/f:P_1") or "",
        currency=_text(root, "f:Fa/f:KodWaluty") or "PLN",
        gross=_text(root, "f:Fa/f:P_15"),
        net=_sum(root, [f"P_13_{i}" for i in range(1, 12)]),
        vat=_sum(root, ["P_14_1", "P_14_2", "P_14_3", "P_14_4", "P_14_5"]),
        buyer=_party(root.find("f:Podmiot2", _NS)),
        has_attachment=root.find("f:Zalacznik", _NS) is not None,
        self_invoicing=_text(root, "f:Fa/f:Adnotacje/f:P_17") == "1",
        third_subjects=[_party(p) for p in root.findall("f:Podmiot3", _NS)],
    )
