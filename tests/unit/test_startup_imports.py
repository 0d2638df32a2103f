"""The window's start-up imports only what its first frame needs (issue #9).

The KSeF client (httpx, cryptography), PDF and QR (reportlab, qrcode), lxml, the keyring
backends, holidays and the built-in Sandbox are imported on first use, mostly in
the worker; importing them up front cost the packaged program ~0.3 s of its start.
Checked in a fresh interpreter, since this test process has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

#: Top-level packages (and our own modules) the start-up must not import.
HEAVY = (
    "httpx",
    "httpcore",
    "cryptography",
    "reportlab",
    "qrcode",
    "lxml",
    "keyring",
    "secretstorage",
    "holidays",
    "hashlib",  # OpenSSL's libcrypto: the store hashes only when it writes or checks
    "ksef_desktop.sandbox",
    "ksef_desktop.ksef.workflows",
    "ksef_desktop.ksef.crypto",
    "ksef_desktop.commands",
    "ksef_desktop.visual.certificates",
    # Windows and panels not on screen at a returning user's first frame.
    "ksef_desktop.ui.wizard",
    "ksef_desktop.ui.settings_dialog",
    "ksef_desktop.ui.editor",
    "ksef_desktop.ui.contractors",
    "ksef_desktop.ui.sessions_panel",
)

# What `ksef-desktop --data-dir D` does before Qt's event loop runs, minus the window
# itself: parse the command line, import the window program, open the data directory
# (settings, keyring handle), translate a string.
START = """
import json, sys
from pathlib import Path
from ksef_desktop import cli, i18n
argv = ["--data-dir", sys.argv[1], "--exit-when-idle"]
args = cli.build_parser(argv).parse_args(argv)
assert args.command is None and args.exit_when_idle
import ksef_desktop.ui.app
from ksef_desktop.ui.context import AppContext
ctx = AppContext.open(Path(sys.argv[1]))
assert ctx.env_name
i18n._("KSeF Desktop")
print(json.dumps(sorted(sys.modules)))
"""


def _imported_at_start(data_dir: Path) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", START, str(data_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(out.stdout))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_the_window_start_imports_nothing_heavy(tmp_path: Path) -> None:
    modules = _imported_at_start(tmp_path / "data")
    assert "ksef_desktop.ui.main_window" in modules  # the probe did import the window
    assert _heavy(modules) == []


def test_a_command_still_imports_its_module() -> None:
    """The counter-check: the probe sees imports (a command's module is imported)."""
    code = (
        "import json, sys; from ksef_desktop import cli; "
        "cli.build_parser(['deadline']); print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "ksef_desktop.commands.deadline" in json.loads(out.stdout)
