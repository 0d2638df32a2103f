"""One model for every statement format: a statement of one account, its lines (credits
and debits) with their titles, counterparties and stable keys.

A line's **key** is the SHA-256 of what the bank says about it (the account, the dates,
the direction, the amount and currency, the bank's reference, the title and the
counterparty's account) plus how many identical lines came before it in the file: the
same statement read again gives the same keys, two identical transfers on one day get
two keys, and a later statement that repeats a day (a monthly one after the daily
ones) gives the repeated lines the keys they already had.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from ksef_desktop.domain.money import format_amount
from ksef_desktop.errors import UserError
from ksef_desktop.i18n import _

#: A statement file larger than this is not a statement (a year of a busy account in
#: camt.053 is a few megabytes).
MAX_STATEMENT_BYTES = 50 * 1024 * 1024


class StatementError(UserError, ValueError):
    """The file is not a statement this program reads; ``message()`` says why."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self) -> str:
        return self.text


class Direction(StrEnum):
    CREDIT = "credit"  # money in
    DEBIT = "debit"  # money out


@dataclass(frozen=True)
class BankLine:
    """One booked transaction of a statement; ``amount`` is positive, ``direction`` says
    which way the money went."""

    booked_on: date
    direction: Direction
    amount: Decimal
    currency: str
    title: str = ""
    counterparty: str = ""
    #: The counterparty's account, compact (an IBAN such as ``PL61…``; "" when unknown).
    counterparty_account: str = ""
    #: The bank's reference of the transaction ("" when it gives none).
    reference: str = ""
    #: Other text of the line (the operation's description, additional information).
    details: str = ""
    value_on: date | None = None
    key: str = ""

    @property
    def signed(self) -> Decimal:
        return self.amount if self.direction is Direction.CREDIT else -self.amount

    @property
    def searched_text(self) -> str:
        """Everything of the line where a payer's reference may stand."""
        return "\n".join(t for t in (self.title, self.details) if t)


@dataclass(frozen=True)
class BankStatement:
    format: str  # "mt940" or "camt053"
    #: The statement's own account (compact IBAN when it is one).
    account: str
    lines: tuple[BankLine, ...]

    @property
    def first_day(self) -> date | None:
        return min((line.booked_on for line in self.lines), default=None)

    @property
    def last_day(self) -> date | None:
        return max((line.booked_on for line in self.lines), default=None)


def squeeze(text: str) -> str:
    """Whitespace of any kind (line breaks too) as single spaces, trimmed."""
    return " ".join(text.split())


def join_pieces(pieces: Sequence[str], min_width: int = 27) -> str:
    """Pieces of one text (title lines, name lines) joined back. Banks cut a text into
    pieces of a fixed width (27 or 35 characters): a piece of the widest length (when at
    least ``min_width``) was cut by width and continues without a space; a shorter one
    ended where its writer ended it, and a space follows."""
    kept = [p for p in pieces if p]
    widest = max((len(p) for p in kept), default=0)
    width = widest if widest >= min_width else widest + 1
    out = ""
    for i, piece in enumerate(kept):
        if i and len(kept[i - 1]) < width:
            out += " "
        out += piece
    return out.strip()


def compact_account(text: str) -> str:
    """An account as banks write it (``PL61 1090 1014…``, ``/PL61…``, a bare NRB) in the
    compact IBAN form; a Polish NRB (26 digits) gets its ``PL``. Something that is no
    valid IBAN is kept, compacted, as given (an account abroad in a local format)."""
    from stdnum import iban

    cleaned = re.sub(r"[\s/\-]", "", text).upper()
    if re.fullmatch(r"\d{26}", cleaned):
        cleaned = "PL" + cleaned
    if not cleaned:
        return ""
    return iban.compact(cleaned) if iban.is_valid(cleaned) else cleaned


def nrb_from_parts(bank_code: str, account: str) -> str:
    """The IBAN of a Polish account given as the bank's sort code (8 digits) and the
    account number (16 digits), as some MT940 layouts split it: the two check digits
    are computed (python-stdnum). "" when the parts are not that."""
    from stdnum import iban

    bank_code, account = re.sub(r"\D", "", bank_code), re.sub(r"\D", "", account)
    if len(bank_code) != 8 or len(account) != 16:
        return ""
    bban = bank_code + account
    return f"PL{iban.calc_check_digits('PL00' + bban)}{bban}"


def _key(account: str, line: BankLine, occurrence: int) -> str:
    parts = (
        account,
        line.booked_on.isoformat(),
        line.value_on.isoformat() if line.value_on else "",
        line.direction.value,
        f"{line.amount:.2f}",
        line.currency,
        line.reference,
        squeeze(line.title).upper(),
        line.counterparty_account,
        str(occurrence),
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def with_keys(account: str, lines: Sequence[BankLine]) -> tuple[BankLine, ...]:
    """The lines with their stable keys (see the module's description)."""
    seen: Counter[str] = Counter()
    out = []
    for line in lines:
        base = _key(account, line, 0)
        occurrence = seen[base]
        seen[base] += 1
        out.append(replace(line, key=base if occurrence == 0 else _key(account, line, occurrence)))
    return tuple(out)


def check_balance(
    opening: Decimal | None, closing: Decimal | None, lines: Sequence[BankLine], label: str
) -> None:
    """The statement's closing balance is its opening balance plus its lines; a file
    cut short or damaged fails here and is not imported."""
    if opening is None or closing is None:
        return
    total = opening + sum((line.signed for line in lines), Decimal(0))
    if total != closing:
        raise StatementError(
            _(
                "Statement {label} does not add up: the opening balance {opening} and its "
                "lines make {total}, but its closing balance is {closing}. The file may be "
                "incomplete; nothing was imported."
            ).format(
                label=label,
                opening=format_amount(opening),
                total=format_amount(total),
                closing=format_amount(closing),
            )
        )


def read_statement(data: bytes) -> BankStatement:
    """An MT940 or camt.053 statement from the bytes of its file."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise StatementError(_("The file is too large to be a bank statement."))
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        from ksef_desktop.bank.camt import read_camt053

        return read_camt053(data)
    from ksef_desktop.bank.mt940 import read_mt940

    return read_mt940(data)
