"""The log (issue 15, item 10): where it is, that it rotates, and that no secret is written.

The canary tests push made-up secrets through every way a record reaches the file (a
request with an Authorization header, an exception whose message holds the token, a
worker error, a command's program error, a private key, a password) and then grep the
log files for them.
"""

from __future__ import annotations

import argparse
import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksef_desktop import logs

# Made-up secrets in the shapes they really have. None of them is a real credential.
CANARY_HEX = "c0ffee" * 10 + "c0de"  # 64 hex digits
KSEF_TOKEN = f"20261204-EC-1DCE3E3000-12ECB5B36E-45|nip-5265877635|{CANARY_HEX}"
JWT = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiJjYW5hcnktand0LXN1YmplY3QiLCJleHAiOjE5MDAwMDAwMDB9"
    ".Q2FuYXJ5U2lnbmF0dXJlQ2FuYXJ5U2lnbmF0dXJl"
)
PASSWORD = "Canary-Pa55word-7781"
SIGNATURE = "CanarySignature0x7f3e"
PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCanaryKeyBody0000"
PEM = f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----"
SECRETS = (CANARY_HEX, JWT, JWT.split(".")[1], JWT.split(".")[2], PASSWORD, PEM_BODY, SIGNATURE)


@pytest.fixture
def logged(tmp_path: Path) -> Iterator[Path]:
    path = logs.setup(tmp_path, stderr=True)
    try:
        yield path
    finally:
        logs.reset()


def _all_log_text(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("ksef-desktop.log*")))


def _assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a secret reached the log: {secret[:12]}…"


# -- where -------------------------------------------------------------------------------------


def test_with_a_data_dir_the_log_lives_beside_the_data(tmp_path: Path) -> None:
    assert logs.log_file(tmp_path) == tmp_path / "logs" / "ksef-desktop.log"


def test_without_a_data_dir_the_environment_then_the_platform_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import platformdirs

    monkeypatch.setenv(logs.LOG_DIR_ENV, str(tmp_path / "env"))
    assert logs.log_file() == tmp_path / "env" / "ksef-desktop.log"
    monkeypatch.delenv(logs.LOG_DIR_ENV)
    expected = Path(platformdirs.user_log_dir("ksef-desktop", appauthor=False))
    assert logs.log_file() == expected / "ksef-desktop.log"


def test_reset_gives_back_the_levels_it_found(tmp_path: Path) -> None:
    before = (logging.getLogger().level, logging.getLogger("httpx").level)
    logs.setup(tmp_path)
    assert logging.getLogger().level == logging.INFO
    assert logging.getLogger("httpx").level == logging.WARNING
    logs.reset()
    assert (logging.getLogger().level, logging.getLogger("httpx").level) == before


def test_the_file_is_private_and_takes_info(logged: Path) -> None:
    logging.getLogger("ksef_desktop.test").info("an ordinary day")
    logging.getLogger("ksef_desktop.test").debug("not written at INFO")
    text = logged.read_text(encoding="utf-8")
    assert "INFO ksef_desktop.test [MainThread] an ordinary day" in text
    assert "not written" not in text
    if os.name == "posix":
        assert stat.S_IMODE(logged.stat().st_mode) == 0o600
        assert stat.S_IMODE(logged.parent.stat().st_mode) == 0o700


