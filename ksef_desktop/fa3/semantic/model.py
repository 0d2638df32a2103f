"""What a semantic check reports, and the FA(3) tree read the way the checks need it.

The checks read the lxml tree rather than the domain model: the model keeps what the
editor issues and drops much of what other programs write (P_13_x as declared, P_14_xW,
StanPrzed pairs, NrKSeFN, the order of an advance invoice, Rozliczenie, ...). Reading is
forgiving: a value that is missing or not a number/date is ``None`` and the checks that
need it stay silent (the XSD reports the malformed value), so a check never raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from ksef_desktop import i18n
from ksef_desktop.domain.invoice import VatRate
from ksef_desktop.domain.money import round_money, xml_decimal
from ksef_desktop.fa3.defect import LINE_PREFIX
from ksef_desktop.fa3.schema import FA3_NAMESPACE
from ksef_desktop.i18n import N_

NS = "{" + FA3_NAMESPACE + "}"
PATH_PREFIX = N_("{path}: {message}")
WARNING_PREFIX = N_("warning: {message}")

CORRECTIONS = frozenset({"KOR", "KOR_ZAL", "KOR_ROZ"})
ADVANCE_KINDS = frozenset({"ZAL", "KOR_ZAL"})
SETTLEMENT_KINDS = frozenset({"ROZ", "KOR_ROZ"})
#: Kinds whose P_13_x/P_14_x are the sums of their FaWiersz (differences for KOR).
LINE_TOTAL_KINDS = frozenset({"VAT", "KOR", "UPR"})
#: P_13_x groups that have a Polish tax amount P_14_x (and P_14_xW in a foreign currency).
TAXED_GROUPS = ("1", "2", "3", "4")
#: Every P_13_x suffix, in schema order.
ALL_GROUPS = ("1", "2", "3", "4", "5", "6_1", "6_2", "6_3", "7", "8", "9", "10", "11")
#: The rates a group may hold when no line says which (FA(3) groups 23 % with 22 %, ...).
GROUP_PERCENTS: dict[str, tuple[Decimal, ...]] = {
    "1": (Decimal(23), Decimal(22)),
    "2": (Decimal(8), Decimal(7)),
    "3": (Decimal(5),),
    "4": (Decimal(4), Decimal(3)),
}
GROSZ = Decimal("0.01")


@dataclass(frozen=True)
class SemanticWarning:
    """A mistake KSeF accepts: the rule's stable ``code``, the element and the values.

    ``msgid`` is the English message with ``{placeholders}`` filled from ``params`` (the
    values found and expected); ``path`` names the element (``Fa/FaWiersz[2]/P_11``) and
    ``line`` its line in the file when the tree came from one.
    """

    code: str
    path: str
    msgid: str
    params: Mapping[str, str] = field(default_factory=dict)
    line: int | None = None

    def __hash__(self) -> int:
        return hash((self.code, self.path, self.msgid, tuple(sorted(self.params.items()))))

    def message(self, lang: str | None = None) -> str:
        """The rule's message alone, in ``lang`` (None: the current language)."""
        return i18n.translations(lang).gettext(self.msgid).format_map(dict(self.params))

    def text(self, lang: str | None = None) -> str:
        """``path: message``: what the editor and lists show."""
        catalog = i18n.translations(lang)
        return catalog.gettext(PATH_PREFIX).format(path=self.path, message=self.message(lang))

    def located(self, lang: str | None = None) -> str:
        """``warning: line N: path: message``: what ``validate`` prints after the file name."""
        catalog = i18n.translations(lang)
        text = self.text(lang)
        if self.line is not None:
            text = catalog.gettext(LINE_PREFIX).format(line=self.line, message=text)
        return catalog.gettext(WARNING_PREFIX).format(message=text)

    def __str__(self) -> str:
        return self.text()


# --- reading values --------------------------------------------------------------------------


