"""The message catalogs the standard gettext way (tools/translations.py): one template
made from the code, one .po per language merged from it, compiled .mo read at run time by
the standard library. Every marked string has a complete Polish translation, and a stale,
doubled or stray entry fails the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from ksef_desktop import i18n
from tools import translations


def test_strings_are_found() -> None:
    template = translations.extract()
    ids = {translations.key(m.id) for m in template if m.id}
    # One of each kind: a marked string, a command's help text, an argparse message.
    assert {"Invoices", "send FA(3) invoice files to KSeF", "usage: "} <= ids


def test_the_catalogs_are_current_complete_and_single() -> None:
    problems = translations.check()
    assert not problems, "\n".join(map(str, problems)) + (
        "\n(python -m tools.translations extract; … update; translate; … compile)"
    )


def test_every_argparse_message_is_still_argparses() -> None:
    """A Python whose argparse words its messages differently would leave them English."""
    import argparse

    from babel.messages.extract import extract_from_file

    theirs = {
        message
        for _line, message, _comments, _context in extract_from_file(
            "python", argparse.__file__, keywords={"_": None, "ngettext": (1, 2)}
        )
    }
    # The --version help is a plain default there, translated by cli.translate_help.
    source = Path(argparse.__file__).read_text(encoding="utf-8")
    stale = {m for m in translations.ARGPARSE if m not in theirs and repr(m) not in source}
    assert not stale


def test_polish_is_the_default_and_english_is_the_message_id() -> None:
    msg = "Invoices"
    assert i18n.current_language() == "pl"
    assert i18n._(msg) == "Faktury"
    i18n.set_language("en")
    try:
        assert i18n._(msg) == msg
    finally:
        i18n.set_language("pl")


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        i18n.set_language("xx")
