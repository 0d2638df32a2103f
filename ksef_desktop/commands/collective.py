"""``ksef-desktop collective create KSEF_NUMBER... | show ID... | of KSEF_NUMBER...
--env ENV|--base-url URL --nip NIP``: collective identifiers ("identyfikator zbiorczy",
one transfer for many invoices of one seller).

``create`` prints the new identifier on the first line and a ready transfer title on the
second. ``show`` prints ``ID KSEF-NUMBER`` per invoice of each identifier, followed by
``AMOUNT CURRENCY`` when KSeF shows the payment details, or ``hidden`` when it hides them
from this context. ``of`` looks the other way: ``KSEF-NUMBER ID YYYY-MM-DD`` per
identifier an invoice belongs to (the day it was made, in Warsaw), with ``*`` at the end when it
was made in this context. Token from the keyring or ``KSEF_TOKEN``, as for ``send``. Exit 0 on
success, 1 when KSeF refused, 2 for bad usage (checked before anything is sent), 3 when
KSeF could not be reached.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from ksef_desktop.commands._ksef import (
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    add_target_options,
    error,
    http_client,
    open_client,
)
from ksef_desktop.i18n import _

log = logging.getLogger("ksef_desktop.ksef")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "collective", help="collective identifiers: one bank transfer for many invoices"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="generate an identifier for these invoices")
    create.add_argument("numbers", nargs="+", metavar="KSEF_NUMBER")
    add_target_options(create)
    create.set_defaults(func=run_create)
    show = actions.add_parser("show", help="list the invoices of identifiers")
    show.add_argument("identifiers", nargs="+", metavar="ID")
    add_target_options(show)
    show.set_defaults(func=run_show)
    of = actions.add_parser("of", help="list the identifiers that cover these invoices")
    of.add_argument("numbers", nargs="+", metavar="KSEF_NUMBER")
    add_target_options(of)
    of.set_defaults(func=run_of)


def _local_problems(numbers: list[str]) -> list[str]:
    from ksef_desktop.domain.collective import CollectiveCandidate, collective_problems
    from ksef_desktop.domain.identifiers import ksef_number_is_valid

    bad = [n for n in numbers if not ksef_number_is_valid(n)]
    if bad:
        return [_("Invalid KSeF number: {number}").format(number=n) for n in bad]
    candidates = [CollectiveCandidate(n, n[:10], n) for n in numbers]
    return [_(msgid).format(**params) for msgid, params in collective_problems(candidates)]


def _call(args: argparse.Namespace, work: Any) -> int:
    from ksef_desktop.ksef.errors import EnvironmentFault, KsefError
    from ksef_desktop.ksef.messages import describe

    with http_client() as http:
        client = open_client(args, http)
        if isinstance(client, int):
            return client
        try:
            work(client.transport)
        except EnvironmentFault as exc:
            error(describe(exc))
            return EXIT_UNAVAILABLE
        except KsefError as exc:
            log.warning("KSeF refused a collective-identifier request: %s", exc)
            error(describe(exc))
            return EXIT_REJECTED
    return EXIT_OK


def run_create(args: argparse.Namespace) -> int:
    from ksef_desktop.domain.collective import collective_transfer_title
    from ksef_desktop.ksef.collective import generate_collective_identifier

    numbers = [n.strip() for n in args.numbers]
    problems = _local_problems(numbers)
    if problems:
        for problem in problems:
            error(problem)
        return EXIT_USAGE

    def work(transport: Any) -> None:
        identifier = generate_collective_identifier(transport, numbers)
        print(identifier)
        print(collective_transfer_title(identifier))

    return _call(args, work)


def run_show(args: argparse.Namespace) -> int:
    from ksef_desktop.domain.collective import collective_identifier_is_valid
    from ksef_desktop.ksef.collective import invoices_of_collective_identifiers

    identifiers = [i.strip() for i in args.identifiers]
    bad = [i for i in identifiers if not collective_identifier_is_valid(i)]
    if bad:
        for ident in bad:
            error(_("Invalid collective identifier: {identifier}").format(identifier=ident))
        return EXIT_USAGE

    def work(transport: Any) -> None:
        found = invoices_of_collective_identifiers(transport, identifiers)  # ten a call
        for ident in identifiers:
            for item in found[ident]:
                line = f"{ident} {item.ksef_number}"
                if item.payment is not None:
                    line += f" {item.payment.amount:.2f} {item.payment.currency}"
                elif item.details_hidden:
                    line += " hidden"
                print(line)

    return _call(args, work)


def run_of(args: argparse.Namespace) -> int:
    from ksef_desktop.domain.calendar import WARSAW
    from ksef_desktop.domain.identifiers import ksef_number_is_valid
    from ksef_desktop.ksef.collective import all_collective_identifiers_of_invoice

    numbers = [n.strip() for n in args.numbers]
    bad = [n for n in numbers if not ksef_number_is_valid(n)]
    if bad:
        for number in bad:
            error(_("Invalid KSeF number: {number}").format(number=number))
        return EXIT_USAGE

    def work(transport: Any) -> None:
        for number in numbers:
            for item in all_collective_identifiers_of_invoice(transport, number):
                mine = " *" if item.created_in_current_context else ""
                made = f"{item.date_created.astimezone(WARSAW):%Y-%m-%d}"
                print(f"{number} {item.collective_identifier_number} {made}{mine}")

    return _call(args, work)
