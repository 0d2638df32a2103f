"""The vendored JPK_V7M(3) schema set loads with no network and says what we rely on."""

from __future__ import annotations

from importlib import resources

from lxml import etree

from ksef_desktop.jpk import schema


class _NoNetwork(etree.Resolver):
    def resolve(self, system_url, public_id, context):
        if "://" in (system_url or ""):
            raise AssertionError(f"the schema tried to fetch {system_url}")
        return None


def test_the_schema_set_loads_without_any_fetch() -> None:
    folder = resources.files("ksef_desktop.resources").joinpath("schemas", "JPK_V7M")
    with resources.as_file(folder.joinpath(schema.MAIN_FILE)) as path:
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        parser.resolvers.add(_NoNetwork())
        loaded = etree.XMLSchema(etree.parse(str(path), parser=parser))
    assert loaded is not None
    assert schema.jpk_schema() is schema.jpk_schema()  # loaded once


def test_imports_name_local_files() -> None:
    folder = resources.files("ksef_desktop.resources").joinpath("schemas", "JPK_V7M")
    names = {entry.name for entry in folder.iterdir()}
    for entry in folder.iterdir():
        if not entry.name.endswith(".xsd"):
            continue
        tree = etree.fromstring(entry.read_bytes())
        for node in tree.iter("{http://www.w3.org/2001/XMLSchema}import"):
            assert node.get("schemaLocation") in names


def test_the_namespace_and_the_fixed_codes() -> None:
    folder = resources.files("ksef_desktop.resources").joinpath("schemas", "JPK_V7M")
    text = folder.joinpath(schema.MAIN_FILE).read_text(encoding="utf-8")
    assert f'targetNamespace="{schema.JPK_NAMESPACE}"' in text
    assert f'fixed="{schema.SYSTEM_CODE}"' in text
    assert f'fixed="{schema.DECLARATION_SYSTEM_CODE}"' in text


def test_tax_offices_come_from_the_schema() -> None:
    offices = schema.tax_offices()
    assert len(offices) > 300
    assert offices["1471"] == "PIERWSZY MAZOWIECKI URZĄD SKARBOWY W WARSZAWIE"
    assert offices["0202"] == "URZĄD SKARBOWY W BOLESŁAWCU"


def test_country_codes_use_el_for_greece() -> None:
    codes = schema.country_codes()
    assert {"DE", "EL", "US", "PL"} <= codes
    assert "GR" not in codes


def test_schema_errors_name_the_problem() -> None:
    root = etree.Element(f"{{{schema.JPK_NAMESPACE}}}JPK")
    errors = schema.schema_errors(root)
    assert errors
    assert "Naglowek" in errors[0]