def local_name(element: etree._Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class Paths:
    """``Fa/FaWiersz[2]/P_11``: an element's path below the root, with 1-based indexes
    where a parent holds more than one element of that name. The indexes of a parent's
    children are counted once, so 10 000 warnings on 10 000 lines stay linear."""

    def __init__(self) -> None:
        self._indexes: dict[tuple[etree._Element, object], dict[etree._Element, int]] = {}

    def _index(self, parent: etree._Element, node: etree._Element) -> tuple[int, int]:
        key = (parent, node.tag)
        indexes = self._indexes.get(key)
        if indexes is None:
            same = [c for c in parent if c.tag == node.tag]
            indexes = {c: i for i, c in enumerate(same, start=1)}
            self._indexes[key] = indexes
        return indexes.get(node, 1), len(indexes)

    def __call__(self, element: etree._Element) -> str:
        parts: list[str] = []
        node: etree._Element | None = element
        while node is not None:
            parent = node.getparent()
            if parent is None:
                break
            index, count = self._index(parent, node)
            name = local_name(node)
            parts.append(f"{name}[{index}]" if count > 1 else name)
            node = parent
        return "/".join(reversed(parts))


def path_of(element: etree._Element) -> str:
    """The path of one element (see ``Paths``)."""
    return Paths()(element)


def child(node: etree._Element | None, name: str) -> etree._Element | None:
    return None if node is None else node.find(NS + name)


def children(node: etree._Element | None, name: str) -> list[etree._Element]:
    return [] if node is None else node.findall(NS + name)


def text_of(node: etree._Element | None, name: str | None = None) -> str | None:
    element = node if name is None else child(node, name)
    if element is None or element.text is None:
        return None
    value = element.text.strip()
    return value or None


#: A number as the XSD writes one (no exponent, no NaN), with no more digits than the
#: widest FA(3) number type has (22): ``9e999999999`` is an XSD error, not an amount to
#: multiply, and would overflow the arithmetic of the checks.
_XSD_DECIMAL = re.compile(r"\s*[+-]?(?=[0-9.]{1,40}\s*$)([0-9]{1,30}(\.[0-9]*)?|\.[0-9]+)\s*")


def to_decimal(text: str | None) -> Decimal | None:
    if text is None or _XSD_DECIMAL.fullmatch(text) is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def to_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Value:
    """A number found in the file, with the element that holds it."""

    amount: Decimal
    element: etree._Element
    raw: str

    @property
    def line(self) -> int | None:
        return self.element.sourceline


def _number(element: etree._Element | None) -> Value | None:
    raw = text_of(element)
    amount = to_decimal(raw)
    if element is None or raw is None or amount is None:
        return None
    return Value(amount, element, raw)


def value_of(node: etree._Element | None, name: str) -> Value | None:
    return _number(child(node, name))


def money(value: Decimal) -> str:
    """An amount as FA(3) writes it: ``1234.50``, ``-37.40``."""
    return xml_decimal(value, 2)


def number(value: Decimal) -> str:
    return xml_decimal(value)


def rounded(value: Decimal) -> Decimal:
    """Half up to grosze, as art. 106e ust. 10-11 and every invoicing program round."""
    return round_money(value)


# --- lines -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    """One FaWiersz or ZamowienieWiersz, its numbers read forgivingly (read-only by
    convention; not frozen, which costs a tenth of the reading of a 10 000-line file)."""

    element: etree._Element
    number: str | None
    number_element: etree._Element | None  # NrWierszaFa / NrWierszaZam
    quantity: Value | None
    price: Value | None  # P_9A (net) or P_9AZ
    gross_price: Value | None  # P_9B
    discount: Value | None  # P_10
    net: Value | None  # P_11 or P_11NettoZ
    gross: Value | None  # P_11A
    vat: Value | None  # P_11Vat or P_11VatZ
    rate_text: str | None  # P_12 / P_12Z as written
    group: str | None  # the P_13_x suffix the line sums into; None when unknown
    before: bool  # the "before" row of a correction: StanPrzed / StanPrzedZ in a KOR*
    marked_before: bool  # StanPrzed / StanPrzedZ = 1 whatever the kind (a mistake outside KOR*)
    exchange_rate: Value | None  # KursWaluty
    sale_date: date | None  # P_6A
    sale_date_element: etree._Element | None
    rate: VatRate | None = field(init=False)
    percent: Decimal | None = field(init=False)  # None for zw, np, oo and unknown rates

    def __post_init__(self) -> None:
        self.rate = _RATES.get(self.rate_text) if self.rate_text is not None else None
        self.percent = self.rate.percent if self.rate is not None else None

    @property
    def sign(self) -> int:
        return -1 if self.before else 1


_RATES = {rate.value: rate for rate in VatRate}


def _group(rate_text: str | None, has_xii: bool, margin: bool) -> str | None:
    if rate_text is not None:
        rate = _RATES.get(rate_text)
        return rate.group if rate is not None else None
    if has_xii:
        return "5"  # the special procedure of dział XII rozdział 6a (OSS): P_12_XII
    if margin:
        return "11"  # margin schemes (art. 119, 120) carry no rate
    return None


def _by_name(node: etree._Element) -> dict[str, etree._Element]:
    """A row's children by local name (the first of each), read in one pass."""
    found: dict[str, etree._Element] = {}
    for element in node:
        found.setdefault(local_name(element), element)
    return found


