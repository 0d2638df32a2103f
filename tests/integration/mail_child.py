"""Run in a child process by test_mail: send the store's due mails (the test kills it).

``python -m tests.integration.mail_child DATA_DIR PROFILE_ID SMTP_URL CAFILE USER``; the
password comes from ``KSEF_SMTP_PASSWORD``.
"""

from __future__ import annotations

import os
import ssl
import sys
from datetime import UTC, datetime
from pathlib import Path

from ksef_desktop.services.mail_outbox import MailAccount, MailSender, invoice_attachments
from ksef_desktop.services.mailing import SmtpServer
from ksef_desktop.store import open_store


def main(folder: str, profile: str, url: str, cafile: str, user: str) -> None:
    store = open_store(Path(folder))
    pid = int(profile)
    now = lambda: datetime.now(UTC)  # noqa: E731
    account = MailAccount(SmtpServer.parse(url), user, user, os.environ["KSEF_SMTP_PASSWORD"])
    sender = MailSender(
        store,
        profile_id=pid,
        account=lambda: account,
        render=lambda i, lang, xml: invoice_attachments(
            store, i, profile_id=pid, lang=lang, with_xml=xml, qr_base="http://q", now=now()
        ),
        now=now,
        context=ssl.create_default_context(cafile=cafile),
    )
    print(sender.send_due(), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:6])
