"""The seller's bank accounts and logo: the company's (every profile of its NIP), like its
name and address (``profiles.update_company``). Printed on the PDF; the accounts are
offered in the editor's payment."""

from __future__ import annotations

import json
import sqlite3

from ksef_desktop.domain.identifiers import iban_is_valid, normalize_account
from ksef_desktop.i18n import _
from ksef_desktop.store.profiles import ProfileError, get_profile

#: A logo is printed small; a bigger file is surely not meant.
MAX_LOGO_BYTES = 1_000_000
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


def bank_accounts(conn: sqlite3.Connection, profile_id: int) -> list[str]:
    row = conn.execute("SELECT bank_accounts FROM profiles WHERE id = ?", (profile_id,)).fetchone()
    return [] if row is None else [str(a) for a in json.loads(row[0] or "[]")]


def set_bank_accounts(conn: sqlite3.Connection, profile_id: int, accounts: list[str]) -> None:
    """The company's accounts (IBAN or Polish NRB), in the order given."""
    clean: list[str] = []
    for text in accounts:
        account = normalize_account(text)
        if not account:
            continue
        if not iban_is_valid(account):
            raise ProfileError(
                _("{account} is not a valid bank account number (IBAN or NRB).").format(
                    account=text.strip()
                )
            )
        if account not in clean:
            clean.append(account)
    nip = get_profile(conn, profile_id).nip
    conn.execute("UPDATE profiles SET bank_accounts = ? WHERE nip = ?", (json.dumps(clean), nip))


def logo(conn: sqlite3.Connection, profile_id: int) -> bytes | None:
    row = conn.execute("SELECT logo FROM profiles WHERE id = ?", (profile_id,)).fetchone()
    return None if row is None or row[0] is None else bytes(row[0])


def check_logo(data: bytes) -> None:
    if len(data) > MAX_LOGO_BYTES:
        raise ProfileError(_("The logo file is larger than 1 MB."))
    if not (data.startswith(_PNG) or data.startswith(_JPEG)):
        raise ProfileError(_("The logo must be a PNG or JPEG picture."))


def set_logo(conn: sqlite3.Connection, profile_id: int, data: bytes | None) -> None:
    """The company's logo (PNG or JPEG), or none."""
    if data is not None:
        check_logo(data)
    nip = get_profile(conn, profile_id).nip
    conn.execute("UPDATE profiles SET logo = ? WHERE nip = ?", (data, nip))
