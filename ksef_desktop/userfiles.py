"""Reading a file the user names: a regular file, of a bounded size, or a clear refusal.

``/dev/zero``, a FIFO or a folder must never hang a command or fill the memory: only a
regular file is opened, and at most ``limit`` bytes are read (KSeF takes at most 3 MB
with attachments; the default leaves room above that).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ksef_desktop.errors import UserError
from ksef_desktop.i18n import _

#: What is read of a user's file at most (an invoice is ≤ 3 MB in KSeF).
DEFAULT_LIMIT = 16 * 1024 * 1024


class FileRefused(UserError):
    """The file cannot be used; ``message()`` says why, in the user's language."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def message(self) -> str:
        return _("The file cannot be read: {reason}").format(reason=self.reason)


def read_user_file(path: Path, limit: int = DEFAULT_LIMIT) -> bytes:
    """The bytes of ``path``; ``FileRefused`` for what is not a regular file, is larger
    than ``limit`` or cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise FileRefused(path, _("the file does not exist.")) from None
    except IsADirectoryError:
        raise FileRefused(path, _("this is a folder, not a file.")) from None
    except PermissionError:
        raise FileRefused(path, _("no permission to read the file.")) from None
    except OSError as exc:
        raise FileRefused(path, exc.strerror or type(exc).__name__) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileRefused(path, _("this is a folder, not a file."))
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(path, _("this is not a regular file (a device or a pipe)."))
        if info.st_size > limit:
            raise FileRefused(
                path,
                _("the file is {size} bytes; at most {limit} are read.").format(
                    size=info.st_size, limit=limit
                ),
            )
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise FileRefused(path, exc.strerror or type(exc).__name__) from None
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while being read
        raise FileRefused(path, _("the file is larger than {limit} bytes.").format(limit=limit))
    return data
