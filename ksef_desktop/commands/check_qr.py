"""``ksef-desktop check-qr FILE.pdf|FILE.png [--env ENV|--qr-base URL] [--cert FILE] [--ca FILE]``.

Finds the KSeF codes of an invoice received on paper (scanned) or as a PDF and prints,
for each, ``KOD I URL`` / ``KOD II URL`` and then its verdict in plain words:
``VALID``, ``REFUSED`` or ``NOT CONFIRMED`` (well formed; the decisive check needs
KSeF). A KOD I hash is compared with the purchase invoices KSeF gave us (the data
folder's store, profiles of that environment); ``--cert`` is the issuer's KSeF
certificate for KOD II's signature, ``--ca`` the Ministry's CA certificate for its chain.

Exit codes: 0 nothing refused, 1 a code refused, 2 bad usage, an unreadable file, or no
QR code found.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from ksef_desktop.commands._ksef import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, error
from ksef_desktop.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check-qr",
        help="check the KSeF QR codes of a received invoice (PDF or image)",
        description="Decode KOD I / KOD II from FILE and print each code with its verdict.",
    )
    parser.add_argument("file", type=Path, metavar="FILE")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--env", choices=("test", "demo", "prod"), help="expected environment")
    target.add_argument("--qr-base", help="a Sandbox's QR base URL")
    parser.add_argument("--cert", type=Path, help="the issuer's KSeF certificate (KOD II)")
    parser.add_argument("--ca", type=Path, action="append", default=[], help="KSeF CA cert")
    parser.set_defaults(func=run)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValueError(
            _("{file}: cannot read the file: {reason}").format(
                file=path, reason=exc.strerror or exc
            )
        ) from None


def store_lookup(args: argparse.Namespace, environment: str | None) -> Any:
    """A ``Lookup`` over the data folder's purchases (None when there is no store yet)."""
    from ksef_desktop.paths import data_dir, database_path
    from ksef_desktop.store import open_store
    from ksef_desktop.store.lock import FolderBusy
    from ksef_desktop.store.purchases import purchases_by_hash, purchases_of_seller_day

    folder = data_dir(getattr(args, "data_dir", None))
    if not database_path(folder).is_file():
        return None
    try:
        store = open_store(folder, lock="check-qr", wait=5.0)
    except FolderBusy as exc:
        error(exc.message())
        return None
    conn = store.db.connection()
    envs = [environment] if environment else ["test", "demo", "prod"]
    ids = [
        int(r[0])
        for r in conn.execute(
            "SELECT id FROM profiles WHERE environment IN (SELECT value FROM json_each(?))",
            (__import__("json").dumps(envs),),
        )
    ]

    def lookup(nip: str, day: date, digest: str) -> tuple[list[str], int]:
        same = [n for _p, _i, n in purchases_by_hash(conn, digest, profile_ids=ids)]
        return same, len(purchases_of_seller_day(conn, nip, day, profile_ids=ids))

    lookup.store = store  # type: ignore[attr-defined]
    return lookup


def run(args: argparse.Namespace) -> int:
    from ksef_desktop.services.qr_check import (
        QrFileError,
        Verdict,
        check_codes,
        codes_in_file,
        expected_bases,
        no_lookup,
        verdict_label,
    )
    from ksef_desktop.visual.certificates import CertificateError

    try:
        bases = expected_bases(args.env, args.qr_base)
        certificate = _read(args.cert) if args.cert else None
        authorities = [_read(p) for p in args.ca]
        texts = codes_in_file(args.file)
    except QrFileError as exc:
        error(exc.message())
        return EXIT_USAGE
    except ValueError as exc:
        error(str(exc))
        return EXIT_USAGE
    if not texts:
        error(_("{file}: no QR code found.").format(file=args.file))
        return EXIT_USAGE
    environment = "sandbox" if args.qr_base else args.env
    lookup = store_lookup(args, environment)
    try:
        checks = check_codes(
            texts,
            bases=bases,
            lookup=lookup or no_lookup,
            certificate=certificate,
            authorities=authorities,
        )
    except CertificateError as exc:
        error(str(exc))
        return EXIT_USAGE
    finally:
        if lookup is not None:
            lookup.store.close()
    refused = False
    for check in checks:
        print(f"{check.kind or _('QR')} {check.text}")
        print(f"  {verdict_label(check.verdict)}: {' '.join(check.reasons)}")
        refused = refused or check.verdict is Verdict.REFUSED
    sys.stdout.flush()
    return EXIT_REJECTED if refused else EXIT_OK
