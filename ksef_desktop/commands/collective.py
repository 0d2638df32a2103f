"""``ksef-desktop collective create KSEF_NUMBER... | show ID|TITLE... | of KSEF_NUMBER...
--env ENV|--base-url URL --nip NIP``: collective identifiers ("identyfikator zbiorczy",
one transfer for many invoices of one seller).

``create`` prints the new identifier on the first line and a ready transfer title on the
second. ``show`` takes identifiers, or a transfer title as pasted from the bank (one
argument in quotes, or its words): it finds the KSeF numbers, collective identifiers
and the profile's invoice numbers in it (cut into lines, in lower case, with spaces
added: all the same), and prints ``ID KSEF-NUMBER`` per invoice of each identifier (as
KSeF lists them), followed by ``AMOUNT CURRENCY`` when KSeF shows the payment details,
or ``hidden`` when it hides them from this context; then ``invoice NUMBER KSEF-NUMBER
LEFT CURRENCY`` per invoice of the profile the title pays (``-`` for an invoice not in
KSeF yet; ``LEFT`` is what is left to pay). It exits 1 when the title names nothing of
the profile. ``of`` looks the other way: ``KSEF-NUMBER ID YYYY-MM-DD`` per
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
    open_profile,
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
    show = actions.add_parser(
        "show",
        help=_("list the invoices of identifiers, or of a pasted transfer title"),
    )
    show.add_argument("identifiers", nargs="+", metavar="ID|TITLE")
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
    """What a pasted transfer title (or identifiers) names: KSeF's invoices of each
    collective identifier, then the profile's invoices it pays with what is left."""
    from ksef_desktop.domain.transfer_title import TitleScan
    from ksef_desktop.ksef.errors import EnvironmentFault, KsefError
    from ksef_desktop.ksef.messages import describe
    from ksef_desktop.services.title_lookup import ksef_items_lookup, look_up_title

    text = " ".join(args.identifiers)
    scan = TitleScan(text)
    bad = scan.malformed
    for shaped in bad:
        if "-IZ" in shaped:
            error(_("Invalid collective identifier: {identifier}").format(identifier=shaped))
        else:
            error(_("Invalid KSeF number: {number}").format(number=shaped))
    if bad and not scan.references.names_invoices:
        return EXIT_USAGE
    opened = open_profile(args)
    if isinstance(opened, int):
        return opened
    store, profile = opened
    try:
        with http_client() as http:

            def transport() -> Any:
                client = open_client(args, http)
                if isinstance(client, int):
                    raise _NoClient(client)
                return client.transport

            found = look_up_title(
                store.db, text, profile=profile, lookup=ksef_items_lookup(transport), strict=True
            )
    except _NoClient as exc:
        return exc.code
    except EnvironmentFault as exc:
        error(describe(exc))
        return EXIT_UNAVAILABLE
    except KsefError as exc:
        log.warning("KSeF refused a collective-identifier request: %s", exc)
        error(describe(exc))
        return EXIT_REJECTED
    finally:
        store.close()
    _print_found(found)
    return EXIT_REJECTED if found.empty else EXIT_OK


class _NoClient(Exception):
    """No KSeF client could be made (why was printed); the exit code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _print_found(found: Any) -> None:
    for collective in found.collectives:
        for item in collective.items:
            line = f"{collective.identifier} {item.ksef_number}"
            if item.amount is not None:
                line += f" {item.amount:.2f} {item.currency}"
            elif item.hidden:
                line += " hidden"
            print(line)
    for invoice in found.invoices:
        ksef = invoice.ksef_number or "-"
        print(f"invoice {invoice.number} {ksef} {invoice.left:.2f} {invoice.currency}")
    ours = {i.ksef_number for i in found.invoices}
    for number in found.references.ksef_numbers:
        if number not in ours:
            error(
                _("KSeF number {number} is not an invoice of this profile.").format(number=number)
            )
    if found.empty:
        error(
            _("The title names no KSeF number, collective identifier or invoice of this profile.")
        )


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
