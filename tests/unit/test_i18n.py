"""Every string marked for translation has a complete Polish translation."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from ksef_desktop import i18n

PACKAGE = Path(__file__).resolve().parents[2] / "ksef_desktop"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "in_language": (2,)}


def _marked_strings() -> list[tuple[str, int, str | tuple[str, ...]]]:
    found = []
    for filename, lineno, message, _comments, _ctx in extract_from_dir(
        str(PACKAGE),
        method_map=[("resources/**", "ignore"), ("**.py", "python")],
        keywords=KEYWORDS,
    ):
        found.append((filename, lineno, message))
    return found


def _polish_catalog() -> dict[str | tuple[str, ...], object]:
    folder = resources.files("ksef_desktop.resources").joinpath("locale", "pl")
    merged: dict[str | tuple[str, ...], object] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".po"):
            with entry.open("rb") as fh:
                for message in read_po(fh, locale="pl"):
                    if message.id:
                        # A plural entry is looked up by its singular id, as below.
                        merged[message.id if isinstance(message.id, str) else message.id[0]] = (
                            message
                        )
    return merged


def test_strings_are_found() -> None:
    assert _marked_strings(), "the extractor found nothing: its configuration is wrong"


def test_every_marked_string_has_a_polish_translation() -> None:
    catalog = _polish_catalog()
    missing = []
    for filename, lineno, message in _marked_strings():
        key = message if isinstance(message, str) else message[0]
        entry = catalog.get(key)
        string = getattr(entry, "string", None)
        forms = [string] if isinstance(string, str) else list(string or [])
        if not forms or not all(forms) or getattr(entry, "fuzzy", False):
            missing.append(f"{filename}:{lineno}: {key!r}")
        elif not isinstance(message, str) and len(forms) != 3:
            missing.append(f"{filename}:{lineno}: {key!r} needs 3 Polish plural forms")
    assert not missing, "untranslated:\n" + "\n".join(missing)


def test_polish_is_the_default_and_english_is_the_message_id() -> None:
    msg = "The main window is not part of this build yet; see `ksef-desktop --help`."
    assert i18n.current_language() == "pl"
    assert i18n._(msg).startswith("Okno główne")
    i18n.set_language("en")
    assert i18n._(msg) == msg


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        i18n.set_language("xx")
