"""``build_parser(argv)`` leaves the command modules out only where argparse cannot
reach them: for every command line the answer (namespace, or exit code and messages)
is the one of the parser with every command registered."""

from __future__ import annotations

import argparse

import pytest

from ksef_desktop import cli

ARGVS = [
    [],
    ["--data-dir", "/tmp/x"],
    ["--data-dir=/tmp/x", "--lang", "en"],
    ["--lang=en", "--smoke-test"],
    ["--exit-when-idle", "--data-dir", "d"],
    ["--lang", "xx"],
    ["--lang"],
    ["--data-dir"],
    ["--data-dir", "--lang"],
    ["--version"],
    ["--no-such-option"],
    ["--he"],  # an abbreviation of --help
    ["-h"],
    ["deadline", "--mode", "offline24", "--issued", "2025-12-23"],
    ["nosuchcommand"],
    ["--data-dir", "d", "validate"],
    ["-"],
    ["--"],
]


def _outcome(
    parser: argparse.ArgumentParser, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[object, str, str]:
    try:
        ns = parser.parse_args(argv)
    except SystemExit as exc:
        result: object = ("exit", exc.code)
    else:
        result = {k: v for k, v in vars(ns).items() if k != "func"}
        result["func"] = getattr(getattr(ns, "func", None), "__qualname__", None)
    out, err = capsys.readouterr()
    return result, out, err


@pytest.mark.parametrize("argv", ARGVS, ids=lambda a: " ".join(a) or "(none)")
def test_the_lazy_parser_answers_as_the_full_one(argv, capsys) -> None:
    full = _outcome(cli.build_parser(), argv, capsys)
    lazy = _outcome(cli.build_parser(argv), argv, capsys)
    assert lazy == full


def test_only_a_command_free_line_skips_the_commands() -> None:
    assert not cli._commands_needed(["--data-dir", "d", "--lang", "pl", "--exit-when-idle"])
    assert cli._commands_needed(["--data-dir", "d", "send"])
    assert cli._commands_needed(["--help"])
    assert cli._commands_needed(None)


def test_help_lists_every_command(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.build_parser(["--help"]).parse_args(["--help"])
    out = capsys.readouterr().out
    assert all(name in out for name in cli.COMMAND_MODULES)
