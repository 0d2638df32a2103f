"""When an invoice may be issued: art. 106i ustawy z dnia 11 marca 2004 r. o podatku od
towarów i usług.

Applied here:
- ust. 1: an invoice is issued no later than the 15th day of the month after the month
  of the delivery or service (P_6, each line's P_6A, or the end of the period P_6_Do);
- ust. 2: an advance invoice (ZAL), no later than the 15th day of the month after the
  month the payment was received (its P_6);
- ust. 7: an invoice may not be issued earlier than the 60th day before the delivery or
  service, or before the advance was received;
- ust. 8: ust. 7 does not apply to supplies settled in periods (art. 19a ust. 3, 4 and
  ust. 5 pkt 4) when the invoice says which period it covers: with OkresFa only the
  deadline is checked.
Not applied (the invoice does not show when they apply, so the warning names them):
ust. 3 (longer terms: 30 days for construction services, 60/90 days for printed
publications, the payment date for utilities, telecommunication, rent and the like).
Corrections (KOR, KOR_ZAL, KOR_ROZ) are not checked: their P_6 is the original date.
"""

from __future__ import annotations

from datetime import date, timedelta

from lxml import etree

from ksef_desktop.fa3.semantic.model import Doc, Report, child, local_name, text_of, to_date
from ksef_desktop.i18n import N_

TIMED_KINDS = frozenset({"VAT", "UPR", "ZAL", "ROZ"})
#: art. 106i ust. 7.
EARLIEST_DAYS = 60


def latest_issue_date(event: date) -> date:
    """The 15th day of the month after ``event``'s month (art. 106i ust. 1 and 2)."""
    year, month = (event.year + 1, 1) if event.month == 12 else (event.year, event.month + 1)
    return date(year, month, 15)


def earliest_issue_date(event: date) -> date:
    """The 60th day before ``event`` (art. 106i ust. 7)."""
    return event - timedelta(days=EARLIEST_DAYS)


def _events(doc: Doc) -> list[tuple[date, etree._Element, bool]]:
    """(date, element, whether ust. 7 applies) for every date of delivery the file gives."""
    events: list[tuple[date, etree._Element, bool]] = []
    sale = child(doc.fa, "P_6")
    day = to_date(text_of(sale))
    if sale is not None and day is not None:
        events.append((day, sale, True))
    end = child(child(doc.fa, "OkresFa"), "P_6_Do")
    day = to_date(text_of(end))
    if end is not None and day is not None:
        events.append((day, end, False))  # ust. 8
    for row in doc.lines:
        if row.sale_date is not None and row.sale_date_element is not None:
            events.append((row.sale_date, row.sale_date_element, True))
    return events


def check_timing(doc: Doc, report: Report) -> None:
    """timing: P_1 against P_6, P_6A and P_6_Do (art. 106i ust. 1, 2, 7 and 8)."""
    issued = doc.issue_date
    if doc.kind not in TIMED_KINDS or issued is None:
        return
    for day, element, early_limit in _events(doc):
        params = {
            "issued": issued.isoformat(),
            "name": local_name(element),
            "date": day.isoformat(),
        }
        if issued > latest_issue_date(day):
            if doc.kind == "ZAL":
                msgid = N_(
                    "The invoice is issued on {issued} (P_1), but the advance was received "
                    "on {date} ({name}): art. 106i ust. 2 requires the invoice by {deadline}, "
                    "the 15th day of the following month."
                )
            else:
                msgid = N_(
                    "The invoice is issued on {issued} (P_1), but the supply is dated {date} "
                    "({name}): art. 106i ust. 1 requires the invoice by {deadline}, the 15th "
                    "day of the following month (unless a longer term of ust. 3 applies)."
                )
            report.add(
                "timing", element, msgid, deadline=latest_issue_date(day).isoformat(), **params
            )
        elif early_limit and issued < earliest_issue_date(day):
            report.add(
                "timing",
                element,
                N_(
                    "The invoice is issued on {issued} (P_1), more than 60 days before {date} "
                    "({name}): art. 106i ust. 7 allows it from {earliest} on."
                ),
                earliest=earliest_issue_date(day).isoformat(),
                **params,
            )
