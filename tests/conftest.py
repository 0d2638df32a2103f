"""Suite-wide settings: Qt offscreen, markers by folder, official data paths."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The machines that run this suite are shared: the time hypothesis measures per example
# says how busy the machine is, not how good a test is. The example budgets stay as each
# test sets them; only the clock-based failures are off.
settings.register_profile(
    "shared-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("shared-machine")
# Commands run without --data-dir log here, not into the user's log folder (logs.py).
os.environ.setdefault("KSEF_DESKTOP_LOG_DIR", tempfile.mkdtemp(prefix="ksef-desktop-test-log-"))

DATA = Path(__file__).parent / "data"


def _private_keyring() -> None:
    """A test worker of pytest-xdist gets its own D-Bus session, unlocked gnome-keyring and
    home folder: what ``./dev test`` gives the whole run (its ``with_test_keyring``), so that
    two workers never see each other's secrets — a test that deletes a token cannot take
    it from a test running beside it."""
    import atexit
    import contextlib
    import shutil
    import signal
    import subprocess

    home = tempfile.mkdtemp(prefix="ksef-desktop-test-home-")
    os.environ["HOME"] = home
    for name, sub in (
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        os.environ[name] = os.path.join(home, sub)
    bus = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        capture_output=True,
        text=True,
        check=True,
    )
    address, pid = bus.stdout.split()[:2]
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
    subprocess.run(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
        input="\n",
        capture_output=True,
        text=True,
        check=True,
    )

    def stop() -> None:
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(pid), signal.SIGTERM)  # the keyring daemon leaves with its bus
        shutil.rmtree(home, ignore_errors=True)

    atexit.register(stop)


if os.environ.get("PYTEST_XDIST_WORKER"):
    _private_keyring()

OFFICIAL_SAMPLES = sorted((DATA / "fa3-official").glob("*.xml"))

_FOLDER_MARKERS = {"gui": "gui", "integration": "integration"}

#: The longest test files start first: a parallel run ends when its last file does, and
#: the crash campaign alone takes about three minutes (the bundle's build, one).
_FIRST = ("tests/integration/test_submit_crash.py", "tests/smoke/test_bundle.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(_FIRST)))  # stable
    for item in items:
        parts = Path(str(item.fspath)).parts
        for folder, marker in _FOLDER_MARKERS.items():
            if folder in parts:
                item.add_marker(getattr(pytest.mark, marker))


@pytest.fixture(autouse=True)
def _english_or_polish_reset() -> object:
    """Every test starts in the default language, whatever the previous one set."""
    from ksef_desktop import i18n

    i18n.set_language(i18n.DEFAULT_LANGUAGE)
    yield
    i18n.set_language(i18n.DEFAULT_LANGUAGE)


@pytest.fixture(autouse=True)
def _no_log_handlers_left() -> object:
    """A command run in-process sets up the log; the next test starts without it."""
    yield
    from ksef_desktop import logs

    logs.reset()
