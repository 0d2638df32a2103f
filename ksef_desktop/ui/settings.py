"""The user's settings, declared once with their defaults and labels (Picard's way).

Business settings live here; window geometry lives in ``QSettings`` (ui/app.py), never
here; secrets live only in the OS keyring (``SecretStore``), never here: only declared
keys can be set, and none of them is a secret. ``environment`` and ``nip`` name the
current profile; the profile's company data live with it in the store. The values are
kept in ``settings.json`` in the data directory (written atomically, mode 0600 on POSIX).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ksef_desktop.i18n import N_
from ksef_desktop.paths import SETTINGS_FILE

FILE_NAME = SETTINGS_FILE


@dataclass(frozen=True)
class Option:
    key: str
    default: Any
    label: str  # a message id (N_), translated where shown


OPTIONS: tuple[Option, ...] = (
    Option("first_run_done", False, N_("First-run setup finished")),
    Option("environment", "sandbox", N_("KSeF &environment")),
    Option("nip", "", N_("Seller's &NIP")),
    Option("language", "pl", N_("&Language")),
    Option("stretch_strings", False, N_("Stretch every text (la&yout check)")),
    Option("availability_minutes", 5, N_("Check KSeF availability every (&minutes)")),
    Option("declared_offline24", False, N_("I &declare offline24 mode (my side is offline)")),
    Option("notifications", True, N_("Desktop noti&fications about deadlines")),
    # Everyday invoicing (issue 20): payment terms of new invoices, e-mail to buyers.
    Option("payment_days", 14, N_("&Payment term of new invoices (days)")),
    Option("payment_method", "transfer", N_("Payment met&hod of new invoices")),
    Option("mail_from", "", N_("E-mail: sende&r's address")),
    Option("smtp_url", "", N_("E-mail: SMTP ser&ver (smtps://host:465 or smtp://host:587)")),
    Option("smtp_user", "", N_("E-mail: SMTP &user name")),
)

_BY_KEY = {o.key: o for o in OPTIONS}

#: Labels of the profile's own fields (kept in the store's ``profiles`` table, not here:
#: each profile, one seller NIP in one environment, has its own).
PROFILE_LABELS = {
    "company_name": N_("C&ompany name"),
    "company_address": N_("&Address"),
    "offline_certificate": N_("Offline certificate (KOD &II)"),
}

DEMO_NIP = "5265877635"
DEMO_COMPANY = "Firma Demonstracyjna Jan Kowalski"
DEMO_ADDRESS = "ul. Przykładowa 1, 00-001 Warszawa"


class UnknownSetting(KeyError):
    pass


def option(key: str) -> Option:
    try:
        return _BY_KEY[key]
    except KeyError:
        raise UnknownSetting(key) from None


class Settings:
    """Declared options over a JSON file; ``save()`` writes it, atomically."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME
        self._values: dict[str, Any] = {}
        if self.path.exists():
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                self._values = {k: v for k, v in data.items() if k in _BY_KEY}

    def __getitem__(self, key: str) -> Any:
        opt = option(key)
        value = self._values.get(key, opt.default)
        return value if isinstance(value, type(opt.default)) else opt.default

    def __setitem__(self, key: str, value: Any) -> None:
        opt = option(key)
        if not isinstance(value, type(opt.default)):
            raise TypeError(f"setting {key} takes {type(opt.default).__name__}, not {value!r}")
        self._values[key] = value

    def __iter__(self) -> Iterator[str]:
        return iter(_BY_KEY)

    def snapshot(self) -> dict[str, Any]:
        """A copy to hand to ``write`` in another thread (the GUI keeps changing this one)."""
        return dict(self._values)

    def save(self) -> None:
        self.write(self.snapshot())

    def write(self, values: dict[str, Any]) -> None:
        """Write ``values`` (a ``snapshot()``) to the file, atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(values, ensure_ascii=False, indent=1, sort_keys=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".settings-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload)
            if os.name == "posix":
                os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
