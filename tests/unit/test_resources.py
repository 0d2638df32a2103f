"""resources/ sits at the top of the checkout (the design's layout) and is the package
``ksef_desktop.resources`` wherever the program runs: this checkout, an editable install,
a wheel (here) and the frozen bundle (tests/smoke/test_bundle.py reads its schema and
catalog from inside the bundle)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import resources
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: What the program reads from resources/, one of each kind.
NEEDED = (
    "schemas/FA/schemat_FA(3)_v1-0E.xsd",
    "fonts/DejaVuSans.ttf",
    "icons/ksef-desktop-256.png",
    "locale/pl/LC_MESSAGES/ksef_desktop.mo",
)
PROBE = """
import site, sys
from importlib import resources
{setup}
folder = resources.files("ksef_desktop.resources")
missing = [n for n in {needed!r} if not folder.joinpath(n).is_file()]
print(folder, missing)
"""
pytestmark = pytest.mark.slow


def _probe(setup: str) -> str:
    """Where ``ksef_desktop.resources`` is found by a Python that sees only what
    ``setup`` adds (``-S``: not this checkout's own editable install)."""
    code = PROBE.format(setup=setup, needed=NEEDED)
    out = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True, cwd="/"
    )
    return out.stdout.strip()


def test_every_package_is_listed_for_setuptools() -> None:
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "ksef_desktop").rglob("__init__.py")
    }
    assert set(listed["packages"]) == found | {"ksef_desktop.resources"}
    assert listed["package-dir"] == {"ksef_desktop.resources": "resources"}
    assert not (ROOT / "ksef_desktop" / "resources").exists()


def test_in_this_checkout() -> None:
    folder = resources.files("ksef_desktop.resources")
    assert Path(str(folder)) == ROOT / "resources"
    for name in NEEDED:
        assert folder.joinpath(name).is_file(), name


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what a build reads, so that building writes nothing into the checkout."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for name in ("ksef_desktop", "resources"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    return src


def _pip(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check", *args,
         "--no-deps", "--no-build-isolation"],
        check=True, capture_output=True,
    )  # fmt: skip


def test_an_editable_install(source: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    # --ignore-installed: without it pip uninstalls this checkout's own install first.
    _pip("install", "--ignore-installed", "--prefix", str(prefix), "-e", str(source))
    (site_dir,) = prefix.glob("lib/python3*/site-packages")
    found = _probe(f"site.addsitedir({str(site_dir)!r})")
    assert found == f"{source / 'resources'} []"


def test_a_wheel(source: Path, tmp_path: Path) -> None:
    _pip("wheel", "-w", str(tmp_path / "dist"), str(source))
    (wheel,) = (tmp_path / "dist").glob("ksef_desktop-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in NEEDED:
        assert f"ksef_desktop/resources/{name}" in names, name
    target = tmp_path / "site"
    _pip("install", "--target", str(target), str(wheel))
    found = _probe(f"sys.path.insert(0, {str(target)!r})")
    assert found == f"{target / 'ksef_desktop' / 'resources'} []"
