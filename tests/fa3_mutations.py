"""Structure-aware mutation of the official FA(3) samples, for fuzzing the commands.

``mutated_invoices()`` draws one of the Ministry's samples (tests/data/fa3-official),
parses it, applies one to eight mutations to the tree (hostile element texts, deletion,
duplication, reordering, deep nesting, unknown elements) and serialises it; a few
byte-level mutations then change what a tree cannot express (BOM, UTF-16, ISO-8859-2,
XML 1.1, processing instructions, DOCTYPE, raw control bytes, truncation).

Shared by tests/unit/test_fuzz_commands.py (a CI-sized slice) and
benchmarks/fuzz_campaign.py (the full campaign).
"""

from __future__ import annotations

import contextlib
import copy
import io
import traceback
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from hypothesis import strategies as st
from lxml import etree

from tests.conftest import OFFICIAL_SAMPLES


@cache
def _samples() -> tuple[bytes, ...]:
    return tuple(p.read_bytes() for p in OFFICIAL_SAMPLES)


_NUMBERS = (
    "1e999999",
    "1E+400",
    "-1e-999999",
    "9e999999999",
    "1E-1000000000",
    "NaN",
    "-Infinity",
    "Infinity",
    "sNaN",
    "-0",
    "0.000000000000000000000000000000001",
    "1_000",
    "1,5",
    " 12.50 ",
    "99999999999999999999999999999999999999999999",
    "-99999999999999999999.99",
    "123456789012345678901234567890.123456789012345678901234567890",
    "1" + "0" * 400,
    "0." + "0" * 400 + "1",
    "18446744073709551617",
    "-",
    ".",
    "",
)
_DATES = (
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "2026-13-01",
    "20260101",
    "2026-01-01T00:00:00",
    "+12026-01-01",
    "9999-12-31T23:59:59.999999+14:00",
    "0001-01-01T00:00:00-14:00",
    "2026-01-01T25:61:61Z",
)
_WORDS = (
    "W" * 5_000,
    "Ż" * 20_000,
    "x" * 100_000,
    "a " * 30_000,
    "\u200b" * 2_000,
    "\u202e" + "odwrócony" * 50,
    "\ufeff",
    "\ufffd" * 100,
    "\U0001f9fe" * 3_000,
    "\u0085\u0080\u009f",
    "\ufdd0\ufdef",
    "\t\n\r" * 100,
    "<b>&amp;</b>" * 200,
    "%s%n{0}{name}" * 20,
    "https://" + "a" * 10_000 + ".example",
    "\u0301" * 5_000,
    "\u4e00" * 4_000,
    "   ",
)
_CODES = ("PLN", "pln", "XXX", "ZZZ", "EUR", "CHF", "VAT", "KOR", "ZAL", "np I", "oo", "23", "5")


def hostile_texts() -> st.SearchStrategy[str]:
    printable = st.text(
        alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
        max_size=300,
    )
    return st.one_of(
        st.sampled_from(_NUMBERS),
        st.sampled_from(_DATES),
        st.sampled_from(_WORDS),
        st.sampled_from(_CODES),
        st.integers(min_value=-(10**60), max_value=10**60).map(str),
        st.integers(min_value=1, max_value=400).map(lambda n: "9" * n),
        st.builds(
            lambda m, e: f"{m}e{e}",
            st.integers(-999, 999),
            st.integers(-(10**12), 10**12),
        ),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        printable,
    )


def _xml_safe(text: str) -> str:
    """The characters of ``text`` that an XML 1.0 tree can hold (raw control bytes are a
    byte-level mutation of their own)."""
    return "".join(
        ch
        for ch in text
        if ch in "\t\n\r"
        or 0x20 <= ord(ch) <= 0xD7FF
        or 0xE000 <= ord(ch) <= 0xFFFD
        or ord(ch) >= 0x10000
    )


