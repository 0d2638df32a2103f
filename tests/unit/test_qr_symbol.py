"""Our faster mask choice gives exactly the symbol ``qrcode``'s own ``make`` gives."""

from __future__ import annotations

import json

import pytest
import qrcode
from hypothesis import given, settings
from hypothesis import strategies as st
from qrcode.constants import ERROR_CORRECT_M

from ksef_desktop.visual.qr_symbol import make_matrix
from tests.conftest import DATA

VECTORS = json.loads((DATA / "vectors" / "ksef-test-vectors.json").read_text("utf-8"))


def reference(data: bytes) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return [[bool(m) for m in row] for row in code.get_matrix()]


@pytest.mark.parametrize("key", ["kod1_official_doc_example", "kod2_official_doc_example"])
def test_official_links_give_qrcodes_own_symbol(key: str) -> None:
    data = VECTORS[key]["expectedUrl"].encode()
    assert make_matrix(data) == reference(data)


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=1, max_size=1500) | st.text(min_size=1, max_size=900).map(str.encode))
def test_any_data_gives_qrcodes_own_symbol(data: bytes) -> None:
    assert make_matrix(data) == reference(data)
