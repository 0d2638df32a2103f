"""Bank statements settle invoices: import a statement, match its credits to the
profile's sales invoices and its debits to its purchase invoices, accept a proposal,
undo a match (issue 24).

``import_statement`` reads the file (``bank``), keeps only the lines the profile does not
have yet (by their stable keys: a second import of the same statement changes
nothing), asks KSeF — through ``lookup``, only when needed — for the invoices behind
collective identifiers of the seller that the program did not make itself, decides each
line (``domain.matching``) and writes everything in one transaction: the statement,
its lines, their matches, and the payments of the certain ones.

A debit is decided the same way as a credit, against the purchase invoices: the
suppliers' KSeF numbers in its title, or a collective identifier the profile made as a
payer (``services.purchases.create_purchase_collective``; one it did not make is asked
of KSeF), then the supplier's invoice number, then the supplier's account (the one its
invoice names for payment) and the amount. What it pays is recorded as purchase
payments marked with the line, undone and re-imported as a credit's are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from ksef_desktop.bank.model import (
    MAX_STATEMENT_BYTES,
    BankLine,
    BankStatement,
    Direction,
    StatementError,
    read_statement,
)
from ksef_desktop.domain.matching import (
    Allocation,
    Basis,
    Decision,
    OpenInvoice,
    Verdict,
    allocate,
    decide_credit,
)
from ksef_desktop.domain.transfer_title import NumberIndex, TitleScan
from ksef_desktop.errors import UserError
from ksef_desktop.i18n import _
from ksef_desktop.services.changes import Changed
from ksef_desktop.store import statement_purchases as buying
from ksef_desktop.store import statements as repo
from ksef_desktop.store.collective import get_collective
from ksef_desktop.store.db import Database
from ksef_desktop.store.profiles import Profile

#: Collective identifiers → the KSeF numbers each covers (KSeF's answer; may raise the
#: client's errors, which the caller reports).
Lookup = Callable[[Sequence[str]], Mapping[str, Sequence[str]]]


class StatementRefused(UserError):
    """Nothing was imported; ``message()`` says why."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self) -> str:
        return self.text


@dataclass(frozen=True)
class LineReport:
    booked_on: date
    direction: Direction
    amount: Decimal
    currency: str
    verdict: Verdict
    numbers: tuple[str, ...]
    title: str
    counterparty: str
    #: False: the profile had this line already (it was left as it was).
    new: bool
    line_id: int | None = None

    def text(self) -> str:
        """``DATE AMOUNT CURRENCY matched|proposed|unknown INVOICE...`` (a debit's amount
        with a minus)."""
        sign = "-" if self.direction is Direction.DEBIT else ""
        head = f"{self.booked_on.isoformat()} {sign}{self.amount:.2f} {self.currency}"
        return " ".join((head, self.verdict.value, *self.numbers))


@dataclass(frozen=True)
class ImportReport:
    format: str
    account: str
    new_statement: bool
    lines: tuple[LineReport, ...]
    dry_run: bool
    warnings: tuple[str, ...] = ()

    def count(self, verdict: Verdict, *, new_only: bool = True) -> int:
        return sum(1 for r in self.lines if r.verdict is verdict and (r.new or not new_only))

    @property
    def new_lines(self) -> int:
        return sum(1 for r in self.lines if r.new)

    @property
    def changed(self) -> Changed:
        """New lines may settle sales and purchase invoices (nothing on a dry run)."""
        if self.dry_run or not self.new_lines:
            return Changed.NOTHING
        return Changed.PAYMENTS | Changed.INVOICES | Changed.PURCHASES


#: Accepting, undoing, rejecting or assigning a line moves the payments it made.
LINE_CHANGED = Changed.PAYMENTS | Changed.INVOICES | Changed.PURCHASES


