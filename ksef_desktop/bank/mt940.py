"""MT940 statements as Polish banks export them.

The SWIFT fields (``:20:``, ``:25:``, ``:60F:``, ``:61:``, ``:62F:``) are read by the
maintained ``mt-940`` library; field 86, where the title and the counterparty stand, is
read here, because Polish banks fill it their own way:

- **structured** (the Polish banks' association's ZBP recommendation, used by most
  banks): a 3-digit transaction code, then sub-fields ``<sep>NN`` — ``00`` the
  operation, ``20``–``29`` the title in fixed-width pieces, ``30`` the counterparty's
  bank sort code and ``31`` its account number (or the whole NRB), ``32``–``33`` its
  name, ``38`` its IBAN, ``60``–``63`` its address. Banks differ in the separator
  (``~`` in most, ``^``, ``<`` in the STA files of some banks, ``+`` in Nordea's, the
  German ``?`` in others) and in the piece widths (27 or 35 characters); all are read
  alike. An empty sub-field may be left out together with its marker.
- **free text**: field 86 without sub-fields is the title itself.

Field 86 is broken into lines of at most 65 characters, anywhere, even inside a KSeF
number; the lines are joined back before the sub-fields are read.

The file's code page is seldom stated: UTF-8, Windows-1250 and the DOS code page 852
(the STA files of some banks) are told apart by which one makes Polish letters of the
bytes. Some exports (mBank's CompanyNet) begin each account's block with the control
character SOH; it is dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ksef_desktop.bank.model import (
    BankLine,
    BankStatement,
    Direction,
    StatementError,
    check_balance,
    compact_account,
    join_pieces,
    nrb_from_parts,
    with_keys,
)
from ksef_desktop.i18n import _

#: A SWIFT line of field 86 is at most 65 characters; a full one was cut by width.
LINE_WIDTH = 65
_STRUCTURED = re.compile(r"^(?P<code>[0-9A-Z]{3})?(?P<sep>[~^?<+])\d\d", re.ASCII)
#: The code pages Polish banks write MT940 in when not UTF-8, the likelier first.
CODE_PAGES = ("cp1250", "cp852")
_POLISH = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
#: Control characters some exports put around a statement block (SOH, STX, ETX, EOT).
_FRAMING = str.maketrans({"\x01": "\n", "\x02": "\n", "\x03": "\n", "\x04": "\n"})
_TITLE_FIELDS = tuple(f"{n}" for n in range(20, 30))
_NAME_FIELDS = ("32", "33")
_DETAIL_FIELDS = ("00",)


@dataclass(frozen=True)
class Field86:
    title: str
    counterparty: str
    account: str
    details: str


def _polish_score(text: str) -> int:
    """Polish letters minus every other non-ASCII character: the right code page makes
    names and titles Polish, a wrong one box-drawing signs and foreign letters."""
    return sum(1 if c in _POLISH else -1 for c in text if not c.isascii())


def decode(data: bytes) -> str:
    """UTF-8 when the bytes are UTF-8, else the code page of ``CODE_PAGES`` that reads
    the most Polish letters out of them (Windows-1250 on a tie)."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    texts = [data.decode(page, errors="replace") for page in CODE_PAGES]
    return max(texts, key=_polish_score)  # max keeps the first of equals


def _joined_lines(raw: str, keep_breaks: bool) -> str:
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not keep_breaks:
        return "".join(lines)
    out = ""
    for i, line in enumerate(lines):
        if i and len(lines[i - 1]) < LINE_WIDTH:
            out += " "
        out += line
    return out


def parse_field86(raw: str) -> Field86:
    """Title, counterparty, its account and other text of one field 86."""
    text = _joined_lines(raw.strip(), keep_breaks=False)
    match = _STRUCTURED.match(text)
    if match is None:
        return Field86(_joined_lines(raw.strip(), keep_breaks=True), "", "", "")
    sep = match.group("sep")
    fields: dict[str, list[str]] = {}
    for part in text[match.end("sep") :].split(sep):
        if len(part) >= 2 and part[:2].isdigit():
            fields.setdefault(part[:2], []).append(part[2:])
        elif fields:  # a separator inside a value: keep it with the value
            last = next(reversed(fields))
            fields[last][-1] += sep + part

    def pieces(names: Sequence[str]) -> list[str]:
        return [p for n in names for p in fields.get(n, [])]

    account = ""
    for candidate in pieces(("38",)):
        account = compact_account(candidate)
        if account:
            break
    if not account:
        sort_code, number = "".join(pieces(("30",))), "".join(pieces(("31",)))
        account = nrb_from_parts(sort_code, number) or compact_account(sort_code + number)
    names = pieces(_NAME_FIELDS)
    return Field86(
        title=join_pieces(pieces(_TITLE_FIELDS)),
        counterparty=join_pieces(names),
        account=account,
        details=" ".join(p.strip() for p in pieces(_DETAIL_FIELDS) if p.strip()),
    )


