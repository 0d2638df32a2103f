"""The program's log: one rotated file, secrets never written (no Qt here).

Where it is:

- with ``--data-dir DATA_DIR``: ``DATA_DIR/logs/ksef-desktop.log``, so a test (or a second
  set of data) keeps its log beside its data and never writes to the user's log;
- else ``$KSEF_DESKTOP_LOG_DIR/ksef-desktop.log`` when that variable is set (the test
  suite sets it, for the commands it runs without ``--data-dir``);
- else the platform's user log folder: ``platformdirs.user_log_dir("ksef-desktop")``
  (``~/.local/state/ksef-desktop/log`` on Linux, ``%LOCALAPPDATA%\\ksef-desktop\\Logs``
  on Windows, ``~/Library/Logs/ksef-desktop`` on macOS).

The file rotates at ``MAX_BYTES`` and keeps ``BACKUPS`` older files; it is created private
to the user (0600 in a 0700 folder on POSIX). Records of every logger at ``INFO`` and
above go to it. For the command line (``setup(..., stderr=True)``) warnings and errors
also go to stderr, one line each and never with a traceback: the traceback is in the file.

Secrets: every record passes ``RedactSecrets`` before it is written, which replaces
anything that looks like a KSeF token, a JWT, an ``Authorization``/``Bearer`` value, a
PEM private key or a ``password=``-style value (also inside exception messages and
tracebacks) with a marker. The KSeF token and keys live in the OS keyring only; this is
the second line of defence for the day one slips into a message.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
import traceback
from pathlib import Path

from ksef_desktop.paths import APP_NAME, ensure_private_dir

LOG_NAME = "ksef-desktop.log"
LOG_DIR_ENV = "KSEF_DESKTOP_LOG_DIR"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 5
FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

REDACTED = "[REDACTED]"

# Each pattern keeps its group 1 (a label such as "Bearer " or "password=") and replaces
# the secret after it. Order matters: whole tokens and keys before the generic key=value.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # A PEM private key (any kind: RSA, EC, ENCRYPTED ...), whole.
    (
        re.compile(
            r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)",
            re.DOTALL,
        ),
        "-----BEGIN PRIVATE KEY----- " + REDACTED,
    ),
    # A KSeF token: {reference}|{context type}-{value}|{64 hex} (KSEF-PROTOCOL.md §2.4).
    (
        re.compile(r"[^\s|'\"=:]*\|[A-Za-z]+-[^\s|'\"]+\|[0-9a-fA-F]{64}(?:\|\d+)?"),
        "[KSEF TOKEN]",
    ),
    # A JWT (header.payload.signature, base64url; the header starts with '{"' = eyJ).
    (re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "[JWT]"),
    # Authorization: <scheme> <credentials>, and a bare "Bearer <token>".
    (
        re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?:[A-Za-z]+\s+)?[^\s'\",;}]+"),
        r"\1" + REDACTED,
    ),
    (re.compile(r"(?i)(bearer\s+)[^\s'\",;}]+"), r"\1" + REDACTED),
    # The query of a signed URL (a batch part's upload link carries its signature there).
    (
        re.compile(
            r"(?i)([?&](?:sig|signature|se|sp|sv|skoid|sktid|token|access_token|code|key)"
            r"[A-Za-z0-9_-]*=)[^&\s'\"]+"
        ),
        r"\1" + REDACTED,
    ),
    # password=..., "password": "...", secret=..., token=..., passphrase: ...
    (
        re.compile(
            r"(?i)((?:password|passwd|passphrase|pwd|secret|token|api[_-]?key)"
            r"['\"]?\s*[:=]\s*['\"]?)(?!\[)[^\s'\",;&}]+"
        ),
        r"\1" + REDACTED,
    ),
)


def redact(text: str) -> str:
    """``text`` with everything that looks like a secret replaced by a marker."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record so that no secret reaches any handler it is attached to.

    The message is formatted with its arguments and redacted; the exception and stack
    text are formatted here (where ``logging.Formatter`` would format them later) and
    redacted too. Attached to each handler, it sees the records of every logger.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):  # a bad format string: keep it readable
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _RedactingFormatter(logging.Formatter):
    """A second pass over the finished line, for whatever a filter could not see."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _OneLine(logging.Formatter):
    """``ksef-desktop: warning: message`` — one line, no traceback (that is in the file)."""

    def format(self, record: logging.LogRecord) -> str:
        first = record.getMessage().strip().splitlines()[0] if record.getMessage().strip() else ""
        return redact(f"ksef-desktop: {record.levelname.lower()}: {first}")


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes (it may be redirected)."""

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "quiet", False):
            return  # the caller tells the user itself (e.g. a command's program error)
        self.stream = sys.stderr
        super().emit(record)


