"""``ksef-desktop jpk-entry add|list|delete``, end to end: entries typed on the command
line go into the month's file that ``ksef-desktop jpk --month`` writes; bad input is
refused with a reason and the exit code of the other commands (1 refused, 2 usage)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ksef_desktop import cli
from ksef_desktop.jpk.schema import schema_errors
from tests.unit.jpk_support import field, root, rows
from tests.unit.test_store_support import make_store

TARGET = ["--base-url", "http://127.0.0.1:9/v2", "--nip", "5265877635"]
PERSON = [
    "--tax-office", "1471", "--first-name", "Anna", "--last-name", "Wiśniewska",
    "--birth-date", "1985-04-12", "--email", "anna@example.pl",
]  # fmt: skip
PAPER = [
    "--month", "2026-03", "--side", "purchase", "--number", "FZ/118/2026",
    "--date", "2026-03-10", "--second-date", "2026-03-12", "--marker", "BFK",
    "--counterparty-nip", "1111111111", "--name", "Hurtownia Papieru sp. z o.o.",
    "--amount", "K_42=1000.00", "--amount", "K_43=230,00",
]  # fmt: skip
REPORT = [
    "--month", "2026-03", "--side", "sales", "--number", "RO 2026/03", "--date",
    "2026-03-31", "--marker", "di", "--type", "RO", "--amount", "K_19=2000.00",
    "--amount", "K_20=460.00",
]  # fmt: skip


@pytest.fixture
def data_dir(tmp_path: Path) -> str:
    make_store(tmp_path).close()
    return str(tmp_path / "data")


def entry(data_dir: str, *args: str) -> int:
    return cli.main(["--data-dir", data_dir, "--lang", "pl", "jpk-entry", *args])


def test_entries_typed_in_go_into_the_month_file(
    data_dir: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert entry(data_dir, "add", *TARGET, *PAPER) == 0
    paper_id = capsys.readouterr().out.strip()
    assert entry(data_dir, "add", *TARGET, *REPORT) == 0
    report_id = capsys.readouterr().out.strip()
    assert entry(data_dir, "list", *TARGET, "--month", "2026-03") == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{report_id} sales RO_2026/03 2026-03-31 DI BRAK RO K_19=2000.00 K_20=460.00",
        f"{paper_id} purchase FZ/118/2026 2026-03-10 BFK 1111111111 - K_42=1000.00 K_43=230.00",
    ]
    assert entry(data_dir, "list", *TARGET, "--month", "2026-04") == 0
    assert capsys.readouterr().out == ""

    out = tmp_path / "jpk.xml"
    month = ["--data-dir", data_dir, "jpk", "--month", "2026-03", *TARGET, *PERSON]
    assert cli.main([*month, "-o", str(out)]) == 0
    printed = capsys.readouterr()
    assert printed.out.splitlines()[:4] == [
        "LiczbaWierszySprzedazy 1",
        "LiczbaWierszyZakupow 1",
        "PodatekNalezny 460.00",
        "PodatekNaliczony 230.00",
    ]
    assert "art. 106ga" in printed.err  # a Polish supplier's invoice without a KSeF number
    data = out.read_bytes()
    assert schema_errors(root(data)) == ()
    (sale,) = rows(data)
    assert (sale["DI"], sale["TypDokumentu"], sale["DowodSprzedazy"]) == ("1", "RO", "RO 2026/03")
    (bought,) = rows(data, "ZakupWiersz")
    assert (bought["BFK"], bought["DataWplywu"]) == ("1", "2026-03-12")
    assert field(data, "t:Ewidencja/t:ZakupCtrl/t:PodatekNaliczony") == "230.00"

    # replaced, then deleted
    changed = [*PAPER[:-2], "--amount", "K_43=115.00", "--id", paper_id]
    assert entry(data_dir, "add", *TARGET, *changed) == 0
    capsys.readouterr()
    assert entry(data_dir, "list", *TARGET, "--month", "2026-03") == 0
    assert "K_43=115.00" in capsys.readouterr().out
    assert entry(data_dir, "delete", *TARGET, paper_id) == 0
    capsys.readouterr()
    assert entry(data_dir, "delete", *TARGET, paper_id) == 2
    assert f"Nie ma wpisu {paper_id}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("changes", "code", "said"),
    [
        (["--type", "WEW"], 1, "DI"),  # an internal document is not an invoice
        (["--marker", "5265877635-20260302-0100001AF629-AA"], 1, "KSeF"),
        (["--amount", "K_19=5.00"], 1, "K_19"),
        (["--amount", "K_44=abc"], 2, "abc"),
        (["--amount", "K_44"], 2, "K_42=1000.00"),
        (["--date", "10.03.2026"], 2, "10.03.2026"),
        (["--month", "2026-3"], 2, "2026-3"),
        (["--country", "GR"], 1, "EL"),
        (["--id", "99"], 2, "99"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_kept(
    data_dir: str,
    capsys: pytest.CaptureFixture[str],
    changes: list[str],
    code: int,
    said: str,
) -> None:
    assert entry(data_dir, "add", *TARGET, *PAPER, *changes) == code
    printed = capsys.readouterr()
    assert said in printed.err
    assert "Traceback" not in printed.err
    assert entry(data_dir, "list", *TARGET, "--month", "2026-03") == 0
    assert capsys.readouterr().out == ""


def test_from_a_real_process_in_english(data_dir: str) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "ksef_desktop", "--data-dir", data_dir, "--lang", "en"]
        return subprocess.run(
            [*command, "jpk-entry", *args], capture_output=True, text=True, check=False
        )

    added = run("add", *TARGET, *PAPER)
    assert added.returncode == 0, added.stderr
    refused = run("add", *TARGET, *PAPER)  # the same document again
    assert refused.returncode == 1
    assert "already entered" in refused.stderr
    assert "Traceback" not in refused.stderr
    listed = run("list", *TARGET, "--month", "2026-03")
    assert listed.stdout.split()[1:5] == ["purchase", "FZ/118/2026", "2026-03-10", "BFK"]
