"""Hostile XML is refused with the "dtd" defect: nothing expanded, fetched or read.

A real HTTP server on 127.0.0.1 stands where an attacker's server would be; a file with a
secret marker stands where /etc/passwd would be. Neither may be touched.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from ksef_desktop.fa3.validate import validate
from tests.conftest import DATA

TODAY = date(2026, 11, 24)
SAMPLE = (DATA / "fa3-official" / "FA_3_Przykład_1.xml").read_bytes()
MARKER = "SECRET-MARKER-7f3a"


class _Recorder(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = f'<!ENTITY leak "{MARKER}">'.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Recorder.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def secret_file(tmp_path: Path) -> str:
    path = tmp_path / "secret.txt"
    path.write_text(MARKER, encoding="utf-8")
    return path.as_uri()


def _with_doctype(doctype: str, name: str = "&e;") -> bytes:
    """Sample 1 with ``doctype`` before the root and Podmiot1's Nazwa set to ``name``."""
    data = SAMPLE.replace(b"\r\n<Faktura", f"\r\n{doctype}\r\n<Faktura".encode(), 1)
    return data.replace(b"<Nazwa>ABC AGD sp. z o. o.</Nazwa>", f"<Nazwa>{name}</Nazwa>".encode(), 1)


def _hostile(url: str, file_uri: str) -> dict[str, bytes]:
    lol = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    return {
        "external entity (file)": _with_doctype(
            f'<!DOCTYPE Faktura [<!ENTITY e SYSTEM "{file_uri}">]>'
        ),
        "external entity (http)": _with_doctype(
            f'<!DOCTYPE Faktura [<!ENTITY e SYSTEM "{url}/entity">]>'
        ),
        "billion laughs": _with_doctype(f"<!DOCTYPE Faktura [{lol}]>", "&l9;"),
        "parameter entities": _with_doctype(
            f'<!DOCTYPE Faktura [<!ENTITY % p SYSTEM "{url}/param.dtd"> %p;'
            f'<!ENTITY % f SYSTEM "{file_uri}"> %f;]>',
            "&leak;",
        ),
        "external DTD": _with_doctype(f'<!DOCTYPE Faktura SYSTEM "{url}/faktura.dtd">', "x"),
        "public external DTD": _with_doctype(
            f'<!DOCTYPE Faktura PUBLIC "-//X//DTD X//EN" "{url}/public.dtd">', "x"
        ),
        "DOCTYPE after a comment and a PI": b"<!-- c --><?x y?>\n"
        + f'<!DOCTYPE a [<!ENTITY e SYSTEM "{file_uri}">]><a>&e;</a>'.encode(),
        "DOCTYPE without a declaration": f'<!DOCTYPE a SYSTEM "{url}/a.dtd"><a/>'.encode(),
    }


CASES = list(_hostile("http://h", "file:///f"))


@pytest.mark.parametrize("case", CASES)
def test_hostile_xml_is_refused_untouched(case: str, server: str, secret_file: str) -> None:
    data = _hostile(server, secret_file)[case]
    defects = validate(data, today=TODAY)
    assert [d.code for d in defects] == ["dtd"]
    for defect in defects:
        for lang in ("pl", "en"):
            text = defect.text(lang)
            assert MARKER not in text
            assert "lollol" not in text
    assert _Recorder.hits == []


def test_the_server_would_have_noticed_a_fetch(server: str) -> None:
    """The recorder works: a plain GET shows up in its hits."""
    import urllib.request

    with urllib.request.urlopen(f"{server}/probe", timeout=5) as response:
        assert MARKER.encode() in response.read()
    assert _Recorder.hits == ["/probe"]


def test_a_doctype_never_reaches_the_xml_parser() -> None:
    """The byte scan refuses the DOCTYPE, so libxml2 never reads the DTD at all."""
    from ksef_desktop.fa3.preflight import scan_bytes

    data = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'
    assert scan_bytes(data).parse_bytes is None  # the prolog scan stops it first
    (defect,) = validate(data, today=TODAY)
    assert defect.code == "dtd"


def test_schema_location_hints_and_xinclude_are_never_followed(
    server: str, secret_file: str
) -> None:
    """No DOCTYPE, but still pointers outward: an xsi:schemaLocation hint and an
    XInclude. Neither is fetched or read; the XSD simply refuses the foreign element."""
    data = SAMPLE.replace(
        b"<Faktura ",
        f'<Faktura xsi:schemaLocation="http://crd.gov.pl/wzor/2025/06/25/13775/ '
        f'{server}/evil.xsd" '.encode(),
        1,
    ).replace(
        b"<P_1M>Warszawa</P_1M>",
        f'<P_1M>Warszawa</P_1M><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
        f'href="{secret_file}" parse="text"/>'.encode(),
        1,
    )
    defects = validate(data, today=TODAY)
    assert [d.code for d in defects] == ["xsd"]
    assert "include" in defects[0].text("en")
    assert MARKER not in defects[0].text("en")
    assert _Recorder.hits == []
