"""One problem found in an invoice file, with its message in Polish and in English.

A ``Defect`` keeps the English message id and the values that go into it, not the
finished text, so the same defect can be shown in either language (the command line in
the user's language, the sandbox in Polish, the tests in both).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ksef_desktop import i18n
from ksef_desktop.i18n import N_

LINE_PREFIX = N_("line {line}: {message}")


@dataclass(frozen=True)
class Defect:
    """A defect: a stable machine ``code``, an English ``msgid`` and its ``params``."""

    code: str
    msgid: str
    params: Mapping[str, str] = field(default_factory=dict)
    line: int | None = None

    def __hash__(self) -> int:
        return hash((self.code, self.msgid, tuple(sorted(self.params.items())), self.line))

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang`` (None: the current language), with its line number."""
        catalog = i18n.translations(lang)
        message = catalog.gettext(self.msgid).format_map(dict(self.params))
        if self.line is None:
            return message
        return catalog.gettext(LINE_PREFIX).format(line=self.line, message=message)

    def __str__(self) -> str:
        return self.text()
