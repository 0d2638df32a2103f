"""`ksef-desktop sandbox` as a real process: first line JSON, clean stop on signals."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.contract.openapi import contract
from tests.contract.rawksef import authenticate


@contextmanager
def running(*args: str) -> Iterator[tuple[subprocess.Popen[str], dict[str, Any]]]:
    with subprocess.Popen(
        [sys.executable, "-m", "ksef_desktop", "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()
            yield proc, json.loads(first)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_first_line_and_clean_stop(signum: int) -> None:
    with running("--nip", "9999999999", "--nip", "526-587-76-35") as (proc, info):
        assert set(info) == {
            "base_url",
            "qr_base",
            "latarnia_url",
            "tokens",
            "whitelist_url",
            "vies_url",
            "nbp_url",
        }
        assert info["base_url"].startswith("http://127.0.0.1:")
        assert info["base_url"].endswith("/v2")
        assert set(info["tokens"]) == {"9999999999", "5265877635"}
        hooks = {"response": [contract().check_response]}
        with httpx.Client(base_url=info["base_url"], event_hooks=hooks) as client:
            tokens = authenticate(client, "9999999999", info["tokens"]["9999999999"])
            assert tokens["accessToken"]["token"]
        status = httpx.get(info["latarnia_url"] + "/status").json()
        assert status["status"] == "AVAILABLE"
        found = httpx.get(
            info["whitelist_url"] + "/api/search/nip/5265877635", params={"date": "2026-01-05"}
        ).json()
        assert found["result"]["subject"]["statusVat"] == "Czynny"
        eur = httpx.get(info["nbp_url"] + "/api/exchangerates/rates/a/eur/2026-01-05/")
        assert eur.json()["rates"][0]["no"] == "002/A/NBP/2026"
        assert httpx.get(info["vies_url"] + "/ms/DE/vat/123456789").json()["isValid"] is True
        proc.send_signal(signum)
        assert proc.wait(timeout=10) == 0
        assert proc.stderr is not None
        log = proc.stderr.read()
        assert "POST /v2/auth/ksef-token -> 202" in log
        for token in info["tokens"].values():
            assert token not in log  # never a token in the log


def test_fault_flags_at_start(tmp_path: Path) -> None:
    with running("--unavailable", "--state-file", str(tmp_path / "s.json")) as (proc, info):
        response = httpx.get(info["base_url"] + "/security/public-key-certificates")
        assert response.status_code == 503
        assert httpx.get(info["latarnia_url"] + "/status").json()["status"] == "MAINTENANCE"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    assert (tmp_path / "s.json").exists()


def test_faults_of_the_real_servers_at_start() -> None:
    flags = ("--firewall-page", "0.25", "--session-unavailable", "3", "--null-counts")
    with running(*flags, "--api-version", "2.7.0") as (proc, info):
        server = info["base_url"].removesuffix("/v2")
        faults = httpx.get(server + "/_sandbox/faults").json()
        assert (faults["firewallPage"], faults["sessionUnavailable"]) == (0.25, 3)
        assert faults["nullCounts"] is True
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ("--firewall-page", "1.5"),
            "Udział odpowiedzi zapory sieciowej musi być liczbą od 0 do 1.",
        ),
        (
            ("--session-unavailable", "-1"),
            "Liczba wysyłek z niedostępną sesją nie może być ujemna.",
        ),
    ],
)
def test_bad_fault_flags_are_a_clear_message(flags: tuple[str, ...], message: str) -> None:
    out = _run(*flags)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_bad_nip_is_a_clear_message() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "sandbox", "--nip", "1234567890"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 2
    assert "Nieprawidłowy NIP: 1234567890" in out.stderr
    assert "Traceback" not in out.stderr


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "sandbox", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_port_in_use_is_a_clear_message() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        out = _run("--port", str(taken.getsockname()[1]))
    assert out.returncode == 2
    assert "Nie można uruchomić Sandboksa" in out.stderr
    assert "Traceback" not in out.stderr


def test_damaged_state_file_is_a_clear_message(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{not json", encoding="utf-8")
    out = _run("--state-file", str(state))
    assert out.returncode == 2
    assert "Nie można odczytać pliku stanu Sandboksa" in out.stderr
    assert "Traceback" not in out.stderr
    assert state.read_text(encoding="utf-8") == "{not json"  # left as it was
