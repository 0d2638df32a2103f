"""The ``ksef-desktop`` command line (DESIGN.md §9: a stable contract).

Each subcommand lives in ``ksef_desktop/commands/<name>.py`` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable taking
the parsed arguments and returning the exit code. Modules import their heavy
dependencies inside that callable, so ``--version`` and ``--help`` stay fast. When the
arguments name no command (the window is opened), no command module is imported at all.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from ksef_desktop import __version__, i18n
from ksef_desktop.errors import UserError, os_error_message

# Order is the order in --help.
COMMAND_MODULES: tuple[str, ...] = (
    "validate",
    "qr",
    "pdf",
    "deadline",
    "sandbox",
    "verify",
    "backup",
    "send",
    "import",
    "invoices",
    "outbox",
    "sessions",
    "token",
    "auth-request",
    "certificate",
    "permissions",
    "logins",
    "collective",
    "statement",
    "jpk",
    "jpk-entry",
    "contractor",
    "rate",
    "mail",
    "purchases",
    "check-qr",
)


#: Commands whose module is named otherwise (``import`` is a Python keyword).
_MODULE_OF = {
    "import": "importing",
    "auth-request": "auth_request",
    "check-qr": "check_qr",
    "jpk-entry": "jpk_entry",
}


def _localize_argparse() -> None:
    """argparse looks up its module-level ``_``/``ngettext`` at call time (that is how it
    is meant to be translated); point them at our catalogs so its own refusals, like
    "unrecognized arguments", are Polish too (tools/translations.py ARGPARSE)."""
    argparse._ = i18n._  # type: ignore[attr-defined]
    argparse.ngettext = i18n.ngettext  # type: ignore[attr-defined]


#: Top-level arguments that cannot name a command: ``--data-dir`` and ``--lang`` take the
#: next argument as their value. Arguments made only of these leave the commands unused.
_FLAGS = frozenset({"--smoke-test", "--exit-when-idle", "--version"})
_VALUE_OPTIONS = frozenset({"--data-dir", "--lang"})


def _commands_needed(argv: Sequence[str] | None) -> bool:
    """False when parsing ``argv`` cannot involve a command (the window is being opened).

    Anything else (a command, ``--help``, an abbreviation, an unknown option, a stray
    argument) gets every command registered, so that help and errors are unchanged.
    """
    if argv is None:
        return True
    args = iter(argv)
    for arg in args:
        if arg in _VALUE_OPTIONS:
            if next(args, None) is None:
                return True
        elif arg not in _FLAGS and arg.split("=", 1)[0] not in _VALUE_OPTIONS:
            return True
    return False


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; given ``argv`` that names no command, without importing
    the command modules (~10 ms of the window's start-up), which it cannot reach."""
    _localize_argparse()
    parser = argparse.ArgumentParser(
        prog="ksef-desktop",
        description="KSeF Desktop: offline-first FA(3) invoicing through KSeF API 2.0.",
    )
    parser.add_argument("--version", action="version", version=f"ksef-desktop {__version__}")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="where the database and archive live"
    )
    parser.add_argument(
        "--lang", choices=i18n.LANGUAGES, default=None, help="language of messages (pl, en)"
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="open the window offscreen with the Sandbox, wait until idle, exit (0 = healthy)",
    )
    # Hidden: start as usual, quit at the first idle moment after the window is shown
    # (benchmarks/bundle_startup.py times a returning user's start with it).
    parser.add_argument("--exit-when-idle", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES if _commands_needed(argv) else ():
        module = importlib.import_module(f"ksef_desktop.commands.{_MODULE_OF.get(name, name)}")
        module.register(sub)
    translate_help(parser)
    return parser


def translate_help(parser: argparse.ArgumentParser) -> None:
    """Every description and help text of ``parser`` and its commands, in the current
    language: the command modules write them in English, which is their message id
    (Polish in resources/locale/pl/; tests/unit/test_cli_help.py finds any missing).
    A text a module already translated is looked up again and comes back unchanged."""
    if parser.description:
        parser.description = i18n._(parser.description)
    for action in parser._actions:
        if action.help and action.help is not argparse.SUPPRESS:
            action.help = i18n._(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if choice.help:
                    choice.help = i18n._(choice.help)
            for sub in dict.fromkeys(action.choices.values()):
                translate_help(sub)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # The language must be known before argparse speaks, so --lang is read first.
    lang = _early_lang(argv)
    if lang:
        i18n.set_language(lang)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.lang:
        i18n.set_language(args.lang)
    if args.command is None:
        return _open_window(args)
    return _run_command(args)


#: The exit code of a command that met a program error (sysexits' EX_SOFTWARE).
EXIT_BUG = 70
#: A command that could not do its work for a reason it said (a full disk, a damaged
#: database…), when the command itself did not name another exit code.
EXIT_FAILED = 1


def _run_command(args: argparse.Namespace) -> int:
    """Run the command with the log set up (``ksef_desktop/logs.py``): records go to the
    file, warnings also to stderr in one line. A program error is logged with its
    traceback and reported in one line that names the log, never as a traceback."""
    import logging

    from ksef_desktop import logs

    path = logs.setup(args.data_dir, stderr=True)
    log = logging.getLogger("ksef_desktop.cli")
    log.info("ksef-desktop %s: %s", __version__, args.command)
    try:
        result: int = args.func(args)
    except UserError as exc:
        # What the user can act on (a full disk, a damaged database, KSeF's verdict…):
        # its sentence, never a traceback; a bug among them leaves its trace in the log.
        log.warning("ksef-desktop %s: %s", args.command, exc, exc_info=exc if exc.bug else None,
                    extra={"quiet": True})  # fmt: skip
        print(exc.message(), file=sys.stderr)
        return EXIT_BUG if exc.bug else EXIT_FAILED
    except OSError as exc:
        log.warning("ksef-desktop %s: %s", args.command, exc, extra={"quiet": True})
        print(os_error_message(exc), file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:
        log.error("ksef-desktop %s failed", args.command, exc_info=exc, extra={"quiet": True})
        print(
            i18n._(
                "ksef-desktop {command}: a program error ({error}); details in the log: {path}"
            ).format(command=args.command, error=type(exc).__name__, path=path),
            file=sys.stderr,
        )
        return EXIT_BUG
    return result


def _early_lang(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        value = None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value in i18n.LANGUAGES:
            return value
    return None


def _open_window(args: argparse.Namespace) -> int:
    # Loading the window's modules (Qt's bindings, ours) creates long-lived objects only;
    # collecting cycles meanwhile cost ~5 ms of the start. They are then frozen out of
    # later collections, as they live as long as the program.
    gc.disable()
    try:
        app = importlib.import_module("ksef_desktop.ui.app")  # a broken import must surface
    finally:
        gc.freeze()
        gc.enable()
    result: int = app.run(args)
    return result


if __name__ == "__main__":  # pragma: no cover - python -m ksef_desktop.cli
    sys.exit(main())
