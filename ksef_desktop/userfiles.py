"""Reading a file the user names (an invoice, a certificate): bounded, regular files only.

``Path.read_bytes`` on ``/dev/zero`` reads until memory runs out, and on a FIFO waits for
a writer for ever. ``read_user_file`` refuses anything that is not a regular file (the
FIFO is opened non-blocking, so even one swapped in after the check cannot hang it),
and reads at most ``limit`` bytes: one byte more is a clear refusal, not a
``MemoryError``. Every refusal is an ``UnreadableFile`` whose ``reason`` is a sentence
in the user's language.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ksef_desktop.errors import UserError
from ksef_desktop.i18n import N_, _

#: Invoice files: KSeF takes at most 3 MB (with an attachment); anything past this cap
#: cannot be an invoice, and reading it is refused rather than attempted.
MAX_INVOICE_FILE = 16 * 1024 * 1024
#: Certificates and keys (PEM, DER, PKCS#12) are a few kB.
MAX_CREDENTIAL_FILE = 1024 * 1024

_CHUNK = 1 << 20

_OS_REASONS = (
    (FileNotFoundError, N_("the file does not exist.")),
    (IsADirectoryError, N_("this is a folder, not a file.")),
    (PermissionError, N_("no permission to read the file.")),
)


class UnreadableFile(UserError):
    """``path`` cannot be read as a user's file; ``reason`` says why, translated."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def message(self) -> str:
        return _("The file cannot be read: {reason}").format(reason=self.reason)


def os_reason(exc: OSError) -> str:
    """A translated sentence for an ``OSError`` met while reading a file."""
    for kind, msgid in _OS_REASONS:
        if isinstance(exc, kind):
            return _(msgid)
    return exc.strerror or type(exc).__name__


def _not_regular(path: Path) -> UnreadableFile:
    return UnreadableFile(
        path, _("this is not a regular file (a device, a pipe or a socket); choose a file.")
    )


def _too_large(path: Path, limit: int) -> UnreadableFile:
    megabytes = max(1, limit // (1024 * 1024))
    return UnreadableFile(
        path,
        _("the file is larger than {size} MB, which no invoice or certificate is.").format(
            size=megabytes
        ),
    )


def read_user_file(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path`` (following links), at most ``limit`` of them.

    Raises ``UnreadableFile`` for a missing or unreadable file, a folder, a device, a
    FIFO or a socket, and for a file longer than ``limit`` bytes.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path)
        fd = os.open(path, flags)
    except OSError as exc:
        raise UnreadableFile(path, os_reason(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path)
        if info.st_size > limit:
            raise _too_large(path, limit)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise _too_large(path, limit)
        return b"".join(chunks)
    except OSError as exc:
        raise UnreadableFile(path, os_reason(exc)) from None
    finally:
        os.close(fd)
