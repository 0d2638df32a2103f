"""Start-up of the frozen program against a frozen bare PySide6 window; size of the bundle.

    .venv/bin/python -m benchmarks.bundle_startup [--runs 7] [--dist DIR] [--no-smoke] [--cold]

Builds (unless --dist names an existing build) the one-folder bundle with
packaging/build.sh, and a one-folder bundle of a bare PySide6 program that shows an
empty QMainWindow and, at the first idle moment of its event loop
(``QTimer.singleShot(0, ...)`` after ``show()``), prints ``idle`` and quits — the same
PyInstaller, the same Qt, so the ratio measures what KSeF Desktop adds.

What is timed, each run a fresh process, alternating so machine noise hits both:

- a returning user's start: ``ksef-desktop --data-dir D --exit-when-idle``. The hidden
  option ``--exit-when-idle`` (suppressed from ``--help``) starts the program exactly as
  usual and, at the first idle moment after the window is shown (the bare program's
  definition), prints ``idle: main-window`` and quits; ``Shell.close`` then stops what was
  already given to the worker (the built-in Sandbox's start, the KSeF check). D is
  prepared once, before timing, by one ``--smoke-test`` run into it: first run done,
  Sandbox environment, the Sandbox's state and its token in the keyring.
  Two figures: until ``idle`` appears on stdout (the window is up and idle), and until
  the process has exited (shutdown included);
- unless --no-smoke, ``ksef-desktop --smoke-test`` on a fresh data directory each run
  (demo setup, Sandbox with new keys, waits for the KSeF check, paints every tab, exits):
  a functional check, not a start-up measure, kept as a second row.

The keyring: unless already inside one (``KSEF_BENCH_KEYRING=1``), the script re-runs
itself in a private D-Bus session with an unlocked gnome-keyring and a temporary HOME,
as ``./dev test`` does, so it never touches the user's own keyring.

By default pages stay in the OS file cache between runs, so this is a warm start of a
cold process. With --cold (root only: it writes /proc/sys/vm/drop_caches) the page cache
is emptied before every start of either program, so both read everything from disk: the
cold start after a reboot.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


def idle():
    print("idle", flush=True)
    app.quit()


app = QApplication(sys.argv)
window = QMainWindow()
window.setWindowTitle("bare")
window.resize(1000, 700)
window.show()
QTimer.singleShot(0, idle)  # the first idle moment after the window is shown
sys.exit(app.exec())
"""

KEYRING_SESSION = 'echo | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"'


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build_app(out: Path) -> Path:
    env = {**os.environ, "PYTHON": sys.executable, "WORKPATH": str(out / "work")}
    subprocess.run([str(ROOT / "packaging" / "build.sh"), str(out / "dist")], env=env, check=True)
    return out / "dist" / "ksef-desktop"


def build_bare(out: Path) -> Path:
    script = out / "bare.py"
    script.write_text(BARE, encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(out / "bare-dist"),
            "--workpath",
            str(out / "bare-work"),
            "--specpath",
            str(out),
            "--name",
            "bare",
            str(script),
        ],
        check=True,
    )
    return out / "bare-dist" / "bare"


DROP_CACHES = Path("/proc/sys/vm/drop_caches")


def drop_caches() -> None:
    """Empty the kernel's page cache (needs root): the next start reads from disk."""
    os.sync()
    DROP_CACHES.write_text("3\n")


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def timed_idle(argv: list[str], env: dict[str, str], expect: str) -> tuple[float, float]:
    """(seconds until the ``expect`` line on stdout, seconds until the process exited)."""
    start = time.perf_counter()
    with subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as proc:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        idle = time.perf_counter() - start
        proc.stdout.read()
        code = proc.wait()
    ended = time.perf_counter() - start
    if code != 0 or line.strip() != expect:
        raise SystemExit(f"{argv[0]}: exit {code}, first line {line!r} (expected {expect!r})")
    return idle, ended


