"""JPK marks from the command line (issue 19): an FA(3) file carrying GTU, Procedura and TP
is taken in by ``ksef-desktop import`` with its marks kept, and ``ksef-desktop jpk``
reports them — from the files given and from the profile's store alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from ksef_desktop import cli
from ksef_desktop.domain.calendar import warsaw_date
from ksef_desktop.domain.invoice import VatRate
from ksef_desktop.domain.marks import LineProcedure
from ksef_desktop.fa3.parse import parse
from ksef_desktop.store import open_store
from ksef_desktop.store.invoices import get_invoice
from ksef_desktop.store.profiles import Environment, find_profile
from ksef_desktop.store.queries import InvoiceFilter, list_invoices
from tests.unit.jpk_support import OWN_NIP, fa3, line, rows
from tests.unit.test_jpk_cli import PERSON

SANDBOX = "http://127.0.0.1:9/v2"  # a Sandbox profile; nothing is sent


def marked_fa3(day=None, created=None) -> bytes:
    changes = {} if day is None else {"issue_date": day, "created_at": created}
    return fa3(
        line(VatRate.R23, "1000.00", gtu="GTU_12", procedure=LineProcedure.B_SPV),
        line(VatRate.R8, "10.00", gtu="GTU_06"),
        related_parties=True,
        **changes,
    )


def test_jpk_from_a_file_reports_its_marks(tmp_path: Path, capsys) -> None:
    path = tmp_path / "FV.xml"
    path.write_bytes(marked_fa3())
    out = tmp_path / "JPK.xml"
    code = cli.main(
        ["jpk", "--month", "2026-11", *PERSON, "--sales", f"{path}=OFF", "-o", str(out)]
    )
    assert code == 0, capsys.readouterr()
    (row,) = rows(out.read_bytes())
    assert (row["GTU_06"], row["GTU_12"], row["TP"], row["B_SPV"], row["OFF"]) == ("1",) * 5


def test_import_keeps_the_marks_and_the_month_from_the_store_reports_them(
    tmp_path: Path, capsys
) -> None:
    now = datetime.now(UTC) - timedelta(minutes=1)
    today = warsaw_date(now)
    path = tmp_path / "FV.xml"
    path.write_bytes(marked_fa3(today, now))
    data = tmp_path / "data"
    target = ["--base-url", SANDBOX, "--nip", OWN_NIP]
    # Issued in offline24 mode: the month's file takes it in with OFF until KSeF has it.
    code = cli.main(["--data-dir", str(data), "import", str(path), *target, "--mode", "offline24"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert printed.endswith(" queued\n"), printed

    store = open_store(data)
    try:
        conn = store.db.connection()
        profile = find_profile(conn, Environment.SANDBOX, OWN_NIP)
        assert profile is not None
        (row,) = list_invoices(conn, InvoiceFilter(), profile_id=profile.id).rows
        stored = get_invoice(conn, row.id, profile_id=profile.id)
    finally:
        store.close()
    assert stored.xml == path.read_bytes()  # the file's own bytes
    assert stored.invoice == parse(stored.xml)  # and the kept content is all of it
    assert stored.invoice.related_parties
    assert [(x.gtu, x.procedure) for x in stored.invoice.lines] == [
        ("GTU_12", LineProcedure.B_SPV),
        ("GTU_06", None),
    ]

    out = tmp_path / "JPK.xml"
    month = f"{today:%Y-%m}"
    code = cli.main(
        ["--data-dir", str(data), "jpk", "--month", month, *PERSON, *target[:2], "-o", str(out)]
    )
    assert code == 0, capsys.readouterr()
    (jpk_row,) = rows(out.read_bytes())
    marks = ("GTU_06", "GTU_12", "TP", "B_SPV", "OFF")
    assert [jpk_row[name] for name in marks] == ["1"] * len(marks)
