"""The reverse charge of a purchase from the command line, end to end through ``cli.main``
(issue 19): ``jpk --month`` makes the month with a reverse-charge purchase unchosen and
says how to choose it; ``purchases deduction KSEF --reverse-charge K_31 --rate 23``
keeps the choice and prints it (as ``purchases`` does), the next file has K_31/K_32 and
K_42/K_43; bad combinations and rates are refused (exit 2) without changing anything;
``--reverse-charge none`` clears it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from ksef_desktop import cli
from ksef_desktop.domain.invoice import VatRate
from ksef_desktop.jpk.schema import schema_errors
from ksef_desktop.store.purchase_deductions import deductions_of
from tests.unit.jpk_books import Books
from tests.unit.jpk_support import declaration, root, rows
from tests.unit.test_store_support import PID, Clock, make_store, sample_profile

PERSON = [
    "--first-name", "Anna", "--last-name", "Wiśniewska", "--birth-date", "1985-04-12",
    "--email", "anna@example.pl", "--tax-office", "1471",
]  # fmt: skip
TARGET = ["--base-url", "http://127.0.0.1:9/v2", "--nip", "5265877635"]


@dataclass
class Kept:
    data_dir: Path
    ksef: str
    purchase_id: int


@pytest.fixture
def kept(tmp_path: Path) -> Kept:
    store = make_store(tmp_path)
    books = Books(store, sample_profile(store), Clock())
    oo, ksef = books.purchase("ZAK/OO", 1, VatRate.OO, "1000.00")
    books.purchase("ZAK/23", 2, VatRate.R23, "100.00")
    store.close()  # the command opens the folder itself
    return Kept(store.data_dir, ksef, oo)


def run(kept: Kept, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["--lang", "en", "--data-dir", str(kept.data_dir), *args, *TARGET])
    printed = capsys.readouterr()
    return code, printed.out, printed.err


def stored(kept: Kept) -> object:
    from ksef_desktop.store import open_store

    store = open_store(kept.data_dir)
    try:
        return deductions_of(store.db.connection(), [kept.purchase_id], profile_id=PID)
    finally:
        store.close()


def test_the_reverse_charge_from_the_command_line(
    kept: Kept, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ksef = kept.ksef
    unchosen = tmp_path / "unchosen.xml"
    code, out, err = run(kept, capsys, "jpk", "--month", "2026-03", *PERSON, "-o", str(unchosen))
    assert code == 0, err
    assert out.splitlines()[:2] == ["LiczbaWierszySprzedazy 0", "LiczbaWierszyZakupow 1"]
    assert "ZAK/OO" in err
    assert f"purchases deduction {ksef} --reverse-charge K_31 --rate 23" in err
    assert schema_errors(root(unchosen.read_bytes())) == ()

    assert run(kept, capsys, "purchases", "deduction", ksef) == (
        0, f"{ksef} other 100% 2026-03\n", "",
    )  # fmt: skip
    # Refused, with the reason, and nothing kept.
    for bad, words in [
        (["--reverse-charge", "K_31"], "rate"),
        (["--rate", "23"], "K_31"),
        (["--reverse-charge", "K_31", "--rate", "19"], "19"),
        (["--reverse-charge", "K_31", "--rate", "abc"], "abc"),
        (["--reverse-charge", "none", "--rate", "23"], "--rate"),
    ]:
        code, out, err = run(kept, capsys, "purchases", "deduction", ksef, *bad)
        assert (code, out) == (2, ""), bad
        assert words in err
        assert "Traceback" not in err
    code, _out, err = run(kept, capsys, "purchases", "--rate", "23")
    assert code == 2
    assert "'deduction'" in err
    assert stored(kept) == {}

    code, out, err = run(
        kept, capsys, "purchases", "deduction", ksef, "--reverse-charge", "K_31", "--rate", "23"
    )
    assert (code, err) == (0, "")
    assert out == f"{ksef} other 100% 2026-03 K_31:23%\n"
    code, out, _err = run(kept, capsys, "purchases")
    assert code == 0
    listed = {line.split()[0]: line.split()[-4:] for line in out.splitlines()}
    assert listed[ksef] == ["other", "100%", "2026-03", "K_31:23%"]

    chosen = tmp_path / "chosen.xml"
    args = ["jpk", "--month", "2026-03", "--again", "-o", str(chosen)]
    code, out, err = run(kept, capsys, *args)
    assert code == 0, err
    data = chosen.read_bytes()
    assert schema_errors(root(data)) == ()
    (sale,) = rows(data)
    assert (sale["K_31"], sale["K_32"]) == ("1000.00", "230.00")
    bought = {r["DowodZakupu"]: r for r in rows(data, "ZakupWiersz")}
    assert (bought["ZAK/OO"]["K_42"], bought["ZAK/OO"]["K_43"]) == ("1000.00", "230.00")
    assert declaration(data)["P_43"] == "253"
    assert "K_31/K_32" in err  # the notice that the tax is self-assessed

    # Cleared: the defaults again (no row), the month without it.
    code, out, _err = run(kept, capsys, "purchases", "deduction", ksef, "--reverse-charge", "none")
    assert (code, out) == (0, f"{ksef} other 100% 2026-03\n")
    assert stored(kept) == {}


def test_the_files_form_takes_a_reverse_charge_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``jpk --purchases FILE=KSEF --reverse-charge FILE=K_31:23``: the purchase's row and
    the buyer's own output tax, as from the store; without it the file stops with the
    reason; a wrong kind or rate is refused (exit 2) and writes nothing."""
    from ksef_desktop.domain.identifiers import make_ksef_number
    from tests.unit.jpk_support import SUPPLIER_NIP, line, purchase_fa3

    bought = tmp_path / "zakup-oo.xml"
    bought.write_bytes(purchase_fa3(line(VatRate.OO, "1000.00"), number="ZAK/OO"))
    ksef = make_ksef_number(SUPPLIER_NIP, date(2026, 3, 5), "0000000000A1")
    out_file = tmp_path / "jpk.xml"
    files = ["--purchases", f"{bought}={ksef}", "-o", str(out_file)]

    def jpk(*extra: str) -> tuple[int, str, str]:
        code = cli.main(["--lang", "en", "jpk", "--month", "2026-03", "--nip", "5265877635",
                         *PERSON, *files, *extra])  # fmt: skip
        printed = capsys.readouterr()
        return code, printed.out, printed.err

    code, _out, err = jpk()
    assert code == 1
    assert "reverse charge" in err
    assert not out_file.exists()
    for bad in (f"{bought}=K_99:23", f"{bought}=K_31:19", f"{bought}=K_31", "other.xml=K_31:23"):
        code, _out, err = jpk("--reverse-charge", bad)
        assert code == 2, (bad, err)
        assert not out_file.exists()

    code, out, err = jpk("--reverse-charge", f"{bought}=k_31:23")
    assert code == 0, err
    data = out_file.read_bytes()
    assert schema_errors(root(data)) == ()
    assert out.splitlines()[:4] == [
        "LiczbaWierszySprzedazy 1",
        "LiczbaWierszyZakupow 1",
        "PodatekNalezny 230.00",
        "PodatekNaliczony 230.00",
    ]
    (sale,) = rows(data, "SprzedazWiersz")
    assert (sale["K_31"], sale["K_32"]) == ("1000.00", "230.00")
    (purchase,) = rows(data, "ZakupWiersz")
    assert (purchase["K_42"], purchase["K_43"], purchase["NrKSeF"]) == ("1000.00", "230.00", ksef)
    assert declaration(data)["P_51"] == "0"