def log_dir(data_dir: Path | None = None) -> Path:
    """The folder of the log (see the module's docstring); not created here."""
    if data_dir is not None:
        return data_dir / "logs"
    override = os.environ.get(LOG_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def log_file(data_dir: Path | None = None) -> Path:
    return log_dir(data_dir) / LOG_NAME


_installed: list[logging.Handler] = []
_current: Path | None = None
_setup_as: tuple[Path, bool, int] | None = None
_levels_before: dict[str, int] = {}

#: Libraries that log whole URLs (a signed upload link's query is a secret) at INFO: only
#: their warnings are kept; our transport logs method, path, status and reference.
QUIET_LOGGERS = ("httpx", "httpcore", "urllib3")


def current_log_file() -> Path:
    """The file this process logs to; before ``setup``, where the default one would be."""
    return _current if _current is not None else log_file()


def setup(data_dir: Path | None = None, *, stderr: bool = False, level: int = logging.INFO) -> Path:
    """Send the records of every logger at ``level`` and above to the log file (and, with
    ``stderr``, warnings and errors to stderr in one line each); returns the file's path.

    Calling it again replaces what an earlier call installed (no handler is doubled).
    Should the file not be writable, the program goes on without it (a warning on stderr).
    """
    global _current, _setup_as
    path = log_file(data_dir)
    root = logging.getLogger()
    if _setup_as == (path, stderr, level) and all(h in root.handlers for h in _installed):
        return path  # set up so already (a command run again in one process)
    _setup_as = (path, stderr, level)
    for handler in _installed:
        root.removeHandler(handler)
        handler.close()
    _installed.clear()
    redactor = RedactSecrets()
    try:
        ensure_private_dir(path.parent)
        _create_private(path)
        file_handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
        file_handler.setFormatter(_RedactingFormatter(FILE_FORMAT))
        file_handler.addFilter(redactor)
        file_handler.setLevel(level)
        _installed.append(file_handler)
        _current = path
    except OSError as exc:
        print(f"ksef-desktop: warning: the log {path} cannot be written: {exc}", file=sys.stderr)
    if stderr:
        console = _CurrentStderr()
        console.setLevel(logging.WARNING)
        console.setFormatter(_OneLine())
        console.addFilter(redactor)
        _installed.append(console)
    for handler in _installed:
        root.addHandler(handler)
    for name in ("", *QUIET_LOGGERS):
        _levels_before.setdefault(name, logging.getLogger(name).level)
    root.setLevel(min(level, _levels_before[""] or level))
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, _levels_before[name]))
    logging.captureWarnings(True)
    return path


def _create_private(path: Path) -> None:
    """The log file exists, readable by its owner only, before a handler opens it; its
    rotated copies are renamed from it and keep its mode."""
    from ksef_desktop.paths import create_private_file

    create_private_file(path)


def reset() -> None:
    """Take out what ``setup`` installed (tests; a program never needs it)."""
    global _current, _setup_as
    root = logging.getLogger()
    for handler in _installed:
        root.removeHandler(handler)
        handler.close()
    _installed.clear()
    for name, before in _levels_before.items():
        logging.getLogger(name).setLevel(before)
    _levels_before.clear()
    logging.captureWarnings(False)
    _current = None
    _setup_as = None
