"""docs/ARCHITECTURE.md is the project's own and kept current (issue 15, item 12): every
package is in its layers, every command and option of the command line in its contract,
and the README points there."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from ksef_desktop import cli, i18n

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ARCHITECTURE.md"


def section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def commands() -> Iterator[tuple[str, argparse.ArgumentParser]]:
    before = i18n.current_language()
    i18n.set_language("en")
    try:
        parser = cli.build_parser(["--help"])
    finally:
        i18n.set_language(before)
    yield "", parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield name, sub
                for inner in sub._actions:
                    if isinstance(inner, argparse._SubParsersAction):
                        for name2, sub2 in inner.choices.items():
                            yield f"{name} {name2}", sub2


def test_every_package_is_in_the_layers() -> None:
    layers = section("1. The layers")
    packages = sorted(
        p.name for p in (ROOT / "ksef_desktop").iterdir() if (p / "__init__.py").is_file()
    )
    assert len(packages) >= 10
    missing = [p for p in packages if f"`{p}`" not in layers]
    assert not missing, f"docs/ARCHITECTURE.md §1 does not name: {missing}"


@pytest.mark.parametrize(("name", "parser"), list(commands()), ids=lambda v: str(v)[:20])
def test_every_command_and_option_is_in_the_contract(
    name: str, parser: argparse.ArgumentParser
) -> None:
    contract = section("5. The command line")
    if name:
        assert f"`{name}" in contract, f"command {name!r} is not described"
    for action in parser._actions:
        if action.help is argparse.SUPPRESS or "--help" in action.option_strings:
            continue
        longest = max(action.option_strings, key=len, default="")
        if longest:
            assert f"`{longest}" in contract, f"{name or 'ksef-desktop'} {longest} is missing"


def test_the_readme_points_to_the_architecture() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/ARCHITECTURE.md" in readme
    assert "DESIGN.md" not in readme  # not part of the project