@dataclass
class _Matcher:
    """What deciding needs from the store, read once per import: for credits the
    profile's sales invoices, for debits (``debit``) its purchase invoices, whose
    ``buyer_id`` is then the supplier."""

    profile: Profile
    debit: bool
    resolved: dict[str, tuple[str, ...]]
    by_ksef: dict[str, OpenInvoice]
    current: dict[int, OpenInvoice]
    unpaid_numbers: NumberIndex
    by_number: dict[str, list[int]]
    accounts: dict[str, set[str]]

    def names(self, reference: str) -> bool:
        """A credit names the profile's own KSeF numbers and identifiers (they begin
        with its NIP); a debit names its suppliers' ones."""
        return reference.startswith(self.profile.nip) != self.debit

    def decide(self, line: BankLine, scan: TitleScan) -> Decision:
        refs = scan.references
        nip = self.profile.nip
        named_numbers = [n for n in refs.ksef_numbers if self.names(n)]
        idents = [i for i in refs.collective_identifiers if self.names(i)]
        for ident in idents:
            named_numbers.extend(self.resolved.get(ident, ()))
        named_numbers = list(dict.fromkeys(named_numbers))
        named = [self.current[self.by_ksef[n].id] for n in named_numbers if n in self.by_ksef]
        account = line.counterparty_account
        parties = set(self.accounts.get(account, set())) if account else set()
        party_basis = Basis.ACCOUNT
        if not parties:
            parties = {n for n in refs.nips if n != nip}
            party_basis = Basis.NIP
        found = scan.invoice_numbers(self.unpaid_numbers)
        by_number = [
            self.current[i] for n in found if (i := self._by_number(n, parties)) is not None
        ]
        party_open = [i for i in self.current.values() if parties and i.buyer_id in parties]
        named_ksef = any(self.names(n) for n in refs.ksef_numbers)
        return decide_credit(
            line.amount,
            line.currency,
            named=named,
            named_basis=Basis.COLLECTIVE if idents and not named_ksef else Basis.KSEF,
            named_missing=len(named_numbers) - len(named),
            by_number=by_number,
            buyer_open=party_open,
            buyer_basis=party_basis,
        )

    def _by_number(self, number: str, parties: set[str]) -> int | None:
        """The open invoice of that number; when several have it (two suppliers' "1/2026"),
        the one of the payment's counterparty, if that leaves one."""
        ids = self.by_number.get(number, [])
        if len(ids) > 1:
            ids = [i for i in ids if self.current[i].buyer_id in parties]
        return ids[0] if len(ids) == 1 else None

    def settle(self, decision: Decision) -> None:
        """A certain match pays its invoices: later lines of the import see it."""
        if decision.verdict is not Verdict.MATCHED:
            return
        for allocation in decision.allocations:
            invoice = self.current[allocation.invoice_id]
            self.current[invoice.id] = replace(invoice, paid=invoice.paid + allocation.amount)

    def numbers_of(self, decision: Decision) -> tuple[str, ...]:
        return tuple(self.current[a.invoice_id].number for a in decision.allocations)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _resolve(
    db: Database, profile: Profile, idents: Sequence[str], lookup: Lookup | None
) -> dict[str, tuple[str, ...]]:
    """The KSeF numbers behind each identifier: the profile's own record of the ones it
    made (as seller or as payer), KSeF's answer for the others."""
    conn = db.connection()
    resolved: dict[str, tuple[str, ...]] = {}
    for ident in idents:
        stored = get_collective(conn, ident, profile_id=profile.id)
        if stored is not None:
            resolved[ident] = stored.ksef_numbers
    missing = [i for i in idents if i not in resolved]
    if missing:
        if lookup is None:
            raise StatementRefused(
                _(
                    "The statement names collective identifiers this program did not make "
                    "({identifiers}); KSeF must be asked which invoices they cover, and it "
                    "cannot be asked now. Nothing was imported."
                ).format(identifiers=", ".join(missing))
            )
        answer = lookup(missing)
        resolved.update({i: tuple(answer.get(i, ())) for i in missing})
    return resolved


