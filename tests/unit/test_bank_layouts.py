"""Statements in three Polish banks' documented MT940 layouts (tests/data/statements,
README): Nordea Bank Polska's ``+`` sub-fields, the STA files in code page 852 with
``<`` sub-fields left out when empty, mBank CompanyNet's blocks opened by SOH. Each is
read from its file and imported into a real store, where its credits pay invoices by
the KSeF number in the title."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ksef_desktop.bank import BankStatement, Direction, StatementError, read_statement
from ksef_desktop.bank.mt940 import decode
from ksef_desktop.services.statements import import_statement, read_statement_file
from ksef_desktop.store.statements import list_lines
from tests.unit.statement_support import (
    BUYER_ACCOUNT,
    SECOND_ACCOUNT,
    STATEMENTS,
    Seeded,
    ksef,
    seeded,
    statement,
)

OWN = "PL27114020040000300201355387"


@pytest.fixture
def s(tmp_path: Path) -> Iterator[Seeded]:
    made = seeded(tmp_path)
    yield made
    made.store.close()


def _read(name: str) -> BankStatement:
    return read_statement(read_statement_file(STATEMENTS / name))


def _people(read: BankStatement) -> list[tuple[Direction, Decimal, str, str]]:
    return [(x.direction, x.amount, x.counterparty, x.counterparty_account) for x in read.lines]


def test_nordea_plus_separated_subfields_and_nrb_accounts() -> None:
    read = _read("nordea-plus.mt940")
    assert (read.format, read.account) == ("mt940", OWN)  # :25:PL + 26 digits
    assert _people(read) == [
        (Direction.CREDIT, Decimal("246.00"), "ŻÓŁTA ŁÓDŹ SPÓŁKA Z O.O.", BUYER_ACCOUNT),  # /IBAN
        (
            Direction.CREDIT,
            Decimal("492.00"),
            "PRZEDSIĘBIORSTWO HANDLOWE ŹDŹBŁO JÓZEF WĄS",  # +32 and +33, cut at 27
            BUYER_ACCOUNT,  # +31 as /NRB
        ),
        (Direction.DEBIT, Decimal("12.00"), "", OWN),
    ]
    assert read.lines[0].title == f"Zapłata za fakturę KSeF {ksef(1)}"  # cut by +20/+21/+22
    assert read.lines[1].title == f"faktura   ksef {ksef(6).lower()}  dziękujemy"
    assert read.lines[0].details == "PRZELEW PRZYCHODZĄCY"
    assert read.lines[0].reference == "NDA0000000001"


def test_sta_file_in_code_page_852_with_empty_subfields_left_out() -> None:
    data = statement("sta-cp852.sta")
    assert "Ó".encode("cp852") in data
    assert "Ó".encode("cp1250") not in data
    read = _read("sta-cp852.sta")
    assert read.account == OWN
    assert _people(read) == [
        (
            Direction.CREDIT,
            Decimal("369.00"),
            "SPÓŁDZIELNIA MLECZARSKA ŁĄKA W GĘSICY",
            BUYER_ACCOUNT,
        ),
        (Direction.CREDIT, Decimal("123.00"), "Józef Wąsowicz-Gęślarz", BUYER_ACCOUNT),
    ]  # the first from <30 + <31 (no <38), the second from <38 (no <30, <31)
    assert read.lines[0].title == f"Faktura KSeF {ksef(3)} za usługi"
    assert read.lines[1].title == f"KSEF {ksef(4).upper()}"


def test_mbank_blocks_opened_by_soh() -> None:
    data = statement("mbank-soh.mt940")
    assert data.count(b"\x01:20:") == 2
    read = _read("mbank-soh.mt940")
    assert read.account == OWN  # :25: as IBAN
    assert _people(read) == [
        (Direction.CREDIT, Decimal("246.00"), "ĆMA ŚWIĘTOKRZYSKA SP. Z O.O.", BUYER_ACCOUNT),
        (Direction.CREDIT, Decimal("246.00"), "DRUGI KUPIEC S.A. ODDZIAŁ W ŁOMŻY", SECOND_ACCOUNT),
    ]
    assert read.lines[0].title == f"Płatność za FV/2026/03/2 KSeF {ksef(2)}"
    assert [x.booked_on.day for x in read.lines] == [11, 12]


@pytest.mark.parametrize(
    ("name", "expected", "names"),
    [
        (
            "nordea-plus.mt940",
            [
                "2026-03-09 246.00 PLN matched FV/2026/03/1",
                "2026-03-09 492.00 PLN matched FV/2026/03/6",  # lower case, extra spaces
                "2026-03-09 -12.00 PLN unknown",
            ],
            ["ŻÓŁTA ŁÓDŹ SPÓŁKA Z O.O.", "PRZEDSIĘBIORSTWO HANDLOWE ŹDŹBŁO JÓZEF WĄS", ""],
        ),
        (
            "sta-cp852.sta",
            [
                "2026-03-10 369.00 PLN matched FV/2026/03/3",
                "2026-03-10 123.00 PLN matched FV/2026/03/4",
            ],
            ["SPÓŁDZIELNIA MLECZARSKA ŁĄKA W GĘSICY", "Józef Wąsowicz-Gęślarz"],
        ),
        (
            "mbank-soh.mt940",
            [
                "2026-03-11 246.00 PLN matched FV/2026/03/2",
                "2026-03-12 246.00 PLN matched FV/2026/03/5",
            ],
            ["ĆMA ŚWIĘTOKRZYSKA SP. Z O.O.", "DRUGI KUPIEC S.A. ODDZIAŁ W ŁOMŻY"],
        ),
    ],
)
def test_each_layout_pays_its_invoices_by_ksef_number(
    s: Seeded, name: str, expected: list[str], names: list[str]
) -> None:
    data = read_statement_file(STATEMENTS / name)
    report = import_statement(s.store.db, data, profile=s.profile, now=s.clock, file_name=name)
    assert [line.text() for line in report.lines] == expected
    stored = sorted(
        list_lines(s.store.db.connection(), profile_id=s.profile.id), key=lambda x: x.id
    )
    assert [x.counterparty for x in stored] == names  # the Polish letters as the bank wrote
    paid = {int(text.split("/")[-1]) for text in expected if "matched" in text}
    due = {1: "246", 2: "246", 3: "369", 4: "123", 5: "246", 6: "492"}
    assert {n: s.paid(n) for n in paid} == {n: Decimal(due[n]) for n in paid}
    before = s.snapshot()
    import_statement(s.store.db, data, profile=s.profile, now=s.clock, file_name=name)
    assert s.snapshot() == before  # the same file again changes nothing


def test_code_page_is_told_by_the_polish_letters() -> None:
    text = "Zapłata za fakturę: SPÓŁDZIELNIA ŁĄKA, Józef Wąsowicz-Gęślarz, źdźbło, ŻÓŁW"
    for page in ("cp852", "cp1250", "utf-8"):
        assert decode(text.encode(page)) == text, page
    assert decode(b"\xef\xbb\xbf" + text.encode()) == text
    assert decode(b":20:ASCII only") == ":20:ASCII only"


@settings(max_examples=40)
@given(
    st.sampled_from(["nordea-plus.mt940", "sta-cp852.sta", "mbank-soh.mt940"]),
    st.integers(min_value=0, max_value=1500),
    st.binary(max_size=30),
)
def test_damage_inside_is_refused_or_read(name: str, cut: int, junk: bytes) -> None:
    data = statement(name)
    message = "read"
    try:
        read_statement(data[:cut] + junk + data[cut:])
    except StatementError as exc:
        message = exc.message()
    assert message
