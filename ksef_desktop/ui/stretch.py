"""A switch that stretches every translated string, to check layouts survive long labels.

Vorta's idea: with ``KSEF_DESKTOP_STRETCH=1`` (or the setting), every string that goes
through ``_()``/``ngettext`` comes back at least 40 % longer (vowels doubled, then
padded), while its ``{placeholders}`` and ``&`` keyboard accelerators stay intact, so the
program keeps working and only the layout is put to the test.
"""

from __future__ import annotations

import gettext
import math
import os

from ksef_desktop import i18n

ENV_VAR = "KSEF_DESKTOP_STRETCH"
_VOWELS = set("aeiouyąęóAEIOUYĄĘÓ")


def requested_by_environment() -> bool:
    return os.environ.get(ENV_VAR, "").strip() not in ("", "0")


#: At least this much longer than the original.
GROWTH = 1.4


def stretch(text: str) -> str:
    """Double every vowel outside ``{...}`` placeholders; pad with ``~`` to +40 %."""
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        out.append(ch)
        if not depth and ch in _VOWELS:
            out.append(ch.lower())
    result = "".join(out)
    short = math.ceil(len(text) * GROWTH) - len(result)
    return result + "~" * short if text and short > 0 else result


class _Stretched(gettext.NullTranslations):
    def __init__(self, inner: gettext.NullTranslations) -> None:
        super().__init__()
        self.inner = inner

    def gettext(self, message: str) -> str:
        return stretch(self.inner.gettext(message))

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return stretch(self.inner.ngettext(msgid1, msgid2, n))


def set_stretch(enabled: bool) -> None:
    """Turn stretching of every language's strings on or off (takes effect at once)."""
    for lang in i18n.LANGUAGES:
        current = i18n.translations(lang)
        with i18n._lock:
            if enabled and not isinstance(current, _Stretched):
                i18n._cache[lang] = _Stretched(current)
            elif not enabled and isinstance(current, _Stretched):
                i18n._cache[lang] = current.inner


def is_stretched() -> bool:
    return isinstance(i18n.translations(), _Stretched)
