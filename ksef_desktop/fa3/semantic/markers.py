"""Markers that must agree with the lines: reverse charge, exemption, corrections.

Also the shape of the lines themselves: negative amounts outside a correction and line
numbers used twice.
"""

from __future__ import annotations

from lxml import etree

from ksef_desktop.fa3.semantic.model import (
    TAXED_GROUPS,
    Doc,
    Report,
    Row,
    Value,
    child,
    children,
    local_name,
    text_of,
    to_date,
    to_decimal,
)
from ksef_desktop.i18n import N_

#: P_13 groups of supplies whose tax the buyer settles: np II (services of art. 28b, art.
#: 100 ust. 1 pkt 4) and oo (domestic reverse charge, art. 17 ust. 1 pkt 7 and 8).
REVERSE_CHARGE_GROUPS = ("9", "10")
#: np I: supplies outside Poland; the buyer may settle a foreign tax (P_18 either way).
OUTSIDE_GROUPS = ("8",)


def _rows(doc: Doc) -> list[Row]:
    return doc.lines + doc.order_rows


def _present(doc: Doc, groups: tuple[str, ...]) -> list[str]:
    """Where the invoice has supplies of ``groups``: line rates and non-zero P_13_x."""
    found = [f"P_12 {row.rate_text}" for row in _rows(doc) if row.group in groups]
    found += [f"P_13_{g}" for g in groups if g in doc.net and doc.net[g].amount != 0]
    return list(dict.fromkeys(found))


def check_reverse_charge(doc: Doc, report: Report) -> None:
    """reverse-charge: P_18 ("odwrotne obciążenie", art. 106e ust. 1 pkt 18) agrees with
    the rates, and domestic reverse charge has a buyer with a Polish NIP."""
    p18 = child(doc.annotations, "P_18")
    marked = text_of(p18)
    reverse = _present(doc, REVERSE_CHARGE_GROUPS)
    if p18 is not None and marked == "1" and not reverse and not _present(doc, OUTSIDE_GROUPS):
        taxed = [
            f"P_14_{g} = {doc.vat[g].raw}"
            for g in TAXED_GROUPS
            if g in doc.vat and doc.vat[g].amount != 0
        ]
        if taxed:
            report.add(
                "reverse-charge",
                p18,
                N_(
                    "P_18 = 1 says the buyer settles the tax (reverse charge), but no line is "
                    "oo or np II and the invoice charges Polish VAT: {taxed}."
                ),
                taxed=", ".join(taxed),
            )
    if p18 is not None and marked == "2" and reverse:
        report.add(
            "reverse-charge",
            p18,
            N_(
                "P_18 = 2, but the invoice has supplies whose tax the buyer settles ({found}): "
                "it must say “odwrotne obciążenie” (P_18 = 1, art. 106e ust. 1 pkt 18)."
            ),
            found=", ".join(reverse),
        )
    domestic = [row for row in _rows(doc) if row.group == "10"]
    buyer = doc.buyer_ids()
    if domestic and buyer is not None and child(buyer, "NIP") is None:
        rate = child(domestic[0].element, "P_12")
        if rate is None:
            rate = child(domestic[0].element, "P_12Z")
        report.add(
            "reverse-charge",
            rate if rate is not None else domestic[0].element,
            N_(
                "Domestic reverse charge (oo, art. 17 ust. 1 pkt 7 and 8) needs a buyer "
                "with a Polish NIP, but Podmiot2 has none."
            ),
        )


def check_exemption(doc: Doc, report: Report) -> None:
    """exemption: exempt supplies (zw, P_13_7) and the legal basis P_19/P_19A-C agree
    (art. 106e ust. 1 pkt 19)."""
    exemption = child(doc.annotations, "Zwolnienie")
    if exemption is None:
        return
    exempt = _present(doc, ("7",))
    has_basis = text_of(exemption, "P_19") == "1"
    none_marker = child(exemption, "P_19N")
    if exempt and not has_basis:
        report.add(
            "exemption",
            none_marker if none_marker is not None else exemption,
            N_(
                "The invoice has exempt supplies ({found}), but gives no legal basis of the "
                "exemption (P_19 with P_19A, P_19B or P_19C, art. 106e ust. 1 pkt 19)."
            ),
            found=", ".join(exempt),
        )
    has_amounts = bool(doc.lines or doc.order_rows or doc.net)
    exempt_anywhere = exempt or "7" in doc.net
    if has_basis and has_amounts and not exempt_anywhere:
        where = child(exemption, "P_19")
        report.add(
            "exemption",
            where if where is not None else exemption,
            N_(
                "P_19 = 1 gives the legal basis of an exemption, but no line is exempt (zw) "
                "and there is no P_13_7."
            ),
        )