def _amount(value: Any) -> tuple[Decimal, str]:
    amount = getattr(value, "amount", None)
    currency = getattr(value, "currency", None)
    if not isinstance(amount, Decimal) or not isinstance(currency, str):
        raise StatementError(_("A balance or amount of the statement cannot be read."))
    return amount, currency


def _balance(data: dict[str, Any], *names: str) -> Decimal | None:
    for name in names:
        balance = data.get(name)
        if balance is not None:
            return _amount(getattr(balance, "amount", None))[0]
    return None


def _day(value: Any) -> date | None:
    return date(value.year, value.month, value.day) if isinstance(value, date) else None


def _line(data: dict[str, Any]) -> BankLine:
    amount, currency = _amount(data.get("amount"))
    status = str(data.get("status") or "").upper()
    # RC (a credit reversed) takes money out, RD (a debit reversed) brings it in.
    direction = Direction.CREDIT if status in ("C", "RD") else Direction.DEBIT
    booked = _day(data.get("entry_date")) or _day(data.get("date"))
    if booked is None:
        raise StatementError(_("A line of the statement has no date."))
    details = parse_field86(str(data.get("transaction_details") or ""))
    reference = str(data.get("bank_reference") or "")
    customer = str(data.get("customer_reference") or "")
    if not reference and customer.upper() != "NONREF":
        reference = customer
    extra = str(data.get("extra_details") or "").strip()
    return BankLine(
        booked_on=booked,
        value_on=_day(data.get("date")),
        direction=direction,
        amount=abs(amount),
        currency=currency,
        title=details.title,
        counterparty=details.counterparty,
        counterparty_account=details.account,
        reference=reference,
        details=" ".join(t for t in (details.details, extra) if t),
    )


def _blocks(text: str) -> list[str]:
    return [b for b in re.split(r"(?m)^(?=:20:)", text) if b.strip().startswith(":20:")]


def read_mt940(data: bytes) -> BankStatement:
    """Every statement of an MT940 file (one account), its lines keyed."""
    import mt940

    # The library logs every field it cannot read at ERROR; the refusal says it once.
    logging.getLogger("mt940").setLevel(logging.CRITICAL)
    text = decode(data).translate(_FRAMING).replace("\r\n", "\n").replace("\r", "\n")
    blocks = _blocks(text)
    if not blocks:
        raise StatementError(_("The file is neither an MT940 nor a camt.053 bank statement."))
    lines: list[BankLine] = []
    account = ""
    no_details: dict[str, list[Callable[..., Any]]] = {"post_transaction_details": []}
    for number, block in enumerate(blocks, start=1):
        collection = mt940.models.Transactions(processors=no_details, options=mt940.Options.all())
        try:
            collection.parse(block)
            block_lines = [_line(t.data) for t in collection]
        except StatementError:
            raise
        except (
            ValueError,
            KeyError,
            TypeError,
            IndexError,
            AttributeError,
            ArithmeticError,
            RuntimeError,
        ):  # mt-940 raises RuntimeError for a field it cannot read
            raise StatementError(
                _("Statement {number} of the MT940 file cannot be read.").format(number=number)
            ) from None
        own = compact_account(str(collection.data.get("account_identification") or ""))
        if account and own and own != account:
            raise StatementError(_("The file holds statements of several accounts."))
        account = account or own
        label = str(collection.data.get("statement_number") or number)
        check_balance(
            _balance(collection.data, "final_opening_balance", "intermediate_opening_balance"),
            _balance(collection.data, "final_closing_balance", "intermediate_closing_balance"),
            block_lines,
            label,
        )
        lines.extend(block_lines)
    return BankStatement("mt940", account, with_keys(account, lines))
