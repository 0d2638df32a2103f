"""Secrets (the KSeF token, the offline certificate's private key) in the OS keyring only.

The keyring backend is injected; by default it is whatever ``keyring`` picks for this
system (Secret Service on Linux, Credential Manager on Windows, Keychain on macOS), chosen
on first use rather than at construction.
A backend that would store secrets in plain text, or not at all, is refused with a
message that says what to install: a secret is never written to a file by this program.
"""

from __future__ import annotations

from typing import Any

from ksef_desktop.errors import UserError
from ksef_desktop.i18n import _

SERVICE = "ksef-desktop"

# Backends that keep secrets readable on disk or drop them. Matched by class path so
# that none of them has to be importable for the check to work.
_REFUSED_BACKENDS = (
    "keyrings.alt.",
    "keyring.backends.fail.",
    "keyring.backends.null.",
    "keyring.backends.chainer.",  # empty chain = nothing usable behind it
)


class KeyringUnavailable(UserError, RuntimeError):
    """No secure keyring is available; ``str(exc)`` is a user-facing explanation."""


def _backend_name(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_refused(backend: Any) -> bool:
    name = _backend_name(backend)
    if name.startswith("keyring.backends.chainer."):
        return not getattr(backend, "backends", None) or all(
            _is_refused(b) for b in backend.backends
        )
    return name.startswith(_REFUSED_BACKENDS)


class SecretStore:
    """Named secrets under one keyring service; names carry environment and NIP."""

    def __init__(self, backend: Any | None = None, service: str = SERVICE) -> None:
        # None: keyring's choice, made on first use (its entry-point scan costs ~80 ms,
        # which the window's start-up should not pay before a secret is needed).
        self._chosen = backend
        self._service = service

    @property
    def _backend(self) -> Any:
        if self._chosen is None:
            import keyring

            self._chosen = keyring.get_keyring()
        return self._chosen

    @property
    def backend_name(self) -> str:
        return _backend_name(self._backend)

    def check(self) -> None:
        """Raise ``KeyringUnavailable`` unless the backend keeps secrets securely."""
        if _is_refused(self._backend):
            raise KeyringUnavailable(
                _(
                    "No secure system keyring is available ({backend}). Install and unlock "
                    "one: gnome-keyring or KWallet on Linux (Secret Service); Windows and "
                    "macOS have one built in."
                ).format(backend=self.backend_name)
            )

    def get(self, name: str) -> str | None:
        self.check()
        value: str | None = self._backend.get_password(self._service, name)
        return value

    def set(self, name: str, secret: str) -> None:
        self.check()
        if not secret:
            raise ValueError("an empty secret is not stored")
        self._backend.set_password(self._service, name, secret)

    def delete(self, name: str) -> bool:
        """Remove ``name``; False when there was nothing to remove."""
        self.check()
        if self._backend.get_password(self._service, name) is None:
            return False
        self._backend.delete_password(self._service, name)
        return True

    def has(self, name: str) -> bool:
        return self.get(name) is not None


def token_entry(environment: str, nip: str) -> str:
    """The keyring entry name of the KSeF token for an environment and a NIP."""
    return f"ksef-token:{environment}:{nip}"


def offline_key_entry(environment: str, nip: str, serial: str) -> str:
    """The keyring entry name of an offline certificate's private key (PEM)."""
    return f"offline-key:{environment}:{nip}:{serial}"
