"""The message catalogs the standard gettext way (a development tool; not in the product).

    python -m tools.translations extract   # the template ksef_desktop.pot from the code
    python -m tools.translations update    # each language's .po merged with the template
    python -m tools.translations compile   # each .po compiled to its .mo (./dev does this)
    python -m tools.translations check     # exit 1 on a stale, incomplete or doubled catalog
    python -m tools.translations fold      # absorb stray area .po files into the main one

One template (``locale/ksef_desktop.pot``) made from the code by Babel's extractor, one
catalog per language (``locale/<lang>/LC_MESSAGES/ksef_desktop.po``) merged from it with
msgmerge's semantics (new messages added untranslated, messages gone from the code
dropped), and the compiled ``.mo`` beside it, built by ``./dev`` and by the bundle's
build, never kept in git. At run time the program reads only the ``.mo`` with the
standard library's ``gettext`` (ksef_desktop/i18n.py).

argparse's own messages (ksef_desktop/cli.py routes argparse's gettext calls through our
catalog) are part of the template: ``ARGPARSE`` names the ones a user can meet.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from ksef_desktop import __version__

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ksef_desktop"
LOCALE = ROOT / "resources" / "locale"
DOMAIN = "ksef_desktop"
LANGUAGES = ("pl",)
TEMPLATE = LOCALE / f"{DOMAIN}.pot"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "in_language": (2,)}
HEADER = "Translations of KSeF Desktop (tools/translations.py: extract, update, compile)."
#: The template's date: fixed, so that re-extracting an unchanged program changes nothing.
CREATED = datetime(2026, 1, 1, tzinfo=UTC)

#: argparse's messages (Python 3.11) that reach the user of the command line.
ARGPARSE: tuple[str | tuple[str, str], ...] = (
    "usage: ",
    "%(prog)s: error: %(message)s\n",
    "argument %(argument_name)s: %(message)s",
    "the following arguments are required: %s",
    "unrecognized arguments: %s",
    "invalid choice: %(value)r (choose from %(choices)s)",
    "invalid %(type)s value: %(value)r",
    "expected one argument",
    "expected at least one argument",
    "expected at most one argument",
    ("expected %s argument", "expected %s arguments"),
    "ambiguous option: %(option)s could match %(matches)s",
    "not allowed with argument %s",
    "ignored explicit argument %r",
    "positional arguments",
    "options",
    "show this help message and exit",
    "show program's version number and exit",
    "one of the arguments %s is required",
)


def po_path(lang: str, locale: Path = LOCALE) -> Path:
    return locale / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str, locale: Path = LOCALE) -> Path:
    return po_path(lang, locale).with_suffix(".mo")


def strings_of(message: Message) -> list[str]:
    """A message's translation: one string, or a plural's forms."""
    string = message.string
    return [string] if isinstance(string, str) else list(string or ())


def key(message_id: str | tuple[str, ...] | Sequence[str]) -> str:
    """A message's look-up key: its id, or a plural's singular id."""
    return message_id if isinstance(message_id, str) else message_id[0]


# --- the template --------------------------------------------------------------------------


def extract() -> Catalog:
    """Every marked string of the package, and argparse's, as a template (no locations:
    the template changes when a message does, not when a line moves)."""
    template = Catalog(
        project="ksef-desktop", header_comment=f"# {HEADER}", fuzzy=False, creation_date=CREATED
    )
    for _filename, _lineno, message, comments, context in extract_from_dir(
        str(PACKAGE),
        method_map=[("resources/**", "ignore"), ("**.py", "python")],
        keywords=KEYWORDS,
    ):
        template.add(message, auto_comments=comments, context=context)
    for _filename, _lineno, text in help_texts():
        if text not in template:
            template.add(text)
    for message in ARGPARSE:
        template.add(message)
    return template


#: argparse calls whose ``help``/``description`` texts are message ids: the command modules
#: write them in English and ksef_desktop/cli.py's ``translate_help`` looks them up.
ARGPARSE_CALLS = {"ArgumentParser", "add_parser", "add_argument", "add_argument_group"}
ARGPARSE_TEXTS = {"help", "description"}


def help_texts(package: Path = PACKAGE) -> list[tuple[str, int, str]]:
    """The constant ``help=``/``description=`` texts of the argparse calls in ``package``."""
    found = []
    for path in sorted(package.rglob("*.py")):
        if "resources" in path.relative_to(package).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in ARGPARSE_CALLS:
                continue
            for keyword in node.keywords:
                value = keyword.value
                if (
                    keyword.arg in ARGPARSE_TEXTS
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                    and value.value
                ):
                    found.append((str(path.relative_to(package)), node.lineno, value.value))
    return found


def write_catalog(catalog: Catalog, path: Path) -> None:
    catalog.project, catalog.version = "ksef-desktop", __version__
    catalog.msgid_bugs_address = ""
    catalog.last_translator = catalog.language_team = "KSeF Desktop"
    buf = io.BytesIO()
    write_po(buf, catalog, no_location=True, sort_output=True, ignore_obsolete=True, width=96)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())


def read_catalog(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


# --- languages -----------------------------------------------------------------------------


def new_catalog(lang: str) -> Catalog:
    return Catalog(
        locale=lang,
        project="ksef-desktop",
        header_comment=f"# {HEADER}",
        fuzzy=False,
        creation_date=CREATED,
        revision_date=CREATED,
    )


def update(template: Catalog, lang: str) -> Catalog:
    """``lang``'s catalog merged with ``template`` as msgmerge does (no fuzzy guesses:
    a new message is untranslated until someone translates it)."""
    path = po_path(lang)
    catalog = read_catalog(path, lang) if path.is_file() else new_catalog(lang)
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    return catalog


def compile_mo(lang: str, locale: Path = LOCALE) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, read_catalog(po_path(lang, locale), lang), use_fuzzy=False)
    return buf.getvalue()


def fold(lang: str) -> list[Path]:
    """Absorb every stray ``locale/<lang>/*.po`` (one per area, as parallel branches used
    to add them) into the main catalog, then delete them; the files folded."""
    strays = sorted((LOCALE / lang).glob("*.po"))
    if not strays:
        return []
    path = po_path(lang)
    catalog = read_catalog(path, lang) if path.is_file() else new_catalog(lang)
    for stray in strays:
        for message in read_catalog(stray, lang):
            if not message.id or not message.string:
                continue
            mine = catalog.get(message.id)
            if mine is None or not mine.string or mine.fuzzy:
                catalog[message.id] = Message(
                    message.id, message.string, flags=message.flags - {"fuzzy"}
                )
    write_catalog(catalog, path)
    for stray in strays:
        stray.unlink()
    return strays


# --- the check -------------------------------------------------------------------------------


_MSGID = re.compile(r'^(msgctxt|msgid) "(.*)"$')


def doubled(text: str) -> list[str]:
    """Message ids that occur twice in a .po file's text (Babel's reader silently keeps
    the last one, so they are counted here, continuation lines included)."""
    ids: list[str] = []
    current: list[str] | None = None
    context = ""
    for line in [*text.splitlines(), ""]:
        match = _MSGID.match(line)
        if match and match.group(1) == "msgctxt":
            context = match.group(2) + "\x04"
        elif match:
            current = [match.group(2)]
        elif current is not None and line.startswith('"'):
            current.append(line[1:-1])
        elif current is not None:
            joined = context + "".join(current)
            if joined:
                ids.append(joined)
            current, context = None, ""
    return [m for m, n in Counter(ids).items() if n > 1]


@dataclass(frozen=True)
class Problem:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _ids(catalog: Iterable[Message]) -> set[str]:
    return {key(m.id) for m in catalog if m.id}


def check(template: Catalog | None = None, locale: Path = LOCALE) -> list[Problem]:
    """Everything wrong with the catalogs as they are on disk: a template that no longer
    matches the code, a language's missing, untranslated, fuzzy, stale (not in the
    template) or doubled entries, a plural without its forms, a stray area .po file, and
    a compiled .mo that does not say what its .po says (only when one was built)."""
    template = template or extract()
    problems: list[Problem] = []
    wanted = _ids(template)
    pot = locale / TEMPLATE.name
    if not pot.is_file():
        problems.append(Problem(pot.name, "missing: run `python -m tools.translations extract`"))
    else:
        on_disk = _ids(read_catalog(pot))
        for gone in sorted(on_disk - wanted):
            problems.append(Problem(pot.name, f"stale, no longer in the code: {gone!r}"))
        for new in sorted(wanted - on_disk):
            problems.append(Problem(pot.name, f"stale, not yet extracted: {new!r}"))
    for lang in LANGUAGES:
        path = po_path(lang, locale)
        where = f"{lang}/{path.name}"
        for stray in sorted((locale / lang).glob("*.po")):
            problems.append(Problem(stray.name, "a stray catalog: run `… fold`"))
        if not path.is_file():
            problems.append(Problem(where, "missing"))
            continue
        for twice in doubled(path.read_text(encoding="utf-8")):
            problems.append(Problem(where, f"doubled entry: {twice!r}"))
        catalog = read_catalog(path, lang)
        forms = catalog.num_plurals
        have = {key(m.id): m for m in catalog if m.id}
        for gone in sorted(set(have) - wanted):
            problems.append(Problem(where, f"stale, not in the template: {gone!r}"))
        for message in sorted(template, key=lambda m: key(m.id)):
            if not message.id:
                continue
            mine = have.get(key(message.id))
            strings = [] if mine is None else strings_of(mine)
            if mine is None or not strings or not all(strings):
                problems.append(Problem(where, f"untranslated: {key(message.id)!r}"))
            elif mine.fuzzy:
                problems.append(Problem(where, f"fuzzy: {key(message.id)!r}"))
            elif not isinstance(message.id, str) and len(strings) != forms:
                problems.append(Problem(where, f"needs {forms} plural forms: {key(message.id)!r}"))
        mo = mo_path(lang, locale)
        if mo.is_file() and mo.read_bytes() != compile_mo(lang, locale):
            problems.append(Problem(f"{lang}/{mo.name}", "stale: run `… compile`"))
    return problems


# --- the command line ------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.translations")
    parser.add_argument("action", choices=("extract", "update", "compile", "check", "fold"))
    args = parser.parse_args(argv)
    if args.action == "extract":
        write_catalog(extract(), TEMPLATE)
    elif args.action == "update":
        template = read_catalog(TEMPLATE)
        for lang in LANGUAGES:
            write_catalog(update(template, lang), po_path(lang))
    elif args.action == "compile":
        for lang in LANGUAGES:
            data = compile_mo(lang)
            if not mo_path(lang).is_file() or mo_path(lang).read_bytes() != data:
                mo_path(lang).write_bytes(data)
    elif args.action == "fold":
        for lang in LANGUAGES:
            for stray in fold(lang):
                print(f"folded {stray.name}")
    else:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
