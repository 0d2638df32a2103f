"""Profiles: one seller (NIP, company data) in one KSeF environment (issue 14).

Every invoice, draft, numbering series, outbox entry, session, UPO and collective
identifier belongs to exactly one profile, and every query of a panel, the outbox or
the worker names it. Contractors belong to the company (the NIP) and are shared by its
environments. The token and the offline certificate's key live in the OS keyring under
names that carry the environment and the NIP (``ksef_desktop.secrets``), never here.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ksef_desktop.domain.identifiers import nip_is_valid, normalize_nip
from ksef_desktop.i18n import N_, _
from ksef_desktop.store.db import StoreError
from ksef_desktop.store.timefmt import opt_from_db, to_db


class Environment(StrEnum):
    """The KSeF environments a profile can live in (``ksef.environments.NAMES``)."""

    SANDBOX = "sandbox"
    TEST = "test"
    DEMO = "demo"
    PROD = "prod"

    @property
    def label(self) -> str:
        return _(_SHORT[self])

    @property
    def practice(self) -> bool:
        """Everything but Production: invoices there are not legal documents."""
        return self is not Environment.PROD


_SHORT = {
    Environment.SANDBOX: N_("Sandbox"),
    Environment.TEST: N_("Test"),
    Environment.DEMO: N_("Demo"),
    Environment.PROD: N_("Production"),
}


class ProfileError(StoreError):
    """A profile cannot be made or found as asked."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self) -> str:
        return self.text


class UnknownProfile(ProfileError):
    def __init__(self, profile_id: int) -> None:
        super().__init__(_("There is no profile with id {id}.").format(id=profile_id))
        self.profile_id = profile_id


@dataclass(frozen=True)
class Profile:
    id: int
    environment: Environment
    nip: str
    company_name: str = ""
    company_address: str = ""
    offline_certificate: str = ""  # path of the public certificate file ("" = none)
    production_confirmed_at: datetime | None = None

    @property
    def label(self) -> str:
        """``Firma (5265877635) · Sandbox`` — how menus and the title name it."""
        name = self.company_name or self.nip
        who = f"{name} ({self.nip})" if self.company_name else name
        return f"{who} · {self.environment.label}"

    @property
    def needs_production_confirmation(self) -> bool:
        return self.environment is Environment.PROD and self.production_confirmed_at is None


_COLUMNS = (
    "id, environment, nip, company_name, company_address, offline_certificate, "
    "production_confirmed_at"
)


def _profile(row: tuple[object, ...]) -> Profile:
    return Profile(
        id=int(str(row[0])),
        environment=Environment(str(row[1])),
        nip=str(row[2]),
        company_name=str(row[3]),
        company_address=str(row[4]),
        offline_certificate=str(row[5]),
        production_confirmed_at=opt_from_db(row[6] if row[6] is None else str(row[6])),
    )


def checked_identity(environment: str, nip: str) -> tuple[Environment, str]:
    """``(environment, nip)`` normalised, or ``ProfileError`` saying what is wrong."""
    try:
        env = Environment(environment)
    except ValueError:
        raise ProfileError(_("Unknown KSeF environment “{env}”.").format(env=environment)) from None
    clean = normalize_nip(nip)
    if not clean:
        raise ProfileError(_("A profile needs the seller's NIP."))
    if not nip_is_valid(clean):
        raise ProfileError(_("The NIP {nip} is not valid (check digit).").format(nip=clean))
    return env, clean


def find_profile(conn: sqlite3.Connection, environment: str, nip: str) -> Profile | None:
    env, clean = checked_identity(environment, nip)
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM profiles WHERE environment = ? AND nip = ?",  # noqa: S608
        (env.value, clean),
    ).fetchone()
    return None if row is None else _profile(row)


def ensure_profile(
    conn: sqlite3.Connection,
    environment: str,
    nip: str,
    *,
    now: datetime,
    company_name: str = "",
    company_address: str = "",
) -> Profile:
    """The profile of ``(environment, nip)``, made if it does not exist yet.

    A new profile of a NIP that already has one takes the company data from it (the
    company is the same in every environment); the offline certificate does not follow:
    KSeF issues one per environment.
    """
    found = find_profile(conn, environment, nip)
    if found is not None:
        return found
    env, clean = checked_identity(environment, nip)
    if not company_name:
        sibling = conn.execute(
            "SELECT company_name, company_address FROM profiles WHERE nip = ? ORDER BY id LIMIT 1",
            (clean,),
        ).fetchone()
        if sibling is not None:
            company_name, company_address = sibling[0], company_address or sibling[1]
    conn.execute(
        "INSERT INTO profiles (environment, nip, company_name, company_address, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (env.value, clean, company_name, company_address, to_db(now)),
    )
    made = find_profile(conn, env.value, clean)
    assert made is not None
    return made


def get_profile(conn: sqlite3.Connection, profile_id: int) -> Profile:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM profiles WHERE id = ?",  # noqa: S608
        (profile_id,),
    ).fetchone()
    if row is None:
        raise UnknownProfile(profile_id)
    return _profile(row)


def list_profiles(conn: sqlite3.Connection) -> list[Profile]:
    """Every profile, by company and then environment (Sandbox, Test, Demo, Production)."""
    order = (
        "CASE environment WHEN 'sandbox' THEN 0 WHEN 'test' THEN 1 WHEN 'demo' THEN 2 ELSE 3 END"
    )
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM profiles ORDER BY nip, {order}, id"  # noqa: S608
    ).fetchall()
    return [_profile(r) for r in rows]


def update_company(
    conn: sqlite3.Connection,
    profile_id: int,
    *,
    company_name: str,
    company_address: str,
) -> None:
    """The company's name and address, in every profile of its NIP (one company)."""
    profile = get_profile(conn, profile_id)
    conn.execute(
        "UPDATE profiles SET company_name = ?, company_address = ? WHERE nip = ?",
        (company_name, company_address, profile.nip),
    )


def set_offline_certificate(conn: sqlite3.Connection, profile_id: int, path: str) -> None:
    get_profile(conn, profile_id)
    conn.execute("UPDATE profiles SET offline_certificate = ? WHERE id = ?", (path, profile_id))


def confirm_production(conn: sqlite3.Connection, profile_id: int, *, now: datetime) -> Profile:
    """The user confirmed working in Production for this profile (asked once)."""
    profile = get_profile(conn, profile_id)
    if profile.environment is not Environment.PROD:
        raise ProfileError(_("Only a Production profile needs this confirmation."))
    conn.execute(
        "UPDATE profiles SET production_confirmed_at = ? WHERE id = ? "
        "AND production_confirmed_at IS NULL",
        (to_db(now), profile_id),
    )
    return get_profile(conn, profile_id)
