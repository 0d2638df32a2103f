"""The compiled catalog the program reads says exactly what the .po says, is read by the
standard library alone, and the check (tools/translations.check) catches each way a
catalog goes wrong: a template behind the code, an entry gone from the code, a missing,
fuzzy or doubled translation, a stray area .po file, a .mo older than its .po."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from ksef_desktop import i18n
from tools import translations

PO = translations.po_path("pl")


def test_the_program_reads_the_compiled_catalog_of_the_po(tmp_path) -> None:
    compiled = Path(str(i18n.compiled_catalog("pl")))
    assert compiled.read_bytes() == translations.compile_mo("pl"), "stale: ./dev compiles it"
    with PO.open("rb") as fh:
        entries = [(m.id, translations.strings_of(m)) for m in read_po(fh, locale="pl") if m.id]
    assert len(entries) > 1000
    catalog = i18n.translations("pl")
    for msgid, string in entries:
        if isinstance(msgid, str):
            assert [catalog.gettext(msgid)] == string, msgid
        else:
            forms = string
            for n, form in zip((1, 3, 5), forms, strict=True):
                assert catalog.ngettext(msgid[0], msgid[1], n) == form, (msgid, n)


def test_the_catalog_is_read_without_babel() -> None:
    probe = (
        "import sys; from ksef_desktop import i18n; "
        "print(i18n._('Invoices'), 'babel' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["Faktury", "False"]


@pytest.fixture
def locale(tmp_path: Path) -> Path:
    """A copy of the catalogs, compiled, that the check finds clean."""
    copy = tmp_path / "locale"
    shutil.copytree(translations.LOCALE, copy)
    translations.mo_path("pl", copy).write_bytes(translations.compile_mo("pl", copy))
    return copy


@pytest.fixture(scope="module")
def template():
    return translations.extract()


def _problems(template, locale: Path) -> list[str]:
    return [str(p) for p in translations.check(template, locale)]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_copy_is_clean(template, locale) -> None:
    assert _problems(template, locale) == []


def test_a_template_behind_the_code(template, locale) -> None:
    _edit(locale / "ksef_desktop.pot", 'msgid "Invoices"\n', 'msgid "Invoicez"\n')
    found = _problems(template, locale)
    assert "ksef_desktop.pot: stale, not yet extracted: 'Invoices'" in found
    assert "ksef_desktop.pot: stale, no longer in the code: 'Invoicez'" in found


def test_an_entry_gone_from_the_code_and_a_missing_one(template, locale) -> None:
    _edit(translations.po_path("pl", locale), 'msgid "Invoices"\n', 'msgid "Invoicez"\n')
    found = _problems(template, locale)
    assert "pl/ksef_desktop.po: stale, not in the template: 'Invoicez'" in found
    assert "pl/ksef_desktop.po: untranslated: 'Invoices'" in found


def test_a_fuzzy_translation(template, locale) -> None:
    _edit(translations.po_path("pl", locale), 'msgid "Invoices"\n', '#, fuzzy\nmsgid "Invoices"\n')
    assert "pl/ksef_desktop.po: fuzzy: 'Invoices'" in _problems(template, locale)


def test_a_doubled_entry(template, locale) -> None:
    po = translations.po_path("pl", locale)
    po.write_text(
        po.read_text(encoding="utf-8") + '\nmsgid "Invoices"\nmsgstr "Faktury VAT"\n',
        encoding="utf-8",
    )
    assert "pl/ksef_desktop.po: doubled entry: 'Invoices'" in _problems(template, locale)


def test_a_stray_area_catalog_and_its_fold(template, locale, monkeypatch) -> None:
    stray = locale / "pl" / "purchases.po"
    stray.write_text('msgid "Invoices"\nmsgstr "Faktury"\n', encoding="utf-8")
    assert "purchases.po: a stray catalog: run `… fold`" in _problems(template, locale)


def test_a_compiled_catalog_older_than_its_po(template, locale) -> None:
    _edit(translations.po_path("pl", locale), 'msgstr "Faktury"\n', 'msgstr "Rachunki"\n')
    assert "pl/ksef_desktop.mo: stale: run `… compile`" in _problems(template, locale)
