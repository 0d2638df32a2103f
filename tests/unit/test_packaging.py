"""The installers' definitions (issue 23), checked where they cannot be run.

The release workflow runs only on GitHub's hosted runners, Inno Setup only on Windows and
PyInstaller's BUNDLE only on macOS: here they are read as their tools read them. The
workflow is validated against GitHub's workflow schema (SchemaStore's, vendored by
check-jsonschema), and the spec is executed with recording stand-ins for PyInstaller's
build steps, as PyInstaller would execute it on each system.
"""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from ksef_desktop import __version__

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
ISS = ROOT / "packaging" / "windows" / "ksef-desktop.iss"
SPEC = ROOT / "packaging" / "ksef-desktop.spec"
# The scripts that make the packages: each reads the version from ksef_desktop/__init__.py.
BUILD_SCRIPTS = [
    ROOT / "packaging" / "build_deb.sh",
    ROOT / "packaging" / "windows" / "build.ps1",
    ROOT / "packaging" / "macos" / "build.sh",
]


# check-jsonschema against GitHub's workflow schema, vendored in the package (no network).
CHECK_WORKFLOW = [
    sys.executable,
    "-m",
    "check_jsonschema",
    "--builtin-schema",
    "vendor.github-workflows",
]


def _workflow() -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))
    return loaded


def _steps() -> list[tuple[str, dict[str, Any]]]:
    return [(job, step) for job, spec in _workflow()["jobs"].items() for step in spec["steps"]]


