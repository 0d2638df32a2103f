"""Secrets go to the real Secret Service (gnome-keyring in a throwaway D-Bus session)."""

from __future__ import annotations

import uuid

import keyring
import pytest
from keyring.backends import fail, null

from ksef_desktop.secrets import KeyringUnavailable, SecretStore, token_entry


def test_tests_run_against_the_real_secret_service() -> None:
    name = f"{type(keyring.get_keyring()).__module__}"
    assert name == "keyring.backends.SecretService", name


def test_round_trip_in_the_real_keyring() -> None:
    store = SecretStore(service=f"ksef-desktop-test-{uuid.uuid4()}")
    entry = token_entry("sandbox", "5265877635")
    assert store.get(entry) is None
    store.set(entry, "canary-token-123")
    assert store.get(entry) == "canary-token-123"
    assert store.has(entry)
    assert store.delete(entry) is True
    assert store.delete(entry) is False
    assert store.get(entry) is None


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_insecure_or_absent_backends_are_refused(backend: object) -> None:
    store = SecretStore(backend=backend)
    with pytest.raises(KeyringUnavailable, match="gnome-keyring"):
        store.set("x", "secret")


def test_empty_secret_is_not_stored() -> None:
    store = SecretStore(service=f"ksef-desktop-test-{uuid.uuid4()}")
    with pytest.raises(ValueError, match="empty"):
        store.set("x", "")
