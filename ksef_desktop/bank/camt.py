"""ISO 20022 camt.053 (BankToCustomerStatement) as Polish banks export it.

Read with lxml over the message's structure, whatever its version (001.02, the one
most Polish banks send, to 001.13): elements are found by their local names, so the
namespace of the version does not matter. What differs between versions is handled
where it differs: the entry's status (``<Sts>BOOK</Sts>`` up to 001.02,
``<Sts><Cd>BOOK</Cd></Sts>`` from 001.08), a party's name (``Dbtr/Nm`` or
``Dbtr/Pty/Nm``), a transaction's amount (``TxDtls/Amt`` or ``AmtDtls/TxAmt/Amt``).

Only booked entries count (``BOOK``); an entry booking several transactions
(``NtryDtls/TxDtls`` more than once: a batch) gives one line per transaction. The title
is the unstructured remittance (``RmtInf/Ustrd``, banks cut it into 35-character
lines) followed by any structured creditor reference.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from ksef_desktop.bank.model import (
    BankLine,
    BankStatement,
    Direction,
    StatementError,
    check_balance,
    compact_account,
    join_pieces,
    with_keys,
)
from ksef_desktop.fa3.xmlsafe import UnsafeXmlError, parse_untrusted
from ksef_desktop.i18n import _

Element = etree._Element


def _all(node: Element, path: str) -> list[Element]:
    """Descendants along ``path`` (local names separated by ``/``), any namespace."""
    return list(node.iterfind("/".join(f"{{*}}{step}" for step in path.split("/"))))


def _first(node: Element, *paths: str) -> Element | None:
    for path in paths:
        found = _all(node, path)
        if found:
            return found[0]
    return None


def _text(node: Element, *paths: str) -> str:
    found = _first(node, *paths)
    return (found.text or "").strip() if found is not None else ""


def _texts(node: Element, path: str) -> list[str]:
    return [(e.text or "").strip() for e in _all(node, path) if (e.text or "").strip()]


def _amount(node: Element | None) -> tuple[Decimal, str] | None:
    if node is None:
        return None
    try:
        value = Decimal((node.text or "").strip())
    except InvalidOperation:
        raise StatementError(_("An amount of the camt.053 statement is not a number.")) from None
    if not value.is_finite() or value < 0:
        raise StatementError(_("An amount of the camt.053 statement is not a number."))
    return value, str(node.get("Ccy") or "")


def _date(node: Element, path: str) -> date | None:
    text = _text(node, f"{path}/Dt") or _text(node, f"{path}/DtTm")[:10]
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise StatementError(
            _("A date of the camt.053 statement cannot be read: {text}").format(text=text)
        ) from None


def _direction(text: str) -> Direction | None:
    return {"CRDT": Direction.CREDIT, "DBIT": Direction.DEBIT}.get(text)


def _account(node: Element | None) -> str:
    if node is None:
        return ""
    return compact_account(_text(node, "Id/IBAN") or _text(node, "Id/Othr/Id"))


def _party(tx: Element, role: str) -> tuple[str, str]:
    """The name and account of ``role`` ("Dbtr" or "Cdtr") of a transaction."""
    parties = _first(tx, "RltdPties")
    if parties is None:
        return "", ""
    name = _text(parties, f"{role}/Nm", f"{role}/Pty/Nm", f"Ultmt{role}/Nm", f"Ultmt{role}/Pty/Nm")
    return name, _account(_first(parties, f"{role}Acct"))


def _booked(entry: Element) -> bool:
    status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
    return status in ("BOOK", "")


def _lines_of_entry(entry: Element) -> list[BankLine]:
    entry_amount = _amount(_first(entry, "Amt"))
    direction = _direction(_text(entry, "CdtDbtInd"))
    booked = _date(entry, "BookgDt")
    if entry_amount is None or direction is None or booked is None:
        raise StatementError(
            _("An entry of the camt.053 statement lacks its amount, direction or date.")
        )
    value_on = _date(entry, "ValDt")
    entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    entry_info = " ".join(_texts(entry, "AddtlNtryInf"))
    transactions = _all(entry, "NtryDtls/TxDtls")
    if not transactions:
        return [
            BankLine(
                booked, direction, entry_amount[0], entry_amount[1], title=entry_info,
                reference=entry_ref, value_on=value_on,
            )
        ]  # fmt: skip
    lines = []
    for tx in transactions:
        amount = _amount(_first(tx, "Amt", "AmtDtls/TxAmt/Amt"))
        if amount is None:
            if len(transactions) > 1:
                raise StatementError(
                    _("A transaction of a camt.053 batch entry has no amount of its own.")
                )
            amount = entry_amount
        tx_direction = _direction(_text(tx, "CdtDbtInd")) or direction
        role = "Dbtr" if tx_direction is Direction.CREDIT else "Cdtr"
        name, account = _party(tx, role)
        ustrd = _texts(tx, "RmtInf/Ustrd")
        structured = _texts(tx, "RmtInf/Strd/CdtrRefInf/Ref") + _texts(
            tx, "RmtInf/Strd/AddtlRmtInf"
        )
        title = " ".join(t for t in (join_pieces(ustrd, min_width=35), *structured) if t)
        end_to_end = _text(tx, "Refs/EndToEndId")
        reference = (
            _text(tx, "Refs/AcctSvcrRef")
            or _text(tx, "Refs/TxId")
            or (end_to_end if end_to_end != "NOTPROVIDED" else "")
            or entry_ref
        )
        details = " ".join(t for t in (*_texts(tx, "AddtlTxInf"), entry_info) if t)
        lines.append(
            BankLine(
                booked_on=booked,
                direction=tx_direction,
                amount=amount[0],
                currency=amount[1] or entry_amount[1],
                title=title or (entry_info if len(transactions) == 1 else ""),
                counterparty=name,
                counterparty_account=account,
                reference=reference,
                details=details if title else "",
                value_on=value_on,
            )
        )
    return lines


def _balance(statement: Element, *codes: str) -> Decimal | None:
    for balance in _all(statement, "Bal"):
        code = _text(balance, "Tp/CdOrPrtry/Cd")
        if code in codes:
            amount = _amount(_first(balance, "Amt"))
            if amount is None:
                return None
            sign = -1 if _text(balance, "CdtDbtInd") == "DBIT" else 1
            return sign * amount[0]
    return None


def read_camt053(data: bytes) -> BankStatement:
    """Every statement (``Stmt``) of a camt.053 message (one account), its lines keyed."""
    try:
        root = parse_untrusted(data)
    except (etree.XMLSyntaxError, UnsafeXmlError):
        raise StatementError(_("The file is not well-formed XML.")) from None
    if etree.QName(root).localname != "Document" or _first(root, "BkToCstmrStmt") is None:
        raise StatementError(_("The XML file is not a camt.053 bank statement (BkToCstmrStmt)."))
    statements = _all(root, "BkToCstmrStmt/Stmt")
    if not statements:
        raise StatementError(_("The camt.053 file holds no statement."))
    account = ""
    lines: list[BankLine] = []
    for number, statement in enumerate(statements, start=1):
        own = _account(_first(statement, "Acct"))
        if account and own and own != account:
            raise StatementError(_("The file holds statements of several accounts."))
        account = account or own
        entries = [e for e in _all(statement, "Ntry") if _booked(e)]
        entry_lines = [line for e in entries for line in _lines_of_entry(e)]
        check_balance(
            _balance(statement, "OPBD", "PRCD"),
            _balance(statement, "CLBD"),
            entry_lines,
            _text(statement, "Id") or str(number),
        )
        lines.extend(entry_lines)
    return BankStatement("camt053", account, with_keys(account, lines))
