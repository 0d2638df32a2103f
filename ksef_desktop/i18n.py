"""Translations: gettext with English message ids, Polish as the default language.

The standard way: one template (``resources/locale/ksef_desktop.pot``) made from the
code, one catalog per language (``resources/locale/<lang>/LC_MESSAGES/ksef_desktop.po``)
and its compiled ``.mo`` beside it, which ``./dev`` and the bundle's build make
(``python -m tools.translations``; the ``.mo`` is never kept in git). At run time only the
standard library's ``gettext`` reads the ``.mo``.

Mark strings with ``_()`` where they are shown and with ``N_()`` where they are only
declared (tables of messages); ``ngettext`` for counts (Polish has three plural forms).
"""

from __future__ import annotations

import gettext
import io
import logging
import os
import threading
from importlib import resources
from importlib.resources.abc import Traversable

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "pl"
LANGUAGES = ("pl", "en")

_lock = threading.Lock()
_cache: dict[str, gettext.NullTranslations] = {}
_current = os.environ.get("KSEF_DESKTOP_LANG", DEFAULT_LANGUAGE)
if _current not in LANGUAGES:
    _current = DEFAULT_LANGUAGE


DOMAIN = "ksef_desktop"


def compiled_catalog(lang: str) -> Traversable:
    """Where ``lang``'s compiled catalog lives (in a checkout, an install or the bundle)."""
    return resources.files("ksef_desktop.resources").joinpath(
        "locale", lang, "LC_MESSAGES", f"{DOMAIN}.mo"
    )


def _load(lang: str) -> gettext.NullTranslations:
    compiled = compiled_catalog(lang)
    if not compiled.is_file():
        # A checkout whose catalogs were never compiled: English, and the log says why.
        log.warning(
            "no compiled %s catalog (run ./dev or python -m tools.translations compile)", lang
        )
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compiled.read_bytes()))


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
