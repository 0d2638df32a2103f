"""The sections of the printed invoice, each a list of reportlab flowables.

Order and wording follow KSeF's own visualisation (KSEF-PROTOCOL.md §6): header,
seller and buyer, details, the lines, the amount due (also in Polish words), the VAT
summary per rate, annotations, payment, additional information, the verification
codes, and last the attachment (which may run over pages of its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from ksef_desktop.domain.invoice import Invoice, InvoiceKind, Line, Party
from ksef_desktop.domain.money import ZERO
from ksef_desktop.domain.totals import line_gross
from ksef_desktop.visual.amount_words import amount_in_words
from ksef_desktop.visual.codes import InvoiceCodes
from ksef_desktop.visual.pdf_extras import Extras
from ksef_desktop.visual.pdf_format import (
    address_lines,
    amount,
    bank_account,
    day,
    number,
    rate,
    tax_id,
)
from ksef_desktop.visual.pdf_labels import Labels
from ksef_desktop.visual.pdf_layout import (
    SHADE,
    QrCode,
    Styles,
    grid,
    labelled,
    para,
    plain,
)

WIDTH = 180 * mm - 12  # A4 minus 15 mm margins minus the frame's 6 pt paddings
#: An attachment table has at most 20 columns (FA(3) ``Kol``); any beyond are folded
#: into the last one, so that no column is narrower than its paddings.
MAX_ATTACHMENT_COLUMNS = 20


@dataclass(frozen=True)
class Context:
    """Everything a section needs: the invoice, the extras, labels, styles, language."""

    invoice: Invoice
    extras: Extras
    labels: Labels
    styles: Styles
    lang: str
    codes: InvoiceCodes | None  # None: issued during a total failure, no QR codes
    ksef_number: str | None
    logo: bytes | None = None  # the seller's logo (PNG or JPEG), from the settings
    online_pending: bool = False  # sent online, KSeF's number not known yet


def logo_image(data: bytes) -> Flowable:
    """The logo at most 40 × 18 mm, its proportions kept."""
    import io

    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    width, height = ImageReader(io.BytesIO(data)).getSize()
    scale = min(40 * mm / width, 18 * mm / height)
    image = Image(io.BytesIO(data), width=width * scale, height=height * scale)
    image.hAlign = "LEFT"
    return image


def header(c: Context) -> list[Flowable]:
    s, lab, inv = c.styles, c.labels, c.invoice
    left: list[Flowable] = [para("KSeF", s.title), para(lab("title"), s.small)]
    if c.logo:
        left.insert(0, logo_image(c.logo))
    right: list[Flowable] = [
        para(lab("number"), s.small_right),
        para(inv.number, s.number),
        para(lab.kind(inv.kind), s.right),
    ]
    if c.codes is None:
        right.append(para(lab("total_failure_note"), s.right))
    elif c.ksef_number and c.codes.kod2 is None:
        right.append(para(f"{lab('ksef_number')}: {c.ksef_number}", s.right))
    elif c.codes.kod2 is not None:
        right.append(para(lab("offline_note"), s.right))
    elif c.online_pending:
        right.append(para(lab("ksef_pending_note"), s.right))
    return [plain([[left, right]], [WIDTH * 0.35, WIDTH * 0.65]), Spacer(1, 4 * mm)]


def _party_cell(party: Party, heading: str, c: Context) -> list[Flowable]:
    s, lab = c.styles, c.labels
    cell: list[Flowable] = [para(heading, s.party_head), para(tax_id(party, lab), s.body)]
    cell.append(labelled(lab("name"), party.name, s.body))
    lines = address_lines(party.address)
    if lines:
        cell.append(labelled(lab("address"), ", ".join(lines), s.body))
    contact = [v for v in (party.email, party.phone) if v]
    if contact:
        cell.append(labelled(lab("contact"), ", ".join(contact), s.body))
    return cell


def parties(c: Context) -> list[Flowable]:
    lab = c.labels
    seller = _party_cell(c.invoice.seller, lab("seller"), c)
    buyer = _party_cell(c.invoice.buyer, lab("buyer"), c)
    out: list[Flowable] = [plain([[seller, buyer]], [WIDTH / 2, WIDTH / 2])]
    for third in c.extras.third_parties:
        role = c.labels.pick(third.role) if third.role else third.role_other or ""
        text = ", ".join(v for v in (third.identifier, third.name, *third.address) if v)
        heading = lab("third_party") + (f" ({role})" if role else "")
        out.append(Spacer(1, 2 * mm))
        out.append(labelled(heading, text, c.styles.body))
    return out


def details(c: Context) -> list[Flowable]:
    s, lab, inv, lang = c.styles, c.labels, c.invoice, c.lang
    items = [(lab("issue_date"), day(inv.issue_date, lang))]
    if inv.issue_place:
        items.append((lab("issue_place"), inv.issue_place))
    if inv.sale_date:
        items.append((lab("sale_date"), day(inv.sale_date, lang)))
    if inv.sale_period:
        start, end = inv.sale_period
        items.append((lab("sale_period"), f"{day(start, lang)} – {day(end, lang)}"))
    items.append((lab("currency"), inv.currency))
    if inv.exchange_rate is not None:
        items.append((lab("exchange_rate"), number(inv.exchange_rate, min_places=4)))
    if inv.exchange_rate_date:
        items.append((lab("exchange_rate_date"), day(inv.exchange_rate_date, lang)))
    out: list[Flowable] = [para(lab("details"), s.section)]
    out.extend(labelled(k, v, s.body) for k, v in items)
    out.extend(_correction(c))
    if c.extras.advance_invoices:
        out.append(labelled(lab("advance_invoices"), ", ".join(c.extras.advance_invoices), s.body))
    return out


def _correction(c: Context) -> list[Flowable]:
    corr = c.invoice.correction
    if corr is None:
        return []
    s, lab = c.styles, c.labels
    out: list[Flowable] = [para(lab("corrected"), s.section)]
    for item in corr.corrected:
        ksef = item.ksef_number or lab("outside_ksef")
        out.append(
            labelled(
                lab("corrected_number"),
                f"{item.number}; {lab('corrected_date')}: {day(item.issue_date, c.lang)}; "
                f"{lab('corrected_ksef')}: {ksef}",
                s.body,
            )
        )
    for buyer in c.extras.corrected_buyers:
        text = ", ".join(v for v in (buyer.identifier, buyer.name, *buyer.address) if v)
        out.append(labelled(lab("corrected_buyer"), text, s.body))
    if corr.reason:
        out.append(labelled(lab("correction_reason"), corr.reason, s.body))
    if corr.effect is not None:
        out.append(labelled(lab("correction_effect"), lab.correction_effect(corr.effect), s.body))
    return out


def _line_cells(
    index: str, line: Line, c: Context, with_discount: bool, with_fx: bool
) -> list[Any]:
    s, lab = c.styles, c.labels
    name = line.name
    if line.before_correction:
        name = f"{name} ({lab('before')})"
    elif c.invoice.correction is not None and _has_before(c.invoice):
        name = f"{name} ({lab('after')})"
    value = line.amount if line.has_amount else None
    cells: list[Any] = [
        para(index, s.cell),
        para(name, s.cell),
        para(number(line.quantity) if line.quantity is not None else "", s.cell_right),
        para(line.unit or "", s.cell),
        para(
            number(line.unit_price, min_places=2) if line.unit_price is not None else "",
            s.cell_right,
        ),
    ]
    if with_discount:
        cells.append(para(amount(line.discount) if line.discount else "", s.cell_right))
    cells.append(para(rate(line.rate, lab), s.cell))
    if with_fx:
        fx = line.exchange_rate
        cells.append(para(number(fx, min_places=4) if fx is not None else "", s.cell_right))
    cells.append(para(amount(value) if value is not None else "", s.cell_right))
    return cells


def _has_before(invoice: Invoice) -> bool:
    return any(line.before_correction for line in invoice.lines)


def lines(c: Context) -> list[Flowable]:
    inv, s, lab = c.invoice, c.styles, c.labels
    if not inv.lines:
        return []
    is_order = inv.kind in (InvoiceKind.ZAL, InvoiceKind.KOR_ZAL)
    with_discount = any(line.discount for line in inv.lines)
    gross = inv.prices_gross and not is_order
    head = [
        lab("col_no"),
        lab("col_name"),
        lab("col_qty"),
        lab("col_unit"),
        lab("col_price_gross" if gross else "col_price_net"),
    ]
    widths = [9 * mm, 0.0, 17 * mm, 14 * mm, 24 * mm]
    if with_discount:
        head.append(lab("col_discount"))
        widths.append(18 * mm)
    head.append(lab("col_rate"))
    widths.append(17 * mm)
    with_fx = any(line.exchange_rate is not None for line in inv.lines)
    if with_fx:
        head.append(lab("col_fx"))
        widths.append(17 * mm)
    head.append(lab("col_value_gross" if gross else "col_value_net"))
    widths.append(25 * mm)
    widths[1] = WIDTH - sum(widths)
    right = {2, 4, len(head) - 1} | ({5} if with_discount else set())
    if with_fx:
        right.add(len(head) - 2)
    header_row = [
        para(h, s.head_cell_right if i in right else s.head_cell) for i, h in enumerate(head)
    ]
    rows: list[list[Any]] = [header_row]
    shaded = []
    numbers = c.extras.line_numbers
    if len(numbers) != len(inv.lines):
        numbers = tuple(str(i) for i in range(1, len(inv.lines) + 1))
    for index, line in enumerate(inv.lines, start=1):
        rows.append(_line_cells(numbers[index - 1], line, c, with_discount, with_fx))
        if line.before_correction:
            shaded.append(("BACKGROUND", (0, index), (-1, index), SHADE))
    out: list[Flowable] = [para(lab("order_lines" if is_order else "lines"), s.section)]
    out.append(grid(rows, widths, extra=shaded))
    if is_order:
        value = c.extras.order_value
        if value is None:
            value = sum((line_gross(x, prices_gross=False) for x in inv.lines), ZERO)
        out.append(Spacer(1, 1 * mm))
        out.append(para(f"{lab('order_value')}: {amount(value)} {inv.currency}", s.right))
    return out


def amount_due(c: Context) -> list[Flowable]:
    inv, s, lab = c.invoice, c.styles, c.labels
    gross = inv.declared.gross if inv.declared is not None else ZERO
    words = amount_in_words(gross, inv.currency)
    return [
        para(f"{lab('amount_due')}: {amount(gross)} {inv.currency}", s.total),
        para(f"{lab('amount_words')}: {words}", s.right),
    ]


def _group_label(group: str, c: Context) -> str:
    rates = {x.rate for x in c.invoice.lines if x.rate is not None and x.rate.group == group}
    if len(rates) == 1:
        return rate(rates.pop(), c.labels)
    return c.labels.group_rate(group)


def vat_summary(c: Context) -> list[Flowable]:
    inv, s, lab = c.invoice, c.styles, c.labels
    declared = inv.declared
    if declared is None or not declared.groups:
        return []
    foreign = inv.is_foreign_currency and any(
        g.vat_pln is not None for g in declared.groups.values()
    )
    head = [lab("col_rate"), lab("col_net"), lab("col_vat"), lab("col_gross")]
    if foreign:
        head.append(lab("col_vat_pln"))
    rows: list[list[Any]] = [
        [para(h, s.head_cell if i == 0 else s.head_cell_right) for i, h in enumerate(head)]
    ]
    for group, total in declared.groups.items():
        vat = total.vat or ZERO
        row = [
            para(_group_label(group, c), s.cell),
            para(amount(total.net), s.cell_right),
            para(amount(vat) if total.vat is not None else "", s.cell_right),
            para(amount(total.net + vat), s.cell_right),
        ]
        if foreign:
            pln = f"{amount(total.vat_pln)} PLN" if total.vat_pln is not None else ""
            row.append(para(pln, s.cell_right))
        rows.append(row)
    total_row = [
        para(lab("total"), s.head_cell),
        para(amount(declared.net), s.head_cell_right),
        para(amount(declared.vat), s.head_cell_right),
        para(amount(declared.gross), s.head_cell_right),
    ]
    if foreign:
        vat_pln = sum((g.vat_pln or ZERO for g in declared.groups.values()), ZERO)
        total_row.append(para(f"{amount(vat_pln)} PLN", s.head_cell_right))
    rows.append(total_row)
    first = 30 * mm
    rest = (WIDTH - first) / (len(head) - 1)
    table = grid(rows, [first] + [rest] * (len(head) - 1))
    return [para(lab("vat_summary"), s.section), table]


def annotation_notes(c: Context) -> list[Flowable]:
    inv, s, lab, ex = c.invoice, c.styles, c.labels, c.extras
    items: list[Paragraph] = []
    yes = lab("yes")
    if inv.split_payment:
        items.append(labelled(lab("split_payment"), yes, s.body))
    if inv.cash_accounting:
        items.append(labelled(lab("cash_accounting"), yes, s.body))
    if inv.self_billing:
        items.append(labelled(lab("self_billing"), yes, s.body))
    if ex.reverse_charge:
        items.append(labelled(lab("reverse_charge"), yes, s.body))
    if inv.exemption is not None:
        items.append(labelled(lab("exemption"), inv.exemption.text, s.body))
    if ex.margin is not None:
        items.append(labelled(lab("margin"), lab.margin(ex.margin) or yes, s.body))
    if not items:
        return []
    return [para(lab("annotations"), s.section), *items]


def payment(c: Context) -> list[Flowable]:
    pay, s, lab, lang = c.invoice.payment, c.styles, c.labels, c.lang
    if pay is None:
        return []
    items: list[tuple[str, str]] = []
    if pay.method is not None:
        items.append((lab("payment_method"), lab.payment_method(pay.method)))
    if pay.due_date is not None:
        items.append((lab("due_date"), day(pay.due_date, lang)))
    if pay.bank_account:
        items.append((lab("bank_account"), bank_account(pay.bank_account)))
    if pay.bank_name:
        items.append((lab("bank_name"), pay.bank_name))
    if pay.paid:
        items.append((lab("paid"), lab("yes")))
    if pay.paid_date is not None:
        items.append((lab("paid_date"), day(pay.paid_date, lang)))
    if pay.payment_link:
        items.append((lab("payment_link"), pay.payment_link))
    if pay.ipksef:
        items.append((lab("ipksef"), pay.ipksef))
    if not items:
        return []
    return [para(lab("payment"), s.section), *(labelled(k, v, s.body) for k, v in items)]


def notes(c: Context) -> list[Flowable]:
    inv, s, lab = c.invoice, c.styles, c.labels
    out: list[Flowable] = []
    if inv.notes:
        out.append(para(lab("notes"), s.section))
        out.extend(labelled(k, v, s.body) for k, v in inv.notes)
    if inv.footer:
        out.append(para(lab("footer_info"), s.section))
        out.append(para(inv.footer, s.body))
    return out


def attachment(c: Context) -> list[Flowable]:
    s, lab = c.styles, c.labels
    if not c.extras.has_attachment:
        return []
    out: list[Flowable] = [para(lab("attachment"), s.section), para(lab("attachment_note"), s.body)]
    for block in c.extras.attachment:
        if block.heading:
            out.append(para(block.heading, s.head_cell))
        out.extend(labelled(k, v, s.small) for k, v in block.meta)
        out.extend(para(text, s.small) for text in block.paragraphs)
        for table in block.tables:
            out.append(Spacer(1, 2 * mm))
            if table.title:
                out.append(para(table.title, s.head_cell))
            out.extend(labelled(k, v, s.small) for k, v in table.meta)
            source = [_fold(r) for r in (table.header, *table.rows)]
            if table.totals:
                source.append(_fold(table.totals))
            columns = max([1, *(len(r) for r in source)])
            padded = [r + [""] * (columns - len(r)) for r in source]
            rows = [[para(v, s.small) for v in r] for r in padded]
            unit = WIDTH / (columns + 1)  # the first column (descriptions) is twice as wide
            out.append(grid(rows, [2 * unit] + [unit] * (columns - 1)))
    return out


def _fold(row: tuple[str, ...]) -> list[str]:
    """``row`` with the cells past ``MAX_ATTACHMENT_COLUMNS`` joined into the last one."""
    last = MAX_ATTACHMENT_COLUMNS - 1
    if len(row) <= MAX_ATTACHMENT_COLUMNS:
        return list(row)
    return [*row[:last], " | ".join(row[last:])]


def verification(c: Context) -> list[Flowable]:
    s, lab, codes = c.styles, c.labels, c.codes
    if codes is None:
        return [para(lab("verification"), s.section), para(lab("total_failure_text"), s.body)]
    kod1_cell: list[Flowable] = [
        para(lab("kod1_caption"), s.caption),
        Spacer(1, 1 * mm),
        QrCode(codes.kod1.url, 38 * mm),
        para(codes.kod1.label, s.caption),
        para(codes.kod1.url, s.small_center),
    ]
    cells: list[list[Flowable]] = [kod1_cell]
    if codes.kod2 is not None:
        cells.append(
            [
                para(lab("kod2_caption"), s.caption),
                Spacer(1, 1 * mm),
                QrCode(codes.kod2.url, 48 * mm),
                para(codes.kod2.label, s.caption),
            ]
        )
    table = plain([cells], [WIDTH / 2] * len(cells))
    table.hAlign = "CENTER"
    table.setStyle([("ALIGN", (0, 0), (-1, -1), "CENTER")])
    return [para(lab("verification"), s.section), table]


#: Sections before the totals; a long line table continues over pages here.
BODY = (header, parties, details, lines)
#: The totals through the codes: kept together so that they end on one (the last) page.
CLOSING = (amount_due, vat_summary, annotation_notes, payment, notes, verification)
#: After the codes: the attachment, which may run over several pages by itself.
APPENDIX = (attachment,)


def story(c: Context) -> list[Flowable]:
    out: list[Flowable] = []
    for section in BODY:
        out.extend(section(c))
    closing: list[Flowable] = []
    for section in CLOSING:
        closing.extend(section(c))
    out.append(KeepTogether(closing))
    for section in APPENDIX:
        out.extend(section(c))
    return out
