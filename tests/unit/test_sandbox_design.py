"""Design rules of the sandbox: its API paths are open-api.json's, and it shares no code
with the app's KSeF client (DESIGN.md §7)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from ksef_desktop.sandbox.app import api_routes

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = json.loads((ROOT / "tests/data/openapi/open-api-2.9.0.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("route", api_routes(), ids=lambda r: f"{r.method} {r.template}")
def test_every_api_route_is_an_operation_of_open_api(route: object) -> None:
    method = route.method.lower()  # type: ignore[attr-defined]
    template = route.template  # type: ignore[attr-defined]
    assert template in DOCUMENT["paths"], template
    assert method in DOCUMENT["paths"][template]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "ksef_desktop/sandbox").glob("*.py"))
    + sorted((ROOT / "tests/contract").glob("*.py")),
    ids=lambda p: p.name,
)
def test_no_code_shared_with_the_client(path: Path) -> None:
    clients = ("ksef_desktop.ksef", "ksef_desktop.registries")  # the white list, VIES, NBP
    leaked = {
        m for m in _imports(path) if m in clients or m.startswith(tuple(c + "." for c in clients))
    }
    assert not leaked, f"{path.name} imports {leaked}"


def test_the_import_check_sees_an_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from ksef_desktop.ksef.crypto import encrypt\n", encoding="utf-8")
    assert "ksef_desktop.ksef.crypto" in _imports(bad)


@pytest.mark.parametrize("route", api_routes(), ids=lambda r: f"{r.method} {r.template}")
def test_rate_limit_groups_match_x_rate_limits(route: object) -> None:
    from ksef_desktop.sandbox.ratelimit import PRODUCTION

    operation = DOCUMENT["paths"][route.template][route.method.lower()]  # type: ignore[attr-defined]
    published = operation.get("x-rate-limits")
    if published is None:  # not published
        assert route.limit_group == "other"  # type: ignore[attr-defined]
        return
    ours = PRODUCTION[route.limit_group]  # type: ignore[attr-defined]
    assert ours == (
        published.get("perSecond"),
        published.get("perMinute"),
        published.get("perHour"),
    )
