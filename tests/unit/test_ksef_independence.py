"""DESIGN.md §7: the client shares no protocol code with the sandbox and never imports it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ksef_desktop"
CLIENT = (
    sorted((PACKAGE / "ksef").glob("*.py"))
    + [
        PACKAGE / "commands" / f"{name}.py"
        for name in (
            "send",
            "sessions",
            "token",
            "_ksef",
            "_access",
            "auth_request",
            "certificate",
            "permissions",
            "logins",
        )
    ]
    + [PACKAGE / "services" / f"{name}.py" for name in ("signing", "credentials", "access_rights")]
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and "sandbox" in node.value
        ) and node.value.startswith("ksef_desktop."):
            found.add(node.value)
    return found


def test_there_are_client_modules() -> None:
    assert len(CLIENT) > 15


@pytest.mark.parametrize("path", CLIENT, ids=lambda p: p.name)
def test_client_module_does_not_import_the_sandbox(path: Path) -> None:
    leaked = {m for m in _imports(path) if m.startswith("ksef_desktop.sandbox")}
    assert not leaked


def test_the_checker_sees_an_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import importlib\nm = importlib.import_module('ksef_desktop.sandbox.crypto')\n")
    assert "ksef_desktop.sandbox.crypto" in _imports(bad)
