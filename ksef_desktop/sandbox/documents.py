"""What the sandbox checks in an invoice file and the facts it reads from it.

Checks follow KSEF-PROTOCOL.md §3.2 ("Invoice checks"): UTF-8 without BOM, no processing
instructions, no discouraged characters, hardened parsing, the FA(3) XSD (guarded by a
lock: lxml schema objects are not thread-safe), the form code of the session, size.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from ksef_desktop.fa3.schema import FA3_NAMESPACE, FA3_SYSTEM_CODE, fa3_schema
from ksef_desktop.fa3.xmlsafe import UnsafeXmlError, parse_untrusted

MAX_INVOICE_SIZE = 1_000_000
MAX_INVOICE_WITH_ATTACHMENT_SIZE = 3_000_000
_SCHEMA_LOCK = threading.Lock()
_NS = {"f": FA3_NAMESPACE}
_DISCOURAGED = re.compile(
    "[\x7f-\x84\x86-\x9f\ufdd0-\ufdef"
    + "".join(f"{chr(p * 0x10000 + 0xFFFE)}-{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17))
    + "]"
)
_ENCODING_DECL = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']""")

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

    def __init__(self, *details: str) -> None:
        super().__init__("; ".join(details))
        self.details = list(details)


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


def check_invoice(data: bytes, form_code: dict[str, str]) -> InvoiceFacts:
    """Raise InvalidDocument (status 430) or return the facts the sandbox needs."""
    if form_code.get("systemCode") != FA3_SYSTEM_CODE:
        raise InvalidDocument("Sandbox weryfikuje wyłącznie faktury FA (3).")
    if data.startswith(b"\xef\xbb\xbf"):
        raise InvalidDocument("Plik faktury zawiera znacznik BOM; wymagane jest UTF-8 bez BOM.")
    declared = _ENCODING_DECL.match(data)
    if declared and declared.group(1).decode("ascii", "replace").lower() not in ("utf-8", "utf8"):
        raise InvalidDocument("Plik faktury musi być zakodowany w UTF-8.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidDocument("Plik faktury nie jest poprawnym tekstem UTF-8.") from exc
    if _DISCOURAGED.search(text):
        raise InvalidDocument("Plik faktury zawiera niedozwolone znaki Unicode.")
    try:
        root = parse_untrusted(data)
    except UnsafeXmlError as exc:
        raise InvalidDocument(f"Niedozwolona konstrukcja XML: {exc}.") from exc
    except etree.XMLSyntaxError as exc:
        raise InvalidDocument(f"Plik faktury nie jest poprawnym dokumentem XML: {exc}") from exc
    tree = root.getroottree()
    for node in tree.iter():
        if isinstance(node, etree._ProcessingInstruction):
            raise InvalidDocument("Plik faktury zawiera instrukcje przetwarzania.")
    for sibling in root.itersiblings(preceding=True):
        if isinstance(sibling, etree._ProcessingInstruction):
            raise InvalidDocument("Plik faktury zawiera instrukcje przetwarzania.")
    has_attachment = root.find("f:Zalacznik", _NS) is not None
    limit = MAX_INVOICE_WITH_ATTACHMENT_SIZE if has_attachment else MAX_INVOICE_SIZE
    if len(data) > limit:
        raise InvalidDocument(f"Przekroczono dopuszczalny rozmiar faktury ({limit} B).")
    if root.tag != f"{{{FA3_NAMESPACE}}}Faktura":
        raise InvalidDocument("Dokument nie jest fakturą w schemacie FA (3).")
    code = root.find("f:Naglowek/f:KodFormularza", _NS)
    if code is None or (
        code.get("kodSystemowy") != form_code.get("systemCode")
        or code.get("wersjaSchemy") != form_code.get("schemaVersion")
        or (code.text or "").strip() != form_code.get("value")
    ):
        raise InvalidDocument("Kod formularza faktury nie zgadza się z kodem formularza sesji.")
    schema = fa3_schema()
    with _SCHEMA_LOCK:
        valid = schema.validate(tree)
        errors = [f"Linia {e.line}: {e.message}" for e in list(schema.error_log)[:5]]
    if not valid:
        raise InvalidDocument("Faktura niezgodna ze schematem FA (3).", *errors)
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
        has_attachment=has_attachment,
        self_invoicing=_text(root, "f:Fa/f:Adnotacje/f:P_17") == "1",
        third_subjects=[_party(p) for p in root.findall("f:Podmiot3", _NS)],
    )
