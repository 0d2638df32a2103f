"""Where the program keeps its data: the platform's data folder or ``--data-dir``.

The folder holds the database and the archive of sent XML and UPO files. When the
program creates the folder it makes it private to the user (0700 on POSIX); files in it
are created 0600 by the store. A folder the user names that already exists is used as it
is: we never change the permissions of someone else's directory.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

APP_NAME = "ksef-desktop"
DATABASE_NAME = "ksef-desktop.sqlite3"
ARCHIVE_NAME = "archive"
#: The user's settings beside the database (ui/settings.py writes it).
SETTINGS_FILE = "settings.json"

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def is_posix() -> bool:
    return os.name == "posix"


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as a private folder; return it."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        if is_posix():
            # mkdir's mode is filtered by the umask; say it exactly.
            os.chmod(folder, PRIVATE_DIR_MODE)
    return path


def data_dir(override: Path | None = None) -> Path:
    """The data folder: ``override`` (``--data-dir``) or the platform's, created private."""
    return ensure_private_dir(override if override is not None else default_data_dir())


def database_path(folder: Path) -> Path:
    return folder / DATABASE_NAME


def archive_dir(folder: Path) -> Path:
    return folder / ARCHIVE_NAME


def create_private_file(path: Path) -> None:
    """Create an empty file readable only by its owner, unless it exists already."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)
    if is_posix():
        os.chmod(path, PRIVATE_FILE_MODE)


def restrict_file(path: Path) -> None:
    """Make an existing file of ours readable by its owner only (POSIX)."""
    if is_posix() and path.is_file() and (path.stat().st_mode & 0o777) != PRIVATE_FILE_MODE:
        os.chmod(path, PRIVATE_FILE_MODE)


def write_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file + rename), mode 0600, fsynced."""
    ensure_private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, PRIVATE_FILE_MODE)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    if is_posix():
        os.chmod(tmp, PRIVATE_FILE_MODE)
    os.replace(tmp, path)
