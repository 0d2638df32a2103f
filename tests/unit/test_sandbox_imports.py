"""The Sandbox's modules import each other without a circle (issue 21): endpoint modules
depend on the core, never the reverse; shared request helpers live in one module.

Every import statement counts, wherever it is: at module level, inside a function (a
"lazy" import is still a dependency) and under ``if TYPE_CHECKING:`` (a type is one too).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "ksef_desktop.sandbox"
FOLDER = Path(__file__).resolve().parents[2] / "ksef_desktop" / "sandbox"
# The modules that make the core; no endpoint module may be imported by them.
CORE = {
    "ca",
    "config",
    "core",
    "crypto",
    "errors",
    "faults",
    "ratelimit",
    "routing",
    "state",
    "util",
}


def module_imports(source: str, package: str = PACKAGE) -> set[str]:
    """The modules of ``package`` one module's source imports (names without the package)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name.startswith(package + "."):
                found.add(name[len(package) + 1 :].split(".")[0])
    return found


def import_graph(folder: Path = FOLDER, package: str = PACKAGE) -> dict[str, set[str]]:
    modules = {p.stem: p for p in folder.glob("*.py") if p.stem != "__init__"}
    return {
        name: module_imports(path.read_text(encoding="utf-8"), package) & set(modules) - {name}
        for name, path in modules.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of the graph (its modules in order, the first repeated), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_the_sandbox_has_modules() -> None:
    graph = import_graph()
    assert len(graph) > 20
    assert set(graph) >= CORE


def test_no_import_circle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_core_imports_no_endpoint_module() -> None:
    graph = import_graph()
    leaks = {name: sorted(graph[name] - CORE) for name in CORE if graph[name] - CORE}
    assert not leaks


def endpoint_modules(folder: Path = FOLDER) -> set[str]:
    """The modules that serve paths (they define ``ROUTES``)."""
    found = set()
    for path in folder.glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if any(isinstance(t, ast.Name) and t.id == "ROUTES" for t in targets):
                found.add(path.stem)
    return found


def test_endpoint_modules_are_imported_by_the_app_only() -> None:
    graph = import_graph()
    endpoints = endpoint_modules()
    assert {"auth", "sessions_online", "collective", "control"} <= endpoints
    importers = {
        endpoint: sorted(name for name, targets in graph.items() if endpoint in targets)
        for endpoint in endpoints
    }
    assert {e: who for e, who in importers.items() if set(who) - {"app"}} == {}


def test_the_checker_finds_a_circle(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("from pkg.b import x\n")
    (package / "b.py").write_text("def f():\n    from pkg import c\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n"
    )
    (package / "d.py").write_text("import os\n")
    graph = import_graph(package, "pkg")
    assert graph == {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("source", ["import json\n", "from . import core\n"])
def test_other_imports_do_not_count(source: str) -> None:
    assert module_imports(source) == set()
