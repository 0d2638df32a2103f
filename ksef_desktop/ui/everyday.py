"""Worker-side operations of everyday invoicing (issue 20) on the program's context:
the public registers for the current environment, the company's accounts and logo, the
SMTP account and the mail sender, the overdue reminder. Each runs in the worker."""

from __future__ import annotations

import os
from datetime import date
from typing import TYPE_CHECKING, Any

from ksef_desktop.i18n import _, ngettext

if TYPE_CHECKING:
    from ksef_desktop.services.mail_outbox import MailAccount, MailReport, MailSender
    from ksef_desktop.services.registers import Registers
    from ksef_desktop.store.profiles import Profile
    from ksef_desktop.ui.context import AppContext

PASSWORD_VARIABLE = "KSEF_SMTP_PASSWORD"  # noqa: S105 - a variable name, not a password


def registers(ctx: AppContext) -> Registers:
    """The white list, VIES and NBP: the Sandbox's imitations in the Sandbox, else the real
    public services (they are the same for every KSeF environment)."""
    from ksef_desktop.services.registers import RegisterUrls, open_registers

    urls = RegisterUrls()
    if ctx.env_name == "sandbox" and ctx.sandbox is not None:
        sb = ctx.sandbox
        urls = RegisterUrls(sb.whitelist_url, sb.vies_url, sb.nbp_url)
    return open_registers(ctx.http(), ctx.data_dir, urls, ctx.now)


def company_extras(ctx: AppContext) -> tuple[list[str], bool]:
    from ksef_desktop.store.company import bank_accounts, logo

    conn = ctx.store().db.connection()
    profile = ctx.profile_now()
    return bank_accounts(conn, profile.id), logo(conn, profile.id) is not None


def save_extras(
    ctx: AppContext, accounts: list[str] | None, new_logo: object, password: str, keep: object
) -> None:
    """The company's accounts (None: unchanged) and logo (``keep``: unchanged), and the
    SMTP password into the keyring (empty: unchanged)."""
    from ksef_desktop.store.company import set_bank_accounts, set_logo

    profile = ctx.profile_now()
    with ctx.store().db.transaction() as conn:
        if accounts is not None:
            set_bank_accounts(conn, profile.id, accounts)
        if new_logo is not keep:
            set_logo(conn, profile.id, new_logo if isinstance(new_logo, bytes) else None)
    if password:
        from ksef_desktop.services.mailing import SmtpServer, smtp_entry

        server = SmtpServer.parse(str(ctx.settings["smtp_url"]))
        ctx.secrets.set(smtp_entry(str(ctx.settings["smtp_user"]), server.host), password)


def mail_account(ctx: AppContext) -> MailAccount:
    from ksef_desktop.services.mail_outbox import MailAccount
    from ksef_desktop.services.mailing import MailError, SmtpServer, smtp_entry

    s = ctx.settings
    if not s["smtp_url"] or not s["mail_from"]:
        raise MailError(_("Set up the e-mail account in the settings first (SMTP server, sender)."))
    server = SmtpServer.parse(str(s["smtp_url"]))
    user = str(s["smtp_user"] or s["mail_from"])
    password = os.environ.get(PASSWORD_VARIABLE) or ctx.secrets.get(smtp_entry(user, server.host))
    return MailAccount(server, user, str(s["mail_from"]), password)


def mail_sender(ctx: AppContext, profile: Profile) -> MailSender:
    from ksef_desktop.services.mail_outbox import MailSender, invoice_attachments

    store = ctx.store()
    env = ctx.environment()
    qr_base = env.qr_base if env is not None else ""

    def render(invoice_id: int, lang: str, with_xml: bool) -> list[Any]:
        return invoice_attachments(
            store,
            invoice_id,
            profile_id=profile.id,
            lang=lang,
            with_xml=with_xml,
            qr_base=qr_base,
            now=ctx.now(),
        )

    return MailSender(
        store, profile_id=profile.id, account=lambda: mail_account(ctx), render=render, now=ctx.now
    )


def send_mail(ctx: AppContext) -> MailReport:
    """Send the current profile's due e-mails (the queue waits while offline)."""
    return mail_sender(ctx, ctx.profile_now()).send_due()


def overdue_reminder(ctx: AppContext, today: date) -> str:
    """The start-up reminder of overdue invoices ("" when none)."""
    from ksef_desktop.store.payments import overdue

    late = overdue(ctx.store().db.connection(), today, profile_id=ctx.profile_now().id)
    if not late:
        return ""
    return ngettext(
        "{n} sales invoice is overdue (use the “Overdue” filter).",
        "{n} sales invoices are overdue (use the “Overdue” filter).",
        len(late),
    ).format(n=len(late))
