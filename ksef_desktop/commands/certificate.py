"""``ksef-desktop certificate enrol|list|revoke (--env ENV|--base-url URL) --nip NIP``.

- ``enrol --type offline|authentication [--name TEXT] [--export DIR]``: a key pair made
  here, a request with the subject KSeF prescribes, the certificate fetched once issued.
  The private key goes to the system keyring only; an Offline certificate becomes the
  profile's certificate for KOD II, an Authentication certificate the profile's
  signature for later logins. Prints ``SERIAL VALID-FROM VALID-TO``. With ``--export``
  it also writes ``DIR/SERIAL.crt`` and ``DIR/SERIAL.key`` (PEM, readable by the user
  only) for use elsewhere.
- ``list``: ``SERIAL TYPE STATUS VALID-TO LAST-USE NAME`` per certificate.
- ``revoke SERIAL [--reason Unspecified|Superseded|KeyCompromise]``.

KSeF lets only a login by signature do this: the options of ``token generate``, or the
profile's Authentication certificate once there is one.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ksef_desktop.commands._access import (
    UsageError,
    add_signature_options,
    moment,
    open_access,
    run_guarded,
    target,
)
from ksef_desktop.commands._ksef import EXIT_OK, add_target_options, http_client, open_profile
from ksef_desktop.i18n import _

TYPES = {"offline": "Offline", "authentication": "Authentication"}
REASONS = ("Unspecified", "Superseded", "KeyCompromise")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "certificate", help="KSeF certificates: enrol (Offline, Authentication), list, revoke"
    )
    parser.add_argument("action", choices=("enrol", "list", "revoke"))
    parser.add_argument("serial", nargs="?", metavar="SERIAL", help="certificate to revoke")
    add_target_options(parser)
    parser.add_argument("--type", choices=sorted(TYPES), help="for enrol")
    parser.add_argument("--name", help="for enrol: 5 to 100 letters, digits, spaces, - and _")
    parser.add_argument(
        "--export", type=Path, metavar="DIR", help="for enrol: also write SERIAL.crt, SERIAL.key"
    )
    parser.add_argument("--reason", choices=REASONS, help="for revoke")
    add_signature_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_guarded(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    target(args)
    if args.action == "enrol":
        if args.type is None:
            raise UsageError(_("certificate enrol needs --type offline or --type authentication."))
        return _enrol(args)
    if args.action == "revoke" and not args.serial:
        raise UsageError(_("Name the certificate to revoke: certificate revoke SERIAL."))
    with http_client() as http:
        access = open_access(args, http, need_signature=True)
        if args.action == "list":
            for cert in access.certificates():
                print(
                    " ".join(
                        [
                            cert.certificate_serial_number,
                            cert.type,
                            cert.status,
                            moment(cert.valid_to),
                            moment(cert.last_use_date),
                            cert.name,
                        ]
                    )
                )
            return EXIT_OK
        access.revoke_certificate(args.serial.upper(), args.reason)
    print(_("Certificate {serial} revoked.").format(serial=args.serial.upper()))
    _forget_if_ours(args, args.serial.upper())
    return EXIT_OK


def _forget_if_ours(args: argparse.Namespace, serial: str) -> None:
    """The profile's Authentication certificate leaves the keyring once revoked."""
    from ksef_desktop.secrets import SecretStore
    from ksef_desktop.services.signing import forget_signer, stored_signer

    env, nip = target(args)
    store = SecretStore()
    kept = stored_signer(store, env.name, nip)
    if kept is not None and f"{kept.x509.serial_number:016X}" == serial:
        forget_signer(store, env.name, nip)
        print(_("It was the profile's authentication certificate: removed from the keyring."))


def _enrol(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from ksef_desktop.secrets import SecretStore
    from ksef_desktop.services.credentials import (
        OFFLINE,
        enrol_certificate,
        export_certificate,
        keep_certificate,
    )
    from ksef_desktop.store.profiles import set_offline_certificate

    env, nip = target(args)
    opened = open_profile(args)
    if isinstance(opened, int):
        raise UsageError("", opened)
    store, profile = opened
    try:
        with http_client() as http:
            access = open_access(args, http, need_signature=True)
            enrolled = enrol_certificate(access, TYPES[args.type], args.name, now=datetime.now(UTC))
        kept = keep_certificate(
            enrolled, SecretStore(), environment=env.name, nip=nip, data_dir=store.data_dir
        )
        if enrolled.certificate_type == OFFLINE and kept is not None:
            with store.db.transaction() as conn:
                set_offline_certificate(conn, profile.id, str(kept))
        if args.export is not None:
            export_certificate(enrolled, args.export)
    finally:
        store.close()
    print(f"{enrolled.serial} {moment(enrolled.not_before)} {moment(enrolled.not_after)}")
    return EXIT_OK
