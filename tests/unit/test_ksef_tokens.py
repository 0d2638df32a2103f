"""The KSeF token in the real Secret Service, and `ksef-desktop token set|delete`."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import keyring
import pytest
from keyring.backends import fail, null

from ksef_desktop.ksef.tokens import ENV_VAR, TokenMissing, delete_token, resolve_token, save_token
from ksef_desktop.secrets import KeyringUnavailable, SecretStore, token_entry

NIP = "5265877635"


@pytest.fixture
def store() -> SecretStore:
    return SecretStore(service=f"ksef-desktop-test-{uuid.uuid4()}")


def test_save_resolve_delete(store: SecretStore) -> None:
    save_token("test", NIP, "  tok-123\n", store)
    assert store.get(token_entry("test", NIP)) == "tok-123"
    assert resolve_token("test", NIP, store, environ={}) == "tok-123"
    with pytest.raises(TokenMissing, match="token set --env demo --nip 5265877635"):
        resolve_token("demo", NIP, store, environ={})
    assert delete_token("test", NIP, store)
    assert not delete_token("test", NIP, store)


def test_env_var_wins_and_is_never_written(store: SecretStore) -> None:
    assert resolve_token("test", NIP, store, environ={ENV_VAR: "from-env"}) == "from-env"
    assert store.get(token_entry("test", NIP)) is None


def test_env_var_works_without_any_keyring() -> None:
    assert (
        resolve_token("test", NIP, SecretStore(backend=fail.Keyring()), environ={ENV_VAR: "x"})
        == "x"
    )


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_insecure_backend_is_refused_with_what_to_install(backend: object) -> None:
    with pytest.raises(KeyringUnavailable, match="gnome-keyring"):
        resolve_token("test", NIP, SecretStore(backend=backend), environ={})


def test_empty_token_is_refused(store: SecretStore) -> None:
    with pytest.raises(ValueError, match="pusty"):
        save_token("test", NIP, "  ", store)


def _cli(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_token_cli_set_and_delete_in_the_real_keyring() -> None:
    secret = f"canary-{uuid.uuid4()}"
    entry = token_entry("demo", NIP)
    try:
        done = _cli("token", "set", "--env", "demo", "--nip", NIP, stdin=secret + "\n")
        assert done.returncode == 0, done.stderr
        assert secret not in done.stdout + done.stderr
        assert keyring.get_password("ksef-desktop", entry) == secret
        again = _cli("token", "delete", "--env", "demo", "--nip", NIP)
        assert again.returncode == 0
        assert keyring.get_password("ksef-desktop", entry) is None
        nothing = _cli("token", "delete", "--env", "demo", "--nip", NIP)
        assert nothing.returncode == 1
        assert "Nie było tokena" in nothing.stderr
    finally:
        if keyring.get_password("ksef-desktop", entry) is not None:
            keyring.delete_password("ksef-desktop", entry)


def test_token_cli_refuses_bad_input() -> None:
    empty = _cli("token", "set", "--env", "demo", "--nip", NIP, stdin="")
    assert empty.returncode == 2
    assert "standardowym wejściu" in empty.stderr
    bad_nip = _cli("token", "set", "--env", "demo", "--nip", "1234567890", stdin="x\n")
    assert bad_nip.returncode == 2
    assert "Nieprawidłowy NIP" in bad_nip.stderr
    english = _cli("--lang", "en", "token", "set", "--env", "demo", "--nip", "123", stdin="x\n")
    assert "Invalid NIP" in english.stderr
    assert "Traceback" not in empty.stderr + bad_nip.stderr + english.stderr
