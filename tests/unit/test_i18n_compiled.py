"""The compiled message catalog the bundle carries (i18n.compile_catalog) says exactly
what the .po files say, and is ignored as soon as a .po file changes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from ksef_desktop import i18n

PL = Path(str(i18n.catalog_folder("pl")))


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "pl"
    shutil.copytree(PL, folder)
    for stray in folder.glob("compiled-*.mo"):
        stray.unlink()
    return folder


def _compile(folder: Path) -> Path:
    target = folder / i18n.compiled_name(folder)
    target.write_bytes(i18n.compile_catalog(folder, "pl"))
    return target


def _entries(folder: Path) -> list[tuple[Any, Any]]:
    out = []
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as fh:
            out += [(m.id, m.string) for m in read_po(fh, locale="pl") if m.id and not m.fuzzy]
    return out


def test_the_compiled_catalog_translates_every_entry_as_the_po_files_do(tmp_path) -> None:
    folder = _copy(tmp_path)
    _compile(folder)
    compiled = i18n.load_catalog(folder, "pl")
    entries = _entries(folder)
    assert len(entries) > 500
    for msgid, string in entries:
        if isinstance(msgid, str):
            assert compiled.gettext(msgid) == string, msgid
        else:
            forms = list(string)
            assert len(forms) == 3, msgid
            for n, form in ((1, forms[0]), (3, forms[1]), (5, forms[2])):
                assert compiled.ngettext(msgid[0], msgid[1], n) == form, (msgid, n)


def test_the_compiled_catalog_is_used_without_babel(tmp_path) -> None:
    folder = _copy(tmp_path)
    _compile(folder)
    probe = (
        "import sys; from pathlib import Path; from ksef_desktop import i18n; "
        "t = i18n.load_catalog(Path(sys.argv[1]), 'pl'); "
        "print(t.gettext('KSeF Desktop'), 'babel' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(folder)], capture_output=True, text=True, check=True
    )
    assert out.stdout.split()[-1] == "False"


def test_a_changed_po_file_makes_the_compiled_catalog_stale(tmp_path) -> None:
    folder = _copy(tmp_path)
    stale = _compile(folder)
    msgid = "The main window is not part of this build yet; see `ksef-desktop --help`."
    core = folder / "core.po"
    text = core.read_text(encoding="utf-8")
    before = i18n.load_catalog(folder, "pl").gettext(msgid)
    assert before.startswith("Okno główne")
    core.write_text(text.replace("Okno główne", "Główne okno", 1), encoding="utf-8")
    assert i18n.compiled_name(folder) != stale.name
    assert i18n.load_catalog(folder, "pl").gettext(msgid).startswith("Główne okno")
