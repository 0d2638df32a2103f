"""Identifiers and their checksums: NIP, KSeF number, InternalId, EU VAT number, IBAN.

Sources: KSEF-PROTOCOL.md §5 (KSeF number CRC-8, InternalId, NIP) and the official
vectors in tests/data/vectors; EU VAT number shapes follow the European Commission's
VIES formats; IBAN is ISO 13616, checked by python-stdnum.
"""

from __future__ import annotations

import re
from datetime import date

# --- NIP -----------------------------------------------------------------------------

_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
# The shape KSeF itself accepts (OpenAPI `Nip` pattern): no leading zero, and the
# second/third digit are not both zero.
_NIP_SHAPE = re.compile(r"[1-9]((\d[1-9])|([1-9]\d))\d{7}", re.ASCII)


def normalize_nip(text: str) -> str:
    """Strip spaces, dashes and a leading "PL" as people type them: "PL 526-587-76-35"."""
    cleaned = re.sub(r"[\s-]", "", text).upper()
    return cleaned.removeprefix("PL")


def nip_checksum_ok(nip: str) -> bool:
    """True when ``nip`` is 10 digits whose 10th digit is the weighted sum mod 11."""
    if len(nip) != 10 or not nip.isascii() or not nip.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(nip, _NIP_WEIGHTS, strict=False))
    check = total % 11
    return check != 10 and check == int(nip[9])


def nip_is_valid(nip: str) -> bool:
    """A NIP that KSeF accepts in production: the official shape and the checksum."""
    return bool(_NIP_SHAPE.fullmatch(nip)) and nip_checksum_ok(nip)


# --- CRC-8 and KSeF numbers ----------------------------------------------------------


def _crc8_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
        table.append(crc)
    return tuple(table)


_CRC8 = _crc8_table()


def crc8(data: bytes) -> int:
    """CRC-8 with polynomial 0x07, initial value 0, no reflection, no final XOR."""
    crc = 0
    for byte in data:
        crc = _CRC8[crc ^ byte]
    return crc


KSEF_NUMBER_LENGTH = 35
#: KSeF 1.0 numbers have one more dash, between two halves of the technical part.
LEGACY_KSEF_NUMBER_LENGTH = 36
_KSEF_NUMBER = re.compile(
    r"(?P<nip>[1-9]((\d[1-9])|([1-9]\d))\d{7})-(?P<date>\d{8})-(?P<tech>[0-9A-F]{12})-(?P<crc>[0-9A-F]{2})",
    re.ASCII,
)
# The official pattern (OpenAPI ``KsefNumber``, FA(3) ``TNumerKSeF``) with the dash that
# only KSeF 1.0 numbers have: ``NIP-YYYYMMDD-HHHHHH-HHHHHH-CC``.
_LEGACY_KSEF_NUMBER = re.compile(
    r"(?P<nip>[1-9]((\d[1-9])|([1-9]\d))\d{7})-(?P<date>\d{8})-[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{2}",
    re.ASCII,
)


def ksef_number_checksum(data_part: str) -> str:
    """The two uppercase hex digits that end a KSeF number, from its first 32 characters."""
    return f"{crc8(data_part.encode('ascii')):02X}"


def make_ksef_number(seller_nip: str, accepted_on: date, technical: str) -> str:
    """Assemble ``NIP-YYYYMMDD-TTTTTTTTTTTT-CC`` (35 characters) with its checksum."""
    if not re.fullmatch(r"[0-9A-F]{12}", technical):
        raise ValueError("the technical part is 12 uppercase hexadecimal digits")
    data_part = f"{seller_nip}-{accepted_on:%Y%m%d}-{technical}"
    return f"{data_part}-{ksef_number_checksum(data_part)}"


def _real_date(raw: str) -> bool:
    try:
        date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        return False
    return True