def in_private_keyring() -> None:
    """Re-run this script inside a throwaway D-Bus session with an unlocked keyring."""
    if os.environ.get("KSEF_BENCH_KEYRING") == "1":
        return
    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        print("no dbus-run-session/gnome-keyring-daemon: using the session's keyring")
        return
    home = tempfile.mkdtemp(prefix="ksef-bench-home-")
    env = {
        **os.environ,
        "KSEF_BENCH_KEYRING": "1",
        "HOME": home,
        "XDG_DATA_HOME": f"{home}/.local/share",
        "XDG_CONFIG_HOME": f"{home}/.config",
        "XDG_CACHE_HOME": f"{home}/.cache",
        "XDG_STATE_HOME": f"{home}/.local/state",
    }
    argv = [sys.executable, "-m", "benchmarks.bundle_startup", *sys.argv[1:]]
    try:
        result = subprocess.run(
            ["dbus-run-session", "--", "sh", "-c", KEYRING_SESSION, "sh", *argv],
            env=env,
            cwd=ROOT,
            check=False,
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    sys.exit(result.returncode)


def row(label: str, values: list[float], base: float | None = None) -> str:
    median = statistics.median(values) * 1000
    text = f"{label:44s} median {median:5.0f} ms (min {min(values) * 1000:4.0f})"
    if base is not None:
        text += f"  ratio {median / base:.2f}"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dist", type=Path, default=None, help="an existing dist/ksef-desktop")
    parser.add_argument("--no-smoke", action="store_true", help="skip the --smoke-test row")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="drop the page cache before every start (root only): a truly cold start",
    )
    args = parser.parse_args()
    if args.cold and not os.access(DROP_CACHES, os.W_OK):
        raise SystemExit("--cold needs write access to /proc/sys/vm/drop_caches (root)")
    in_private_keyring()
    work = Path(tempfile.mkdtemp(prefix="ksef-bundle-bench-"))
    try:
        app_dir = args.dist or build_app(work)
        bare_dir = build_bare(work)
        exe, bare_exe = str(app_dir / "ksef-desktop"), str(bare_dir / "bare")
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        returning = work / "returning-user"
        # Once: the data directory of a returning user (and a warm file cache).
        timed([exe, "--data-dir", str(returning), "--smoke-test"], env)
        idle, ended, bare_idle, bare_ended, smoke = [], [], [], [], []
        cold = drop_caches if args.cold else (lambda: None)
        for i in range(args.runs + 1):
            cold()
            a = timed_idle(
                [exe, "--data-dir", str(returning), "--exit-when-idle"], env, "idle: main-window"
            )
            cold()
            b = timed_idle([bare_exe], env, "idle")
            s = 0.0
            if not args.no_smoke:
                s = timed([exe, "--data-dir", str(work / f"fresh-{i}"), "--smoke-test"], env)
            if i:  # the first round only fills the file cache
                idle.append(a[0])
                ended.append(a[1])
                bare_idle.append(b[0])
                bare_ended.append(b[1])
                smoke.append(s)
        base_idle = statistics.median(bare_idle) * 1000
        base_ended = statistics.median(bare_ended) * 1000
        cache = "page cache dropped before every start" if args.cold else "warm page cache"
        print(f"runs: {args.runs}; {cache}; load average {os.getloadavg()[0]:.2f} at the end")
        print(row("bare PySide6 window, to idle", bare_idle))
        print(row("bare PySide6 window, to exit", bare_ended))
        print(row("ksef-desktop returning user, to idle", idle, base_idle) + " (goal <= 2)")
        print(row("ksef-desktop returning user, to exit", ended, base_ended))
        if not args.no_smoke:
            print(row("ksef-desktop --smoke-test (fresh), to exit", smoke, base_ended))
        size = folder_size(app_dir) / 1e6
        bare_size = folder_size(bare_dir) / 1e6
        print(f"bundle size: {size:.0f} MB (goal < 250 MB); bare PySide6 bundle {bare_size:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
