"""The e-mails of invoices: queued in the store, sent through the user's SMTP account.

``queue_invoice_mail`` fixes the Message-ID and queues the mail (one transaction).
``MailSender.send_due`` works through the profile's due mails: each is claimed
(``sending``, committed), rendered (the PDF as of now, with its KSeF number once
accepted; the XML on request) and handed to the server; the answer is recorded at once.
While the network or the server is down mails stay queued and are tried again later
(back-off up to an hour); a mail the server may already have is never sent again by
itself (``store.mail``), and a crash's leftovers are settled as "may have been sent".
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ksef_desktop.i18n import _
from ksef_desktop.services.changes import Changed
from ksef_desktop.services.mailing import (
    Attachment,
    MailError,
    MaybeSent,
    NotSent,
    SmtpServer,
    attachment_name,
    build_message,
    deliver,
    new_message_id,
)
from ksef_desktop.store import Store
from ksef_desktop.store.lock import process_owner
from ksef_desktop.store.mail import MailItem, MailQueue, MailState, enqueue_mail

log = logging.getLogger(__name__)

#: Minutes to wait after the n-th failed attempt (the last one repeats).
BACKOFF_MINUTES = (1, 2, 5, 10, 30, 60)


@dataclass(frozen=True)
class MailAccount:
    server: SmtpServer
    user: str
    sender: str
    password: str | None = field(default=None, repr=False)


@dataclass
class MailReport:
    sent: int = 0
    waiting: int = 0
    failed: int = 0
    uncertain: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def changed(self) -> Changed:
        """Sent (or given up on) e-mails change what the invoice list shows of them."""
        return Changed.MAIL if self.sent or self.failed or self.uncertain else Changed.NOTHING


#: Renders a mail's attachments: (invoice id, language, with XML) -> attachments.
Render = Callable[[int, str, bool], Sequence[Attachment]]


def invoice_attachments(
    store: Store,
    invoice_id: int,
    *,
    profile_id: int,
    lang: str,
    with_xml: bool,
    qr_base: str,
    now: datetime,
) -> list[Attachment]:
    """The invoice's PDF (in ``lang``) and, ``with_xml``, its frozen FA(3) XML."""
    from ksef_desktop.services.invoice_actions import invoice_pdf
    from ksef_desktop.store.invoices import get_invoice

    stored = get_invoice(store.db.connection(), invoice_id, profile_id=profile_id)
    number = stored.number or str(invoice_id)
    pdf = invoice_pdf(store, invoice_id, profile_id=profile_id, qr_base=qr_base, lang=lang, now=now)
    out = [Attachment(attachment_name(number, "pdf"), pdf, "application", "pdf")]
    if with_xml and stored.xml is not None:
        out.append(Attachment(attachment_name(number, "xml"), stored.xml, "application", "xml"))
    return out


def queue_invoice_mail(
    store: Store,
    invoice_id: int,
    *,
    profile_id: int,
    sender: str,
    recipient: str,
    lang: str,
    with_xml: bool,
    subject: str,
    body: str,
    now: datetime,
) -> int:
    """Queue an e-mail of the invoice; its Message-ID is fixed here, once."""
    if "@" not in recipient.strip():
        raise MailError(_("“{address}” is not an e-mail address.").format(address=recipient))
    with store.db.transaction() as conn:
        return enqueue_mail(
            conn,
            invoice_id,
            profile_id=profile_id,
            recipient=recipient.strip(),
            lang=lang,
            with_xml=with_xml,
            subject=subject,
            body=body,
            message_id=new_message_id(sender),
            now=now,
        )


