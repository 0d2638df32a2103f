"""The Qt binding we run on must not corrupt Python's reference counts.

PySide6 6.12.0's ``Signal.emit()`` returns ``True`` without a reference: every emit
lowers ``True``'s count by one and, on Python 3.11, the process aborts ("bool_dealloc")
after a few thousand signals. pyproject.toml excludes that release; this test catches
any other with the same bug.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    ping = Signal(object)


def test_emit_keeps_the_reference_count_of_true(qapp) -> None:
    emitter = _Emitter()
    received: list[object] = []
    emitter.ping.connect(received.append)
    before = sys.getrefcount(True)
    for i in range(200):
        emitter.ping.emit(i)
    after = sys.getrefcount(True)
    assert len(received) == 200
    assert after >= before - 5, f"True lost {before - after} references in 200 emits"
