"""E-mails of invoices to their buyers: the queue the mail sender works through.

Never twice by a retry: a mail gets its Message-ID when it is queued, and before the SMTP
conversation starts its row becomes ``sending`` with the sending process named
(``claimed_by``), committed. After the server's answer the row becomes ``sent`` — or
``pending`` again / ``failed`` when the server certainly did not take it. A crash or a
lost connection between handing the message over and recording the answer leaves it
``sending`` (or makes it ``uncertain``): such a mail is never sent again by itself, since
the server may have it; the user sees "may have been sent" and decides. Every change is
one transaction, and ``invoices.mail_state`` follows the invoice's latest mail.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ksef_desktop.i18n import N_, _
from ksef_desktop.store.db import Database, StoreError
from ksef_desktop.store.lock import owner_alive
from ksef_desktop.store.states import InvoiceState, UnknownInvoice
from ksef_desktop.store.timefmt import from_db, opt_from_db, to_db


class MailState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    UNCERTAIN = "uncertain"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _(_LABELS[self])


_LABELS = {
    MailState.PENDING: N_("e-mail waiting to be sent"),
    MailState.SENDING: N_("e-mail being sent"),
    MailState.SENT: N_("e-mailed"),
    MailState.UNCERTAIN: N_("e-mail may have been sent (check your sent mail)"),
    MailState.FAILED: N_("e-mail not sent"),
    MailState.CANCELLED: N_("e-mail cancelled"),
}


class MailRefused(StoreError):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self) -> str:
        return self.text


@dataclass(frozen=True)
class MailItem:
    id: int
    invoice_id: int
    recipient: str
    lang: str
    with_xml: bool
    subject: str
    body: str
    message_id: str
    state: MailState
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


_COLUMNS = (
    "id, invoice_id, recipient, lang, with_xml, subject, body, message_id, state, attempts, "
    "next_attempt_at, last_error, created_at, sent_at"
)


def _item(r: tuple[object, ...]) -> MailItem:
    return MailItem(
        int(str(r[0])),
        int(str(r[1])),
        str(r[2]),
        str(r[3]),
        bool(r[4]),
        str(r[5]),
        str(r[6]),
        str(r[7]),
        MailState(str(r[8])),
        int(str(r[9])),
        from_db(str(r[10])),
        None if r[11] is None else str(r[11]),
        from_db(str(r[12])),
        opt_from_db(None if r[13] is None else str(r[13])),
    )


def _follow(conn: sqlite3.Connection, invoice_id: int, profile_id: int) -> None:
    """``invoices.mail_state`` := the state of the invoice's latest mail."""
    conn.execute(
        "UPDATE invoices SET mail_state = (SELECT state FROM mail_outbox m WHERE "
        "m.invoice_id = invoices.id AND m.profile_id = invoices.profile_id ORDER BY m.id DESC "
        "LIMIT 1) WHERE id = ? AND profile_id = ?",
        (invoice_id, profile_id),
    )


def enqueue_mail(
    conn: sqlite3.Connection,
    invoice_id: int,
    *,
    profile_id: int,
    recipient: str,
    lang: str,
    with_xml: bool,
    subject: str,
    body: str,
    message_id: str,
    now: datetime,
) -> int:
    """Queue an e-mail of issued invoice ``invoice_id``; its id."""
    row = conn.execute(
        "SELECT state FROM invoices WHERE id = ? AND profile_id = ?", (invoice_id, profile_id)
    ).fetchone()
    if row is None:
        raise UnknownInvoice(invoice_id)
    if InvoiceState(row[0]) is InvoiceState.DRAFT:
        raise MailRefused(_("A draft cannot be e-mailed: issue it first."))
    cur = conn.execute(
        "INSERT INTO mail_outbox (profile_id, invoice_id, recipient, lang, with_xml, subject, "
        "body, message_id, state, next_attempt_at, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
        (
            profile_id,
            invoice_id,
            recipient,
            lang,
            int(with_xml),
            subject,
            body,
            message_id,
            to_db(now),
            to_db(now),
            to_db(now),
        ),
    )
    _follow(conn, invoice_id, profile_id)
    assert cur.lastrowid is not None
    return cur.lastrowid


def mails_of(conn: sqlite3.Connection, invoice_id: int, *, profile_id: int) -> list[MailItem]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM mail_outbox WHERE invoice_id = ? AND profile_id = ? "  # noqa: S608
        "ORDER BY id",
        (invoice_id, profile_id),
    ).fetchall()
    return [_item(r) for r in rows]


def get_mail(conn: sqlite3.Connection, mail_id: int, *, profile_id: int) -> MailItem:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM mail_outbox WHERE id = ? AND profile_id = ?",  # noqa: S608
        (mail_id, profile_id),
    ).fetchone()
    if row is None:
        raise MailRefused(_("There is no such e-mail."))
    return _item(row)