class MailSender:
    def __init__(
        self,
        store: Store,
        *,
        profile_id: int,
        account: Callable[[], MailAccount],
        render: Render,
        now: Callable[[], datetime],
        context: ssl.SSLContext | None = None,
        owner: str | None = None,
    ) -> None:
        self.store = store
        self.profile_id = profile_id
        self.account = account
        self.render = render
        self.now = now
        self.context = context
        self.queue = MailQueue(store.db, profile_id=profile_id, owner=owner or process_owner())

    def send_due(self, limit: int = 20) -> MailReport:
        """Send what is due now (at most ``limit``); what happened to each."""
        report = MailReport()
        report.uncertain += self.queue.settle_abandoned(self.now())
        account: MailAccount | None = None
        for _n in range(limit):
            item = self.queue.claim(self.now())
            if item is None:
                break
            if account is None:
                try:
                    account = self.account()
                except MailError as exc:  # not set up: nothing can go, nothing went
                    self._retry(item, exc.message(), report, temporary=False)
                    break
            self._send(item, account, report)
        return report

    def _send(self, item: MailItem, account: MailAccount, report: MailReport) -> None:
        try:
            attachments = self.render(item.invoice_id, item.lang, item.with_xml)
            message = build_message(
                sender=account.sender,
                recipient=item.recipient,
                subject=item.subject,
                body=item.body,
                message_id=item.message_id,
                attachments=attachments,
            )
            deliver(
                account.server,
                message,
                user=account.user,
                password=account.password,
                context=self.context,
            )
        except MaybeSent as exc:
            self.queue.finish(item, MailState.UNCERTAIN, self.now(), error=exc.message())
            report.uncertain += 1
            report.problems.append(exc.message())
            return
        except NotSent as exc:
            self._retry(item, exc.message(), report, temporary=exc.temporary)
            return
        except (MailError, ValueError) as exc:  # a message that cannot be made
            self.queue.finish(item, MailState.FAILED, self.now(), error=str(exc))
            report.failed += 1
            report.problems.append(str(exc))
            return
        except BaseException:
            # Our bug while the mail was claimed: it may have gone; never resend blindly.
            self.queue.finish(item, MailState.UNCERTAIN, self.now(), error="program error")
            raise
        self.queue.finish(item, MailState.SENT, self.now())
        log.info("mail %s of invoice %s sent", item.id, item.invoice_id)
        report.sent += 1

    def _retry(self, item: MailItem, reason: str, report: MailReport, *, temporary: bool) -> None:
        report.problems.append(reason)
        if not temporary:
            self.queue.finish(item, MailState.FAILED, self.now(), error=reason)
            report.failed += 1
            return
        wait = BACKOFF_MINUTES[min(item.attempts, len(BACKOFF_MINUTES) - 1)]
        self.queue.finish(
            item,
            MailState.PENDING,
            self.now(),
            error=reason,
            next_at=self.now() + timedelta(minutes=wait),
        )
        report.waiting += 1


@dataclass(frozen=True)
class MailDraft:
    """What the e-mail dialog starts with for an invoice."""

    invoice_id: int
    recipient: str
    lang: str
    subject: str
    body: str


def mail_draft(store: Store, invoice_id: int, *, profile_id: int, company_nip: str) -> MailDraft:
    """The buyer's address (the invoice's, else its contractor's), the language of the PDF
    (``pdf_language``) and the default texts in it."""
    from ksef_desktop.domain.money import format_amount
    from ksef_desktop.services.invoice_actions import pdf_language
    from ksef_desktop.services.mailing import default_texts
    from ksef_desktop.store.contractors import find_by_identifier
    from ksef_desktop.store.invoices import get_invoice
    from ksef_desktop.store.serialize import identifier_text

    conn = store.db.connection()
    stored = get_invoice(conn, invoice_id, profile_id=profile_id)
    invoice = stored.invoice
    recipient = invoice.buyer.email or ""
    if not recipient:
        found = find_by_identifier(
            conn, identifier_text(invoice.buyer.tax_id), company_nip=company_nip
        )
        recipient = (found.party.email or "") if found is not None else ""
    lang = pdf_language(invoice, "pl")
    due = invoice.payment.due_date if invoice.payment else None
    subject, body = default_texts(
        lang,
        number=stored.number or invoice.number,
        issue_date=invoice.issue_date.strftime("%d.%m.%Y"),
        gross=format_amount(stored.gross),
        currency=invoice.currency,
        seller=invoice.seller.name,
        due_date=due.strftime("%d.%m.%Y") if due else None,
    )
    return MailDraft(invoice_id, recipient, lang, subject, body)
