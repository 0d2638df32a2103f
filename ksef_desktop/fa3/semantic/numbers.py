"""Check digits KSeF does not verify: bank accounts, NIPs beyond the parties, KSeF numbers.

KSeF itself checks the NIP of Podmiot1, Podmiot2, Podmiot3 and PodmiotUpowazniony (on
production only): ``validate`` reports those as errors (fa3/preflight.py), so they are
left out here. Every other NIP in the file (Podmiot1K/Podmiot2K of a correction, the
carrier in WarunkiTransakcji, ...) is checked as a warning.
"""

from __future__ import annotations

import re
from datetime import date

from lxml import etree

from ksef_desktop.domain.identifiers import iban_is_valid, ksef_number_checksum, nip_checksum_ok
from ksef_desktop.fa3.semantic.model import NS, Doc, Report, local_name, text_of
from ksef_desktop.i18n import N_

_NIP = re.compile(r"[1-9]((\d[1-9])|([1-9]\d))\d{7}", re.ASCII)  # etd:TNrNIP
_NRB = re.compile(r"\d{26}", re.ASCII)
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]+", re.ASCII)
#: Parties whose NIP KSeF checks (an error of ``validate``, not a warning).
_CHECKED_BY_KSEF = frozenset({"Podmiot1", "Podmiot2", "Podmiot3", "PodmiotUpowazniony"})
# TNumerKSeF: identifier-YYYYMMDD-6 hex-(-)6 hex-2 hex check code (KSeF 1.0 numbers
# have a dash in the middle).
_KSEF_NUMBER = re.compile(
    r"(?P<data>[0-9A-Z]{10}-(?P<day>\d{8})-[0-9A-F]{6}-?[0-9A-F]{6})-(?P<crc>[0-9A-F]{2})",
    re.ASCII,
)


def check_bank_accounts(doc: Doc, report: Report) -> None:
    """bank-account: every NrRB that is a Polish NRB (26 digits) or an IBAN has the right
    check digits (and, for an IBAN, its country's length and format)."""
    for element in doc.fa.iter(NS + "NrRB"):
        raw = text_of(element)
        if raw is None:
            continue
        account = re.sub(r"[\s-]", "", raw).upper()
        if _NRB.fullmatch(account):
            if not iban_is_valid(account):
                report.add(
                    "bank-account",
                    element,
                    N_(
                        "The account number {account} is not a valid Polish account number "
                        "(NRB): its check digits do not match."
                    ),
                    account=raw,
                )
        elif _IBAN.fullmatch(account) and not iban_is_valid(account):
            report.add(
                "bank-account",
                element,
                N_(
                    "{account} is not a valid IBAN: its check digits, length or format do not "
                    "match the country {country}."
                ),
                account=raw,
                country=account[:2],
            )
        # Anything else is a foreign account number without a checksum we can verify.


def _checked_by_ksef(element: etree._Element) -> bool:
    """A NIP in Faktura/Podmiot1..3|PodmiotUpowazniony/DaneIdentyfikacyjne."""
    ident = element.getparent()
    party = ident.getparent() if ident is not None else None
    root = party.getparent() if party is not None else None
    return (
        ident is not None
        and party is not None
        and root is not None
        and root.getparent() is None
        and local_name(ident) == "DaneIdentyfikacyjne"
        and local_name(party) in _CHECKED_BY_KSEF
    )


def check_nips(doc: Doc, report: Report) -> None:
    """nip: the check digit of every NIP KSeF does not check itself."""
    for element in doc.root.iter(NS + "NIP"):
        nip = text_of(element)
        if nip is None or not _NIP.fullmatch(nip) or _checked_by_ksef(element):
            continue
        if not nip_checksum_ok(nip):
            report.add(
                "nip",
                element,
                N_("The NIP {nip} has a wrong check digit."),
                nip=nip,
            )


def check_ksef_numbers(doc: Doc, report: Report) -> None:
    """ksef-number: the KSeF numbers of the corrected and advance invoices end with the
    CRC-8 of what precedes them (KSEF-PROTOCOL.md §5) and name a real day."""
    for name in ("NrKSeFFaKorygowanej", "NrKSeFFaZaliczkowej"):
        for element in doc.fa.iter(NS + name):
            number = text_of(element)
            match = _KSEF_NUMBER.fullmatch(number or "")
            if number is None or match is None:
                continue  # a number of the wrong shape is the XSD's to report
            data, day = match.group("data"), match.group("day")
            # KSeF 1.0 numbers (36 characters): accept the code with or without the dash.
            expected = {ksef_number_checksum(data), ksef_number_checksum(_undash(data))}
            if match.group("crc") not in expected:
                report.add(
                    "ksef-number",
                    element,
                    N_(
                        "The KSeF number {number} has a wrong check code: {found} instead of "
                        "{expected}. Copy the number again from KSeF or the invoice."
                    ),
                    number=number,
                    found=match.group("crc"),
                    expected=ksef_number_checksum(data),
                )
            elif not _real_day(day):
                report.add(
                    "ksef-number",
                    element,
                    N_("The KSeF number {number} names a day that does not exist ({day})."),
                    number=number,
                    day=day,
                )


def _undash(data: str) -> str:
    head, _sep, tail = data.rpartition("-")
    return f"{head}{tail}" if len(tail) == 6 and len(head.rsplit("-", 1)[-1]) == 6 else data


def _real_day(day: str) -> bool:
    try:
        date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        return False
    return True