def test_the_workflow_is_valid_for_github_actions() -> None:
    out = subprocess.run(
        [*CHECK_WORKFLOW, str(WORKFLOW)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    """The check above can fail: a job without runs-on is not a workflow GitHub runs."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        WORKFLOW.read_text(encoding="utf-8").replace("runs-on: ubuntu-latest", "runs_on: x"),
        encoding="utf-8",
    )
    out = subprocess.run(
        [*CHECK_WORKFLOW, str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1


def test_the_workflow_runs_on_a_tag_and_by_hand() -> None:
    on = _workflow()["on"]  # YAML 1.2, as GitHub reads it: "on" is a key, not True
    assert on["push"]["tags"] == ["v*"]
    assert "workflow_dispatch" in on


def test_every_step_is_named_and_does_one_thing() -> None:
    steps = _steps()
    assert len(steps) >= 10
    for job, step in steps:
        assert step.get("name"), f"{job}: a step without a name: {step}"
        assert ("uses" in step) != ("run" in step), f"{job}: {step['name']}"


def test_the_matrix_covers_hosted_windows_and_macos() -> None:
    jobs = _workflow()["jobs"]
    include = jobs["installers"]["strategy"]["matrix"]["include"]
    assert {entry["os"] for entry in include} == {"windows-latest", "macos-latest"}
    assert jobs["debian"]["container"] == "debian:12"


def test_each_job_tests_the_bundle_before_keeping_its_installer() -> None:
    for job, spec in _workflow()["jobs"].items():
        names = [step["name"] for step in spec["steps"]]
        runs = [str(step.get("run", "")) for step in spec["steps"]]
        tests = [i for i, run in enumerate(runs) if "pytest" in run or "./dev test -q" in run]
        uploads = [str(step.get("uses", "")) for step in spec["steps"]]
        keep = [i for i, uses in enumerate(uploads) if "upload-artifact" in uses]
        assert tests, job
        assert keep, job
        assert max(tests) < min(keep), f"{job}: {names}"
        test_step = spec["steps"][max(tests)]
        assert "KSEF_BUNDLE" in test_step.get("run", "") + str(test_step.get("env", {}))


def test_every_script_the_workflow_calls_exists_and_is_executable() -> None:
    called: set[str] = set()
    for _job, step in _steps():
        run = str(step.get("run", ""))
        called |= set(re.findall(r"(?:\./)?(?:packaging|\.ci)/[\w./-]+|\./dev\b", run))
    assert {
        "./dev",
        "packaging/build.sh",
        "packaging/build_deb.sh",
        "packaging/windows/build.ps1",
        "packaging/macos/build.sh",
    } <= {name.removeprefix("./") if name != "./dev" else name for name in called}
    for name in called:
        path = ROOT / name.removeprefix("./")
        assert path.is_file(), name
        if path.suffix in {".sh", ""}:
            assert path.stat().st_mode & 0o111, f"{name} is not executable"


def test_the_version_is_written_only_in_ksef_desktop_init() -> None:
    """Every package takes the version from ksef_desktop/__init__.py; none types it again."""
    written = re.compile(rf"(?<![\d.]){re.escape(__version__)}(?![\d.])")
    places = [WORKFLOW, ISS, SPEC, *BUILD_SCRIPTS, *(ROOT / "packaging" / "debian").iterdir()]
    for path in places:
        assert not written.search(path.read_text(encoding="utf-8")), path
    for script in BUILD_SCRIPTS:
        text = script.read_text(encoding="utf-8")
        assert re.search(r"ksef_desktop[/\\]__init__\.py", text), script
        assert "__version__" in text, script


def _iss_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in ISS.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(";") or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections[current] = []
        else:
            sections.setdefault(current, []).append(line)
    return sections


def test_the_windows_installer_is_per_user_and_keeps_the_data_folder() -> None:
    sections = _iss_sections()
    setup = dict(line.split("=", 1) for line in sections["Setup"])
    assert setup["PrivilegesRequired"] == "lowest"  # no administrator rights
    assert setup["DefaultDirName"].startswith("{autopf}")  # = %LOCALAPPDATA%\Programs then
    assert setup["AppVersion"] == "{#AppVersion}"  # passed by build.ps1, never typed here
    assert re.fullmatch(r"\{\{[0-9A-F-]{36}\}", setup["AppId"])
    # The uninstaller deletes only what was installed: nothing scripted, nothing extra.
    assert "UninstallDelete" not in sections
    assert "Code" not in sections
    assert "UninstallRun" not in sections
    assert not any("ksef-desktop\\" in line.lower() for line in sections["Files"][1:])
    # A Start-menu entry opening the windowed launcher, in Polish and English.
    assert any(line.startswith('Name: "{group}\\') for line in sections["Icons"])
    assert all("ksef-desktop-gui.exe" in line or "{#AppExe}" in line for line in sections["Icons"])
    assert any("Polish.isl" in line for line in sections["Languages"])


def test_build_ps1_hands_the_version_to_inno_setup() -> None:
    text = (ROOT / "packaging" / "windows" / "build.ps1").read_text(encoding="utf-8")
    assert '"/DAppVersion=$Version"' in text
    assert "packaging\\windows\\ksef-desktop.iss" in text
    assert "packaging\\ksef-desktop.spec" in text


class _Step:
    """A stand-in for PyInstaller's Analysis/PYZ/EXE/COLLECT/BUNDLE: records its arguments."""

    made: list[_Step]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs
        self.kind = type(self).__name__
        # Analysis' outputs, as the spec reads them.
        self.pure: list[Any] = []
        self.scripts: list[Any] = []
        self.binaries: list[Any] = []
        self.datas: list[Any] = []
        self.made.append(self)


def _run_spec(platform: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[_Step]:
    made: list[_Step] = []
    kinds = {
        name: type(name, (_Step,), {"made": made})
        for name in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")
    }
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    setattr(hooks, "collect_data_files", lambda *a, **k: [])  # noqa: B010
    setattr(hooks, "collect_submodules", lambda *a, **k: [])  # noqa: B010
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the spec puts the checkout first
    namespace = {"SPECPATH": str(SPEC.parent), "workpath": str(tmp_path), **kinds}
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    return made


def test_the_macos_app_carries_the_version_and_opens_the_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _run_spec("darwin", tmp_path, monkeypatch)
    (app,) = [step for step in made if step.kind == "BUNDLE"]
    (collect,) = [step for step in made if step.kind == "COLLECT"]
    plist = app.kwargs["info_plist"]
    numbers = re.match(r"\d+(\.\d+)*", __version__)
    assert numbers is not None
    assert plist["CFBundleShortVersionString"] == numbers.group() == app.kwargs["version"]
    assert plist["LSBackgroundOnly"] is False
    assert app.kwargs["name"] == "KSeF Desktop.app"
    assert Path(app.kwargs["icon"]).is_file()
    assert app.args == (collect,)
    # CFBundleExecutable is the collection's first launcher: the windowed one.
    first = collect.args[0]
    assert first.kwargs["name"] == "ksef-desktop-gui"
    assert first.kwargs["console"] is False


def test_linux_and_windows_builds_have_no_app_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for platform in ("linux", "win32"):
        made = _run_spec(platform, tmp_path, monkeypatch)
        assert [step.kind for step in made].count("BUNDLE") == 0
        (collect,) = [step for step in made if step.kind == "COLLECT"]
        assert collect.args[0].kwargs["name"] == "ksef-desktop"  # the console launcher first


def test_the_macos_build_makes_a_dmg_of_the_app() -> None:
    text = (ROOT / "packaging" / "macos" / "build.sh").read_text(encoding="utf-8")
    assert "packaging/ksef-desktop.spec" in text
    assert "hdiutil create" in text
    assert "CFBundleShortVersionString" in text  # checked against the source's version
    assert 'ln -s /Applications "$STAGE/Applications"' in text
