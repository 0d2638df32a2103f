"""E-mail of invoices to a real SMTP server on 127.0.0.1 (aiosmtpd, TLS, AUTH): the command
line, the queue that waits for a server that is down, and no duplicate after a kill."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from ksef_desktop.services.issue import issue_invoice
from ksef_desktop.services.mail_outbox import (
    MailAccount,
    MailSender,
    invoice_attachments,
    queue_invoice_mail,
)
from ksef_desktop.services.mailing import MailError, NotSent, SmtpServer, deliver
from ksef_desktop.store import Store
from ksef_desktop.store.invoices import create_draft, get_invoice
from ksef_desktop.store.mail import MailState, mails_of
from ksef_desktop.store.numbering import create_series
from tests.integration.conftest import SAMPLES
from tests.integration.smtp_support import PASSWORD, USER, SmtpTestServer, free_port
from tests.unit.test_store_support import PID, Clock, make_store, sample_invoice

ROOT = Path(__file__).resolve().parents[2]


def attachments(message: EmailMessage) -> dict[str, bytes]:
    out = {}
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        out[str(part.get_filename())] = payload
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpTestServer]:
    smtp = SmtpTestServer(tmp_path_factory.mktemp("smtp")).start()
    yield smtp
    smtp.stop()


def test_cli_mail_sends_the_pdf_and_the_xml(server: SmtpTestServer, tmp_path: Path) -> None:
    sample = next(p for p in SAMPLES.glob("*.xml") if p.stem.lower() == "fa_3_przykład_1")
    before = len(server.received())
    env = {**os.environ, "KSEF_SMTP_PASSWORD": PASSWORD, "SSL_CERT_FILE": str(server.cert)}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "ksef_desktop",
            "--data-dir",
            str(tmp_path),
            "mail",
            str(sample),
            "--to",
            "kupiec@example.test",
            "--smtp",
            server.url,
            "--from",
            USER,
            "--lang",
            "pl+en",
            "--xml",
            "--env",
            "test",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == "sent"
    (message,) = server.received()[before:]
    assert message["To"] == "kupiec@example.test"
    assert message["Message-ID"]
    files = attachments(message)
    pdfs = [n for n in files if n.endswith(".pdf")]
    assert len(pdfs) == 1
    assert files[pdfs[0]].startswith(b"%PDF")
    (xml_name,) = [n for n in files if n.endswith(".xml")]
    assert files[xml_name] == sample.read_bytes()  # the exact bytes, never rebuilt
    assert "Faktura" in str(message["Subject"])
    assert "Invoice" in str(message["Subject"])


def test_tls_always_and_the_password_checked(server: SmtpTestServer, tmp_path: Path) -> None:
    from ksef_desktop.services.mailing import build_message

    msg = build_message(
        sender=USER,
        recipient="k@example.test",
        subject="s",
        body="b",
        message_id="<x@example.test>",
        attachments=(),
    )
    with pytest.raises(NotSent) as wrong:
        deliver(
            SmtpServer.parse(server.url),
            msg,
            user=USER,
            password="wrong",
            context=server.client_context(),
        )
    assert not wrong.value.temporary
    with pytest.raises(NotSent) as untrusted:  # a certificate nobody vouches for
        deliver(
            SmtpServer.parse(server.url),
            msg,
            user=USER,
            password=PASSWORD,
            context=ssl.create_default_context(),
        )
    assert "TLS" in untrusted.value.message()
    with pytest.raises(MailError):
        SmtpServer.parse("http://127.0.0.1:25")


def _issued(store: Store, clock: Clock) -> int:
    with store.db.transaction() as conn:
        series = create_series(conn, "FV", "FV/{yyyy}/{n}", profile_id=PID, now=clock())
        draft = create_draft(conn, sample_invoice(), profile_id=PID, now=clock())
    issue_invoice(
        store.db,
        store.archive,
        draft,
        profile_id=PID,
        now=clock,
        series_id=series,
        mode=None,
        deadline=None,
        send=False,
    )
    return draft


def _sender(store: Store, url: str, server: SmtpTestServer, clock: Clock) -> MailSender:
    account = MailAccount(SmtpServer.parse(url), USER, USER, PASSWORD)

    def render(invoice_id: int, lang: str, with_xml: bool) -> Any:
        return invoice_attachments(
            store,
            invoice_id,
            profile_id=PID,
            lang=lang,
            with_xml=with_xml,
            qr_base="http://q",
            now=clock(),
        )

    return MailSender(
        store,
        profile_id=PID,
        account=lambda: account,
        render=render,
        now=clock,
        context=server.client_context(),
    )


def _queue(store: Store, invoice_id: int, clock: Clock, to: str) -> int:
    return queue_invoice_mail(
        store,
        invoice_id,
        profile_id=PID,
        sender=USER,
        recipient=to,
        lang="pl",
        with_xml=False,
        subject="Faktura",
        body="W załączeniu.",
        now=clock(),
    )


def test_queued_while_the_server_is_down_then_sent_once(tmp_path: Path) -> None:
    clock = Clock()
    store = make_store(tmp_path)
    try:
        invoice_id = _issued(store, clock)
        down = SmtpTestServer(tmp_path, port=free_port())  # not started yet
        mail_id = _queue(store, invoice_id, clock, "a@example.test")
        report = _sender(store, down.url, down, clock).send_due()
        assert (report.sent, report.waiting) == (0, 1)
        (item,) = mails_of(store.db.connection(), invoice_id, profile_id=PID)
        assert item.state is MailState.PENDING
        assert item.attempts == 1
        assert item.last_error
        assert get_invoice(store.db.connection(), invoice_id, profile_id=PID)  # untouched
        down.start()
        try:
            # Not due yet (back-off): nothing goes.
            assert _sender(store, down.url, down, clock).send_due().sent == 0
            clock.advance(timedelta(minutes=2))
            assert _sender(store, down.url, down, clock).send_due().sent == 1
            assert _sender(store, down.url, down, clock).send_due().sent == 0
            (message,) = down.received()
            (item,) = mails_of(store.db.connection(), invoice_id, profile_id=PID)
            assert item.id == mail_id
            assert item.state is MailState.SENT
            assert message["Message-ID"].strip() == item.message_id  # fixed when it was queued
            (pdf,) = attachments(message).values()
            assert pdf.startswith(b"%PDF")
            row = (
                store.db.connection()
                .execute(
                    "SELECT mail_state FROM invoices WHERE id = ? AND profile_id = ?",
                    (invoice_id, PID),
                )
                .fetchone()
            )
            assert row[0] == "sent"
        finally:
            down.stop()
    finally:
        store.close()


def test_no_duplicate_after_a_kill(tmp_path: Path) -> None:
    """The sender is killed after the server took the message but before it could record
    that: the next run must not send it again (it is "uncertain": the user decides)."""
    clock = Clock()
    store = make_store(tmp_path)
    smtp = SmtpTestServer(tmp_path).start()
    try:
        invoice_id = _issued(store, clock)
        _queue(store, invoice_id, clock, "b@example.test")
        clock.advance(timedelta(days=3650))  # the child uses the real clock
        child: dict[str, subprocess.Popen[str]] = {}

        def kill_the_sender(envelope: Any) -> None:
            child["p"].send_signal(signal.SIGKILL)
            child["p"].wait(timeout=30)

        smtp.on_data = kill_the_sender
        env = {**os.environ, "KSEF_SMTP_PASSWORD": PASSWORD}
        log = (tmp_path / "child.log").open("w")
        child["p"] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.mail_child",
                str(store.data_dir),
                str(PID),
                smtp.url,
                str(smtp.cert),
                USER,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
        )
        child["p"].wait(timeout=120)
        log.close()
        assert child["p"].returncode == -signal.SIGKILL, (tmp_path / "child.log").read_text()
        smtp.on_data = None
        assert len(smtp.received()) == 1  # the server has it
        (item,) = mails_of(store.db.connection(), invoice_id, profile_id=PID)
        assert item.state is MailState.SENDING  # the kill left it in flight
        report = _sender(store, smtp.url, smtp, clock).send_due()
        assert report.sent == 0
        assert report.uncertain == 1
        assert len(smtp.received()) == 1  # never twice
        (item,) = mails_of(store.db.connection(), invoice_id, profile_id=PID)
        assert item.state is MailState.UNCERTAIN
    finally:
        smtp.stop()
        store.close()
