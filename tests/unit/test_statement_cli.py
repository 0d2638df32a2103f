"""``ksef-desktop statement import`` and ``collective show TITLE`` over a data folder whose
invoices the statements pay (run in-process; KSeF is not needed: the identifier in the
statement was made by this program). The Sandbox variant is
tests/integration/test_statement_sandbox.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ksef_desktop import cli
from tests.unit.statement_support import COLLECTIVE, STATEMENTS, ksef, seeded

NOWHERE = ["--base-url", "http://127.0.0.1:9/v2", "--nip", "5265877635"]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    seeded(tmp_path).store.close()
    return tmp_path / "data"


def _run(
    capsys: pytest.CaptureFixture[str], data: Path, *args: str, lang: str = "pl"
) -> tuple[int, list[str], str]:
    code = cli.main(["--lang", lang, "--data-dir", str(data), *args, *NOWHERE])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_import_dry_run_then_for_real_then_again(
    capsys: pytest.CaptureFixture[str], data: Path
) -> None:
    file = str(STATEMENTS / "zbp-tilde.mt940")
    expected = [
        "2026-03-03 246.00 PLN matched FV/2026/03/1",
        "2026-03-03 100.00 PLN matched FV/2026/03/2",
        "2026-03-03 146.00 PLN matched FV/2026/03/2",
        "2026-03-03 492.00 PLN matched FV/2026/03/3 FV/2026/03/4",
        "2026-03-03 -50.00 PLN unknown",
    ]
    code, out, err = _run(capsys, data, "statement", "import", file, "--dry-run")
    assert (code, out) == (0, expected)
    assert "niczego nie zmieniono" in err
    code, out, err = _run(capsys, data, "statement", "import", file, lang="en")
    assert (code, out) == (0, expected)
    assert "5 new lines: 4 matched, 0 proposed, 1 unknown." in err
    code, out, err = _run(capsys, data, "statement", "import", file, lang="en")
    assert (code, out) == (0, expected)
    assert "Nothing new" in err


def test_a_file_that_is_no_statement(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "wyciag.txt"
    bad.write_text("to nie jest wyciąg", encoding="utf-8")
    code, out, err = _run(capsys, data, "statement", "import", str(bad))
    assert (code, out) == (2, [])
    assert "nie jest wyciągiem bankowym MT940 ani camt.053" in err
    code, out, err = _run(capsys, data, "statement", "import", str(tmp_path / "brak.mt940"))
    assert code == 2
    assert "Nie można odczytać pliku: plik nie istnieje." in err
    assert "Traceback" not in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_pipe_or_a_folder_is_refused_without_waiting(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    fifo = tmp_path / "wyciag.mt940"
    os.mkfifo(fifo)  # reading it would wait for a writer for ever
    code, out, err = _run(capsys, data, "statement", "import", str(fifo), lang="en")
    assert (code, out) == (2, [])
    assert "not a regular file" in err
    code, out, err = _run(capsys, data, "statement", "import", str(tmp_path), lang="en")
    assert (code, out) == (2, [])
    assert "this is a folder, not a file." in err


def test_a_file_too_large_is_refused_before_it_is_read(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    from ksef_desktop.bank.model import MAX_STATEMENT_BYTES

    big = tmp_path / "wyciag.xml"
    with big.open("wb") as fh:
        fh.truncate(MAX_STATEMENT_BYTES + 1)  # sparse: nothing written
    code, out, err = _run(capsys, data, "statement", "import", str(big), lang="en")
    assert (code, out) == (2, [])
    assert "too large to be a bank statement" in err


def test_collective_show_takes_a_pasted_title(
    capsys: pytest.CaptureFixture[str], data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = ksef(2)
    title = f"Zapłata FV/2026/03/8 ksef {number[:18]}\n{number[18:].lower()} dzięki"
    code, out, err = _run(capsys, data, "collective", "show", title)
    assert code == 0, err
    assert out == [
        f"invoice FV/2026/03/2 {number} 246.00 PLN",
        "invoice FV/2026/03/8 - 738.00 PLN",  # not in KSeF yet: found by its number
    ]
    # an identifier is KSeF's to list (with the payment details): no token, no answer
    # (none in the environment, none left in the session's keyring by another test)
    from ksef_desktop.secrets import SecretStore, token_entry

    monkeypatch.delenv("KSEF_TOKEN", raising=False)
    SecretStore().delete(token_entry("sandbox", NOWHERE[-1]))
    code, out, err = _run(capsys, data, "collective", "show", f"KSeF {COLLECTIVE}", lang="en")
    assert (code, out) == (2, [])
    assert "token" in err.lower() or "keyring" in err.lower()  # whichever is missing
    code, out, err = _run(capsys, data, "collective", "show", "przelew", "za", "obiad")
    assert (code, out) == (1, [])
    assert "nie wskazuje" in err


def test_a_debit_that_pays_a_purchase_invoice_is_printed_matched(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from decimal import Decimal

    from tests.unit.debit_support import Debit, add_supplier_invoice, mt940, supplier_ksef
    from tests.unit.test_store_support import add_profile, make_store

    store = make_store(tmp_path)
    add_supplier_invoice(store, add_profile(store), 1, "615.00")
    store.close()
    file = tmp_path / "wyciag.mt940"
    number = supplier_ksef(1)
    title = f"Faktura KSeF {number[:20]} {number[20:].lower()}"
    file.write_bytes(mt940("2026-03-05", [Debit(Decimal("615.00"), title)]))
    code, out, err = _run(capsys, tmp_path / "data", "statement", "import", str(file), lang="en")
    assert (code, out) == (0, ["2026-03-05 -615.00 PLN matched FZ/1/2026"]), err
    assert "1 new line: 1 matched, 0 proposed, 0 unknown." in err
    code, out, err = _run(capsys, tmp_path / "data", "statement", "import", str(file), lang="en")
    assert (code, out) == (0, ["2026-03-05 -615.00 PLN matched FZ/1/2026"])
    assert "Nothing new" in err
