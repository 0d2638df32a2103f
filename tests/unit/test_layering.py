"""DESIGN.md §2: only ui/ and worker/ import PySide6; no module grows past ~600 lines."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "ksef_desktop"
QT_ROOTS = {"PySide6", "shiboken6", "pytestqt"}
QT_ALLOWED = {"ui", "worker"}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "resources" not in p.parts)


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", None) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            roots.add(str(node.args[0].value).split(".")[0])
    return roots


def test_the_package_has_modules() -> None:
    assert len(_modules()) > 5


def qt_offenders(paths: list[Path]) -> list[str]:
    """Every module outside ui/ and worker/ that imports Qt, with what it imports."""
    found = []
    for path in paths:
        if path.relative_to(PACKAGE).parts[0] in QT_ALLOWED:
            continue
        leaked = _imported_roots(path) & QT_ROOTS
        if leaked:
            found.append(f"{path.relative_to(PACKAGE)} imports {sorted(leaked)}")
    return found


def huge_modules(paths: list[Path], limit: int = 650) -> list[str]:
    """Every module over ``limit`` lines."""
    found = []
    for path in paths:
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > limit:
            found.append(f"{path.relative_to(PACKAGE)} has {lines} lines; split it")
    return found


def test_only_ui_and_worker_import_qt() -> None:
    offenders = qt_offenders(_modules())
    assert not offenders, "\n".join(offenders)


def test_the_checker_sees_a_qt_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtCore import QObject\nimport importlib\n", encoding="utf-8")
    assert "PySide6" in _imported_roots(bad)


def test_no_module_is_huge() -> None:
    offenders = huge_modules(_modules())
    assert not offenders, "\n".join(offenders)
