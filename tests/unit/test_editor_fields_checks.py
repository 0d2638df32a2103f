"""The rules of the editor's newer fields: paid, bank name, sale period (domain.checks)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from lxml import etree

from ksef_desktop.domain.checks import check_invoice
from ksef_desktop.domain.invoice import Invoice, Payment
from ksef_desktop.fa3.build import build
from ksef_desktop.fa3.parse import parse
from ksef_desktop.fa3.schema import FA3_NAMESPACE, fa3_schema
from tests.unit.test_checks import TODAY, base

ACCOUNT = "PL61109010140000071219812874"
NS = {"f": FA3_NAMESPACE}

CASES = [
    ("sale_period", base(sale_date=TODAY, sale_period=(date(2026, 11, 1), date(2026, 11, 30)))),
    ("sale_period", base(sale_period=(date(2026, 11, 30), date(2026, 11, 1)))),
    ("sale_period", base(sale_period=(date(2005, 12, 31), date(2026, 11, 1)))),
    ("sale_period", base(sale_period=(date(2026, 11, 1), date(2050, 1, 2)))),
    ("sale_date", base(sale_date=date(2005, 12, 31))),
    ("payment.paid_date", base(payment=Payment(paid=True, paid_date=TODAY + timedelta(1)))),
    ("payment.paid_date", base(payment=Payment(paid=True, paid_date=date(2016, 6, 30)))),
    ("payment.paid_date", base(payment=Payment(paid_date=TODAY))),
    ("payment.due_date", base(payment=Payment(due_date=date(2050, 1, 2)))),
    ("payment.bank_name", base(payment=Payment(bank_name="mBank S.A."))),
]


@pytest.mark.parametrize(
    ("field", "invoice"), CASES, ids=[f"{i}-{c[0]}" for i, c in enumerate(CASES)]
)
def test_each_new_rule_refuses_at_its_field_in_polish_and_english(
    field: str, invoice: Invoice
) -> None:
    problems = [p for p in check_invoice(invoice, today=TODAY) if p.field == field]
    assert problems, [(p.field, p.text("en")) for p in check_invoice(invoice, today=TODAY)]
    for problem in problems:
        assert problem.text("en") != problem.text("pl")
        assert "{" not in problem.text("pl")


def test_the_date_range_message_names_the_bounds() -> None:
    (problem,) = [
        p
        for p in check_invoice(base(sale_date=date(2005, 12, 31)), today=TODAY)
        if p.field == "sale_date"
    ]
    assert problem.text("pl") == "FA(3) przyjmuje tylko daty od 01.01.2006 do 01.01.2050."


@pytest.mark.parametrize(
    "invoice",
    [
        # Paid at issue by card, with a due date too: FA(3) allows Zaplacono beside TerminPlatnosci.
        base(
            sale_period=(date(2026, 11, 1), date(2026, 11, 30)),
            payment=Payment(
                paid=True,
                paid_date=TODAY,
                due_date=TODAY + timedelta(14),
                bank_account=ACCOUNT,
                bank_name="mBank S.A.",
            ),
        ),
        base(sale_period=(TODAY, TODAY), payment=Payment(paid=True, paid_date=date(2016, 7, 1))),
        base(sale_date=date(2006, 1, 1), payment=Payment(due_date=date(2050, 1, 1))),
    ],
)
def test_allowed_combinations_pass_build_valid_and_parse_back(invoice: Invoice) -> None:
    assert check_invoice(invoice, today=TODAY) == []
    xml = build(invoice)
    root = etree.fromstring(xml)
    assert fa3_schema().validate(root), fa3_schema().error_log
    assert parse(xml).payment == invoice.payment
    assert parse(xml).sale_period == invoice.sale_period
    if invoice.sale_period is not None:
        assert root.findtext("f:Fa/f:OkresFa/f:P_6_Od", namespaces=NS) == str(
            invoice.sale_period[0]
        )
        assert root.find("f:Fa/f:P_6", NS) is None
