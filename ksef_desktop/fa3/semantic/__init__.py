"""Beyond the schema: warnings for the legal and arithmetic mistakes KSeF accepts.

``semantic_warnings(bytes)`` reads an FA(3) file and returns ``SemanticWarning``s, each
naming its rule (``code``), the element (``path``, ``line``) and the values found, in
Polish and English. They are warnings, not defects: KSeF accepts such an invoice, but it
is wrong in law or in its arithmetic. ``validate`` prints them after the defects; the
editor shows those of the invoice being typed (``invoice_warnings``).

Every rule is pure and never raises: a value it cannot read leaves it silent (the XSD
reports malformed values). RULES lists the codes; the modules cite the provisions.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from ksef_desktop.domain.invoice import Invoice
from ksef_desktop.fa3.semantic import advances, amounts, markers, numbers, timing
from ksef_desktop.fa3.semantic.model import NS, Doc, Report, SemanticWarning

__all__ = ["RULES", "SemanticWarning", "invoice_warnings", "semantic_warnings", "tree_warnings"]

Check = Callable[[Doc, Report], None]

#: code → the check that reports it, in the order warnings of one element are listed.
RULES: dict[str, Check] = {
    "line-value": amounts.check_line_values,
    "line-vat": amounts.check_line_vat,
    "rate-net": amounts.check_rate_sums,
    "rate-vat": amounts.check_rate_vat,
    "total": amounts.check_total,
    "charges": amounts.check_charges,
    "currency": amounts.check_currency,
    "currency-tax": amounts.check_currency_tax,
    "advance-order": advances.check_advance_order,
    "advance-split": advances.check_advance_split,
    "advance-settlement": advances.check_advance_settlement,
    "correction-lines": markers.check_correction_lines,
    "correction-reference": markers.check_correction_reference,
    "negative": markers.check_negative,
    "line-numbers": markers.check_line_numbers,
    "reverse-charge": markers.check_reverse_charge,
    "exemption": markers.check_exemption,
    "bank-account": numbers.check_bank_accounts,
    "nip": numbers.check_nips,
    "ksef-number": numbers.check_ksef_numbers,
    "timing": timing.check_timing,
}


def tree_warnings(root: etree._Element) -> list[SemanticWarning]:
    """The warnings of a parsed FA(3) ``Faktura``; [] for any other document."""
    if root.tag != NS + "Faktura":
        return []
    doc = Doc(root)
    report = Report()
    for check in RULES.values():
        check(doc, report)
    return sorted(report.warnings, key=lambda w: -1 if w.line is None else w.line)


def semantic_warnings(data: bytes) -> list[SemanticWarning]:
    """The warnings of an FA(3) file's bytes; [] when they cannot be parsed (``validate``
    says why)."""
    from ksef_desktop.fa3 import preflight
    from ksef_desktop.fa3.xmlsafe import UnsafeXmlError, parse_untrusted

    scan = preflight.scan_bytes(bytes(data))
    if scan.parse_bytes is None:
        return []
    try:
        root = parse_untrusted(scan.parse_bytes)
    except (etree.XMLSyntaxError, UnsafeXmlError):
        return []
    return tree_warnings(root)


def invoice_warnings(invoice: Invoice) -> list[SemanticWarning]:
    """The warnings of ``invoice`` as this program would write it (the editor's view).

    An invoice that cannot be written yet (no seller NIP, ...) has none: the editor
    shows why it cannot be issued instead.
    """
    from ksef_desktop.fa3.build import build
    from ksef_desktop.fa3.xmlsafe import parse_untrusted

    try:
        data = build(invoice)
    except (ValueError, ArithmeticError):
        return []
    return [
        SemanticWarning(w.code, w.path, w.msgid, w.params, None)
        for w in tree_warnings(parse_untrusted(data))
    ]