def check_correction_lines(doc: Doc, report: Report) -> None:
    """correction-lines: StanPrzed/StanPrzedZ (the state before a correction) only in a
    correction."""
    if doc.is_correction:
        return
    for row in _rows(doc):
        if not row.marked_before:
            continue
        marker = child(row.element, "StanPrzed")
        if marker is None:
            marker = child(row.element, "StanPrzedZ")
        report.add(
            "correction-lines",
            marker if marker is not None else row.element,
            N_(
                "{name} = 1 marks the state before a correction, but this is a {kind} "
                "invoice, not a correction."
            ),
            name=local_name(marker) if marker is not None else "StanPrzed",
            kind=doc.kind,
        )


def check_correction_reference(doc: Doc, report: Report) -> None:
    """correction-reference: a correction names the corrected invoice (art. 106j ust. 2:
    its number and issue date, and its KSeF number when it has one)."""
    refs = children(doc.fa, "DaneFaKorygowanej")
    kind = child(doc.fa, "RodzajFaktury")
    if doc.is_correction and not refs:
        report.add(
            "correction-reference",
            kind if kind is not None else doc.fa,
            N_(
                "A correction ({kind}) names the invoice it corrects (DaneFaKorygowanej: "
                "number, issue date, KSeF number or NrKSeFN; art. 106j ust. 2), but this "
                "one names none."
            ),
            kind=doc.kind,
        )
    if refs and not doc.is_correction:
        report.add(
            "correction-reference",
            refs[0],
            N_(
                "DaneFaKorygowanej names a corrected invoice, but this is a {kind} invoice, "
                "not a correction."
            ),
            kind=doc.kind,
        )
        return
    seller = doc.seller_nip()
    for ref in refs:
        issued = child(ref, "DataWystFaKorygowanej")
        day = to_date(text_of(issued))
        if issued is not None and day and doc.issue_date and day > doc.issue_date:
            report.add(
                "correction-reference",
                issued,
                N_(
                    "The corrected invoice is dated {date}, after this correction's issue "
                    "date P_1 = {issued}."
                ),
                date=day.isoformat(),
                issued=doc.issue_date.isoformat(),
            )
        number = child(ref, "NrKSeFFaKorygowanej")
        ksef = text_of(number)
        if number is None or ksef is None or seller is None:
            continue
        owner = ksef.split("-", 1)[0]
        if len(owner) == 10 and owner.isdigit() and owner != seller:
            # The KSeF number begins with the NIP of the corrected invoice's seller.
            report.add(
                "correction-reference",
                number,
                N_(
                    "The KSeF number {number} belongs to an invoice of the seller {owner}, "
                    "but this correction's seller (Podmiot1) is {seller}."
                ),
                number=ksef,
                owner=owner,
                seller=seller,
            )


_LINE_AMOUNTS = ("quantity", "price", "gross_price", "discount", "net", "gross", "vat")


def check_negative(doc: Doc, report: Report) -> None:
    """negative: quantities and amounts below zero belong in a correction (art. 106j)."""
    if doc.is_correction or not doc.kind:
        return
    for row in _rows(doc):
        values: list[Value] = [
            v for v in (getattr(row, name) for name in _LINE_AMOUNTS) if v is not None
        ]
        negative = [v for v in values if v.amount < 0]
        if negative:
            report.add(
                "negative",
                negative[0].element,
                N_(
                    "{found} in a {kind} invoice: negative quantities and amounts belong in a "
                    "correction (KOR)."
                ),
                found=", ".join(f"{local_name(v.element)} = {v.raw}" for v in negative),
                kind=doc.kind,
            )
    totals = [*doc.net.values(), *doc.vat.values(), *([doc.total] if doc.total else [])]
    negative = [v for v in totals if v.amount < 0]
    if negative:
        report.add(
            "negative",
            negative[0].element,
            N_(
                "{found} in a {kind} invoice: negative quantities and amounts belong in a "
                "correction (KOR)."
            ),
            found=", ".join(f"{local_name(v.element)} = {v.raw}" for v in negative),
            kind=doc.kind,
        )


def check_line_numbers(doc: Doc, report: Report) -> None:
    """line-numbers: every NrWierszaFa / NrWierszaZam once. A correction's "before" row
    (StanPrzed) shares the number of its "after" row, as the official samples 2, 11-13
    and 18 show, so numbers are compared among rows of the same state."""
    for rows, name in ((doc.lines, "NrWierszaFa"), (doc.order_rows, "NrWierszaZam")):
        seen: dict[tuple[int, bool], etree._Element] = {}
        for row in rows:
            element = row.number_element
            value = to_decimal(row.number)
            if element is None or value is None or value != value.to_integral_value():
                continue
            key = (int(value), row.before)
            first = seen.setdefault(key, element)
            if first is element:
                continue
            parent = first.getparent()
            report.add(
                "line-numbers",
                element,
                N_(
                    "{name} {number} is used twice (also in {first}): each line has its own number."
                ),
                name=name,
                number=row.number,
                first=report.path(parent if parent is not None else first),
            )
