"""The official JPK_V7M(3) schema set, loaded once from resources/ with no network.

The set (resources/schemas/JPK_V7M/, provenance in resources/schemas/README.md) is the
main schema and its three imports, whose ``schemaLocation`` names the local files.
"""

from __future__ import annotations

import functools
import threading
from importlib import resources

from lxml import etree

JPK_NAMESPACE = "http://crd.gov.pl/wzor/2025/12/19/14090/"
ETD_NAMESPACE = "http://crd.gov.pl/xml/schematy/dziedzinowe/mf/2022/09/13/eD/DefinicjeTypy/"
KUS_NAMESPACE = "http://crd.gov.pl/xml/schematy/dziedzinowe/mf/2022/01/05/eD/KodyUrzedowSkarbowych/"
XSD_NAMESPACE = "http://www.w3.org/2001/XMLSchema"

#: Naglowek/KodFormularza and its fixed attributes.
FORM_CODE = "JPK_VAT"
SYSTEM_CODE = "JPK_V7M (3)"
SCHEMA_VERSION = "1-0E"
FORM_VARIANT = "3"
#: Deklaracja/Naglowek/KodFormularzaDekl and its fixed attributes.
DECLARATION_FORM_CODE = "VAT-7"
DECLARATION_SYSTEM_CODE = "VAT-7 (23)"
DECLARATION_VARIANT = "23"

_FOLDER = ("schemas", "JPK_V7M")
MAIN_FILE = "Schemat_JPK_V7M(3)_v1-0E.xsd"
TAX_OFFICES_FILE = "KodyUrzedowSkarbowych.xsd"
COUNTRIES_FILE = "KodyKrajow.xsd"

# An lxml XMLSchema must not validate in two threads at once (its error log is shared).
_lock = threading.Lock()


def _parse(name: str) -> etree._ElementTree:
    ref = resources.files("ksef_desktop.resources").joinpath(*_FOLDER, name)
    # as_file gives a real path, so the relative xsd:import locations resolve.
    with resources.as_file(ref) as path:
        parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
        return etree.parse(str(path), parser=parser)


@functools.cache
def jpk_schema() -> etree.XMLSchema:
    """The JPK_V7M(3) 1-0E schema with its imports."""
    return etree.XMLSchema(_parse(MAIN_FILE))


def schema_errors(root: etree._Element) -> tuple[str, ...]:
    """libxml2's messages for ``root`` against the schema; () when it is valid."""
    schema = jpk_schema()
    with _lock:
        if schema.validate(root):
            return ()
        return tuple(f"line {e.line}: {e.message}" for e in schema.error_log)


@functools.cache
def tax_offices() -> dict[str, str]:
    """KodUrzedu code -> the office's name, as the schema's TKodUS enumerates them."""
    ns = {"xsd": XSD_NAMESPACE}
    root = _parse(TAX_OFFICES_FILE).getroot()
    offices: dict[str, str] = {}
    for item in root.iterfind("xsd:simpleType[@name='TKodUS']/xsd:restriction/xsd:enumeration", ns):
        name = item.findtext("xsd:annotation/xsd:documentation", default="", namespaces=ns)
        offices[item.get("value", "")] = " ".join(name.split())
    return offices


@functools.cache
def country_codes() -> frozenset[str]:
    """The codes of TKodKrajuJPK: kk:TKodKraju plus "EL", without "GR"."""
    ns = {"xsd": XSD_NAMESPACE}
    root = _parse(COUNTRIES_FILE).getroot()
    codes = {
        item.get("value", "")
        for item in root.iterfind(
            "xsd:simpleType[@name='TKodKraju']/xsd:restriction/xsd:enumeration", ns
        )
    }
    return frozenset((codes | {"EL"}) - {"GR"})
