"""Looking back: session history, a session's invoices incl. failed, UPO, downloads, CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ksef_desktop.ksef.api_invoices import InvoiceQueryFilters
from ksef_desktop.ksef.crypto import sha256_b64
from ksef_desktop.ksef.sending import InvoiceToSend
from ksef_desktop.ksef.session_facts import SessionKind
from tests.integration.client_support import (
    NIP,
    SEEN_SECRETS,
    invoice_bytes,
    invoices,
    ksef_client,
    needs_sandbox,
    running_sandbox,
    sandbox_accepted,
)

pytestmark = needs_sandbox


def test_history_failed_invoices_upo_download_and_metadata() -> None:
    good = invoices(3, tag="HIST")
    bad = InvoiceToSend("bad.xml", invoice_bytes("1111111111", "HIST/BAD"))
    with (
        running_sandbox(rate_limit_scale=None) as sb,
        ksef_client(sb.base_url, sb.tokens[NIP]) as (client, _rec),
    ):
        first = client.send(good[:2])
        second = client.send([good[2], bad])
        sessions = list(client.sessions(SessionKind.ONLINE, page_size=10))
        refs = [s.reference_number for s in sessions]
        assert set(refs) == {first[0].session_reference, second[0].session_reference}
        counts = {
            s.reference_number: (s.total_invoice_count, s.failed_invoice_count) for s in sessions
        }
        assert counts[first[0].session_reference or ""] == (2, 0)
        assert counts[second[0].session_reference or ""] == (2, 1)
        assert list(client.sessions(SessionKind.BATCH, page_size=10)) == []
        failed = list(client.session_invoices(second[0].session_reference or "", failed_only=True))
        assert [f.invoice_hash for f in failed] == [bad.sha256]
        everything = list(client.session_invoices(second[0].session_reference or ""))
        assert {e.invoice_hash for e in everything} == {bad.sha256, good[2].sha256}
        pages = client.session_upo(first[0].session_reference or "")
        assert pages
        assert all(p.sha256 == sha256_b64(p.content) for p in pages)
        downloaded = client.download_invoice(first[0].ksef_number or "")
        assert downloaded.content == good[0].content
        found = list(
            client.query_metadata(
                InvoiceQueryFilters("Subject1", "Invoicing", datetime.now(UTC) - timedelta(days=1))
            )
        )
    assert {m.ksef_number for m in found} == {r.ksef_number for r in first + second[:1]}
    assert all(m.seller_nip == NIP for m in found)


def _cli(*args: str, token: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ksef_desktop", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "KSEF_TOKEN": token},
        timeout=120,
    )


def test_cli_send_and_sessions(tmp_path: Path) -> None:
    ok = tmp_path / "ok.xml"
    ok.write_bytes(invoice_bytes(NIP, f"CLI/{datetime.now(UTC).timestamp()}"))
    bad = tmp_path / "other-seller.xml"
    bad.write_bytes(invoice_bytes("1111111111", "CLI/BAD"))
    with running_sandbox(rate_limit_scale=None) as sb:
        token = sb.tokens[NIP]
        sent = _cli("send", str(ok), str(bad), "--base-url", sb.base_url, "--nip", NIP, token=token)
        listed = _cli("sessions", "--base-url", sb.base_url, "--nip", NIP, token=token)
        no_token = subprocess.run(
            [sys.executable, "-m", "ksef_desktop", "send", str(ok), "--env", "demo", "--nip", NIP],
            capture_output=True,
            text=True,
            env={k: v for k, v in os.environ.items() if k != "KSEF_TOKEN"},
            timeout=60,
        )
        down = _cli(
            "send", str(ok), "--base-url", "http://127.0.0.1:9/v2", "--nip", NIP, token=token
        )
    assert sent.returncode == 1, sent.stderr
    lines = sent.stdout.splitlines()
    assert len(lines) == 2
    path, number = lines[0].split(" ")
    assert path == str(ok)
    assert number.startswith(NIP + "-")
    assert lines[1].startswith(f"{bad} REJECTED 410 ")
    assert "uprawnień" in lines[1]
    assert listed.returncode == 0, listed.stderr
    (session_line,) = listed.stdout.splitlines()
    assert " Online 200 " in session_line
    assert "total=2 ok=1 failed=1" in session_line
    assert no_token.returncode == 2
    assert "token set --env demo" in no_token.stderr
    assert down.returncode == 3
    assert "KSeF" in down.stderr
    for out in (sent, listed, no_token, down):
        assert "Traceback" not in out.stderr
        assert token not in out.stdout + out.stderr
    SEEN_SECRETS.add(token)


def test_cli_send_refuses_an_invalid_file_before_sending(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(invoice_bytes(NIP, "CLI/LOCAL").replace(b"<P_2>", b"<P_2X>", 1))
    with running_sandbox(rate_limit_scale=None) as sb:
        token = sb.tokens[NIP]
        SEEN_SECRETS.add(token)
        done = _cli("send", str(broken), "--base-url", sb.base_url, "--nip", NIP, token=token)
        state = sb.accepted_state()
    assert done.returncode == 1
    (line,) = done.stdout.splitlines()
    assert line.startswith(f"{broken} REJECTED ")
    code = line.split(" ")[2]
    assert not code.isdigit()  # a pre-flight defect code, not KSeF's
    assert state["sessions"] == {}  # nothing reached the sandbox


def test_session_history_pages_with_continuation_tokens_and_filters() -> None:
    with (
        running_sandbox(rate_limit_scale=None) as sb,
        ksef_client(sb.base_url, sb.tokens[NIP]) as (client, rec),
    ):
        started = datetime.now(UTC) - timedelta(minutes=1)
        sent = [client.send(invoices(1, tag=f"PAGE{i}"))[0] for i in range(12)]
        everything = list(client.sessions(SessionKind.ONLINE, page_size=10))
        succeeded = list(
            client.sessions(
                SessionKind.ONLINE, page_size=10, statuses=["Succeeded"], date_created_from=started
            )
        )
        none_yet = list(
            client.sessions(
                SessionKind.ONLINE, date_created_from=datetime.now(UTC) + timedelta(hours=1)
            )
        )
    assert {s.reference_number for s in everything} == {r.session_reference for r in sent}
    assert len(everything) == 12
    assert [s.date_created for s in everything] == sorted(
        (s.date_created for s in everything), reverse=True
    )
    assert {s.reference_number for s in succeeded} == {r.session_reference for r in sent}
    assert none_yet == []
    listing = [e for e in rec.exchanges if e.path == "/v2/sessions"]
    assert len(listing) >= 5  # 2 pages + 2 pages + 1


def test_cli_send_takes_the_token_from_the_keyring(tmp_path: Path) -> None:
    invoice = tmp_path / "kr.xml"
    invoice.write_bytes(invoice_bytes(NIP, f"CLI/KR/{datetime.now(UTC).timestamp()}"))
    env = {k: v for k, v in os.environ.items() if k != "KSEF_TOKEN"}

    def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ksef_desktop", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    with running_sandbox(rate_limit_scale=None) as sb:
        token = sb.tokens[NIP]
        SEEN_SECRETS.add(token)
        stored = cli("token", "set", "--env", "sandbox", "--nip", NIP, stdin=token + "\n")
        try:
            sent = cli("send", str(invoice), "--base-url", sb.base_url, "--nip", NIP)
        finally:
            removed = cli("token", "delete", "--env", "sandbox", "--nip", NIP)
        accepted = sandbox_accepted(sb)
    assert stored.returncode == 0, stored.stderr
    assert sent.returncode == 0, sent.stderr
    (line,) = sent.stdout.splitlines()
    assert line.split(" ")[1] in accepted
    assert removed.returncode == 0
    assert token not in stored.stdout + stored.stderr + sent.stdout + sent.stderr