def _matcher(
    db: Database,
    profile: Profile,
    scans: Sequence[TitleScan],
    resolved: dict[str, tuple[str, ...]],
    *,
    debit: bool,
) -> _Matcher:
    conn = db.connection()
    pid = profile.id
    named = _unique(
        [n for s in scans for n in s.references.ksef_numbers]
        + [n for numbers in resolved.values() for n in numbers]
    )
    if debit:
        by_ksef = buying.purchases_by_ksef(conn, named, profile_id=pid)
        unpaid = buying.unpaid_purchases(conn, profile_id=pid)
        accounts = buying.supplier_accounts(conn, profile_id=pid)
    else:
        by_ksef = repo.invoices_by_ksef(conn, named, profile_id=pid)
        unpaid = repo.unpaid_invoices(conn, profile_id=pid)
        accounts = repo.buyer_accounts(conn, profile_id=pid, company_nip=profile.nip)
    by_number: dict[str, list[int]] = {}
    for invoice in unpaid:
        if invoice.number:
            by_number.setdefault(invoice.number, []).append(invoice.id)
    return _Matcher(
        profile=profile,
        debit=debit,
        resolved=resolved,
        by_ksef=by_ksef,
        current={i.id: i for i in unpaid} | {i.id: i for i in by_ksef.values()},
        unpaid_numbers=NumberIndex(i.number for i in unpaid if i.number),
        by_number=by_number,
        accounts=accounts,
    )


def _account_warning(db: Database, profile: Profile, statement: BankStatement) -> list[str]:
    from ksef_desktop.bank.model import compact_account
    from ksef_desktop.store.company import bank_accounts

    own = {compact_account(a) for a in bank_accounts(db.connection(), profile.id)}
    if own and statement.account and statement.account not in own:
        return [
            _(
                "The statement is of account {account}, which is not among the company's "
                "accounts in the settings."
            ).format(account=statement.account)
        ]
    return []


def read_statement_file(path: Path) -> bytes:
    """The bytes of the statement file ``path``: a regular file (``userfiles``: never a
    device or a pipe) of at most ``MAX_STATEMENT_BYTES``; ``UnreadableFile`` or
    ``StatementError`` (too large) otherwise, each with its sentence."""
    from ksef_desktop.userfiles import UnreadableFile, os_reason, read_user_file

    try:
        too_large = path.is_file() and path.stat().st_size > MAX_STATEMENT_BYTES
    except OSError as exc:
        raise UnreadableFile(path, os_reason(exc)) from None
    if too_large:
        raise StatementError(_("The file is too large to be a bank statement."))
    return read_user_file(path, MAX_STATEMENT_BYTES)


