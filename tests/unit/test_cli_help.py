"""``ksef-desktop --help`` speaks the user's language: every description and help text of
every command has its Polish translation, and the Polish help shows no English one
(issue 15, item 9)."""

from __future__ import annotations

import argparse
import contextlib
import io
from collections.abc import Iterator

import pytest

from ksef_desktop import cli, i18n


def parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                yield from parsers(sub)


def texts(parser: argparse.ArgumentParser) -> list[str]:
    found: list[str] = []
    for p in parsers(parser):
        if p.description:
            found.append(p.description)
        for action in p._actions:
            if action.help and action.help is not argparse.SUPPRESS:
                found.append(action.help)
            if isinstance(action, argparse._SubParsersAction):
                found += [c.help for c in action._choices_actions if c.help]
    return found


@pytest.fixture
def english() -> Iterator[argparse.ArgumentParser]:
    before = i18n.current_language()
    i18n.set_language("en")
    try:
        yield cli.build_parser(["--help"])
    finally:
        i18n.set_language(before)


def test_every_help_text_has_a_polish_translation(english: argparse.ArgumentParser) -> None:
    found = texts(english)
    assert len(found) > 100  # every command's options are walked
    missing = [t for t in dict.fromkeys(found) if i18n.in_language("pl", t) == t]
    assert not missing, "help texts without a Polish translation:\n" + "\n".join(missing)


def test_the_polish_help_shows_no_english_text(english: argparse.ArgumentParser) -> None:
    english_texts = set(texts(english))
    i18n.set_language("pl")
    polish = cli.build_parser(["--help"])
    for p in parsers(polish):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            p.print_help()
        shown = " ".join(out.getvalue().split())  # argparse wraps lines
        leaked = [t for t in english_texts if len(t) > 12 and " ".join(t.split()) in shown]
        assert not leaked, (p.prog, leaked)
    assert "pokaż tę pomoc" in polish.format_help()