def test_the_file_rotates(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    path = logs.setup(tmp_path)
    try:
        for i in range(200):
            logging.getLogger("ksef_desktop.test").info("line %d %s", i, "x" * 40)
    finally:
        logs.reset()
    rotated = sorted(p.name for p in path.parent.iterdir())
    assert rotated == ["ksef-desktop.log", *(f"ksef-desktop.log.{i}" for i in range(1, 6))]
    assert path.stat().st_size <= 2_000
    assert "line 199" in path.read_text(encoding="utf-8")


def test_setting_up_twice_does_not_double_the_lines(tmp_path: Path) -> None:
    logs.setup(tmp_path)
    path = logs.setup(tmp_path)
    try:
        logging.getLogger("ksef_desktop.test").warning("once")
    finally:
        logs.reset()
    assert path.read_text(encoding="utf-8").count("once") == 1


# -- redaction ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"token {KSEF_TOKEN} stored", "token [KSEF TOKEN] stored"),
        (f"plaintext {KSEF_TOKEN}|1767225600000", "plaintext [KSEF TOKEN]"),
        (f"{{'Authorization': 'Bearer {JWT}'}}", "{'Authorization': '[REDACTED]'}"),
        (f"Authorization: Bearer {JWT}\r\n", "Authorization: [REDACTED]"),
        (f"refresh with {JWT}", "refresh with [JWT]"),
        (f"header bearer {PASSWORD}", "header bearer [REDACTED]"),
        (f"connect password={PASSWORD}&user=jan", "connect password=[REDACTED]&user=jan"),
        (f'{{"password": "{PASSWORD}"}}', '{"password": "[REDACTED]"}'),
        (f"key {PEM} end", "key -----BEGIN PRIVATE KEY----- [REDACTED] end"),
        (f"cut key -----BEGIN EC PRIVATE KEY-----\n{PEM_BODY}", "cut key -----BEGIN PRIVATE"),
        (
            f"PUT https://b.example/up/part1?sv=2024&sig={SIGNATURE}&se=2026",
            "PUT https://b.example/up/part1?sv=[REDACTED]&sig=[REDACTED]&se=[REDACTED]",
        ),
    ],
)
def test_redact_hides_each_kind_of_secret(text: str, kept: str) -> None:
    out = logs.redact(text)
    assert kept in out
    _assert_no_secret(out)


@pytest.mark.parametrize(
    "text",
    [
        "5265877635-20261204-0100C0FFEE00-4F",  # a KSeF number
        "NIP 5265877635, invoice FV/1/12/2026",
        f"sha256 {CANARY_HEX.replace('c', 'a')}",  # an invoice hash is not a secret
        "session 20261204-SO-2FDC223000-C2BFC98A9C-4E",
        "token stored in the keyring",
    ],
)
def test_redact_leaves_what_a_diagnosis_needs(text: str) -> None:
    assert logs.redact(text) == text


@given(st.text(max_size=30), st.sampled_from([KSEF_TOKEN, JWT, f"password={PASSWORD}", PEM]))
def test_redact_finds_a_secret_in_any_surroundings(noise: str, secret: str) -> None:
    _assert_no_secret(logs.redact(f"{noise} {secret} {noise}"))


# -- the canary through every path -------------------------------------------------------------


