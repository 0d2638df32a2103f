"""Invoices this program writes are consistent by construction: no semantic warning.

``tests/strategies.invoices()`` covers the domain model (VAT, KOR, ZAL; every rate, net
and gross prices, discounts, foreign currencies, corrections with lines before/after,
exemptions, reverse charge, bank accounts); fa3/build.py writes them. A warning on any
of them is a false alarm of fa3/semantic (or a mistake of build.py).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from ksef_desktop.domain.invoice import Invoice
from ksef_desktop.fa3.build import build
from ksef_desktop.fa3.semantic import invoice_warnings, semantic_warnings
from tests.strategies import invoices


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices())
def test_built_invoices_never_warn(invoice: Invoice) -> None:
    warnings = semantic_warnings(build(invoice))
    assert [w.text("en") for w in warnings] == []


@settings(max_examples=50, deadline=None)
@given(invoices())
def test_the_editor_sees_the_same_as_the_file(invoice: Invoice) -> None:
    from_file = [(w.code, w.path, dict(w.params)) for w in semantic_warnings(build(invoice))]
    from_editor = [(w.code, w.path, dict(w.params)) for w in invoice_warnings(invoice)]
    assert from_editor == from_file