def import_statement(
    db: Database,
    data: bytes,
    *,
    profile: Profile,
    now: Callable[[], datetime],
    file_name: str = "",
    lookup: Lookup | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import a statement file into ``profile`` (with ``dry_run``: decide, write
    nothing). ``StatementError`` for a file that is not a statement, ``StatementRefused``
    when KSeF would be needed and ``lookup`` is None; nothing is written then."""
    statement = read_statement(data)
    conn = db.connection()
    pid = profile.id
    keys = [line.key for line in statement.lines]
    known = repo.known_keys(conn, keys, profile_id=pid)
    fresh = [line for line in statement.lines if line.key not in known]
    scans = {line.key: TitleScan(line.searched_text) for line in fresh}
    debits = [scans[line.key] for line in fresh if line.direction is Direction.DEBIT]
    credits = [scans[line.key] for line in fresh if line.direction is Direction.CREDIT]
    nip = profile.nip
    idents = _unique(
        [i for s in credits for i in s.references.collective_identifiers if i.startswith(nip)]
        + [i for s in debits for i in s.references.collective_identifiers if not i.startswith(nip)]
    )
    resolved = _resolve(db, profile, idents, lookup)
    matchers = {
        Direction.CREDIT: _matcher(db, profile, credits, resolved, debit=False),
        Direction.DEBIT: _matcher(db, profile, debits, resolved, debit=True),
    }
    decided: list[tuple[BankLine, Decision]] = []
    for line in fresh:
        matcher = matchers[line.direction]
        decision = matcher.decide(line, scans[line.key])
        matcher.settle(decision)
        decided.append((line, decision))
    new_ids: dict[str, int] = {}
    new_statement = True
    if not dry_run:
        sha = hashlib.sha256(data).hexdigest()
        with db.transaction() as tx:
            statement_id, new_statement = repo.save_statement(
                tx, statement, sha, file_name, profile_id=pid, now=now()
            )
            for line, decision in decided:
                pending = Verdict.PROPOSED if decision.allocations else Verdict.UNKNOWN
                line_id = repo.insert_line(
                    tx, line, statement_id, profile_id=pid, state=pending, basis=decision.basis
                )
                if line_id is None:
                    continue
                new_ids[line.key] = line_id
                repo.add_matches(
                    tx,
                    line_id,
                    decision.allocations,
                    profile_id=pid,
                    purchases=line.direction is Direction.DEBIT,
                )
                if decision.verdict is Verdict.MATCHED:
                    repo.pay_line(tx, line_id, profile_id=pid, now=now())
    stored = repo.lines_by_keys(conn, keys, profile_id=pid)
    fresh_decisions = {line.key: d for line, d in decided}
    reports = []
    for line in statement.lines:
        fresh_decision = fresh_decisions.get(line.key)
        saved = stored.get(line.key)
        if dry_run and fresh_decision is not None:
            numbers = matchers[line.direction].numbers_of(fresh_decision)
            reports.append(_report(line, fresh_decision.verdict, numbers, True))
        elif saved is not None:
            is_new = line.key in new_ids
            reports.append(
                replace(_report(line, saved.state, saved.numbers, is_new), line_id=saved.id)
            )
    return ImportReport(
        statement.format,
        statement.account,
        new_statement,
        tuple(reports),
        dry_run,
        tuple(_account_warning(db, profile, statement)),
    )


def _report(line: BankLine, verdict: Verdict, numbers: Sequence[str], new: bool) -> LineReport:
    return LineReport(
        line.booked_on,
        line.direction,
        line.amount,
        line.currency,
        verdict,
        tuple(numbers),
        line.title,
        line.counterparty,
        new,
    )


# --- one line at a time (the window) ----------------------------------------------------------


def accept_line(db: Database, line_id: int, *, profile_id: int, now: datetime) -> repo.StoredLine:
    """The proposal of a line is right: its invoices are marked paid."""
    with db.transaction() as tx:
        repo.pay_line(tx, line_id, profile_id=profile_id, now=now)
    return repo.get_line(db.connection(), line_id, profile_id=profile_id)


def undo_line(db: Database, line_id: int, *, profile_id: int) -> repo.StoredLine:
    """A match was wrong: its payments go, the line is a proposal again."""
    with db.transaction() as tx:
        repo.unpay_line(tx, line_id, profile_id=profile_id)
    return repo.get_line(db.connection(), line_id, profile_id=profile_id)


def reject_line(db: Database, line_id: int, *, profile_id: int) -> repo.StoredLine:
    """A proposal is wrong: the line is unknown again."""
    with db.transaction() as tx:
        repo.drop_proposal(tx, line_id, profile_id=profile_id)
    return repo.get_line(db.connection(), line_id, profile_id=profile_id)


def assign_line(
    db: Database, line_id: int, invoice_ids: Sequence[int], *, profile_id: int, now: datetime
) -> repo.StoredLine:
    """The user says which invoices an unknown credit pays: its amount is spread over
    them (oldest debt first) and they are marked paid."""
    conn = db.connection()
    line = repo.get_line(conn, line_id, profile_id=profile_id)
    if line.direction is not Direction.CREDIT:
        raise repo.LineRefused(_("Only money received can pay sales invoices."))
    chosen = {i.id: i for i in repo.unpaid_invoices(conn, profile_id=profile_id)}
    invoices = sorted((chosen[i] for i in invoice_ids if i in chosen), key=OpenInvoice.sort_key)
    if not invoices:
        raise repo.LineRefused(_("Choose at least one invoice with something left to pay."))
    if any(i.currency != line.currency for i in invoices):
        allocations: tuple[Allocation, ...] = tuple(Allocation(i.id, i.left) for i in invoices)
    else:
        allocations = allocate(line.amount, invoices)
    with db.transaction() as tx:
        repo.propose(tx, line_id, allocations, Basis.MANUAL, profile_id=profile_id)
        repo.pay_line(tx, line_id, profile_id=profile_id, now=now)
    return repo.get_line(conn, line_id, profile_id=profile_id)
