"""Money in, matched, end to end against the Sandbox, as real processes (issue 24):
three invoices sent through the outbox, a collective identifier made in KSeF for them
(``collective create``: not kept in the store, so the import must ask KSeF which
invoices it covers), a statement whose one credit names that identifier — cut across
two lines of field 86, in lower case — marks all three paid; a second import of the
same file changes nothing."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ksef_desktop.domain.calendar import WARSAW
from ksef_desktop.domain.collective import collective_identifier_is_valid
from ksef_desktop.paths import database_path
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from tests.integration.conftest import SELLER, sample, with_issue_date, with_number

OWN = "PL27114020040000300201355387"
PAYER = "PL60102010260000123456789012"


def _cli(data: Path, *args: str, token: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KSEF_TOKEN": token} if token else dict(os.environ)
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--lang", "en", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(nips=(SELLER,), port=0, rate_limit_scale=None)) as sandbox:
        yield sandbox


def _statement(identifier: str, amount: Decimal, day: str) -> bytes:
    """An MT940 statement (ZBP layout) of one day: the payment naming ``identifier``
    (cut by the 27-character pieces of the title and by the 65-character lines) and
    the bank's fee."""
    yymmdd, mmdd = day[2:].replace("-", ""), day[5:].replace("-", "")
    title = f"zaplata ksef {identifier.lower()} marzec"
    pieces = "".join(f"~{20 + i}{title[n : n + 27]}" for i, n in enumerate(range(0, 108, 27)))
    field86 = f"034~00PRZELEW PRZYCHODZACY{pieces}~38{PAYER}~32KUPIEC SPOLKA Z O.O."
    lines = [field86[n : n + 65] for n in range(0, len(field86), 65)]
    money = f"{amount:.2f}".replace(".", ",")
    closing = f"{amount + 1000 - 7:.2f}".replace(".", ",")
    text = "\r\n".join(
        [
            ":20:MT940",
            f":25:/{OWN}",
            ":28C:00001",
            f":60F:C{yymmdd}PLN1000,00",
            f":61:{yymmdd}{mmdd}C{money}S0340000000000001//BANK000001",
            ":86:" + lines[0],
            *lines[1:],
            f":61:{yymmdd}{mmdd}D7,00S0730000000000002//BANK000002",
            ":86:073~00OPLATA~20Oplata za przelew",
            f":62F:C{yymmdd}PLN{closing}",
            "-",
            "",
        ]
    )
    return text.encode("cp1250")


def _state(data: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(database_path(data))
    try:
        rows: list[tuple[object, ...]] = []
        for table in ("bank_statements", "bank_lines", "bank_matches", "payments"):
            rows += conn.execute(f"SELECT '{table}', * FROM {table} ORDER BY id").fetchall()
        rows += conn.execute(
            "SELECT number, gross_minor, paid_minor FROM invoices ORDER BY id"
        ).fetchall()
        return rows
    finally:
        conn.close()


def test_one_credit_naming_an_identifier_pays_three_invoices(tmp_path: Path, sb: Sandbox) -> None:
    data = tmp_path / "data"
    target = ["--base-url", sb.base_url, "--nip", SELLER]
    today = datetime.now(WARSAW).date().isoformat()
    files = []
    for i in range(3):
        path = tmp_path / f"fv-{i}.xml"
        unpaid = re.sub(  # official sample 1 says it was paid; these wait for the money
            rb"<Zaplacono>1</Zaplacono>\s*<DataZaplaty>[^<]*</DataZaplaty>\s*", b"", sample(1)
        )
        path.write_bytes(with_issue_date(with_number(unpaid, f"WPL/{i}"), today))
        files.append(path)
    imported = _cli(data, "import", *map(str, files), *target)
    assert imported.returncode == 0, imported.stderr
    sent = _cli(data, "outbox", "send", *target, token=sb.tokens[SELLER])
    assert sent.returncode == 0, sent.stderr
    numbers = dict(line.split(" ", 1) for line in sent.stdout.splitlines())
    assert set(numbers) == {"WPL/0", "WPL/1", "WPL/2"}

    made = _cli(data, "collective", "create", *numbers.values(), *target, token=sb.tokens[SELLER])
    assert made.returncode == 0, made.stderr
    identifier = made.stdout.splitlines()[0]
    assert collective_identifier_is_valid(identifier)

    invoices = [r for r in _state(data) if r[0] in numbers]
    assert [r[2] for r in invoices] == [0, 0, 0]  # nothing paid yet
    grosses = [Decimal(int(str(r[1]))) / 100 for r in invoices]
    total = sum(grosses, Decimal(0))
    statement = tmp_path / "wyciag.mt940"
    statement.write_bytes(_statement(identifier, total, today))

    first = _cli(data, "statement", "import", str(statement), *target, token=sb.tokens[SELLER])
    assert first.returncode == 0, first.stderr
    credit, fee = first.stdout.splitlines()
    head = f"{today} {total:.2f} PLN matched "
    assert credit.startswith(head)
    assert sorted(credit.removeprefix(head).split()) == sorted(numbers)
    assert fee == f"{today} -7.00 PLN unknown"
    paid = {str(r[0]): (r[1], r[2]) for r in _state(data) if r[0] in numbers}
    assert all(gross == got for gross, got in paid.values()), paid  # all three paid in full
    assert "2 new lines: 1 matched, 0 proposed, 1 unknown." in first.stderr

    before = _state(data)
    second = _cli(data, "statement", "import", str(statement), *target, token=sb.tokens[SELLER])
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert "Nothing new" in second.stderr
    assert _state(data) == before

    # the pasted title, looked up: KSeF's list of the identifier, then the invoices paid
    shown = _cli(
        data, "collective", "show", f"KSeF {identifier.lower()}", *target, token=sb.tokens[SELLER]
    )
    assert shown.returncode == 0, shown.stderr
    listed = shown.stdout.splitlines()
    assert sorted(line.split()[1] for line in listed[:3]) == sorted(numbers.values())
    assert sorted(listed[3:]) == sorted(f"invoice {n} {k} 0.00 PLN" for n, k in numbers.items())