def test_the_canary_never_reaches_the_file_or_stderr(
    logged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ksef_desktop.cli import EXIT_BUG, _run_command
    from ksef_desktop.worker.errors import describe

    net = logging.getLogger("ksef_desktop.ksef")
    # A request logged with its headers.
    net.info("POST /auth/ksef-token %s", {"Authorization": f"Bearer {JWT}", "Accept": "json"})
    # An exception whose message holds the token, logged with its traceback.
    try:
        raise ValueError(f"KSeF refused the token {KSEF_TOKEN}")
    except ValueError as exc:
        net.error("authentication failed", exc_info=exc)
    # A warning with a password and a key (also on stderr).
    net.warning("certificate password=%s key %s", PASSWORD, PEM)
    # A worker's unexpected error (logged with its trace, and shown to the user).
    failure = describe(RuntimeError(f"bad state with Authorization: Bearer {JWT}"))
    _assert_no_secret(failure.message)
    assert str(logs.current_log_file()) in failure.message

    # A command's program error: the file gets the traceback, stderr one line.
    def broken(args: argparse.Namespace) -> int:
        raise KeyError(f"token={KSEF_TOKEN}")

    args = argparse.Namespace(command="canary", data_dir=logged.parent.parent, func=broken)
    assert _run_command(args) == EXIT_BUG
    # A library that logs whole URLs at INFO (a signed upload link): kept out.
    logging.getLogger("httpx").info('HTTP Request: PUT https://b/up?sig=%s "201"', SIGNATURE)
    logging.getLogger("httpx").warning("retrying https://b/up?sig=%s", SIGNATURE)
    # Logged from another thread, too.
    import threading

    worker = threading.Thread(target=lambda: net.error("in a thread: %s", JWT), name="canary")
    worker.start()
    worker.join()

    err = capsys.readouterr().err
    _assert_no_secret(err)
    assert "Traceback" not in err
    assert f"details in the log: {logged}" in err or f"szczegóły w dzienniku: {logged}" in err
    text = _all_log_text(logged.parent)
    _assert_no_secret(text)
    # What was logged is there, secrets replaced: the test can fail.
    assert "Authorization': '[REDACTED]'" in text
    assert "ValueError: KSeF refused the token [KSEF TOKEN]" in text
    assert "password=[REDACTED]" in text
    assert "BEGIN PRIVATE KEY----- [REDACTED]" in text
    assert "RuntimeError: bad state with Authorization: [REDACTED]" in text
    assert "KeyError: 'token=[KSEF TOKEN]'" in text
    assert "[canary] in a thread: [JWT]" in text
    assert "HTTP Request" not in text
    assert "retrying https://b/up?sig=[REDACTED]" in text
    # The two raised ones have their traceback (the worker's was never raised: no frames).
    assert text.count("Traceback (most recent call last)") == 2


def test_a_command_writes_the_log_beside_its_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    out = subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--data-dir", str(data), "deadline",
         "--mode", "offline24", "--issued", "2026-12-04"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (out.returncode, out.stdout, out.stderr) == (0, "2026-12-07\n", "")
    assert "INFO ksef_desktop.cli [MainThread] ksef-desktop" in (
        data / "logs" / "ksef-desktop.log"
    ).read_text(encoding="utf-8")


def test_without_a_data_dir_a_command_logs_where_the_environment_says(tmp_path: Path) -> None:
    env = {**os.environ, logs.LOG_DIR_ENV: str(tmp_path / "here")}
    out = subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "deadline", "--mode", "awaria-calkowita"],
        capture_output=True, text=True, timeout=60, check=False, env=env,
    )  # fmt: skip
    assert out.stdout == "none\n"
    assert ": deadline" in (tmp_path / "here" / "ksef-desktop.log").read_text(encoding="utf-8")


def test_credentials_never_reach_the_log(logged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 17's secrets: a signing key and its password, a generated token, an
    enrolled certificate's key, a signed request's password prompt; shown by ``repr`` in
    a log line or a traceback, and a key PEM of every kind logged by mistake."""
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from ksef_desktop.ksef.models_access import GenerateTokenResponse
    from ksef_desktop.ksef.xades import self_signed
    from ksef_desktop.services.credentials import Enrolled
    from ksef_desktop.services.signing import SignatureChoice

    now = datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    signer = self_signed("5265877635", now=now, key=key)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,  # "BEGIN EC PRIVATE KEY"
        serialization.NoEncryption(),
    ).decode()
    key_body = key_pem.splitlines()[1]
    made = GenerateTokenResponse.from_json(
        {"referenceNumber": "20261204-EC-1DCE3E3000-12ECB5B36E-45", "token": KSEF_TOKEN}
    )
    enrolled = Enrolled("0123456789ABCDEF", "Offline", "Offline", now, now, b"", key)
    choice = SignatureChoice("file", "podpis.p12", "", PASSWORD)
    net = logging.getLogger("ksef_desktop.ksef")
    net.info("login with %r, %r", signer, choice)
    net.info("token made: %r; certificate %r", made, enrolled)
    net.warning("a key was logged by mistake: %s", key_pem)
    try:
        raise RuntimeError(f"generate failed for {made!r} {choice!r} token={made.token}")
    except RuntimeError as exc:
        net.error("program error", exc_info=exc)
    text = _all_log_text(logged.parent) + capsys.readouterr().err
    _assert_no_secret(text)
    assert key_body not in text
    assert "0123456789ABCDEF" in text  # what was logged is there: the test can fail
    assert "SignatureChoice('file'" in text
