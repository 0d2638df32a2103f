"""Reading bank statements (ksef_desktop.bank): MT940 in two Polish layouts of field 86,
camt.053 in versions 001.02 and 001.08; stable line keys; damaged files refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ksef_desktop import i18n
from ksef_desktop.bank import BankStatement, Direction, StatementError, read_statement
from ksef_desktop.bank.model import compact_account, join_pieces, nrb_from_parts
from ksef_desktop.bank.mt940 import parse_field86
from tests.unit.statement_support import (
    BUYER_ACCOUNT,
    COLLECTIVE,
    SECOND_ACCOUNT,
    ksef,
    statement,
)

OWN = "PL27114020040000300201355387"


def _read(name: str) -> BankStatement:
    return read_statement(statement(name))


def test_zbp_layout_with_tildes_in_windows_1250() -> None:
    read = _read("zbp-tilde.mt940")
    assert (read.format, read.account) == ("mt940", OWN)
    assert [(x.direction, x.amount) for x in read.lines] == [
        (Direction.CREDIT, Decimal("246.00")),
        (Direction.CREDIT, Decimal("100.00")),
        (Direction.CREDIT, Decimal("146.00")),
        (Direction.CREDIT, Decimal("492.00")),
        (Direction.DEBIT, Decimal("50.00")),
    ]
    first = read.lines[0]
    # ~20 and ~21 cut the KSeF number (27 characters a piece; 65 a line): joined back
    assert first.title == f"Zapłata za fakturę KSeF {ksef(1)}"
    assert first.counterparty == "KUPIEC SPÓŁKA Z O.O."
    assert first.counterparty_account == BUYER_ACCOUNT  # ~38
    assert (first.reference, first.details) == ("PKO0000000001", "PRZELEW PRZYCHODZĄCY")
    assert (first.booked_on, first.currency) == (date(2026, 3, 3), "PLN")
    assert read.lines[3].title == f"KSeF {COLLECTIVE}"
    assert read.lines[4].title == "Opłata za prowadzenie rachunku"


def test_angle_layout_with_the_account_in_two_fields_and_two_statements() -> None:
    read = _read("angle-split-account.mt940")
    assert read.account == OWN
    assert [x.booked_on for x in read.lines] == [date(2026, 3, 4)] * 2 + [date(2026, 3, 5)] * 2
    assert read.lines[0].counterparty_account == SECOND_ACCOUNT  # ~30 + ~31, check digits made
    assert read.lines[1].title == f"Faktura FV/2026/03/6 KSeF {ksef(6)}"
    assert read.lines[2].title == "/VAT/138,00/IDC/1111111111/INV/FV/2026/03/8/TXT/zaplata"
    assert all(x.direction is Direction.CREDIT for x in read.lines)


def test_camt053_v02_reads_as_the_mt940_of_the_same_day() -> None:
    camt, mt = _read("camt053-v02.xml"), _read("zbp-tilde.mt940")
    assert camt.format == "camt053"
    assert camt.account == mt.account

    def fields(read: BankStatement) -> list[tuple[object, ...]]:
        return [
            (x.booked_on, x.direction, x.amount, x.title, x.counterparty_account)
            for x in read.lines
        ]

    assert fields(camt) == fields(mt)


def test_camt053_v08_batch_other_currency_and_pending_entries() -> None:
    read = _read("camt053-v08-batch-eur.xml")
    assert read.account == "PL15124010370000098765432101"
    assert [(x.amount, x.currency, x.reference) for x in read.lines] == [
        (Decimal("246.00"), "EUR", "EUR0000001"),
        (Decimal("120.00"), "EUR", "EUR0000002-1"),  # one booking, two transfers
        (Decimal("250.00"), "EUR", "EUR0000002-2"),
    ]  # the pending entry (PDNG) is not booked: not a line
    assert read.lines[0].counterparty == "KUPIEC GMBH"  # Dbtr/Pty/Nm (001.08)
    assert read.lines[0].counterparty_account == "DE89370400440532013000"
    assert read.lines[0].booked_on == date(2026, 3, 6)  # BookgDt/DtTm
    assert read.lines[1].details == "SAMMELGUTSCHRIFT"


def test_keys_are_stable_and_identical_lines_get_their_own() -> None:
    data = statement("zbp-tilde.mt940")
    keys = [x.key for x in read_statement(data).lines]
    assert keys == [x.key for x in read_statement(data).lines]
    assert len(set(keys)) == len(keys)
    twice = data.replace(b":62F:C260303PLN1934,00", b":62F:C260303PLN1884,00").replace(
        b":61:2603030303D50,00S0730000000000005//PKO0000000005",
        b":61:2603030303D50,00S0730000000000005//PKO0000000005\r\n:86:073~00OP\r\n"
        b":61:2603030303D50,00S0730000000000005//PKO0000000005",
    )
    doubled = read_statement(twice).lines
    assert len({x.key for x in doubled}) == len(doubled) == 6


def test_field86_without_subfields_is_the_title() -> None:
    cut = "Zaplata za fakture KSeF 5265877635-20260302-0000000000A1-63 FV/1/2026 uslugi"
    raw = f"{cut[:65]}\n{cut[65:]}\nsecond line"
    parsed = parse_field86(raw)
    assert parsed.title == cut + " second line"  # a full line was cut; a short one ended
    assert (parsed.counterparty, parsed.account) == ("", "")


@pytest.mark.parametrize("sep", ["~", "^", "<", "?"])
def test_field86_separators(sep: str) -> None:
    raw = f"020{sep}00PRZELEW{sep}20FV 1/2026{sep}21zaplata{sep}32FIRMA{sep}38{BUYER_ACCOUNT}"
    parsed = parse_field86(raw)
    assert (parsed.title, parsed.counterparty) == ("FV 1/2026 zaplata", "FIRMA")
    assert parsed.account == BUYER_ACCOUNT


def test_accounts_and_pieces() -> None:
    assert compact_account("pl60 1020 1026 0000 1234 5678 9012") == BUYER_ACCOUNT
    assert compact_account("60102010260000123456789012") == BUYER_ACCOUNT  # NRB
    assert compact_account("/PL60102010260000123456789012") == BUYER_ACCOUNT
    assert nrb_from_parts("10201026", "0000123456789012") == BUYER_ACCOUNT
    assert nrb_from_parts("1020", "0000123456789012") == ""
    assert join_pieces(["a" * 27, "bc", "d"]) == "a" * 27 + "bc d"
    assert join_pieces(["FV 1", "zaplata"]) == "FV 1 zaplata"


def _refused(data: bytes) -> str:
    with pytest.raises(StatementError) as caught:
        read_statement(data)
    return caught.value.message()


def test_damaged_files_are_refused_with_a_message() -> None:
    i18n.set_language("en")
    mt = statement("zbp-tilde.mt940")
    cut = mt[: mt.index(b":61:2603030303C492,00")] + b":62F:C260303PLN1934,00\r\n-"
    assert "does not add up" in _refused(cut)
    assert "neither an MT940 nor a camt.053" in _refused(b"just some text")
    assert "neither" in _refused(b"")
    camt = statement("camt053-v02.xml")
    assert "well-formed" in _refused(camt[:-40])
    assert "does not add up" in _refused(camt.replace(b"1934.00", b"1935.00"))
    assert "not a number" in _refused(camt.replace(b">146.00<", b">14x6.00<", 1))
    assert "not a camt.053" in _refused(b"<Invoice/>")
    bomb = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><Document>&a;</Document>'
    assert "well-formed" in _refused(bomb)
    i18n.set_language("pl")
    assert "nie sumuje" in _refused(cut)


@settings(max_examples=60)
@given(st.binary(max_size=400))
def test_garbage_is_a_statement_error_never_a_crash(data: bytes) -> None:
    for blob in (data, b":20:X\n:25:/PL1\n" + data, b"<Document>" + data):
        _read_or_refused(blob)


@settings(max_examples=40)
@given(st.integers(min_value=0, max_value=2000), st.binary(max_size=30))
def test_a_statement_with_damage_inside_is_refused_or_read(cut: int, junk: bytes) -> None:
    data = statement("angle-split-account.mt940")
    _read_or_refused(data[:cut] + junk + data[cut:])


def _read_or_refused(data: bytes) -> None:
    """A statement, or a StatementError with a message: nothing else may come out."""
    message = ""
    try:
        read_statement(data)
    except StatementError as exc:
        message = exc.message()
        assert message
