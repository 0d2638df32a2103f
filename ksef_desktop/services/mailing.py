"""E-mail of an invoice to its buyer through the user's own SMTP account.

``smtps://HOST:PORT`` speaks TLS from the first byte; ``smtp://HOST:PORT`` must offer
STARTTLS, or nothing is sent: TLS always, with the system's certificate check. The
password comes from the OS keyring (``smtp_entry``) or ``KSEF_SMTP_PASSWORD``.

``deliver`` tells three outcomes apart, which is what keeps a retry from sending a mail
twice: ``NotSent`` (the server certainly did not take it: no connection, a refusal before
or in answer to the message; ``temporary`` says whether to try again), success, and
``MaybeSent`` (the connection broke while the message was being handed over or before the
server's answer: it may have it — never sent again by itself).
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate
from urllib.parse import urlsplit

from ksef_desktop.errors import UserError
from ksef_desktop.i18n import _

SMTP_PORTS = {"smtp": 587, "smtps": 465}
TIMEOUT = 30.0


def smtp_entry(user: str, host: str) -> str:
    """The keyring entry name of an SMTP account's password."""
    return f"smtp-password:{user}@{host}"


class MailError(UserError):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self) -> str:
        return self.text


class NotSent(MailError):
    """The server did not take the message (certainly); ``temporary``: try again later."""

    def __init__(self, text: str, *, temporary: bool) -> None:
        super().__init__(text)
        self.temporary = temporary


class MaybeSent(MailError):
    """The connection broke while the message was handed over: the server may have it."""


@dataclass(frozen=True)
class SmtpServer:
    scheme: str  # "smtp" (STARTTLS) or "smtps" (TLS at once)
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        parts = urlsplit(url.strip())
        if parts.scheme not in SMTP_PORTS or not parts.hostname:
            raise MailError(
                _("{url} is not an SMTP address: smtp://HOST:PORT or smtps://HOST:PORT.").format(
                    url=url
                )
            )
        try:
            port = parts.port or SMTP_PORTS[parts.scheme]
        except ValueError:
            raise MailError(_("{url} has no valid port.").format(url=url)) from None
        return cls(parts.scheme, parts.hostname, port)

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    maintype: str
    subtype: str


def new_message_id(sender: str) -> str:
    """A Message-ID in the sender's domain, fixed before the first attempt."""
    domain = sender.rpartition("@")[2] or "ksef-desktop.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


