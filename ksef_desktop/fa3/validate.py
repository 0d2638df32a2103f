"""Is this file an FA(3) invoice that KSeF will accept? ``validate(bytes) -> [Defect]``.

Three stages, each only when the one before allows it:
1. bytes (preflight.scan_bytes): BOM, UTF-8, declared encoding, forbidden characters,
   size, DOCTYPE. A DOCTYPE or undecodable bytes stop here: nothing is parsed.
2. parsing with the hardened parser (xmlsafe.parse_untrusted): no DTD, no entity is ever
   loaded or expanded, no network.
3. the tree: processing instructions, then for a ``Faktura`` in the FA(3) namespace the
   official XSD plus the checks it misses (preflight.scan_tree); the XSD's errors become
   readable sentences (xsd_messages), one per defect.

``validate`` never raises: every failure of the input is a ``Defect``.
"""

from __future__ import annotations

import threading
from datetime import date

from lxml import etree

from ksef_desktop.fa3 import preflight
from ksef_desktop.fa3.defect import Defect
from ksef_desktop.fa3.schema import FA3_NAMESPACE, fa3_schema
from ksef_desktop.fa3.xmlsafe import UnsafeXmlError, parse_untrusted
from ksef_desktop.fa3.xsd_messages import syntax_defect, xsd_defects

__all__ = ["Defect", "document_defects", "read_document", "validate"]

# An lxml XMLSchema must not validate in two threads at once (its error log is shared).
_schema_lock = threading.Lock()
_ROOT_TAG = "{" + FA3_NAMESPACE + "}Faktura"


def validate(data: bytes, *, today: date) -> list[Defect]:
    """Every defect of ``data`` as an FA(3) invoice sent to KSeF on ``today``; [] = valid."""
    defects, root = read_document(data)
    if root is None:
        return _ordered(defects)
    claimed: set[str] = set()
    if root.tag == _ROOT_TAG:
        tree_scan = preflight.scan_tree(root, today=today)
        defects.extend(tree_scan.defects)
        claimed = tree_scan.claimed
    schema = fa3_schema()
    with _schema_lock:
        schema.validate(root)
        log = list(schema.error_log)
    defects.extend(xsd_defects(log, claimed))
    return _ordered(defects)


def read_document(data: bytes) -> tuple[list[Defect], etree._Element | None]:
    """Stages 1 and 2 and the processing instructions: what KSeF refuses in the bytes
    themselves, and the parsed tree (None when the file must not or cannot be parsed).

    ``qr`` and ``pdf`` refuse a file with any of these defects, with the same messages
    as ``validate``: a code over bytes KSeF never accepts would point at nothing.
    """
    scan = preflight.scan_bytes(bytes(data))
    defects = scan.defects
    if scan.parse_bytes is None:
        return defects, None
    try:
        root = parse_untrusted(scan.parse_bytes)
    except UnsafeXmlError:
        defects.append(preflight.dtd_defect(None))
        return defects, None
    except etree.XMLSyntaxError as exc:
        defects.append(syntax_defect(exc))
        return defects, None
    defects.extend(preflight.processing_instructions(root))
    return defects, root


def document_defects(data: bytes) -> list[Defect]:
    """The defects ``read_document`` finds, in ``validate``'s order; [] = readable bytes."""
    return _ordered(read_document(data)[0])


def _ordered(defects: list[Defect]) -> list[Defect]:
    """Whole-file defects first, then by line (stable: same line keeps check order)."""
    return sorted(defects, key=lambda d: -1 if d.line is None else d.line)