def _line(node: etree._Element, margin: bool, correction: bool) -> Row:
    parts = _by_name(node)
    rate_text = text_of(parts.get("P_12"))
    sale = parts.get("P_6A")
    marked = text_of(parts.get("StanPrzed")) == "1"
    return Row(
        element=node,
        number=text_of(parts.get("NrWierszaFa")),
        number_element=parts.get("NrWierszaFa"),
        quantity=_number(parts.get("P_8B")),
        price=_number(parts.get("P_9A")),
        gross_price=_number(parts.get("P_9B")),
        discount=_number(parts.get("P_10")),
        net=_number(parts.get("P_11")),
        gross=_number(parts.get("P_11A")),
        vat=_number(parts.get("P_11Vat")),
        rate_text=rate_text,
        group=_group(rate_text, "P_12_XII" in parts, margin),
        before=marked and correction,
        marked_before=marked,
        exchange_rate=_number(parts.get("KursWaluty")),
        sale_date=to_date(text_of(sale)),
        sale_date_element=sale,
    )


def _order_row(node: etree._Element, correction: bool) -> Row:
    parts = _by_name(node)
    rate_text = text_of(parts.get("P_12Z"))
    marked = text_of(parts.get("StanPrzedZ")) == "1"
    return Row(
        element=node,
        number=text_of(parts.get("NrWierszaZam")),
        number_element=parts.get("NrWierszaZam"),
        quantity=_number(parts.get("P_8BZ")),
        price=_number(parts.get("P_9AZ")),
        gross_price=None,
        discount=None,
        net=_number(parts.get("P_11NettoZ")),
        gross=None,
        vat=_number(parts.get("P_11VatZ")),
        rate_text=rate_text,
        group=_group(rate_text, "P_12Z_XII" in parts, margin=False),
        before=marked and correction,
        marked_before=marked,
        exchange_rate=None,
        sale_date=None,
        sale_date_element=None,
    )


# --- the document ----------------------------------------------------------------------------

_NIP = re.compile(r"[1-9]((\d[1-9])|([1-9]\d))\d{7}", re.ASCII)


class Doc:
    """The parts of an FA(3) ``Faktura`` the semantic checks read."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        fa = child(root, "Fa")
        self.fa: etree._Element = fa if fa is not None else etree.Element(NS + "Fa")
        self.kind = text_of(self.fa, "RodzajFaktury") or ""
        self.currency = text_of(self.fa, "KodWaluty") or ""
        self.issue_date = to_date(text_of(self.fa, "P_1"))
        self.annotations = child(self.fa, "Adnotacje")
        margin = text_of(child(self.annotations, "PMarzy"), "P_PMarzy") == "1"
        # Outside a correction a StanPrzed row counts as an ordinary one (and is a warning).
        correction = self.kind in CORRECTIONS
        self.lines = [_line(n, margin, correction) for n in children(self.fa, "FaWiersz")]
        self.order = child(self.fa, "Zamowienie")
        rows = children(self.order, "ZamowienieWiersz")
        self.order_rows = [_order_row(node, correction) for node in rows]
        self.net: dict[str, Value] = {}
        self.vat: dict[str, Value] = {}
        self.vat_pln: dict[str, Value] = {}
        for group in ALL_GROUPS:
            for target, name in (
                (self.net, f"P_13_{group}"),
                (self.vat, f"P_14_{group}"),
                (self.vat_pln, f"P_14_{group}W"),
            ):
                found = value_of(self.fa, name)
                if found is not None:
                    target[group] = found
        self.total = value_of(self.fa, "P_15")

    @property
    def is_correction(self) -> bool:
        return self.kind in CORRECTIONS

    @property
    def is_foreign(self) -> bool:
        return bool(self.currency) and self.currency != "PLN"

    def seller_nip(self) -> str | None:
        nip = text_of(child(child(self.root, "Podmiot1"), "DaneIdentyfikacyjne"), "NIP")
        return nip if nip is not None and _NIP.fullmatch(nip) else None

    def buyer_ids(self) -> etree._Element | None:
        return child(child(self.root, "Podmiot2"), "DaneIdentyfikacyjne")

    def annotation(self, name: str) -> str | None:
        return text_of(self.annotations, name)

    def declared(self, group: str) -> Decimal:
        """P_13_x + P_14_x of ``group`` (a missing element counts as zero)."""
        net = self.net.get(group)
        vat = self.vat.get(group)
        return (net.amount if net else Decimal(0)) + (vat.amount if vat else Decimal(0))

    def iter_named(self, name: str) -> Iterator[etree._Element]:
        return self.root.iter(NS + name)


class Report:
    """The warnings a check adds, each pointing at an element."""

    def __init__(self) -> None:
        self.warnings: list[SemanticWarning] = []
        self.path = Paths()

    def add(self, code: str, where: etree._Element, msgid: str, **params: object) -> None:
        self.warnings.append(
            SemanticWarning(
                code=code,
                path=self.path(where),
                msgid=msgid,
                params={k: str(v) for k, v in params.items()},
                line=where.sourceline,
            )
        )
