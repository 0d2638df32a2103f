"""Start-up of the frozen program against a frozen bare PySide6 window; size of the bundle.

    .venv/bin/python -m benchmarks.bundle_startup [--runs 7] [--dist DIR]

Builds (unless --dist names an existing build) the one-folder bundle with
packaging/build.sh, and a one-folder bundle of a bare PySide6 program that shows an
empty QMainWindow and quits when the event loop is idle — the same PyInstaller, the same
Qt, so the ratio measures what KSeF Desktop adds. Each run starts a fresh process:
`ksef-desktop --smoke-test` (main window, fresh data directory, built-in sandbox, wait
until idle, exit) against the bare window, alternating so machine noise hits both.
Pages stay in the OS file cache between runs (dropping it needs privileges a CI machine
does not give), so this is a warm start of a cold process.
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

app = QApplication(sys.argv)
window = QMainWindow()
window.setWindowTitle("bare")
window.resize(1000, 700)
window.show()
QTimer.singleShot(0, app.quit)  # the first idle moment after the window is shown
sys.exit(app.exec())
"""


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


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dist", type=Path, default=None, help="an existing dist/ksef-desktop")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ksef-bundle-bench-"))
    try:
        app_dir = args.dist or build_app(work)
        bare_dir = build_bare(work)
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        app, bare = [], []
        for i in range(args.runs + 1):
            data = work / f"data-{i}"
            a = timed([str(app_dir / "ksef-desktop"), "--data-dir", str(data), "--smoke-test"], env)
            b = timed([str(bare_dir / "bare")], env)
            if i:  # the first pair only fills the file cache
                app.append(a)
                bare.append(b)
        app_ms, bare_ms = statistics.median(app) * 1000, statistics.median(bare) * 1000
        size = folder_size(app_dir) / 1e6
        bare_size = folder_size(bare_dir) / 1e6
        print(f"runs: {args.runs}")
        print(f"ksef-desktop --smoke-test: median {app_ms:.0f} ms (min {min(app) * 1000:.0f})")
        print(f"bare PySide6 window:       median {bare_ms:.0f} ms (min {min(bare) * 1000:.0f})")
        print(f"ratio: {app_ms / bare_ms:.2f} (goal <= 2)")
        print(f"bundle size: {size:.0f} MB (goal < 250 MB); bare PySide6 bundle {bare_size:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
