"""Optional persistence: the whole state (with the sandbox's own keys) as one JSON file.

Written atomically (temporary file in the same folder, fsync, os.replace) by a small
thread shortly after each change, and once more at stop. The keys are the sandbox's own
test keys, not anybody's secrets; the file is still created with mode 0600.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ksef_desktop.sandbox.ca import SandboxCA
from ksef_desktop.sandbox.crypto import JwtSigner, ServerKey
from ksef_desktop.sandbox.util import b64, b64decode_strict

if TYPE_CHECKING:
    from ksef_desktop.sandbox.core import SandboxCore

log = logging.getLogger("ksef_desktop.sandbox")
FORMAT = 1
SAVE_INTERVAL = 0.2


#: The state is written beside its file under this name first, then moved over it.
TEMP_PREFIX = ".sandbox-"


class Persister:
    def __init__(self, core: SandboxCore, path: Path | None) -> None:
        self.core = core
        self.path = Path(path) if path is not None else None
        self._saved_version = -1
        self._saved = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        data = json.loads(self.path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"{self.path}: not a sandbox state file of format {FORMAT}")
        self.core.keys = [ServerKey.from_json(raw) for raw in data.get("keys", [])]
        self.core.jwt = JwtSigner(b64decode_strict(data["secret"]))
        if "ca" in data:
            self.core.ca = SandboxCA.from_json(data["ca"])
        self.core.state.load_json(data["state"])
        self._saved_version = self.core.state.version

    def snapshot(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "keys": [key.to_json() for key in self.core.keys],
            "secret": b64(self.core.jwt.secret),
            "ca": self.core.ensure_ca().to_json(),
            "state": self.core.state.to_json(),
        }

    def save(self) -> None:
        if self.path is None:
            return
        with self.core.state.lock:
            version = self.core.state.version
            snapshot = self.snapshot()  # fresh structures: serialised outside the lock
        text = json.dumps(snapshot, ensure_ascii=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        with self._saved:
            self._saved_version = version
            self._saved.notify_all()

    def wait_saved(self, timeout: float = 5.0) -> bool:
        """True once the file holds every change made so far (False: not within
        ``timeout`` seconds, or no file). For tests that simulate a crash."""
        if self.path is None:
            return False
        deadline = time.monotonic() + timeout
        with self._saved:
            while self._saved_version != self.core.state.version:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._saved.wait(left)
        return True

    def start(self) -> None:
        if self.path is None:
            return
        self.save()
        self._thread = threading.Thread(target=self._run, name="sandbox-persist", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(SAVE_INTERVAL):
            if self.core.state.version != self._saved_version:
                try:
                    self.save()
                except OSError:
                    log.exception("cannot write the sandbox state file")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.path is not None:
            self.save()
