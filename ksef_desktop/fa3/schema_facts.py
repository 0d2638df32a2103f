"""Facts read once from the vendored FA(3) XSD that the pre-flight checks need.

Which elements hold an enumeration (and its literals), which hold a country or currency
code, and the built-in XSD type under each named simple type (to say "not a valid date"
instead of repeating libxml2's type names). Reading them from the schema itself keeps the
checks in step with the schema the invoices are validated against.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

from lxml import etree

_XS = "{http://www.w3.org/2001/XMLSchema}"
_FILES = (
    ("FA", "schemat_FA(3)_v1-0E.xsd"),
    ("FA", "bazowe/StrukturyDanych_v10-0E.xsd"),
    ("FA", "bazowe/ElementarneTypyDanych_v10-0E.xsd"),
    ("FA", "bazowe/KodyKrajow_v10-0E.xsd"),
)
# Named enumerations of upper-case codes (ISO 3166 countries, EU prefixes, ISO 4217).
_COUNTRY_TYPES = frozenset({"TKodKraju", "TKodyKrajowUE"})
_CURRENCY_TYPES = frozenset({"TKodWaluty"})


@dataclass(frozen=True)
class EnumField:
    """An element whose value must be one of ``values``; ``kind`` is "country",
    "currency" or "" (any other enumeration)."""

    values: frozenset[str]
    kind: str


@dataclass(frozen=True)
class SchemaFacts:
    enum_fields: dict[str, EnumField]  # element local name -> its enumeration
    primitives: dict[str, str]  # named simple type -> built-in XSD type ("date", ...)
    # element local name -> built-in XSD type of its anonymous simple type, for names
    # declared with one such type only (libxml2 calls it "the local atomic type")
    local_primitives: dict[str, str]


def _documents() -> Iterator[etree._Element]:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    base = resources.files("ksef_desktop.resources").joinpath("schemas")
    for folder, name in _FILES:
        with base.joinpath(folder, *name.split("/")).open("rb") as fh:
            yield etree.parse(fh, parser=parser).getroot()


def _local(qname: str | None) -> str:
    return (qname or "").rpartition(":")[2]


class _Resolver:
    """Follows ``xsd:restriction base=...`` chains through named simple types."""

    def __init__(self, named: dict[str, etree._Element]) -> None:
        self.named = named

    def chain(self, simple_type: etree._Element) -> Iterator[tuple[str, etree._Element | None]]:
        """(type name, its restriction) from ``simple_type`` down to a built-in type."""
        current: etree._Element | None = simple_type
        seen: set[str] = set()
        name = simple_type.get("name") or ""
        while current is not None:
            restriction = current.find(f"{_XS}restriction")
            yield name, restriction
            if restriction is None:
                return
            name = _local(restriction.get("base"))
            if name in seen:
                return
            seen.add(name)
            current = self.named.get(name)
        yield name, None  # the built-in type at the bottom

    def enum_field(self, simple_type: etree._Element) -> EnumField | None:
        values: frozenset[str] | None = None
        kind = ""
        for name, restriction in self.chain(simple_type):
            if name in _COUNTRY_TYPES:
                kind = "country"
            elif name in _CURRENCY_TYPES:
                kind = "currency"
            if values is None and restriction is not None:
                found = [e.get("value", "") for e in restriction.findall(f"{_XS}enumeration")]
                if found:
                    values = frozenset(found)
        return None if values is None else EnumField(values, kind)

    def primitive(self, simple_type: etree._Element) -> str:
        last = ""
        for name, _restriction in self.chain(simple_type):
            last = name
        return "" if last in self.named else last


@functools.cache
def schema_facts() -> SchemaFacts:
    roots = list(_documents())
    named: dict[str, etree._Element] = {}
    for root in roots:
        for simple in root.iter(f"{_XS}simpleType"):
            if simple.get("name"):
                named[simple.get("name", "")] = simple
    resolver = _Resolver(named)

    by_element: dict[str, list[EnumField | None]] = {}
    local_kinds: dict[str, set[str]] = {}
    for root in roots:
        for element in root.iter(f"{_XS}element"):
            name = element.get("name")
            if not name:
                continue
            type_name = _local(element.get("type"))
            declared = named.get(type_name) if type_name else element.find(f"{_XS}simpleType")
            field = resolver.enum_field(declared) if declared is not None else None
            by_element.setdefault(name, []).append(field)
            if not type_name and declared is not None:
                local_kinds.setdefault(name, set()).add(resolver.primitive(declared))

    enum_fields: dict[str, EnumField] = {}
    for name, fields in by_element.items():
        # Only names that are an enumeration wherever they are declared.
        if fields and all(f is not None for f in fields):
            present = [f for f in fields if f is not None]
            values = frozenset().union(*(f.values for f in present))
            kinds = {f.kind for f in present}
            enum_fields[name] = EnumField(values, kinds.pop() if len(kinds) == 1 else "")
    primitives = {name: resolver.primitive(simple) for name, simple in named.items()}
    local_primitives = {name: kinds.pop() for name, kinds in local_kinds.items() if len(kinds) == 1}
    return SchemaFacts(
        enum_fields=enum_fields, primitives=primitives, local_primitives=local_primitives
    )
