"""``ksef-desktop jpk --month YYYY-MM (--env ENV|--base-url URL) --nip NIP --tax-office CODE
... -o OUT.xml``.

Writes the JPK_V7M(3) file of a month from one of two sources:
- the profile's store (``--env`` or ``--base-url`` with ``--nip``): its sales issued in
  the month and its purchases received from KSeF in the month, each with its KSeF number
  or marker (``services.jpk_month`` says which invoice goes in how);
- FA(3) files given on the command line: ``--sales FILE=STATUS`` and
  ``--purchases FILE=STATUS``, where STATUS is the invoice's KSeF number, ``OFF`` (issued
  offline, no number yet) or ``BFK`` (issued outside KSeF); a purchase under reverse
  charge needs ``--reverse-charge FILE=KIND:RATE`` (e.g. ``K_31:23``), which adds the
  buyer's own output tax to the sales, as ``purchases deduction`` does for the store.
The file is validated against the official schema before it is written (atomically),
then the command prints

    LiczbaWierszySprzedazy N
    LiczbaWierszyZakupow N
    PodatekNalezny 0.00
    PodatekNaliczony 0.00
    P_51 0
    P_62 0

and, on standard error, what the user should know (invoices reported as OFF, …).
Exit 0 on success, 1 when the data make no correct file, 2 for wrong arguments.

The store form remembers (``services.jpk_month``, as the window's JPK_V7M dialog does):
- the taxpayer (Podmiot1: --first-name/--last-name/--birth-date or --name, --email,
  --phone, --tax-office): given the first time, they are kept in the profile, and later
  runs may leave them out. Options given later override the kept data for that file
  only; with ``--save-taxpayer`` they replace the kept data;
- every file made, per month: a month that already has a file is refused (exit 1)
  unless ``--correction --reason TEXT`` (CelZlozenia 2 with P_ORDZU) or, when the
  earlier file was never sent, ``--again`` (the first filing made anew). A correction
  of a month filed outside the program is made with ``--correction`` as well. The file
  is written inside the transaction that records it: not written, not recorded;
- P_39: without ``--surplus``, the P_62 of the last file made for the previous month.
``--history`` lists the files made for the month instead (no -o):

    2026-03 CelZlozenia 1 2026-04-20T10:00:00Z sprzedaz 2 zakup 1 P_51 81 P_62 0 SHA256
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ksef_desktop.commands.qr import CommandRefused
from ksef_desktop.i18n import _
from ksef_desktop.ksef.environments import NAMES

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date
    from decimal import Decimal

    from ksef_desktop.jpk.errors import Notice
    from ksef_desktop.jpk.from_fa3 import ReverseCharge
    from ksef_desktop.jpk.model import DeclarationInputs, Period, Taxpayer
    from ksef_desktop.store.jpk_files import JpkFileRecord

REFUND_MODES = {"15": "P_540", "25-vat": "P_55", "25": "P_56", "40": "P_560", "180": "P_58"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "jpk",
        help="write the JPK_V7M(3) file of a month (register and declaration)",
        description="Build the JPK_V7M(3) file of MONTH from the invoices of the profile "
        "(--env or --base-url with --nip) or from FA(3) files (--sales, --purchases), validate "
        "it against the official schema and write it to OUT.xml.",
    )
    parser.add_argument("--month", required=True, metavar="YYYY-MM")
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--env", choices=NAMES, help="KSeF environment of the profile whose invoices are used"
    )
    target.add_argument(
        "--base-url", help="API URL of a sandbox on this computer (http://127.0.0.1:PORT/v2)"
    )
    parser.add_argument("--nip", required=True, help="the taxpayer's NIP")
    parser.add_argument(
        "--tax-office", metavar="CODE", help="KodUrzedu (kept in the profile after a first use)"
    )
    who = parser.add_argument_group("the taxpayer (Podmiot1)")
    who.add_argument("--first-name", help="a person's first name")
    who.add_argument("--last-name", help="a person's surname")
    who.add_argument("--birth-date", metavar="YYYY-MM-DD", help="a person's date of birth")
    who.add_argument("--name", help="the full name of a company (instead of a person)")
    who.add_argument("--email")
    who.add_argument("--phone")
    who.add_argument(
        "--save-taxpayer",
        action="store_true",
        help="keep the taxpayer's data given here in the profile (store form)",
    )
    files = parser.add_argument_group("documents")
    files.add_argument(
        "--sales",
        nargs="+",
        default=[],
        metavar="FILE=STATUS",
        help="FA(3) invoices issued; STATUS: a KSeF number, OFF or BFK",
    )
    files.add_argument(
        "--purchases",
        nargs="+",
        default=[],
        metavar="FILE=STATUS",
        help="FA(3) invoices received; STATUS: a KSeF number, OFF or BFK",
    )
    files.add_argument(
        "--rate",
        action="append",
        default=[],
        metavar="FILE=RATE",
        help="the exchange rate of an invoice in a foreign currency that states none",
    )
    files.add_argument(
        "--fixed-asset",
        action="append",
        default=[],
        metavar="FILE",
        help="a purchase of a fixed asset (K_40/K_41 instead of K_42/K_43)",
    )
    files.add_argument(
        "--deductible",
        action="append",
        default=[],
        metavar="FILE=SHARE",
        help="the deductible share of a purchase's tax, 0-1 (default 1)",
    )
    files.add_argument(
        "--reverse-charge",
        action="append",
        default=[],
        metavar="FILE=KIND:RATE",
        help="a purchase under reverse charge: the K_ pair of the tax the buyer owes "
        "(K_23, K_25, K_27, K_29, K_31) and the Polish rate it applies, e.g. K_31:23",
    )
    dec = parser.add_argument_group("the declaration")
    dec.add_argument(
        "--surplus",
        metavar="PLN",
        help="P_39, whole zloty (store form default: P_62 of the previous month's file)",
    )
    dec.add_argument("--refund", metavar="PLN", help="P_54: the refund asked for, whole zloty")
    dec.add_argument("--refund-mode", choices=tuple(REFUND_MODES), default="25")
    dec.add_argument("--correction", action="store_true", help="a correction (CelZlozenia 2)")
    dec.add_argument("--reason", help="P_ORDZU: why the correction is filed")
    dec.add_argument(
        "--again",
        action="store_true",
        help="a first filing again of a month already made (its file was never sent)",
    )
    parser.add_argument(
        "--history", action="store_true", help="list the files made for the month (store form)"
    )
    parser.add_argument("-o", "--output", type=Path, metavar="OUT.xml")
    parser.set_defaults(func=run)


def _pairs(values: list[str], option: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for value in values:
        name, sep, right = value.rpartition("=")
        if not sep or not name or not right:
            raise CommandRefused(
                _("{option} expects FILE=VALUE, not {value!r}.").format(option=option, value=value),
                2,
            )
        if name in result:
            raise CommandRefused(_("{file} is given twice.").format(file=name), 2)
        result[name] = right
    return result


def _decimal(text: str, what: str) -> Decimal:
    from ksef_desktop.domain.money import parse_decimal

    try:
        return parse_decimal(text)
    except ValueError:
        raise CommandRefused(
            _("{option}: {value} is not a number.").format(option=what, value=text), 2
        ) from None


def _born(text: str) -> date:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandRefused(
            _("--birth-date: {value} is not a date (YYYY-MM-DD).").format(value=text), 2
        ) from None


def _taxpayer(args: argparse.Namespace, kept: Taxpayer | None = None) -> Taxpayer:
    """Podmiot1 from the options, each one left out taken from ``kept`` (the profile's)."""
    from ksef_desktop.jpk.model import NaturalPerson, Organisation

    person = args.first_name or args.last_name or args.birth_date
    if args.name and person:
        raise CommandRefused(_("Give either --name or a person's names, not both."), 2)
    email = args.email or (kept.email if kept else None)
    office = args.tax_office or (kept.tax_office if kept else None)
    phone = args.phone if args.phone is not None else (kept.phone if kept else None)
    if not email or not office:
        raise CommandRefused(
            _("Give --email and --tax-office: the profile does not keep them yet."), 2
        )
    if args.name or (not person and isinstance(kept, Organisation)):
        name = args.name or (kept.name if isinstance(kept, Organisation) else "")
        return Organisation(args.nip, name, email, office, phone)
    base = kept if isinstance(kept, NaturalPerson) else None
    first = args.first_name or (base.first_name if base else None)
    last = args.last_name or (base.last_name if base else None)
    born = _born(args.birth_date) if args.birth_date else (base.birth_date if base else None)
    if not (first and last and born):
        raise CommandRefused(
            _("A person needs --first-name, --last-name and --birth-date (or a company --name)."),
            2,
        )
    return NaturalPerson(args.nip, first, last, born, email, office, phone)


def _read(path: str) -> bytes:
    from lxml import etree

    from ksef_desktop.fa3.schema import fa3_schema
    from ksef_desktop.fa3.xmlsafe import UnsafeXmlError, parse_untrusted

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CommandRefused(
            _("{file}: cannot read the file: {reason}").format(
                file=path, reason=exc.strerror or exc
            )
        ) from None
    try:
        root = parse_untrusted(data)
    except (etree.XMLSyntaxError, UnsafeXmlError) as exc:
        raise CommandRefused(
            _("{file}: not an FA(3) invoice: {reason}").format(file=path, reason=exc)
        ) from None
    schema = fa3_schema()
    if not schema.validate(root):
        reason = schema.error_log[0].message if schema.error_log else ""
        raise CommandRefused(
            _("{file}: not an FA(3) invoice: {reason}").format(file=path, reason=reason)
        )
    return data


def _status(text: str) -> str:
    from ksef_desktop.jpk.model import Marker

    upper = text.strip().upper()
    return Marker(upper) if upper in Marker.__members__ else text.strip()


def _write(path: Path, data: bytes) -> None:
    """All or nothing: a temporary file beside the target, then renamed over it."""
    from ksef_desktop.services.jpk_month import write_file

    try:
        write_file(path, data)
    except OSError as exc:
        raise CommandRefused(
            _("{file}: cannot write the file: {reason}").format(
                file=path, reason=exc.strerror or exc
            )
        ) from None


def run(args: argparse.Namespace) -> int:
    from ksef_desktop.jpk.errors import JpkError
    from ksef_desktop.store.db import StoreError

    try:
        return _run(args)
    except CommandRefused as exc:
        print(exc, file=sys.stderr)
        return exc.code
    except JpkError as exc:
        print(exc.text(), file=sys.stderr)
        return 1
    except StoreError as exc:
        print(exc.message(), file=sys.stderr)
        return 1


def _inputs(args: argparse.Namespace, surplus: Decimal) -> DeclarationInputs:
    """The declaration's inputs; ``surplus`` is P_39 when --surplus is not given."""
    from ksef_desktop.jpk.model import DeclarationInputs, Refund, RefundMode

    refund = None
    if args.refund is not None:
        refund = Refund(
            _decimal(args.refund, "--refund"), RefundMode(REFUND_MODES[args.refund_mode])
        )
    return DeclarationInputs(
        surplus_carried=surplus if args.surplus is None else _decimal(args.surplus, "--surplus"),
        refund=refund,
        correction_reason=args.reason,
    )


def _report(data: bytes, notices: Sequence[Notice]) -> int:
    from ksef_desktop.jpk.build import summarize

    for notice in notices:
        print(notice.text(), file=sys.stderr)
    summary = summarize(data)
    print(f"LiczbaWierszySprzedazy {summary.sales_rows}")
    print(f"LiczbaWierszyZakupow {summary.purchase_rows}")
    print(f"PodatekNalezny {summary.tax_due:.2f}")
    print(f"PodatekNaliczony {summary.tax_deductible:.2f}")
    print(f"P_51 {summary.to_pay}")
    print(f"P_62 {summary.carried_forward}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from decimal import Decimal

    from ksef_desktop.jpk.model import Period

    period = Period.parse(args.month)
    if args.output is None and not args.history:
        raise CommandRefused(_("Give -o OUT.xml, the file to write."), 2)
    if not (args.env or args.base_url):
        if args.history or args.again or args.save_taxpayer:
            raise CommandRefused(
                _("--history, --again and --save-taxpayer need the profile (--env or --base-url)."),
                2,
            )
        return _run_files(args, period, _taxpayer(args), _inputs(args, Decimal(0)))
    if args.sales or args.purchases:
        raise CommandRefused(
            _("Give either --env/--base-url (the profile's invoices) or files (--sales ...)."), 2
        )
    if args.rate or args.fixed_asset or args.deductible or args.reverse_charge:
        raise CommandRefused(
            _(
                "--rate, --fixed-asset, --deductible and --reverse-charge name files given "
                "with --sales/--purchases."
            ),
            2,
        )
    if args.correction and args.again:
        raise CommandRefused(_("Give either --correction or --again, not both."), 2)
    return _run_store(args, period)


def _run_store(args: argparse.Namespace, period: Period) -> int:
    from datetime import UTC, datetime

    from ksef_desktop.commands._ksef import open_profile
    from ksef_desktop.services.jpk_month import (
        month_files,
        previous_surplus,
        save_month,
        taxpayer_of,
    )

    opened = open_profile(args)
    if isinstance(opened, int):
        return opened
    store, profile = opened
    try:
        if args.history:
            for record in month_files(store, profile, period):
                print(_history_line(record))
            return 0
        kept = taxpayer_of(store, profile)
        taxpayer = _taxpayer(args, kept)
        inputs = _inputs(args, previous_surplus(store, profile, period))
        output: Path = args.output
        saved = save_month(
            store, profile, period, taxpayer, inputs,
            correction=args.correction, again=args.again,
            keep_taxpayer=kept is None or args.save_taxpayer,
            now=datetime.now(UTC), write=lambda data: _write(output, data),
        )  # fmt: skip
    finally:
        store.close()
    return _report(saved.file.data, saved.file.documents.notices)


def _history_line(record: JpkFileRecord) -> str:
    from datetime import UTC

    def whole(value: Decimal | None) -> str:
        return "-" if value is None else str(int(value))

    moment = record.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"{record.period} CelZlozenia {2 if record.correction else 1} {moment} "
        f"sprzedaz {record.sales_rows} zakup {record.purchase_rows} "
        f"P_51 {whole(record.to_pay)} P_62 {whole(record.carried_forward)} {record.sha256_hex}"
    )


def _reverse_charge(text: str) -> ReverseCharge:
    """``K_31:23`` → the reverse charge's K_ pair and the Polish rate the buyer applies."""
    from ksef_desktop.jpk.from_fa3 import ReverseCharge
    from ksef_desktop.jpk.model import SelfAssessment
    from ksef_desktop.services.purchase_deductions import (
        DeductionRefused,
        ReverseChoice,
        check_reverse,
    )

    kind_text, sep, rate_text = text.partition(":")
    kinds = {kind.value: kind for kind in SelfAssessment}
    kind = kinds.get(kind_text.strip().upper())
    if not sep or kind is None:
        raise CommandRefused(
            _(
                "--reverse-charge expects FILE=KIND:RATE with KIND one of {kinds} "
                "(e.g. K_31:23), not {value!r}."
            ).format(kinds=", ".join(kinds), value=text),
            2,
        )
    try:
        checked = check_reverse(ReverseChoice(kind, _decimal(rate_text, "--reverse-charge")))
    except DeductionRefused as exc:
        raise CommandRefused(exc.message(), 2) from None
    assert checked.kind is not None
    assert checked.rate is not None
    return ReverseCharge(checked.kind, checked.rate)


def _run_files(
    args: argparse.Namespace, period: Period, taxpayer: Taxpayer, inputs: DeclarationInputs
) -> int:
    from ksef_desktop.jpk import from_fa3
    from ksef_desktop.jpk.build import build_jpk
    from ksef_desktop.jpk.model import DeductionCategory
    from ksef_desktop.jpk.register import notices

    sales_files = _pairs(args.sales, "--sales")
    purchase_files = _pairs(args.purchases, "--purchases")
    rates = {name: _decimal(v, "--rate") for name, v in _pairs(args.rate, "--rate").items()}
    shares = {
        name: _decimal(v, "--deductible")
        for name, v in _pairs(args.deductible, "--deductible").items()
    }
    reverse = {
        name: _reverse_charge(value)
        for name, value in _pairs(args.reverse_charge, "--reverse-charge").items()
    }
    for name in [*rates, *shares, *args.fixed_asset]:
        if name not in sales_files and name not in purchase_files:
            raise CommandRefused(
                _("{file} is not among --sales or --purchases.").format(file=name), 2
            )
    for name in reverse:
        if name not in purchase_files:
            raise CommandRefused(_("{file} is not among --purchases.").format(file=name), 2)
    sales = [
        from_fa3.sales_document(
            _read(name),
            _status(status),
            exchange_rate=rates.get(name),
            own_nip=args.nip,
            label=name,
        )
        for name, status in sales_files.items()
    ]
    purchases = []
    for name, status in purchase_files.items():
        bought, owed = from_fa3.purchase_rows(
            _read(name),
            _status(status),
            category=DeductionCategory.FIXED_ASSETS
            if name in args.fixed_asset
            else DeductionCategory.OTHER,
            deductible_share=shares.get(name, _decimal("1", "--deductible")),
            exchange_rate=rates.get(name),
            reverse_charge=reverse.get(name),
            own_nip=args.nip,
            label=name,
        )
        purchases.append(bought)
        if owed is not None:  # the buyer's own output tax of a reverse-charge purchase
            sales.append(owed)
    sales.sort(key=lambda doc: doc.issue_date)
    purchases.sort(key=lambda doc: doc.issue_date)
    data = build_jpk(period, taxpayer, sales, purchases, inputs, args.correction)
    _write(args.output, data)
    return _report(data, notices(sales, purchases))
