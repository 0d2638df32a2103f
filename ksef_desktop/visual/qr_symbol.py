"""QR symbols from the ``qrcode`` package, with its mask choice made faster.

``qrcode`` picks the mask (ISO/IEC 18004 §7.8.3) by laying out the whole symbol eight
times and scoring each layout cell by cell in Python: about 20 ms for a KOD II link,
most of an invoice PDF's time. The symbol is identical whichever way the score is
computed, so here the data is laid out once (by ``qrcode``), the eight masked variants
are derived with integer XORs per row, and the four penalty rules are counted with bit
operations and regular expressions; ``qrcode`` then builds the final symbol with the
chosen mask. The result is the exact symbol ``qrcode``'s own ``make(fit=True)`` gives
(tests compare them).
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise
from typing import Any

import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_M

_RUNS = re.compile(r"0{5,}|1{5,}")
_FINDER_LIKE = re.compile(r"(?=10111010000|00001011101)")


class _Recording(qrcode.QRCode):  # type: ignore[type-arg]
    """Remembers which modules were free for data when the data was laid out."""

    data_cells: list[list[bool]]

    def map_data(self, data: Any, mask_pattern: int) -> None:
        self.data_cells = [[cell is None for cell in row] for row in self.modules]
        super().map_data(data, mask_pattern)


def _row_int(bits: list[bool] | list[bool | None]) -> int:
    value = 0
    for bit in bits:
        value = (value << 1) | bool(bit)
    return value


@lru_cache(maxsize=32)
def _mask_rows(size: int, pattern: int) -> tuple[int, ...]:
    test = util.mask_func(pattern)
    return tuple(_row_int([test(r, c) for c in range(size)]) for r in range(size))


def _penalty(rows: list[int], size: int) -> int:
    """The four penalty rules, scored exactly as ``qrcode.util.lost_point`` scores them."""
    texts = [format(row, f"0{size}b") for row in rows]
    columns = ["".join(col) for col in zip(*texts, strict=True)]
    # Every row and column in one string; "2" between them stops runs and patterns.
    lines = "2".join((*texts, *columns))
    lost = sum(len(run) - 2 for run in _RUNS.findall(lines))
    lost += 40 * len(_FINDER_LIKE.findall(lines))
    full = (1 << size) - 1
    for upper, lower in pairwise(rows):
        dark = upper & lower
        light = ~(upper | lower) & full
        lost += 3 * ((dark & (dark >> 1)) | (light & (light >> 1))).bit_count()
    dark_count = sum(row.bit_count() for row in rows)
    percent = float(dark_count) / (size**2)
    lost += int(abs(percent * 100 - 50) / 5) * 10
    return lost


def make_matrix(data: bytes) -> list[list[bool]]:
    """The modules of the QR symbol of ``data`` (error correction M, no quiet zone)."""
    code = _Recording(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.best_fit()
    # Lay out with mask 0 as qrcode's own mask search does (format bits light), then
    # undo mask 0 on the data modules to get the unmasked layout.
    code.makeImpl(True, 0)
    size = code.modules_count
    data_rows = [_row_int(row) for row in code.data_cells]
    mask0 = _mask_rows(size, 0)
    base = [
        _row_int(row) ^ (cells & m)
        for row, cells, m in zip(code.modules, data_rows, mask0, strict=True)
    ]
    best_pattern, best_lost = 0, -1
    for pattern in range(8):
        masks = _mask_rows(size, pattern)
        rows = [b ^ (cells & m) for b, cells, m in zip(base, data_rows, masks, strict=True)]
        lost = _penalty(rows, size)
        if best_lost < 0 or lost < best_lost:
            best_pattern, best_lost = pattern, lost
    # Re-mask the data modules from mask 0 to the best mask and write the real format
    # (and version) information, as qrcode's makeImpl(False, best) would.
    change = _mask_rows(size, best_pattern)
    for r, (cells, m0, mb) in enumerate(zip(data_rows, mask0, change, strict=True)):
        flip = cells & (m0 ^ mb)
        if flip:
            row = code.modules[r]
            for c in range(size):
                if flip >> (size - 1 - c) & 1:
                    row[c] = not row[c]
    code.setup_type_info(False, best_pattern)
    if code.version >= 7:
        code.setup_type_number(False)
    return [[bool(m) for m in row] for row in code.modules]
