"""``ksef-desktop jpk`` in its store form, end to end through ``cli.main`` (issue 19):
the taxpayer given once and kept in the profile, a month already made refused unless
corrected (--correction --reason) or made again (--again), P_39 carried from the
previous month's file, ``--history``, and nothing recorded when the file is not written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ksef_desktop import cli
from ksef_desktop.domain.identifiers import make_ksef_number
from ksef_desktop.jpk.model import NaturalPerson
from ksef_desktop.jpk.schema import schema_errors
from ksef_desktop.services.jpk_month import taxpayer_of
from ksef_desktop.store.numbering import create_series
from tests.unit.jpk_support import NS, SUPPLIER_NIP, declaration, field, root
from tests.unit.test_jpk_month import Month
from tests.unit.test_store_support import PID, Clock, make_store, sample_profile

PERSON = [
    "--first-name", "Anna", "--last-name", "Wiśniewska", "--birth-date", "1985-04-12",
    "--email", "anna@example.pl", "--tax-office", "1471",
]  # fmt: skip


@pytest.fixture
def month(tmp_path: Path) -> Month:
    store = make_store(tmp_path)
    clock = Clock()
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{mm}/{n}", now=clock(), profile_id=PID)
    made = Month(store, sample_profile(store), clock, series)
    made.issue("offline24")
    made.purchase(make_ksef_number(SUPPLIER_NIP, date(2026, 3, 5), "0000000000D1"), "ZAK/1")
    made.purchase(make_ksef_number(SUPPLIER_NIP, date(2026, 3, 6), "0000000000D2"), "ZAK/2")
    made.purchase(make_ksef_number(SUPPLIER_NIP, date(2026, 3, 7), "0000000000D3"), "ZAK/3")
    made.purchase(make_ksef_number(SUPPLIER_NIP, date(2026, 3, 8), "0000000000D4"), "ZAK/4")
    made.purchase(make_ksef_number(SUPPLIER_NIP, date(2026, 3, 9), "0000000000D5"), "ZAK/5")
    store.close()  # the command opens the folder itself
    return made


def jpk(month: Month, *args: str) -> int:
    base = ["--data-dir", str(month.store.data_dir), "jpk", "--base-url", "http://127.0.0.1:9/v2"]
    return cli.main([*base, "--nip", "5265877635", *args])


def files_recorded(month: Month) -> int:
    from ksef_desktop.store import open_store

    store = open_store(month.store.data_dir)
    try:
        return int(store.db.connection().execute("SELECT count(*) FROM jpk_files").fetchone()[0])
    finally:
        store.close()


def kept(month: Month) -> object:
    from ksef_desktop.store import open_store

    store = open_store(month.store.data_dir)
    try:
        return taxpayer_of(store, month.profile)
    finally:
        store.close()


def test_given_once_kept_then_corrected(
    month: Month, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    march = tmp_path / "march.xml"
    # Nothing kept yet and no taxpayer given: a usage error, nothing written.
    assert jpk(month, "--month", "2026-03", "-o", str(march)) == 2
    assert "--email" in capsys.readouterr().err
    assert not march.exists()

    assert jpk(month, "--month", "2026-03", *PERSON, "-o", str(march)) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == ["LiczbaWierszySprzedazy 1", "LiczbaWierszyZakupow 5"]
    data = march.read_bytes()
    assert schema_errors(root(data)) == ()
    assert field(data, "t:Naglowek/t:CelZlozenia") == "1"
    carried = declaration(data)["P_62"]  # 5 purchases outweigh one sale
    assert Decimal(carried) > 0
    assert isinstance(kept(month), NaturalPerson)

    # April: no taxpayer options, P_39 from March's P_62.
    april = tmp_path / "april.xml"
    assert jpk(month, "--month", "2026-04", "-o", str(april)) == 0
    capsys.readouterr()
    data = april.read_bytes()
    assert schema_errors(root(data)) == ()
    assert declaration(data)["P_39"] == carried
    person = root(data).find("t:Podmiot1/t:OsobaFizyczna", NS)
    assert person is not None
    assert [el.text for el in person][:4] == ["5265877635", "Anna", "Wiśniewska", "1985-04-12"]

    # March again without --correction: refused, the first file untouched, no record.
    before = march.read_bytes()
    assert jpk(month, "--month", "2026-03", "-o", str(march)) == 1
    err = capsys.readouterr().err
    assert "2026-03" in err
    assert "CelZlozenia 2" in err
    assert march.read_bytes() == before
    # A correction without its reason: refused as well.
    fixed = tmp_path / "march-kor.xml"
    assert jpk(month, "--month", "2026-03", "--correction", "-o", str(fixed)) == 1
    assert "P_ORDZU" in capsys.readouterr().err
    assert not fixed.exists()
    assert files_recorded(month) == 2

    reason = "Korekta kwoty zakupu ZAK/3."
    args = ["--month", "2026-03", "--correction", "--reason", reason, "-o", str(fixed)]
    assert jpk(month, *args) == 0
    capsys.readouterr()
    data = fixed.read_bytes()
    assert schema_errors(root(data)) == ()
    assert field(data, "t:Naglowek/t:CelZlozenia") == "2"
    assert field(data, "t:Deklaracja/t:PozycjeSzczegolowe/t:P_ORDZU") == reason

    remade = tmp_path / "march-again.xml"
    assert jpk(month, "--month", "2026-03", "--again", "-o", str(remade)) == 0
    capsys.readouterr()
    assert field(remade.read_bytes(), "t:Naglowek/t:CelZlozenia") == "1"

    assert jpk(month, "--month", "2026-03", "--history") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:3] for line in lines] == [
        ["2026-03", "CelZlozenia", "1"],
        ["2026-03", "CelZlozenia", "2"],
        ["2026-03", "CelZlozenia", "1"],
    ]
    import hashlib

    assert lines[1].split()[-1] == hashlib.sha256(fixed.read_bytes()).hexdigest()
    assert f"P_62 {carried}" in lines[0]


def test_an_override_is_for_one_file_unless_saved(
    month: Month, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert jpk(month, "--month", "2026-03", *PERSON, "-o", str(tmp_path / "a.xml")) == 0
    out = tmp_path / "b.xml"
    assert jpk(month, "--month", "2026-04", "--email", "inny@example.pl", "-o", str(out)) == 0
    assert b"inny@example.pl" in out.read_bytes()
    taxpayer = kept(month)
    assert isinstance(taxpayer, NaturalPerson)
    assert taxpayer.email == "anna@example.pl"
    out = tmp_path / "c.xml"
    args = ["--month", "2026-05", "--email", "inny@example.pl", "--save-taxpayer", "-o", str(out)]
    assert jpk(month, *args) == 0
    taxpayer = kept(month)
    assert isinstance(taxpayer, NaturalPerson)
    assert taxpayer.email == "inny@example.pl"
    # A wrong tax office is the data's fault (exit 1), and nothing is kept.
    args = ["--month", "2026-06", "--tax-office", "0000", "--save-taxpayer", "-o", str(out)]
    assert jpk(month, *args) == 1
    assert "0000" in capsys.readouterr().err
    assert kept(month) == taxpayer


def test_a_file_not_written_is_not_recorded(
    month: Month, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nowhere = tmp_path / "missing-folder" / "march.xml"
    assert jpk(month, "--month", "2026-03", *PERSON, "-o", str(nowhere)) == 1
    assert "missing-folder" in capsys.readouterr().err
    assert files_recorded(month) == 0
    assert kept(month) is None
    assert list(tmp_path.glob("**/.jpk-*")) == []


def test_store_options_need_the_store(month: Month, tmp_path: Path) -> None:
    args = ["jpk", "--month", "2026-03", "--nip", "5265877635", *PERSON, "--again"]
    assert cli.main([*args, "-o", str(tmp_path / "x.xml")]) == 2
    assert jpk(month, "--month", "2026-03", *PERSON) == 2  # no -o
    assert jpk(month, "--month", "2026-03", "--correction", "--again", "-o", "x.xml") == 2
