"""The editor's currency codes are exactly the FA(3) schema's (TKodWaluty)."""

from __future__ import annotations

from importlib import resources

from lxml import etree

from ksef_desktop.domain.currencies import COMMON, CURRENCY_CODES

XS = {"xsd": "http://www.w3.org/2001/XMLSchema"}


def test_the_codes_are_the_schemas_enumeration() -> None:
    path = resources.files("ksef_desktop.resources").joinpath(
        "schemas", "FA", "schemat_FA(3)_v1-0E.xsd"
    )
    with path.open("rb") as fh:
        schema = etree.parse(fh)
    values = schema.xpath(
        '//xsd:simpleType[@name="TKodWaluty"]//xsd:enumeration/@value', namespaces=XS
    )
    assert set(values) == CURRENCY_CODES
    assert len(values) == len(CURRENCY_CODES) > 150


def test_the_common_ones_are_among_them() -> None:
    assert set(COMMON) <= CURRENCY_CODES
    assert "XYZ" not in CURRENCY_CODES
