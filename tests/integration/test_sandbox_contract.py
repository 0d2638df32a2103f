"""The response checker itself bites; the request examples of open-api.json are replayed
in test_sandbox_examples.py, and every answer of the suite's sandboxes goes through the
checker (the ``api`` fixture's hook)."""

from __future__ import annotations

import pytest

from tests.contract.openapi import ContractViolation, contract


def test_the_checker_rejects_a_wrong_body() -> None:
    with pytest.raises(ContractViolation, match="required"):
        contract().validate_body(
            "GET", "/sessions", 200, "application/json", b'{"sessions":[{"referenceNumber":1}]}'
        )
    with pytest.raises(ContractViolation, match="not documented"):
        contract().validate_body("GET", "/sessions", 418, "application/json", b"{}")
    with pytest.raises(ContractViolation, match="no such operation"):
        contract().validate_body("GET", "/no/such/path", 200, "application/json", b"{}")