def count_by_state(conn: sqlite3.Connection, *, profile_id: int) -> dict[MailState, int]:
    rows = conn.execute(
        "SELECT state, count(*) FROM mail_outbox WHERE profile_id = ? GROUP BY state",
        (profile_id,),
    ).fetchall()
    return {MailState(r[0]): int(r[1]) for r in rows}


class MailQueue:
    """The profile's queue as the sender sees it: each step one transaction."""

    def __init__(self, db: Database, *, profile_id: int, owner: str) -> None:
        self.db = db
        self.profile_id = profile_id
        self.owner = owner

    def settle_abandoned(self, now: datetime) -> int:
        """Mails left ``sending`` by a process that is gone (a crash, a kill) become
        ``uncertain``: the server may have taken them, so they are not sent again."""
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT id, invoice_id, claimed_by FROM mail_outbox "
                "WHERE profile_id = ? AND state = 'sending'",
                (self.profile_id,),
            ).fetchall()
            settled = 0
            for mail_id, invoice_id, owner in rows:
                if owner == self.owner or (owner and owner_alive(str(owner))):
                    continue
                self._set(
                    conn,
                    mail_id,
                    invoice_id,
                    MailState.UNCERTAIN,
                    now,
                    error=_("The program stopped while this e-mail was being sent."),
                )
                settled += 1
        return settled

    def claim(self, now: datetime) -> MailItem | None:
        """The next due mail, now ``sending`` (committed before the SMTP conversation)."""
        with self.db.transaction() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM mail_outbox WHERE profile_id = ? AND state = 'pending' "  # noqa: S608
                "AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1",
                (self.profile_id, to_db(now)),
            ).fetchone()
            if row is None:
                return None
            item = _item(row)
            conn.execute(
                "UPDATE mail_outbox SET state = 'sending', claimed_by = ?, "
                "attempts = attempts + 1, updated_at = ? "
                "WHERE id = ? AND profile_id = ? AND state = 'pending'",
                (self.owner, to_db(now), item.id, self.profile_id),
            )
            _follow(conn, item.invoice_id, self.profile_id)
        return item

    def _set(
        self,
        conn: sqlite3.Connection,
        mail_id: int,
        invoice_id: int,
        state: MailState,
        now: datetime,
        *,
        error: str | None = None,
        next_at: datetime | None = None,
    ) -> None:
        conn.execute(
            "UPDATE mail_outbox SET state = ?, last_error = ?, updated_at = ?, claimed_by = NULL, "
            "next_attempt_at = COALESCE(?, next_attempt_at), "
            "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END "
            "WHERE id = ? AND profile_id = ?",
            (
                state.value,
                error,
                to_db(now),
                None if next_at is None else to_db(next_at),
                state.value,
                to_db(now),
                mail_id,
                self.profile_id,
            ),
        )
        _follow(conn, invoice_id, self.profile_id)

    def finish(
        self,
        item: MailItem,
        state: MailState,
        now: datetime,
        *,
        error: str | None = None,
        next_at: datetime | None = None,
    ) -> None:
        with self.db.transaction() as conn:
            self._set(conn, item.id, item.invoice_id, state, now, error=error, next_at=next_at)


def retry_mail(db: Database, mail_id: int, *, profile_id: int, now: datetime) -> None:
    """The user asks again for a mail that failed, or that may have been sent (they
    checked: it was not). Pending again, due now."""
    with db.transaction() as conn:
        item = get_mail(conn, mail_id, profile_id=profile_id)
        if item.state not in (MailState.FAILED, MailState.UNCERTAIN, MailState.PENDING):
            raise MailRefused(
                _("This e-mail is {state}: it is not sent again.").format(state=item.state.label)
            )
        conn.execute(
            "UPDATE mail_outbox SET state = 'pending', next_attempt_at = ?, updated_at = ?, "
            "last_error = NULL WHERE id = ? AND profile_id = ?",
            (to_db(now), to_db(now), mail_id, profile_id),
        )
        _follow(conn, item.invoice_id, profile_id)


def cancel_mail(db: Database, mail_id: int, *, profile_id: int, now: datetime) -> None:
    with db.transaction() as conn:
        item = get_mail(conn, mail_id, profile_id=profile_id)
        if item.state is not MailState.PENDING:
            raise MailRefused(_("Only an e-mail still waiting can be cancelled."))
        conn.execute(
            "UPDATE mail_outbox SET state = 'cancelled', updated_at = ? WHERE id = ? "
            "AND profile_id = ? AND state = 'pending'",
            (to_db(now), mail_id, profile_id),
        )
        _follow(conn, item.invoice_id, profile_id)
