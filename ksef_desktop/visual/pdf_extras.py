"""What the visualisation shows that the domain model does not carry.

The domain ``Invoice`` holds what this program issues; files from other programs may
hold more (third parties, the margin scheme, advance invoices settled, an attachment).
This reads those few parts straight from the (already parsed, hardened) XML tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

from ksef_desktop.fa3.parse import decimal_value
from ksef_desktop.fa3.schema import FA3_NAMESPACE
from ksef_desktop.fa3.xmlsafe import parse_untrusted

_NS = {"f": FA3_NAMESPACE}

#: Podmiot3/Rola codes (FA(3) TRolaPodmiotu3) → (pl, en).
THIRD_PARTY_ROLES: dict[str, tuple[str, str]] = {
    "1": ("Faktor", "Factor"),
    "2": ("Odbiorca", "Recipient"),
    "3": ("Podmiot pierwotny", "Original entity"),
    "4": ("Dodatkowy nabywca", "Additional buyer"),
    "5": ("Wystawca faktury", "Invoice issuer"),
    "6": ("Dokonujący płatności", "Payer"),
    "7": ("JST - wystawca", "Local government unit - issuer"),
    "8": ("JST - odbiorca", "Local government unit - recipient"),
    "9": ("Członek grupy VAT - wystawca", "VAT group member - issuer"),
    "10": ("Członek grupy VAT - odbiorca", "VAT group member - recipient"),
    "11": ("Pracownik", "Employee"),
}


@dataclass(frozen=True)
class ThirdParty:
    name: str
    identifier: str  # "NIP 1234567890", an EU VAT number, another id or ""
    address: tuple[str, ...]
    role: tuple[str, str] | None  # (pl, en)
    role_other: str | None  # RolaInna/OpisRoli


@dataclass(frozen=True)
class AttachmentTable:
    title: str | None
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    totals: tuple[str, ...] | None
    meta: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AttachmentBlock:
    heading: str | None
    meta: tuple[tuple[str, str], ...]
    paragraphs: tuple[str, ...]
    tables: tuple[AttachmentTable, ...]


@dataclass(frozen=True)
class Extras:
    third_parties: tuple[ThirdParty, ...] = ()
    margin: str | None = None  # the P_PMarzy_* element set to 1
    reverse_charge: bool = False  # P_18
    advance_invoices: tuple[str, ...] = ()  # KSeF numbers or numbers of settled advances
    order_value: Decimal | None = None  # WartoscZamowienia
    attachment: tuple[AttachmentBlock, ...] = field(default=())
    line_numbers: tuple[str, ...] = ()  # NrWierszaFa / NrWierszaZam, in document order
    corrected_buyers: tuple[ThirdParty, ...] = ()  # Podmiot2K: the buyer as first invoiced

    @property
    def has_attachment(self) -> bool:
        return bool(self.attachment)


def _text(node: etree._Element | None, path: str) -> str | None:
    if node is None:
        return None
    found = node.find(path, _NS)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _texts(node: etree._Element, path: str) -> tuple[str, ...]:
    return tuple((n.text or "").strip() for n in node.findall(path, _NS))


def _identifier(ident: etree._Element | None) -> str:
    if ident is None:
        return ""
    nip = _text(ident, "f:NIP")
    if nip:
        return f"NIP {nip}"
    eu = _text(ident, "f:NrVatUE")
    if eu:
        return f"{_text(ident, 'f:KodUE') or ''}{eu}"
    other = _text(ident, "f:NrID")
    if other:
        country = _text(ident, "f:KodKraju")
        return f"{country} {other}" if country else other
    internal = _text(ident, "f:IDWew")
    return internal or ""


def _third_party(node: etree._Element) -> ThirdParty:
    ident = node.find("f:DaneIdentyfikacyjne", _NS)
    adres = node.find("f:Adres", _NS)
    address = tuple(line for line in (_text(adres, "f:AdresL1"), _text(adres, "f:AdresL2")) if line)
    role = _text(node, "f:Rola")
    return ThirdParty(
        name=_text(ident, "f:Nazwa") or "",
        identifier=_identifier(ident),
        address=address,
        role=THIRD_PARTY_ROLES.get(role) if role else None,
        role_other=_text(node, "f:OpisRoli"),
    )


def _table(node: etree._Element) -> AttachmentTable:
    header = _texts(node, "f:TNaglowek/f:Kol/f:NKom")
    rows = tuple(_texts(row, "f:WKom") for row in node.findall("f:Wiersz", _NS))
    totals_node = node.find("f:Suma", _NS)
    meta = tuple(
        (_text(m, "f:TKlucz") or "", _text(m, "f:TWartosc") or "")
        for m in node.findall("f:TMetaDane", _NS)
    )
    return AttachmentTable(
        title=_text(node, "f:Opis"),
        header=header,
        rows=rows,
        totals=_texts(totals_node, "f:SKom") if totals_node is not None else None,
        meta=meta,
    )


def _block(node: etree._Element) -> AttachmentBlock:
    meta = tuple(
        (_text(m, "f:ZKlucz") or "", _text(m, "f:ZWartosc") or "")
        for m in node.findall("f:MetaDane", _NS)
    )
    paragraphs = _texts(node, "f:Tekst/f:Akapit")
    tables = tuple(_table(t) for t in node.findall("f:Tabela", _NS))
    return AttachmentBlock(_text(node, "f:ZNaglowek"), meta, paragraphs, tables)


def read_extras(xml: bytes) -> Extras:
    root = parse_untrusted(xml)
    fa = root.find("f:Fa", _NS)
    annotations = fa.find("f:Adnotacje", _NS) if fa is not None else None
    margin = None
    if annotations is not None and _text(annotations, "f:PMarzy/f:P_PMarzy") == "1":
        for name in ("P_PMarzy_2", "P_PMarzy_3_1", "P_PMarzy_3_2", "P_PMarzy_3_3"):
            if _text(annotations, f"f:PMarzy/f:{name}") == "1":
                margin = name
                break
        else:
            margin = "P_PMarzy"
    advances: list[str] = []
    order_value = None
    if fa is not None:
        for adv in fa.findall("f:FakturaZaliczkowa", _NS):
            number = _text(adv, "f:NrKSeFFaZaliczkowej") or _text(adv, "f:NrFaZaliczkowej")
            if number:
                advances.append(number)
        value = _text(fa, "f:Zamowienie/f:WartoscZamowienia")
        if value is not None:
            try:
                order_value = decimal_value(value)
            except ValueError:
                order_value = None
    attachment = root.find("f:Zalacznik", _NS)
    numbers: tuple[str, ...] = ()
    if fa is not None:
        numbers = _texts(fa, "f:FaWiersz/f:NrWierszaFa") or _texts(
            fa, "f:Zamowienie/f:ZamowienieWiersz/f:NrWierszaZam"
        )
    return Extras(
        corrected_buyers=tuple(_third_party(p) for p in fa.findall("f:Podmiot2K", _NS))
        if fa is not None
        else (),
        line_numbers=numbers,
        third_parties=tuple(_third_party(p) for p in root.findall("f:Podmiot3", _NS)),
        margin=margin,
        reverse_charge=_text(annotations, "f:P_18") == "1",
        advance_invoices=tuple(advances),
        order_value=order_value,
        attachment=tuple(_block(b) for b in attachment.findall("f:BlokDanych", _NS))
        if attachment is not None
        else (),
    )
