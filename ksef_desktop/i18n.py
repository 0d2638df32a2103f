"""Translations: gettext with English message ids, Polish as the default language.

Catalogs are the ``.po`` files under ``resources/locale/<lang>/``; every file there is
read (one per area of the program, so that parallel work never edits the same file)
and merged into one ``gettext.GNUTranslations`` at first use. Babel compiles them in
memory, so there are no ``.mo`` binaries to keep in git and no build step.

Mark strings with ``_()`` where they are shown and with ``N_()`` where they are only
declared (tables of messages); ``ngettext`` for counts (Polish has three plural forms).
"""

from __future__ import annotations

import gettext
import io
import os
import threading
from importlib import resources

DEFAULT_LANGUAGE = "pl"
LANGUAGES = ("pl", "en")

_lock = threading.Lock()
_cache: dict[str, gettext.NullTranslations] = {}
_current = os.environ.get("KSEF_DESKTOP_LANG", DEFAULT_LANGUAGE)
if _current not in LANGUAGES:
    _current = DEFAULT_LANGUAGE


def _load(lang: str) -> gettext.NullTranslations:
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    folder = resources.files("ksef_desktop.resources").joinpath("locale", lang)
    if not folder.is_dir():
        return gettext.NullTranslations()
    merged = Catalog(locale=lang)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in catalog:
            if message.id and message.string and not message.fuzzy:
                merged[message.id] = message
    buf = io.BytesIO()
    write_mo(buf, merged)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


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
