"""A client killed mid-request (the crash campaign kills hundreds) is one line in the
Sandbox's log, never a traceback on its stderr; the Sandbox keeps answering."""

from __future__ import annotations

import logging
import socket
import struct
import threading
from urllib.parse import urlsplit

import httpx

from ksef_desktop.sandbox import Sandbox


def test_a_client_that_resets_mid_request(sandbox: Sandbox, caplog, capfd) -> None:
    gone = threading.Event()

    class Seen(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "went away" in record.getMessage():
                gone.set()

    seen = Seen()
    logging.getLogger("ksef_desktop.sandbox").addHandler(seen)
    caplog.set_level(logging.INFO, logger="ksef_desktop.sandbox")
    try:
        url = urlsplit(sandbox.base_url)
        with socket.create_connection((url.hostname, url.port)) as sock:
            sock.sendall(b"POST /v2/auth/challenge HTTP/1.1\r\nHost: x\r\nContent-Length: 99")
            # SO_LINGER 0: close() sends a reset, as a killed process's socket does.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        assert gone.wait(10)
    finally:
        logging.getLogger("ksef_desktop.sandbox").removeHandler(seen)
    assert "Traceback" not in capfd.readouterr().err
    assert httpx.post(f"{sandbox.base_url}/auth/challenge").status_code == 200