def ksef_number_is_valid(number: str) -> bool:
    """A KSeF number as KSeF accepts it wherever one is read.

    - KSeF 2.0 (35 characters, the only form KSeF issues now): the official pattern, a
      real date, and the CRC-8 (poly 0x07, init 0) of the first 32 characters.
    - KSeF 1.0 (36 characters, ``NIP-YYYYMMDD-HHHHHH-HHHHHH-CC``): the official pattern
      and a real date. Its last two hex digits are not checked: neither the documentation
      nor the official validator (``KsefNumberValidator``, which takes 35 characters only)
      says how they are computed, and no official example of such a number exists to check
      a guess against (CRC-8 of the first 33 characters would be the natural extension,
      but it is unconfirmed, and refusing a real number would make its invoice impossible
      to correct). KSeF itself accepts the 36-character form by its pattern alone
      (open-api.json 2.9.0, ``KsefNumber``). See docs/KSEF-2.9-CLIENT.md.
    """
    if len(number) == LEGACY_KSEF_NUMBER_LENGTH:
        legacy = _LEGACY_KSEF_NUMBER.fullmatch(number)
        return legacy is not None and _real_date(legacy.group("date"))
    match = _KSEF_NUMBER.fullmatch(number)
    if match is None or not _real_date(match.group("date")):
        return False
    return ksef_number_checksum(number[:32]) == match.group("crc")


def is_legacy_ksef_number(number: str) -> bool:
    """A valid KSeF 1.0 number (36 characters)."""
    return len(number) == LEGACY_KSEF_NUMBER_LENGTH and ksef_number_is_valid(number)


# --- InternalId ----------------------------------------------------------------------


def internal_id_is_valid(value: str) -> bool:
    """``{NIP}-{5 digits}``; the last digit is Σ(first 14 digits × 1,3,1,3…) mod 10."""
    if not re.fullmatch(r"\d{10}-\d{5}", value, re.ASCII):
        return False
    digits = [int(c) for c in value if c.isdigit()]
    total = sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:14]))
    return total % 10 == digits[14]


# --- EU VAT numbers ------------------------------------------------------------------

# Shapes of the national part (without the country prefix), per VIES. FA(3) spells the
# Greek prefix "EL" and Northern Ireland (goods) "XI".
EU_VAT_FORMATS: dict[str, str] = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"[1-9]\d{1,9}",
    "SE": r"\d{10}01",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
    "XI": r"\d{9}|\d{12}|GD\d{3}|HA\d{3}",
}


def normalize_eu_vat(country: str, number: str) -> tuple[str, str]:
    """Upper-case, drop spaces/dots/dashes and a repeated country prefix."""
    country = country.strip().upper()
    if country == "GR":
        country = "EL"
    cleaned = re.sub(r"[\s.\-]", "", number).upper()
    if cleaned.startswith(country):
        cleaned = cleaned[len(country) :]
    return country, cleaned


def eu_vat_is_valid(country: str, number: str) -> bool:
    """True when ``number`` has the shape of ``country``'s VAT number (no VIES lookup)."""
    pattern = EU_VAT_FORMATS.get(country)
    return pattern is not None and re.fullmatch(pattern, number, re.ASCII) is not None


# --- IBAN / Polish NRB -----------------------------------------------------------------


def normalize_account(text: str) -> str:
    """Remove spaces and dashes; a bare 26-digit Polish NRB stays as it is."""
    return re.sub(r"[\s-]", "", text).upper()


def iban_is_valid(account: str) -> bool:
    """An IBAN (ISO 13616: mod-97 check digits, the country's length and BBAN format from
    the SWIFT registry, via python-stdnum). A 26-digit Polish NRB is checked as ``PL`` + NRB.
    """
    if re.fullmatch(r"\d{26}", account, re.ASCII):
        account = "PL" + account
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", account, re.ASCII):
        return False
    from stdnum import iban  # imported on first use: the window's start does not need it

    # No national checks (check_country): some compare the bank code with a registry
    # shipped with the library, which would refuse a bank newer than the program.
    return bool(iban.is_valid(account, check_country=False))
