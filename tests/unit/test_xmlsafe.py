"""Hostile XML is refused without expanding anything."""

from __future__ import annotations

import pytest
from lxml import etree

from ksef_desktop.fa3.xmlsafe import UnsafeXmlError, parse_untrusted

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol4;</lolz>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<foo>&xxe;</foo>"""


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_dtd_documents_are_refused(doc: bytes) -> None:
    with pytest.raises(UnsafeXmlError):
        parse_untrusted(doc)


def test_external_entity_is_never_read() -> None:
    parser_root = etree.fromstring(
        EXTERNAL_ENTITY, parser=etree.XMLParser(resolve_entities=False, load_dtd=False)
    )
    assert "root:" not in etree.tostring(parser_root).decode()


def test_plain_document_parses() -> None:
    assert parse_untrusted(b"<a><b>1</b></a>").findtext("b") == "1"


def test_garbage_is_a_syntax_error() -> None:
    with pytest.raises(etree.XMLSyntaxError):
        parse_untrusted(b"<a><b></a>")
