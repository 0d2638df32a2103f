"""The official XSDs, loaded once from resources/ with no network access."""

from __future__ import annotations

import functools
from importlib import resources

from lxml import etree

FA3_NAMESPACE = "http://crd.gov.pl/wzor/2025/06/25/13775/"
ETD_NAMESPACE = "http://crd.gov.pl/xml/schematy/dziedzinowe/mf/2022/01/05/eD/DefinicjeTypy/"
UPO_NAMESPACE = "http://upo.schematy.mf.gov.pl/KSeF/v4-3"
FA3_SYSTEM_CODE = "FA (3)"
FA3_SCHEMA_VERSION = "1-0E"
FA3_FORM_VALUE = "FA"


def _load(*parts: str) -> etree.XMLSchema:
    ref = resources.files("ksef_desktop.resources").joinpath("schemas", *parts)
    # as_file gives a real path, so relative xsd:import/include locations resolve.
    with resources.as_file(ref) as path:
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        return etree.XMLSchema(etree.parse(str(path), parser=parser))


@functools.cache
def fa3_schema() -> etree.XMLSchema:
    """The FA(3) 1-0E schema (schemat_FA(3)_v1-0E.xsd and its bazowe/ imports)."""
    return _load("FA", "schemat_FA(3)_v1-0E.xsd")


@functools.cache
def upo_schema() -> etree.XMLSchema:
    """The UPO v4-3 schema."""
    return _load("UPO", "upo-v4-3.xsd")
