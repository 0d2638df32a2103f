"""Translations: gettext with English message ids, Polish as the default language.

Catalogs are the ``.po`` files under ``resources/locale/<lang>/``; every file there is
read (one per area of the program, so that parallel work never edits the same file)
and merged into one ``gettext.GNUTranslations`` at first use. Babel compiles them in
memory, so there are no ``.mo`` binaries to keep in git and no build step.

Parsing them costs ~30 ms (Babel's import included) on every start, so the packaged
program carries them compiled as well: ``compiled_name(folder)`` names a ``.mo`` file
after a digest of the ``.po`` files it was made from (the PyInstaller spec writes it with
``compile_catalog``). It is used only while the ``.po`` files still match that digest;
a checkout has none and parses the ``.po`` files as before.

Mark strings with ``_()`` where they are shown and with ``N_()`` where they are only
declared (tables of messages); ``ngettext`` for counts (Polish has three plural forms).
"""

from __future__ import annotations

import gettext
import io
import os
import threading
import zlib
from importlib import resources
from importlib.resources.abc import Traversable

DEFAULT_LANGUAGE = "pl"
LANGUAGES = ("pl", "en")

_lock = threading.Lock()
_cache: dict[str, gettext.NullTranslations] = {}
_current = os.environ.get("KSEF_DESKTOP_LANG", DEFAULT_LANGUAGE)
if _current not in LANGUAGES:
    _current = DEFAULT_LANGUAGE


def catalog_folder(lang: str) -> Traversable:
    return resources.files("ksef_desktop.resources").joinpath("locale", lang)


def _sources(folder: Traversable) -> list[Traversable]:
    return sorted((e for e in folder.iterdir() if e.name.endswith(".po")), key=lambda e: e.name)


def compiled_name(folder: Traversable) -> str:
    """The file name of the compiled form of ``folder``'s ``.po`` files as they are now.

    The digest tells a stale compiled catalog from a current one (no security role):
    CRC-32 and the length of every file, by name, in order (zlib is loaded anyway;
    hashlib would add ~2.5 ms to the start)."""
    parts = []
    for entry in _sources(folder):
        data = entry.read_bytes()
        parts.append(f"{zlib.crc32(entry.name.encode()):08x}{zlib.crc32(data):08x}{len(data):x}")
    return f"compiled-{zlib.crc32(''.join(parts).encode()):08x}-{len(parts)}.mo"


def compile_catalog(folder: Traversable, lang: str) -> bytes:
    """Every ``.po`` file of ``folder`` merged into one ``.mo`` (fuzzy entries left out)."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    merged = Catalog(locale=lang)
    for entry in _sources(folder):
        with entry.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in catalog:
            if message.id and message.string and not message.fuzzy:
                merged[message.id] = message
    buf = io.BytesIO()
    write_mo(buf, merged)
    return buf.getvalue()


def load_catalog(folder: Traversable, lang: str) -> gettext.GNUTranslations:
    """``folder``'s catalog: its compiled form when that matches the ``.po`` files."""
    compiled = folder.joinpath(compiled_name(folder))
    data = compiled.read_bytes() if compiled.is_file() else compile_catalog(folder, lang)
    return gettext.GNUTranslations(io.BytesIO(data))


def _load(lang: str) -> gettext.NullTranslations:
    folder = catalog_folder(lang)
    if not folder.is_dir():
        return gettext.NullTranslations()
    return load_catalog(folder, lang)


def translations(lang: str | None = None) -> gettext.NullTranslations:
    """The catalog of ``lang`` (default: the current language), loaded once."""
    lang = lang or _current
    with _lock:
        if lang not in _cache:
            _cache[lang] = _load(lang) if lang != "en" else gettext.NullTranslations()
        return _cache[lang]


def set_language(lang: str) -> None:
    """Switch the language of every later ``_()`` call ("pl" or "en")."""
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; choose one of {LANGUAGES}")
    _current = lang


def current_language() -> str:
    return _current


def _(message: str) -> str:
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def in_language(lang: str, message: str) -> str:
    """``message`` translated into ``lang`` regardless of the current language."""
    return translations(lang).gettext(message)
