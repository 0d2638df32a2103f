"""Made-up entries of the public registers the Sandbox imitates (white list, VIES).

Nothing here is a real taxpayer: the names, addresses and accounts are invented, the NIPs
and account numbers merely have valid check digits. The NIPs the Sandbox was started
with (``SandboxConfig.nips``) are active VAT taxpayers too; any other valid NIP is not
in the register (``subject: null``), as on the real list for a number nobody has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Subject:
    """One entry of the VAT white list ("Wykaz podatników VAT")."""

    nip: str
    name: str
    status: str  # "Czynny", "Zwolniony" or "Niezarejestrowany"
    working_address: str | None
    residence_address: str | None = None
    regon: str | None = None
    krs: str | None = None
    accounts: tuple[str, ...] = ()
    registered: date = date(2018, 9, 1)
    #: Removed from the register on this day (a closed company): before it the entry is
    #: the active one with its accounts, from it on "Niezarejestrowany" without accounts.
    removed: date | None = None
    removal_basis: str | None = None


SUBJECTS: dict[str, Subject] = {
    s.nip: s
    for s in (
        Subject(
            "5265877635",
            "FIRMA DEMONSTRACYJNA JAN KOWALSKI",
            "Czynny",
            "UL. PRZYKŁADOWA 1, 00-001 WARSZAWA",
            regon="012345678",
            accounts=("27114020040000300201355387",),
        ),
        Subject(
            "7770001111",
            "PRZYKŁADOWA SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ",
            "Czynny",
            "UL. TESTOWA 5, 61-001 POZNAŃ",
            regon="301234567",
            krs="0000123456",
            accounts=("60102010260000042270201111", "72249000050000460012345678"),
        ),
        Subject(
            "5250001233",
            "ZAMKNIĘTA FIRMA HANDLOWA SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ",
            "Czynny",
            "UL. ZAMKOWA 3, 00-950 WARSZAWA",
            regon="140000001",
            krs="0000999999",
            accounts=("62102010260000042270209999",),
            removed=date(2025, 6, 30),
            removal_basis="Art. 96 ust. 9 pkt 1",
        ),
        Subject(
            "9540007772",
            "ANNA NOWAK USŁUGI KRAWIECKIE",
            "Zwolniony",
            None,
            residence_address="UL. DŁUGA 7, 40-001 KATOWICE",
            accounts=("40109000000000000000000001",),
        ),
    )
}


def generated_subject(nip: str) -> Subject:
    """An active entry for a NIP the Sandbox was started with but has no made-up data for."""
    return Subject(nip, f"PODATNIK SANDBOKSA {nip}", "Czynny", "UL. ĆWICZEBNA 1, 00-001 WARSZAWA")


@dataclass(frozen=True)
class EuCompany:
    """One entry of the VIES imitation (a VAT number valid in its member state)."""

    name: str
    address: str


EU_COMPANIES: dict[tuple[str, str], EuCompany] = {
    ("DE", "123456789"): EuCompany("Beispiel Handels GmbH", "Musterstraße 1\n10115 Berlin"),
    ("CZ", "12345678"): EuCompany("Ukázková s.r.o.", "Vzorová 12\n110 00 Praha 1"),
    ("FR", "12345678901"): EuCompany("Exemple SARL", "1 Rue de l'Exemple\n75001 Paris"),
}

#: Member states whose register is "down" in the imitation (VIES answers MS_UNAVAILABLE).
UNAVAILABLE_STATES: frozenset[str] = frozenset({"MT"})

#: NBP table A currencies the imitation publishes, with a made-up level of their rate.
NBP_CURRENCIES: dict[str, tuple[str, str]] = {
    "EUR": ("euro", "4.2500"),
    "USD": ("dolar amerykański", "3.6500"),
    "GBP": ("funt szterling", "4.9000"),
    "CHF": ("frank szwajcarski", "4.5500"),
    "CZK": ("korona czeska", "0.1700"),
    "SEK": ("korona szwedzka", "0.3850"),
    "NOK": ("korona norweska", "0.3600"),
    "DKK": ("korona duńska", "0.5700"),
    "UAH": ("hrywna (Ukraina)", "0.0880"),
    "JPY": ("jen (Japonia)", "0.0245"),
    "HUF": ("forint (Węgry)", "0.0110"),
}
