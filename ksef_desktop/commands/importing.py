"""``ksef-desktop import FILE... (--env ENV|--base-url URL) --nip NIP [--mode MODE]``.

FA(3) files made by another program become issued invoices of the profile, exactly as the
editor issues them: pre-flight validation, the file's own bytes frozen with their hash, a
PDF with the QR codes, and the outbox (``services.importing``). Prints ``FILE NUMBER
queued`` for each file taken in (``FILE NUMBER STATE`` when these very bytes were taken
in before) and ``FILE REJECTED CODE message`` for each refused one; the mistakes KSeF
accepts (``fa3.semantic``: arithmetic, markers, dates) are shown on standard error as
``FILE: warning: …`` lines, and the file is taken in all the same. Exit 0 when every file
was taken in, 1 when any was refused, 2 for bad usage.

The JPK marks a file carries are kept with the invoice: ``GTU`` and ``Procedura`` of its
lines (``GTUZ`` and ``ProceduraZ`` of an advance invoice's order) and ``TP`` (related
parties); ``ksef-desktop jpk`` reports them in the month's JPK_V7M. Values FA(3) does not
know are refused by the schema check like any other defect.
"""

from __future__ import annotations

import argparse
from typing import Any

from ksef_desktop.commands._ksef import (
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_USAGE,
    add_target_options,
    error,
    open_profile,
    resolve_environment,
)
from ksef_desktop.i18n import _

MODES = ("offline24", "offline", "awaria", "awaria-calkowita")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import",
        help="take FA(3) files in as issued invoices of a profile, queued for KSeF",
        description="Each FILE is checked, frozen byte for byte and queued for KSeF in the "
        "profile of --env/--base-url and --nip. Prints 'FILE NUMBER queued' or "
        "'FILE REJECTED CODE message'. The JPK marks of a file (GTU and Procedura of its "
        "lines, TP) are kept and go into the month's JPK_V7M.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="an FA(3) invoice (XML)")
    add_target_options(parser)
    parser.add_argument(
        "--mode",
        choices=MODES,
        default=None,
        help="the offline mode the invoices were issued in (default: online)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime
    from pathlib import Path

    from ksef_desktop.domain.offline import OfflineMode
    from ksef_desktop.fa3.semantic import semantic_warnings
    from ksef_desktop.services.importing import Refused, import_invoice
    from ksef_desktop.userfiles import MAX_INVOICE_FILE, UnreadableFile, read_user_file

    opened = open_profile(args)
    if isinstance(opened, int):
        return opened
    store, profile = opened
    env = resolve_environment(args)
    if env is None:  # pragma: no cover - open_profile resolved it already
        return EXIT_USAGE
    mode = OfflineMode(args.mode) if args.mode else None
    code = EXIT_OK
    try:
        for name in args.files:
            try:
                data = read_user_file(Path(name), MAX_INVOICE_FILE)
            except UnreadableFile as exc:
                print(f"{name} REJECTED unreadable {exc.message()}")
                code = EXIT_REJECTED
                continue
            outcome = import_invoice(
                store, data, profile_id=profile.id, mode=mode, now=lambda: datetime.now(UTC)
            )
            if isinstance(outcome, Refused):
                print(f"{name} REJECTED {outcome.code} {outcome.message}")
                code = EXIT_REJECTED
                continue
            stored = outcome.invoice
            state = "queued" if stored.state.value == "queued" else stored.state.value
            print(f"{name} {stored.number} {state}")
            for warning in semantic_warnings(data):  # taken in all the same: KSeF accepts it
                error(f"{name}: {warning.located()}")
            if not outcome.known:
                problem = _keep_pdf(store, profile, stored, env.qr_base)
                if problem:
                    error(f"{name}: {problem}")
    finally:
        store.close()
    return code


def _keep_pdf(store: Any, profile: Any, stored: Any, qr_base: str) -> str:
    """The invoice's PDF beside the editor's; a sentence when it could not be made whole."""
    from datetime import UTC, datetime

    from ksef_desktop import i18n
    from ksef_desktop.services.invoice_actions import invoice_pdf, pdf_language, write_pdf

    signing = None
    note = ""
    if stored.mode is not None and stored.mode != "awaria-calkowita":
        signing, note = _signing(profile)
    pdf = invoice_pdf(
        store,
        stored.id,
        profile_id=profile.id,
        qr_base=qr_base,
        lang=pdf_language(stored.invoice, i18n.current_language()),
        offline=signing,
        now=datetime.now(UTC),
    )
    write_pdf(store, stored, pdf)
    return note


def _signing(profile: Any) -> tuple[Any, str]:
    """KOD II's certificate and key of the profile, or (None, why there is none)."""
    from datetime import UTC, datetime
    from pathlib import Path

    from ksef_desktop.secrets import KeyringUnavailable, SecretStore
    from ksef_desktop.visual.certificates import offline_signing

    missing = _(
        "no offline certificate is imported for this profile: the PDF has no KOD II, which an "
        "offline invoice must carry. Import one in the Settings and print the PDF again."
    )
    path = Path(profile.offline_certificate) if profile.offline_certificate else None
    if path is None or not path.is_file():
        return None, missing
    try:
        signing = offline_signing(
            SecretStore(),
            environment=profile.environment.value,
            nip=profile.nip,
            cert_der=path.read_bytes(),
            now=datetime.now(UTC),
        )
    except (ValueError, KeyringUnavailable) as exc:
        return None, str(exc)
    return signing, ""
