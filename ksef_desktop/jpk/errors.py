"""Typed errors and notices of the JPK package, with Polish and English messages.

Both keep the English message id and its values, not the finished text (like
``fa3.defect.Defect``), so the same problem reads in the user's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ksef_desktop import i18n
from ksef_desktop.errors import TranslatedError


class JpkError(TranslatedError, ValueError):
    """Input from which no correct JPK_V7M file can be made; ``text()`` says why."""


class JpkSchemaError(JpkError):
    """The file made does not validate against the official schema (a bug of ours).

    ``details`` are libxml2's messages, which name the element; they stay untranslated.
    """

    def __init__(self, msgid: str, details: tuple[str, ...]) -> None:
        self.details = details
        super().__init__(msgid, details="; ".join(details[:5]))


@dataclass(frozen=True)
class Notice:
    """Something the user should know before filing, though the file is valid."""

    code: str
    msgid: str
    params: Mapping[str, str] = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        return i18n.translations(lang).gettext(self.msgid).format_map(dict(self.params))

    def __str__(self) -> str:
        return self.text()