def build_message(
    *,
    sender: str,
    recipient: str,
    subject: str,
    body: str,
    message_id: str,
    attachments: Sequence[Attachment],
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id
    msg.set_content(body)
    for a in attachments:
        msg.add_attachment(a.data, maintype=a.maintype, subtype=a.subtype, filename=a.filename)
    return msg


def _refusal(stage: str, code: int, reply: bytes | str) -> NotSent:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return NotSent(
        _("The mail server refused the {stage}: {code} {reply}").format(
            stage=stage, code=code, reply=text.strip()
        ),
        temporary=400 <= code < 500,
    )


def _connect(server: SmtpServer, context: ssl.SSLContext, timeout: float) -> smtplib.SMTP:
    try:
        if server.scheme == "smtps":
            return smtplib.SMTP_SSL(server.host, server.port, context=context, timeout=timeout)
        smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
    except ssl.SSLError as exc:
        raise NotSent(
            _("The TLS connection to {server} failed: {reason}").format(server=server, reason=exc),
            temporary=False,
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise NotSent(
            _("The mail server {server} cannot be reached: {reason}").format(
                server=server, reason=exc
            ),
            temporary=True,
        ) from exc
    try:
        smtp.ehlo()
        if not smtp.has_extn("starttls"):
            smtp.close()
            raise NotSent(
                _("The mail server {server} offers no TLS (STARTTLS): nothing was sent.").format(
                    server=server
                ),
                temporary=False,
            )
        smtp.starttls(context=context)
        smtp.ehlo()
    except ssl.SSLError as exc:
        smtp.close()
        raise NotSent(
            _("The TLS connection to {server} failed: {reason}").format(server=server, reason=exc),
            temporary=False,
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        smtp.close()
        raise NotSent(
            _("The mail server {server} cannot be reached: {reason}").format(
                server=server, reason=exc
            ),
            temporary=True,
        ) from exc
    return smtp


def deliver(
    server: SmtpServer,
    message: EmailMessage,
    *,
    user: str,
    password: str | None,
    context: ssl.SSLContext | None = None,
    timeout: float = TIMEOUT,
) -> None:
    """Hand ``message`` to ``server`` over TLS; ``NotSent`` or ``MaybeSent`` otherwise."""
    context = context or ssl.create_default_context()
    smtp = _connect(server, context, timeout)
    try:
        try:
            if password:
                smtp.login(user, password)
            sender = str(message["From"])
            recipients = [str(message["To"])]
            code, reply = smtp.mail(sender)
            if code != 250:
                raise _refusal(_("sender"), code, reply)
            for rcpt in recipients:
                code, reply = smtp.rcpt(rcpt)
                if code not in (250, 251):
                    raise _refusal(_("recipient"), code, reply)
        except smtplib.SMTPAuthenticationError as exc:
            raise NotSent(
                _("The mail server refused the user name or password ({code}).").format(
                    code=exc.smtp_code
                ),
                temporary=False,
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise NotSent(str(exc), temporary=False) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise NotSent(
                _("The connection to the mail server broke: {reason}").format(reason=exc),
                temporary=True,
            ) from exc
        # From here on the server may take the message at any moment.
        try:
            code, reply = smtp.data(message.as_bytes(policy=SMTP_POLICY))  # CRLF lines
        except smtplib.SMTPDataError as exc:  # the server answered: it did not take it
            raise _refusal(_("message"), exc.smtp_code, exc.smtp_error) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise MaybeSent(
                _(
                    "The connection broke while the message was being handed over; the "
                    "server may have it: {reason}"
                ).format(reason=exc)
            ) from exc
        if code != 250:
            raise _refusal(_("message"), code, reply)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


# --- the message ------------------------------------------------------------------------

DEFAULT_SUBJECT = {"pl": "Faktura {number}", "en": "Invoice {number}"}
DEFAULT_BODY = {
    "pl": (
        "Dzień dobry,\n\nw załączeniu przesyłam fakturę {number} z dnia {issue_date} na kwotę "
        "{gross} {currency}{due}.\n\nZ poważaniem\n{seller}\n"
    ),
    "en": (
        "Hello,\n\nplease find attached invoice {number} of {issue_date} for {gross} "
        "{currency}{due}.\n\nKind regards\n{seller}\n"
    ),
}
_DUE = {"pl": ", płatną do {due_date}", "en": ", due on {due_date}"}


def default_texts(
    lang: str,
    *,
    number: str,
    issue_date: str,
    gross: str,
    currency: str,
    seller: str,
    due_date: str | None,
) -> tuple[str, str]:
    """The subject and body a new e-mail starts with (``lang``: pl, en or pl+en)."""
    langs = ("pl", "en") if lang == "pl+en" else (lang if lang in ("pl", "en") else "pl",)
    subjects, bodies = [], []
    for code in langs:
        due = _DUE[code].format(due_date=due_date) if due_date else ""
        values = dict(
            number=number,
            issue_date=issue_date,
            gross=gross,
            currency=currency,
            seller=seller,
            due=due,
        )
        subjects.append(DEFAULT_SUBJECT[code].format(**values))
        bodies.append(DEFAULT_BODY[code].format(**values))
    subject = " / ".join(dict.fromkeys(subjects))
    return subject, "\n---\n\n".join(bodies)


def attachment_name(number: str, suffix: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in number)
    return f"{safe or 'faktura'}.{suffix}"
