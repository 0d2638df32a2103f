"""Hardened XML parsing for bytes that come from outside (files, the network).

No network access, no DTD loading, no entity resolution or expansion, no huge-tree
mode: an external entity or a "billion laughs" document is refused, never expanded.
"""

from __future__ import annotations

from lxml import etree


class UnsafeXmlError(ValueError):
    """The document declares a DTD or entities, which KSeF documents never need."""


def safe_parser(*, remove_blank_text: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=remove_blank_text,
    )


def parse_untrusted(data: bytes) -> etree._Element:
    """Parse ``data`` into an element tree, refusing any DTD (and so any entity).

    Raises ``UnsafeXmlError`` for a DOCTYPE and ``etree.XMLSyntaxError`` for bytes that
    are not well-formed XML.
    """
    root = etree.fromstring(data, parser=safe_parser())
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXmlError("DOCTYPE declarations are not allowed")
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise UnsafeXmlError("entity references are not allowed")
    return root
