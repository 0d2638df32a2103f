"""The Debian package (issue 23): made from the session's bundle by packaging/build_deb.sh.

It is installed into a scratch root with dpkg's own ``--root`` (a private dpkg database in
a temporary folder), never into this machine: ``./dev test`` runs as root on developers'
computers too, and a test must not install or remove a real package there; the scratch
root cannot break anything, and it works as root and as a user alike. That needs no
chroot because the package has no maintainer scripts at all (checked below), which is
also why removing it can never touch a user's data folder. Its dependencies are checked
by apt's own resolver on this machine (``apt-get install --simulate ./x.deb``, the README's
install command), and lintian runs in the background while the installed program is
exercised.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ksef_desktop import __version__
from ksef_desktop.domain.identifiers import ksef_number_is_valid
from tests.conftest import OFFICIAL_SAMPLES

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("dpkg-deb") is None, reason="the .deb is built on Debian/Ubuntu only"
    ),
]
LINTIAN_TAGS = Path("/usr/share/lintian/tags")


def debian_version(version: str) -> str:
    """What build_deb.sh makes of a PEP 440 version: pre-releases sort first with a tilde."""
    return re.sub(r"\.?(a|b|rc|dev)(\d*)$", r"~\1\2", version) + "-1"


def field(deb: Path, name: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "--field", str(deb), name], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def deb(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("deb")
    # gzip at level 1: lintian accepts it and it takes seconds; releases use xz.
    env = {**os.environ, "DEB_COMPRESSION": "gzip", "DEB_COMPRESSION_LEVEL": "1"}
    result = subprocess.run(
        [str(ROOT / "packaging" / "build_deb.sh"), str(bundle.parent), str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path.name == f"ksef-desktop_{debian_version(__version__)}_{arch()}.deb"
    return path


def arch() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()


@dataclass
class Lintian:
    proc: subprocess.Popen[str]
    report: Path

    def verdict(self) -> tuple[int, str]:
        code = self.proc.wait(timeout=1200)
        return code, self.report.read_text(encoding="utf-8")


@pytest.fixture(scope="module", autouse=True)
def lintian(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lintian]:
    """Starts lintian on the package at once and lets it work while the other tests run.

    Only the checks that can report an error or a warning run (the tags of those
    severities, read from lintian's own tag files): the info-only ones (hardening flags of
    prebuilt libraries, spelling in their strings) take half of lintian's time here."""
    assert shutil.which("lintian"), "lintian is missing: ./dev installs it"
    folder = tmp_path_factory.mktemp("lintian")
    tags = sorted(
        line.split(":", 1)[1].strip()
        for path in LINTIAN_TAGS.rglob("*.tag")
        if "team" not in path.relative_to(LINTIAN_TAGS).parts  # other vendors' profiles
        for text in [path.read_text(encoding="utf-8")]
        if re.search(r"^Severity: (error|warning)$", text, re.MULTILINE)
        for line in text.splitlines()
        if line.startswith("Tag:")
    )
    assert len(tags) > 500
    (folder / "tags").write_text("\n".join(tags) + "\n", encoding="utf-8")
    report = folder / "report"
    with report.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [
                "lintian",
                "--fail-on",
                "error,warning",
                "--tags-from-file",
                str(folder / "tags"),
                str(deb),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        yield Lintian(proc, report)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_the_control_file_names_the_version_and_what_a_desktop_needs(deb: Path) -> None:
    assert field(deb, "Package") == "ksef-desktop"
    assert field(deb, "Version") == debian_version(__version__)
    assert field(deb, "Architecture") == arch()
    depends = [group.strip() for group in field(deb, "Depends").split(",")]
    # The Secret Service keyring (the token lives nowhere else), its bus, fonts.
    assert "gnome-keyring | libkf5wallet-bin | keepassxc" in depends
    assert "default-dbus-session-bus | dbus-session-bus" in depends
    assert "fontconfig-config" in depends
    assert any(group.startswith("fonts-dejavu-core |") for group in depends)
    # The system libraries the bundled Qt loads (found by objdump, not typed by hand).
    assert {"libegl1", "libgl1", "libxcb1"} <= set(depends)
    (libc,) = [group for group in depends if group.startswith("libc6 ")]
    assert re.fullmatch(r"libc6 \(>= 2\.\d+\)", libc)


def test_the_files_are_where_debian_puts_them_with_root_owner_and_no_scripts(deb: Path) -> None:
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    entries = {}
    for line in listing:
        perms, owner, _size, _date, _time, name, *link = line.split(maxsplit=6)
        entries[name.removeprefix(".")] = (perms, owner, link)
        assert owner == "root/root", line
        if not perms.startswith("l"):  # a symlink's own bits mean nothing
            assert perms[5] != "w", line  # no group write
            assert perms[8] != "w", line  # no other write
    assert entries["/usr/bin/ksef-desktop"] == (
        "lrwxrwxrwx",
        "root/root",
        ["-> ../lib/ksef-desktop/ksef-desktop"],
    )
    assert entries["/usr/lib/ksef-desktop/ksef-desktop"][0] == "-rwxr-xr-x"
    assert entries["/usr/lib/ksef-desktop/ksef-desktop-gui"][0] == "-rwxr-xr-x"
    libs = [perms for name, (perms, _, _) in entries.items() if re.search(r"\.so(\.|$)", name)]
    assert libs
    assert all(perms in {"-rw-r--r--", "lrwxrwxrwx"} for perms in libs)
    for name in [
        "/usr/share/applications/ksef-desktop.desktop",
        "/usr/share/doc/ksef-desktop/copyright",
        "/usr/share/doc/ksef-desktop/changelog.Debian.gz",
        "/usr/share/doc/ksef-desktop/changelog.gz",
        "/usr/share/man/man1/ksef-desktop.1.gz",
        *(f"/usr/share/icons/hicolor/{n}x{n}/apps/ksef-desktop.png" for n in (16, 48, 256)),
    ]:
        assert entries[name][0] == "-rw-r--r--", name
    assert not [name for name in entries if name.startswith(("/opt", "/etc", "/home", "/root"))]
    control = subprocess.run(
        f"dpkg-deb --ctrl-tarfile '{deb}' | tar -t", shell=True, capture_output=True, text=True
    )
    assert control.returncode == 0, control.stderr
    assert sorted(control.stdout.split()) == ["./", "./control", "./md5sums"]


def test_apt_can_install_it_on_this_system(deb: Path) -> None:
    """`sudo apt install ./ksef-desktop_X.deb`, simulated: every Depends is a real Debian
    package that apt can satisfy here."""
    out = subprocess.run(
        ["apt-get", "install", "--simulate", "--no-install-recommends", "-q", str(deb)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"^Inst ksef-desktop ", out.stdout, re.MULTILINE), out.stdout


def _dpkg(root: Path, *args: str) -> None:
    out = subprocess.run(
        ["dpkg", f"--root={root}", "--force-not-root", "--force-depends", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_installed_it_runs_sends_to_a_sandbox_and_purging_keeps_the_data(
    deb: Path, tmp_path: Path
) -> None:
    """What a user does: install, open it (the smoke test stands for the first start),
    send an invoice, remove the program. The data folder outlives the package."""
    root = tmp_path / "root"
    (root / "var/lib/dpkg/info").mkdir(parents=True)
    (root / "var/lib/dpkg/updates").mkdir()
    (root / "var/lib/dpkg/status").touch()
    _dpkg(root, "--install", str(deb))
    exe = root / "usr" / "bin" / "ksef-desktop"  # the symlink on the PATH
    assert exe.is_symlink()

    # The user's folders: no --data-dir, so the program uses its standard data folder.
    home = tmp_path / "home"
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "QT_QPA_PLATFORM": "offscreen",
    }

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(exe), *args],
            capture_output=True,
            text=True,
            timeout=180,
            env={**env, **extra},
            check=False,
        )

    version = run("--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"ksef-desktop {__version__}"

    smoke = run("--smoke-test")  # in a folder of its own, never the user's
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert "ksef=dostępny" in smoke.stdout

    sample = OFFICIAL_SAMPLES[0]  # FA_3_Przykład_1.xml, seller 9999999999
    with subprocess.Popen(
        [str(exe), "sandbox", "--port", "0", "--nip", "9999999999"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    ) as server:
        try:
            assert server.stdout is not None
            info = json.loads(server.stdout.readline())
            sent = run(
                "send",
                str(sample),
                "--base-url",
                info["base_url"],
                "--nip",
                "9999999999",
                KSEF_TOKEN=info["tokens"]["9999999999"],
            )
            assert sent.returncode == 0, sent.stdout + sent.stderr
            name, number = sent.stdout.split()
            assert name == str(sample)
            assert ksef_number_is_valid(number)
            # And an invoice kept in the user's data folder, which must outlive the package.
            kept = run("import", str(sample), "--base-url", info["base_url"], "--nip", "9999999999")
            assert kept.returncode == 0, kept.stdout + kept.stderr
            assert kept.stdout.split()[-1] == "queued", kept.stdout
        finally:
            server.terminate()
            server.wait(timeout=30)

    before = sorted((path.relative_to(home), path.stat().st_size) for path in home.rglob("*"))
    _dpkg(root, "--purge", "ksef-desktop")
    left = sorted(str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir())
    assert [name for name in left if not name.startswith("var/lib/dpkg/")] == []
    assert not (root / "usr" / "lib" / "ksef-desktop").exists()
    after = sorted((path.relative_to(home), path.stat().st_size) for path in home.rglob("*"))
    assert after == before
    data = home / "data" / "ksef-desktop"
    assert [p for p in data.rglob("*") if p.suffix == ".xml"], "the invoice's frozen XML"


def test_lintian_reports_no_errors_and_no_warnings(lintian: Lintian) -> None:
    """Last in the file: lintian has been working since the package was built. The
    exceptions are in packaging/debian/lintian-overrides, each with its reason."""
    code, report = lintian.verdict()
    assert [line for line in report.splitlines() if re.match(r"[EW]: ", line)] == [], report
    assert code == 0, report
