"""Profiles kept apart through the command line (issue 14): ``import``, ``invoices`` and
``outbox send`` as real processes against a Sandbox, with one data folder.

Invoices taken into the Sandbox profile never appear in, count towards or get sent from
the Test or Production profile of the same NIP, and the reverse: an invoice of the Test
profile is never sent to the Sandbox.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from ksef_desktop.domain.calendar import WARSAW
from ksef_desktop.domain.identifiers import ksef_number_is_valid
from ksef_desktop.sandbox import Sandbox, SandboxConfig
from tests.gui.daily_loop_support import pdf_text
from tests.integration.conftest import SELLER, sample, with_issue_date, with_number


def _cli(
    data: Path, *args: str, token: str = "", lang: str = "pl"
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KSEF_TOKEN": token} if token else dict(os.environ)
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", "--lang", lang, "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(nips=(SELLER,), port=0, rate_limit_scale=None)) as sandbox:
        yield sandbox


def _files(folder: Path, prefix: str, count: int) -> list[Path]:
    """Official sample 1 under ``count`` new numbers, dated today."""
    today = datetime.now(WARSAW).date().isoformat()
    paths = []
    for i in range(count):
        path = folder / f"{prefix}-{i}.xml"
        path.write_bytes(with_issue_date(with_number(sample(1), f"{prefix}/{i}"), today))
        paths.append(path)
    return paths


def test_sandbox_and_test_profiles_of_one_nip_never_mix(tmp_path: Path, sb: Sandbox) -> None:
    data = tmp_path / "data"
    sandbox = ["--base-url", sb.base_url, "--nip", SELLER]
    test_env = ["--env", "test", "--nip", SELLER]
    prod_env = ["--env", "prod", "--nip", SELLER]
    practice = _files(tmp_path, "PRAKTYKA", 2)

    imported = _cli(data, "import", *map(str, practice), *sandbox)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines() == [
        f"{p} PRAKTYKA/{i} queued" for i, p in enumerate(practice)
    ]
    listed = _cli(data, "invoices", *sandbox)
    assert listed.returncode == 0, listed.stderr
    assert sorted(listed.stdout.splitlines()) == ["PRAKTYKA/0 queued - -", "PRAKTYKA/1 queued - -"]

    # The same NIP in Test and in Production: nothing there, nothing to send from there.
    for other in (test_env, prod_env):
        assert _cli(data, "invoices", *other).stdout == ""
        sent = _cli(data, "outbox", "send", *other, token="not-a-real-token")
        assert sent.returncode == 0, sent.stderr  # an empty queue: KSeF is not even asked
        assert sent.stdout == ""
    assert not sb.core.state.invoices  # nothing reached the Sandbox either

    # The reverse: an invoice of the Test profile stays there, however the Sandbox drains.
    (real,) = _files(tmp_path, "TEST", 1)
    into_test = _cli(data, "import", str(real), *test_env)
    assert into_test.returncode == 0, into_test.stderr
    assert into_test.stdout.splitlines() == [f"{real} TEST/0 queued"]

    delivered = _cli(data, "outbox", "send", *sandbox, token=sb.tokens[SELLER])
    assert delivered.returncode == 0, delivered.stderr
    lines = dict(line.split(" ", 1) for line in delivered.stdout.splitlines())
    assert set(lines) == {"PRAKTYKA/0", "PRAKTYKA/1"}
    assert all(ksef_number_is_valid(n) for n in lines.values())
    numbers = {r.invoice_number for r in sb.core.state.invoices.values()}
    assert numbers == {"PRAKTYKA/0", "PRAKTYKA/1"}  # TEST/0 never came
    for number, ksef_number in lines.items():  # their PDFs made again with the number
        assert ksef_number in pdf_text(data / "pdf" / f"{number.replace('/', '_')}.pdf")

    after = _cli(data, "invoices", *sandbox).stdout.splitlines()
    assert sorted(after) == sorted(f"{n} accepted {k} -" for n, k in lines.items())
    assert _cli(data, "invoices", *test_env).stdout.splitlines() == ["TEST/0 queued - -"]
    assert _cli(data, "invoices", *test_env, "--state", "accepted").stdout == ""
    assert _cli(data, "invoices", *prod_env).stdout == ""


def test_import_refuses_what_the_profile_cannot_issue(tmp_path: Path, sb: Sandbox) -> None:
    data = tmp_path / "data"
    target = ["--base-url", sb.base_url, "--nip", SELLER]
    (good,) = _files(tmp_path, "A", 1)
    broken = tmp_path / "broken.xml"
    broken.write_bytes(good.read_bytes().replace(b"<P_2>", b"<P_2x>", 1))
    other_seller = tmp_path / "other.xml"
    other_seller.write_bytes(good.read_bytes())
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    first = _cli(data, "import", str(good), *target, "--mode", "offline24")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [f"{good} A/0 queued"]
    # Official sample 1's P_15 is one grosz off its amounts: KSeF takes it, we say so.
    assert f"{good}: ostrzeżenie: " in first.stderr
    assert "P_15" in first.stderr
    # the same bytes again: the same invoice, not a second one
    again = _cli(data, "import", str(good), *target)
    assert again.stdout.splitlines() == [f"{good} A/0 queued"]
    # another profile's NIP: the seller is not theirs
    elsewhere = _cli(data, "import", str(other_seller), "--base-url", sb.base_url, "--nip",
                     "5265877635")  # fmt: skip
    assert elsewhere.returncode == 1
    assert elsewhere.stdout.startswith(f"{other_seller} REJECTED other-seller ")
    refused = _cli(data, "import", str(broken), str(fifo), *target)
    assert refused.returncode == 1
    out = refused.stdout.splitlines()
    assert out[0].startswith(f"{broken} REJECTED ")
    assert out[1].startswith(f"{fifo} REJECTED unreadable ")
    assert "Traceback" not in refused.stderr
    listed = _cli(data, "invoices", *target).stdout.splitlines()
    assert len(listed) == 1
    number, state, ksef, deadline = listed[0].split()
    assert (number, state, ksef) == ("A/0", "queued", "-")
    assert deadline > datetime.now(WARSAW).date().isoformat()  # offline24: next business day
    pdf = data / "pdf" / "A_0.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    # offline without an offline certificate: the PDF lacks KOD II, and the user is told
    assert "KODU II" in first.stderr
