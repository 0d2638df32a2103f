"""User settings as key/value text. Never secrets: those belong in the OS keyring
(``ksef_desktop.secrets``), so keys that look like one are refused."""

from __future__ import annotations

import re
import sqlite3

from ksef_desktop.i18n import _
from ksef_desktop.store.db import StoreError

_SECRET_KEY = re.compile(r"token|passw|secret|private|credential|pin\b|api[_-]?key", re.I)


class SecretRefused(StoreError, ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(f"setting {key!r} looks like a secret; secrets go to the keyring")
        self.key = key

    def message(self) -> str:
        return _(
            "“{key}” looks like a secret; secrets are kept in the system keyring, "
            "never in the settings."
        ).format(key=self.key)


def set_setting(conn: sqlite3.Connection, key: str, value: str) -> None:
    if _SECRET_KEY.search(key):
        raise SecretRefused(key)
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def get_setting(conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return default if row is None else str(row[0])


def delete_setting(conn: sqlite3.Connection, key: str) -> None:
    conn.execute("DELETE FROM settings WHERE key = ?", (key,))


def all_settings(conn: sqlite3.Connection) -> dict[str, str]:
    return {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM settings")}