#: Copies stop growing a document past this many bytes (repeating an element that holds
#: earlier repeats would otherwise grow it exponentially); it is still above the
#: commands' 16 MB cap, so that refusal is exercised too.
MAX_DOCUMENT = 20 * 1024 * 1024


def _copies(root: etree._Element, target: etree._Element, wanted: int) -> int:
    """How many copies of ``target`` fit under ``MAX_DOCUMENT``."""
    room = MAX_DOCUMENT - len(etree.tostring(root))
    return max(0, min(wanted, room // max(1, len(etree.tostring(target)))))


def _elements(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str)]


def _apply_tree_mutation(draw: st.DrawFn, root: etree._Element) -> None:
    elements = _elements(root)
    target = elements[draw(st.integers(0, len(elements) - 1))]
    parent = target.getparent()
    op = draw(
        st.sampled_from(
            (
                "text",
                "text",
                "text",
                "leaf-text",
                "delete",
                "duplicate",
                "reorder",
                "nest",
                "unknown",
                "attribute",
                "repeat",
            )
        )
    )
    if op in ("text", "leaf-text"):
        if op == "leaf-text":
            leaves = [e for e in elements if len(e) == 0]
            target = leaves[draw(st.integers(0, len(leaves) - 1))]
        target.text = _xml_safe(draw(hostile_texts()))
    elif op == "delete" and parent is not None:
        parent.remove(target)
    elif op == "duplicate" and parent is not None and _copies(root, target, 1):
        parent.insert(parent.index(target) + 1, copy.deepcopy(target))
    elif op == "repeat" and parent is not None:
        times = _copies(root, target, draw(st.integers(2, 300)))
        at = parent.index(target) + 1
        for _ in range(times):
            parent.insert(at, copy.deepcopy(target))
    elif op == "reorder" and len(target):
        children = list(target)
        order = draw(st.permutations(range(len(children))))
        for child in children:
            target.remove(child)
        for i in order:
            target.append(children[i])
    elif op == "nest":
        depth = draw(st.integers(1, 3_000))
        node = target
        for _ in range(depth):
            node = etree.SubElement(node, target.tag)
        node.text = "1"
    elif op == "unknown":
        extra = etree.SubElement(target, draw(st.sampled_from(("Obcy", target.tag, "P_7"))))
        extra.text = _xml_safe(draw(hostile_texts()))
    elif op == "attribute":
        target.set(
            draw(st.sampled_from(("id", "xml:lang", "{urn:x}a"))).replace("xml:", "_"),
            _xml_safe(draw(hostile_texts()))[:1000],
        )


_BYTE_MUTATIONS = (
    "none",
    "none",
    "none",
    "none",
    "bom",
    "utf16",
    "latin2",
    "xml11",
    "pi",
    "doctype",
    "control",
    "truncate",
    "nul",
)


def _apply_byte_mutation(draw: st.DrawFn, raw: bytes) -> bytes:
    op = draw(st.sampled_from(_BYTE_MUTATIONS))
    decl = b'<?xml version="1.0" encoding="UTF-8"?>'
    body = raw.split(b"?>", 1)[1] if raw.startswith(b"<?xml") else raw
    if op == "bom":
        return b"\xef\xbb\xbf" + raw
    if op == "utf16":
        return raw.decode("utf-8").encode("utf-16")
    if op == "latin2":
        text = raw.decode("utf-8").replace("UTF-8", "ISO-8859-2", 1)
        return text.encode("iso-8859-2", "replace")
    if op == "xml11":
        return b'<?xml version="1.1" encoding="UTF-8"?>' + body
    if op == "pi":
        at = draw(st.integers(0, len(body)))
        cut = body.find(b">", at)
        cut = len(body) if cut < 0 else cut + 1
        return decl + body[:cut] + b"<?evil do-something?>" + body[cut:]
    if op == "doctype":
        return decl + b'<!DOCTYPE Faktura [<!ENTITY e "x">]>' + body
    if op == "control":
        at = draw(st.integers(0, len(raw)))
        byte = draw(st.sampled_from((b"\x01", b"\x1b", b"\x7f", b"\xc2\x85", b"\xff")))
        return raw[:at] + byte + raw[at:]
    if op == "truncate":
        return raw[: draw(st.integers(0, len(raw)))]
    if op == "nul":
        return raw.replace(b">", b">\x00", 1)
    return raw


@st.composite
def mutated_invoices(draw: st.DrawFn) -> bytes:
    samples = _samples()
    original = samples[draw(st.integers(0, len(samples) - 1))]
    root = etree.fromstring(original)
    for _ in range(draw(st.integers(1, 8))):
        _apply_tree_mutation(draw, root)
    raw = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return _apply_byte_mutation(draw, raw)


# --- running the commands ------------------------------------------------------------

COMMANDS = ("validate", "qr", "pdf")


@dataclass
class Outcome:
    """What one input did to the three commands."""

    codes: dict[str, int] = field(default_factory=dict)
    #: one line per failure of the contract: a crash, a traceback, a bad exit code, or
    #: qr/pdf not refusing a file validate refuses in its bytes
    failures: list[str] = field(default_factory=list)


def _argv(command: str, path: Path, out: Path) -> list[str]:
    if command == "validate":
        return ["--lang", "en", "validate", str(path)]
    if command == "qr":
        return ["--lang", "en", "qr", str(path), "--env", "test"]
    return ["--lang", "en", "pdf", str(path), "-o", str(out)]


def run_commands(data: bytes, folder: Path) -> Outcome:
    """``data`` through ``validate``, ``qr`` and ``pdf`` (in this process, as the command
    line runs them): each must end with exit 0, 1 or 2 and a message, never an
    exception or a traceback; and a file whose bytes ``validate`` refuses, qr and pdf
    refuse with the same sentences."""
    from ksef_desktop import cli
    from ksef_desktop.fa3.validate import document_defects
    from ksef_desktop.userfiles import MAX_INVOICE_FILE

    path = folder / "invoice.xml"
    out = folder / "invoice.pdf"
    path.write_bytes(data)
    out.unlink(missing_ok=True)
    outcome = Outcome()
    printed: dict[str, str] = {}
    for command in COMMANDS:
        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
                code = cli.main(_argv(command, path, out))
        except BaseException as exc:  # noqa: BLE001 - this is what the fuzzer looks for
            where = traceback.extract_tb(exc.__traceback__)[-1]
            outcome.failures.append(
                f"{command}: {type(exc).__name__} at {Path(where.filename).name}:{where.lineno}"
                f": {str(exc)[:200]}"
            )
            code = -1
        text = buffer.getvalue()
        printed[command] = text
        outcome.codes[command] = code
        if code not in (-1, 0, 1, 2):
            outcome.failures.append(f"{command}: exit code {code}")
        if "Traceback (most recent call last)" in text:
            outcome.failures.append(f"{command}: printed a traceback")
        if code in (1, 2) and not text.strip():
            outcome.failures.append(f"{command}: failed without a message")
    from ksef_desktop import i18n

    i18n.set_language("en")
    if len(data) > MAX_INVOICE_FILE:  # not read at all, by any of the three
        for command in COMMANDS:
            if outcome.codes[command] == 0 or "larger than" not in printed[command]:
                outcome.failures.append(f"{command}: read a file past the size cap")
        return outcome
    refused = document_defects(data)
    for command in ("qr", "pdf"):
        if refused and outcome.codes[command] == 0:
            outcome.failures.append(f"{command}: accepted a file validate refuses in its bytes")
        for defect in refused[:20]:
            if defect.text() not in printed[command]:
                outcome.failures.append(
                    f"{command}: did not say what validate says: {defect.text()[:120]}"
                )
                break
    return outcome
