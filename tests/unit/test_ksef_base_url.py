"""A token goes only where it belongs (issue 22, item 10): ``--base-url`` names a sandbox
on this computer (127.0.0.0/8, ::1, localhost) unless ``--allow-remote-sandbox`` says
otherwise, for every command that takes it; the Ministry's environments stay HTTPS with
certificate verification. And a ``ProtocolError`` in ``send`` is one sentence, no trace
(issue 22, item 5).
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ksef_desktop import cli
from ksef_desktop.ksef.deadline import DeadlineTransport
from ksef_desktop.ksef.environments import (
    NAMES,
    SANDBOX,
    UnknownEnvironment,
    environment,
    is_loopback,
)

SAMPLE = Path(__file__).parents[1] / "data" / "fa3-official" / "FA_3_Przykład_1.xml"
CANARY = "CANARY-TOKEN-0f9e8d7c6b5a"
NUMBER = "5265877635-20250826-0100001AF629-AF"
OTHER = "5265877635-20250626-010080DD2B5E-26"
IDENT = "1111111111-IZ202607-65ED02180000-E7"
REMOTE = "http://192.0.2.1/v2"  # TEST-NET-1: nobody's server


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:43123/v2",
        "http://127.8.9.10:1/v2",
        "http://localhost:8080/v2",
        "http://LocalHost./v2",
        "http://[::1]:8080/v2",
        "https://127.0.0.1/v2",
    ],
)
def test_loopback_sandboxes_are_accepted(url: str) -> None:
    assert environment(SANDBOX, url).api_base == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        REMOTE,
        "http://10.0.0.1:8080/v2",
        "http://0.0.0.0:8080/v2",
        "https://api-test.ksef.mf.gov.pl/v2",
        "http://example.com/v2",
        "http://127.0.0.1.example.com/v2",
        "http://localhost.example.com/v2",
        "http://127.0.0.1@example.com/v2",  # the host is example.com
        "http://[::ffff:192.0.2.1]/v2",
        "http://[2001:db8::1]/v2",
    ],
)
def test_other_addresses_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(UnknownEnvironment, match="--allow-remote-sandbox"):
        environment(SANDBOX, url)
    assert environment(SANDBOX, url, allow_remote=True).name == SANDBOX


@pytest.mark.parametrize("host", [None, "", "256.0.0.1", "127.0.0.1 ", "::2"])
def test_odd_hosts_are_not_loopback(host: str | None) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize("name", [n for n in NAMES if n != SANDBOX])
def test_the_ministry_s_environments_are_https(name: str) -> None:
    env = environment(name)
    assert env.api_base.startswith("https://")
    assert env.qr_base.startswith("https://")
    assert env.latarnia_base is None or env.latarnia_base.startswith("https://")


def test_the_program_s_http_client_verifies_certificates() -> None:
    context = DeadlineTransport()._pool._ssl_context
    assert context is not None
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


COMMANDS = [
    ["send", str(SAMPLE)],
    ["sessions"],
    ["collective", "create", NUMBER, OTHER],
    ["collective", "show", IDENT],
    ["collective", "of", NUMBER],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_no_command_carries_the_token_to_a_remote_base_url(
    command: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """KSEF_TOKEN is a canary; any connection attempt at all is recorded."""
    attempts: list[Any] = []

    def connect(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("no connections in this test")

    monkeypatch.setenv("KSEF_TOKEN", CANARY)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connect(None, a))  # type: ignore[arg-type]
    code = cli.main([*command, "--base-url", REMOTE, "--nip", "5265877635"])
    out = capsys.readouterr()
    assert code == 2
    assert attempts == []
    assert "--allow-remote-sandbox" in out.err
    assert "192.0.2.1" in out.err
    assert CANARY not in out.out + out.err
    assert "Traceback" not in out.err


def test_the_refusal_reads_in_english_too(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["--lang", "en", "sessions", "--base-url", REMOTE, "--nip", "5265877635"])
    assert code == 2
    assert "must point to a sandbox on this computer" in capsys.readouterr().err


def test_the_flag_is_offered_by_every_command_with_base_url() -> None:
    for command in COMMANDS:
        out = subprocess.run(
            [sys.executable, "-m", "ksef_desktop", "--lang", "en", *command[:2], "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if "--base-url" in out.stdout:
            assert "--allow-remote-sandbox" in out.stdout, command


def test_send_prints_one_sentence_for_a_protocol_error(tmp_path: Path) -> None:
    """A server that answers nonsense: the user reads one sentence, no traceback."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Nonsense(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            body = b"[" * 100_000 + b"]" * 100_000  # nested past the recursion limit
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _reply

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Nonsense)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        base_url = f"http://127.0.0.1:{httpd.server_address[1]}/v2"
        argv = ["--lang", "en", "send", str(SAMPLE), "--base-url", base_url, "--nip", "9999999999"]
        out = subprocess.run(
            [sys.executable, "-m", "ksef_desktop", *argv],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={"KSEF_TOKEN": CANARY, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    # One sentence for the failure (a warning that the rate limits could not be read
    # may come before it: the same nonsense answered that request too).
    lines = [
        line
        for line in out.stderr.splitlines()
        if line.strip() and not line.startswith("ksef-desktop: warning:")
    ]
    assert len(lines) == 1, out.stderr
    assert "unexpected way" in lines[0]
    assert CANARY not in out.stderr + out.stdout
