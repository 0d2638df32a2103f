"""Bank statements as Polish banks export them: MT940 (with the banks' own layouts of
field 86) and ISO 20022 camt.053, read into one model (``bank.model``).

``read_statement(data)`` tells the formats apart and returns a ``BankStatement`` whose
lines each carry a stable key, so that importing the same statement again finds the
lines it already has. No I/O beyond the bytes given, no Qt.
"""

from __future__ import annotations

from ksef_desktop.bank.model import (
    BankLine,
    BankStatement,
    Direction,
    StatementError,
    read_statement,
)

__all__ = ["BankLine", "BankStatement", "Direction", "StatementError", "read_statement"]
