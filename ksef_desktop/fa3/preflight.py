"""KSeF's checks on an invoice file that the FA(3) XSD does not make.

Source: KSEF-PROTOCOL.md §3.2 "Invoice checks" (DOCS:`faktury/weryfikacja-faktury.md`):
UTF-8 without a BOM, a declaration (if any) naming UTF-8, no processing instructions,
none of the discouraged Unicode characters, at most 1 000 000 bytes (3 000 000 with an
attachment), ``P_1`` not later than the day of acceptance, and NIP checksums. On top of
those: country and currency codes in capitals, enumeration values written exactly (the
XSD's ``xsd:token`` collapses spaces, so `` 23`` passes the schema but not KSeF), and no
DOCTYPE at all (refused before any parser sees it, so nothing is ever expanded).

Every scan here is linear in the size of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from ksef_desktop.domain.identifiers import internal_id_is_valid, nip_checksum_ok
from ksef_desktop.fa3.defect import Defect
from ksef_desktop.fa3.schema import FA3_NAMESPACE
from ksef_desktop.fa3.schema_facts import schema_facts
from ksef_desktop.i18n import N_

MAX_SIZE = 1_000_000
MAX_SIZE_WITH_ATTACHMENT = 3_000_000
MAX_FORBIDDEN_REPORTED = 20  # one defect per line, at most this many lines

_UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
# UTF-16/32 without a BOM: "<" followed or preceded by NUL bytes.
_UTF16_START = re.compile(rb"\A(?:<\x00|\x00\x00?\x00?<)")

# KSeF's discouraged characters: [#x7F-#x84], [#x86-#x9F], [#xFDD0-#xFDEF] and the last
# two code points of planes 1-16 (#x1FFFE-#x1FFFF ... #x10FFFE-#x10FFFF).
_FORBIDDEN = re.compile(
    "[\x7f-\x84\x86-\x9f\ufdd0-\ufdef"
    + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17))
    + "]"
)
# The same characters as UTF-8 bytes (7F; C2 80-84, C2 86-9F; EF B7 90-AF; F0-F4 then
# 8F/9F/AF/BF BF BE-BF). Matching bytes is ~15x faster than a str character class with
# astral ranges: the engine skips quickly to one of the few lead bytes, and the
# look-behinds pick the continuation that belongs to it.
_FORBIDDEN_UTF8 = re.compile(
    rb"[\x7f\xc2\xef\xf0-\xf4](?:(?<=\x7f)|(?<=\xc2)[\x80-\x84\x86-\x9f]"
    rb"|(?<=\xef)\xb7[\x90-\xaf]|(?<=[\xf0-\xf4])[\x8f\x9f\xaf\xbf]\xbf[\xbe\xbf])"
)
# A character reference (&#128; &#x80;) may name one of them too.
_CHAR_REFERENCE = re.compile(rb"&#(?:x(?P<hex>[0-9A-Fa-f]{1,8})|(?P<dec>[0-9]{1,10}));")
_XML_DECL = re.compile(r"<\?xml[ \t\r\n][^>]*?\?>")
_VERSION = re.compile(r"[ \t\r\n]version[ \t\r\n]*=[ \t\r\n]*([\"'])(?P<value>[^\"'<>]*)\1")
_ENCODING = re.compile(r"[ \t\r\n]encoding[ \t\r\n]*=[ \t\r\n]*([\"'])(?P<value>[^\"'<>]*)\1")
_ATTACHMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Zalacznik[\s/>]")
_XML_SPACE = re.compile(r"[ \t\r\n]+")
_NIP_SHAPE = re.compile(r"[1-9]((\d[1-9])|([1-9]\d))\d{7}")  # the XSD's etd:TNrNIP pattern
_INTERNAL_ID_SHAPE = re.compile(_NIP_SHAPE.pattern + r"-\d{5}")  # tns:TNIPIdWew

_NS = "{" + FA3_NAMESPACE + "}"
_NIP_PARTIES = (
    ("Podmiot1", N_("The seller's NIP {nip} (Podmiot1) has a wrong check digit.")),
    ("Podmiot2", N_("The buyer's NIP {nip} (Podmiot2) has a wrong check digit.")),
    ("Podmiot3", N_("The NIP {nip} of a third party (Podmiot3) has a wrong check digit.")),
    (
        "PodmiotUpowazniony",
        N_("The NIP {nip} of the authorised entity (PodmiotUpowazniony) has a wrong check digit."),
    ),
)


@dataclass
class ByteScan:
    """What the byte-level checks found, and the bytes to hand to the XML parser."""

    defects: list[Defect] = field(default_factory=list)
    # UTF-8 bytes without a BOM and with the declared encoding set to UTF-8 (so the
    # parser reads what KSeF reads); None when the file must not be parsed at all.
    parse_bytes: bytes | None = None


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _show(value: str, limit: int = 60) -> str:
    """A value as it appears in the file, tabs and line breaks made visible, cut short."""
    value = value.replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def scan_bytes(data: bytes) -> ByteScan:
    scan = ByteScan()
    defects = scan.defects
    if data.startswith(_UTF8_BOM):
        defects.append(
            Defect(
                "bom",
                N_(
                    "The file starts with a byte order mark (BOM); KSeF accepts UTF-8 "
                    "without a BOM."
                ),
            )
        )
    _check_size(data, defects)
    data = data.removeprefix(_UTF8_BOM)
    if data.startswith(_OTHER_BOMS) or _UTF16_START.match(data):
        defects.append(
            Defect(
                "not-utf8",
                N_("The file is in UTF-16 or UTF-32; KSeF accepts only UTF-8."),
            )
        )
        return scan
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        defects.append(
            Defect(
                "not-utf8",
                N_("The file is not valid UTF-8 (byte 0x{byte} cannot be read); save it in UTF-8."),
                {"byte": f"{data[exc.start]:02X}"},
                line=data.count(b"\n", 0, exc.start) + 1,
            )
        )
        # Still point at the forbidden characters that are there.
        _check_forbidden(data, defects)
        return scan
    _check_forbidden(data, defects)
    declared_utf8 = _check_declaration(text, defects)
    doctype_line = _doctype_line(declared_utf8)
    if doctype_line is not None:
        defects.append(dtd_defect(doctype_line))
        return scan
    scan.parse_bytes = data if declared_utf8 is text else declared_utf8.encode("utf-8")
    return scan


def _check_size(data: bytes, defects: list[Defect]) -> None:
    if len(data) <= MAX_SIZE:
        return
    size = f"{len(data):,}".replace(",", " ")
    if _ATTACHMENT.search(data) is None:
        defects.append(
            Defect(
                "too-large",
                N_(
                    "The file size ({size} bytes) exceeds KSeF's limit of 1 000 000 bytes "
                    "for an invoice without an attachment."
                ),
                {"size": size},
            )
        )
    elif len(data) > MAX_SIZE_WITH_ATTACHMENT:
        defects.append(
            Defect(
                "too-large",
                N_(
                    "The file size ({size} bytes) exceeds KSeF's limit of 3 000 000 bytes "
                    "for an invoice with an attachment (Zalacznik)."
                ),
                {"size": size},
            )
        )


def _forbidden_hits(data: bytes) -> list[tuple[int, str]]:
    """(offset, character) of every forbidden character, literal or referenced."""
    hits = [
        (m.start(), m.group().decode("utf-8", "replace")) for m in _FORBIDDEN_UTF8.finditer(data)
    ]
    if b"&#" in data:
        for m in _CHAR_REFERENCE.finditer(data):
            code = int(m.group("hex"), 16) if m.group("hex") else int(m.group("dec"))
            char = chr(code) if code <= 0x10FFFF else ""
            if _FORBIDDEN.fullmatch(char):
                hits.append((m.start(), char))
        hits.sort()
    return hits


def _check_forbidden(data: bytes, defects: list[Defect]) -> None:
    reported_lines: set[int] = set()
    line, counted_to = 1, 0  # lines are counted incrementally: one pass over the data
    for offset, char in _forbidden_hits(data):
        line += data.count(b"\n", counted_to, offset)
        counted_to = offset
        if line in reported_lines:
            continue
        reported_lines.add(line)
        defects.append(
            Defect(
                "forbidden-char",
                N_(
                    "The character {char} is not allowed by KSeF (a control character or "
                    "a Unicode non-character)."
                ),
                {"char": f"U+{ord(char):04X}"},
                line=line,
            )
        )
        if len(reported_lines) >= MAX_FORBIDDEN_REPORTED:
            return


def _check_declaration(text: str, defects: list[Defect]) -> str:
    """Report a declaration naming another XML version or encoding; return the text with
    the declaration KSeF requires (version 1.0, UTF-8), so the parser reads the rest as
    KSeF would and reports nothing twice."""
    decl = _XML_DECL.match(text)
    if decl is None:
        return text
    version = _VERSION.search(decl.group())
    encoding = _ENCODING.search(decl.group())
    fixes: list[tuple[re.Match[str], str]] = []
    if version is not None and version.group("value") != "1.0":
        defects.append(
            Defect(
                "xml-version",
                N_("The XML declaration names version {version}; KSeF accepts XML 1.0."),
                {"version": version.group("value")},
                line=1,
            )
        )
        fixes.append((version, "1.0"))
    if encoding is not None and encoding.group("value").upper() != "UTF-8":
        defects.append(
            Defect(
                "encoding",
                N_(
                    "The XML declaration names the encoding {encoding}; KSeF accepts only "
                    'UTF-8 (encoding="UTF-8").'
                ),
                {"encoding": encoding.group("value")},
                line=1,
            )
        )
        fixes.append((encoding, "UTF-8"))
    for match, value in sorted(fixes, key=lambda fix: -fix[0].start("value")):
        start, end = match.span("value")
        text = text[:start] + value + text[end:]
    return text


def _doctype_line(text: str) -> int | None:
    """The line of a DOCTYPE in the prolog (after comments, PIs and spaces), if any."""
    i, n = 0, len(text)
    while i < n:
        if text[i] in " \t\r\n":
            i += 1
        elif text.startswith("<?", i):
            end = text.find("?>", i + 2)
            if end < 0:
                return None
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                return None
            i = end + 3
        elif text.startswith("<!DOCTYPE", i):
            return _line_of(text, i)
        else:
            return None
    return None


def dtd_defect(line: int | None) -> Defect:
    return Defect(
        "dtd",
        N_(
            "The file contains a DOCTYPE declaration (a DTD or entities); an invoice must "
            "not have one, and it was not processed."
        ),
        line=line,
    )


# --- checks on the parsed tree ---------------------------------------------------------


@dataclass
class TreeScan:
    defects: list[Defect] = field(default_factory=list)
    # Paths (as libxml2 writes them, /*/*[2]/*[1]) of elements already explained here:
    # the XSD's error on the same element would be a second message for one defect.
    claimed: set[str] = field(default_factory=set)


def processing_instructions(root: etree._Element) -> list[Defect]:
    found = [
        *root.itersiblings(etree.PI, preceding=True),
        *root.iter(etree.PI),
        *root.itersiblings(etree.PI),
    ]
    return [
        Defect(
            "processing-instruction",
            N_(
                "The processing instruction <?{target} ...?> is not allowed; KSeF refuses "
                "invoices with processing instructions."
            ),
            {"target": str(node.target)},
            line=node.sourceline,
        )
        for node in found
        if isinstance(node, etree._ProcessingInstruction)
    ]


def scan_tree(root: etree._Element, *, today: date) -> TreeScan:
    """The checks on an FA(3) ``Faktura`` that its XSD does not make."""
    scan = TreeScan()
    _check_enumerations(root, scan)
    _check_issue_date(root, today, scan)
    _check_identifiers(root, scan)
    return scan


def _local_name(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _check_enumerations(root: etree._Element, scan: TreeScan) -> None:
    fields = schema_facts().enum_fields
    # lxml filters by tag in C: only the elements that hold an enumeration come back.
    for element in root.iter(*(f"{_NS}{name}" for name in fields)):
        name = _local_name(element)
        spec = fields[name]
        raw = element.text
        if raw is None or raw in spec.values or len(element):
            continue
        line = element.sourceline or 0
        stripped = raw.strip(" \t\r\n")
        collapsed = _XML_SPACE.sub(" ", stripped)
        if spec.kind and stripped != stripped.upper() and stripped.upper() in spec.values:
            msgid = (
                N_("The country code '{value}' in {element} must be in capital letters: '{fixed}'.")
                if spec.kind == "country"
                else N_(
                    "The currency code '{value}' in {element} must be in capital letters: "
                    "'{fixed}'."
                )
            )
            defect = Defect(
                "lowercase-code",
                msgid,
                {"value": _show(raw), "element": name, "fixed": stripped.upper()},
                line=line or None,
            )
        elif collapsed in spec.values:
            defect = Defect(
                "enum-whitespace",
                N_("The value of {element} has extra spaces: '{value}'; write '{fixed}'."),
                {"value": _show(raw), "element": name, "fixed": collapsed},
                line=line or None,
            )
        else:
            continue  # not a spelling of an allowed value: the XSD explains it
        scan.defects.append(defect)
        scan.claimed.add(element.getroottree().getpath(element))


def _check_issue_date(root: etree._Element, today: date, scan: TreeScan) -> None:
    element = root.find(f"{_NS}Fa/{_NS}P_1")
    if element is None or element.text is None:
        return
    try:
        issued = date.fromisoformat(element.text.strip(" \t\r\n"))
    except ValueError:
        return  # the XSD reports a malformed date
    if issued > today:
        scan.defects.append(
            Defect(
                "issue-date-future",
                N_(
                    "The issue date P_1 ({date}) is later than today ({today}); KSeF "
                    "refuses invoices dated in the future."
                ),
                {"date": issued.isoformat(), "today": today.isoformat()},
                line=element.sourceline,
            )
        )
        # One message for P_1: not also the XSD's "after 2050-01-01".
        scan.claimed.add(element.getroottree().getpath(element))


def _check_identifiers(root: etree._Element, scan: TreeScan) -> None:
    for party, msgid in _NIP_PARTIES:
        for element in root.iterfind(f"{_NS}{party}/{_NS}DaneIdentyfikacyjne/{_NS}NIP"):
            nip = element.text or ""
            # A NIP of the wrong shape is the XSD's to report (pattern etd:TNrNIP).
            if _NIP_SHAPE.fullmatch(nip) and not nip_checksum_ok(nip):
                scan.defects.append(
                    Defect("nip-checksum", msgid, {"nip": nip}, line=element.sourceline)
                )
    for element in root.iterfind(f"{_NS}Podmiot3/{_NS}DaneIdentyfikacyjne/{_NS}IDWew"):
        value = element.text or ""
        if _INTERNAL_ID_SHAPE.fullmatch(value) and not internal_id_is_valid(value):
            scan.defects.append(
                Defect(
                    "internal-id-checksum",
                    N_(
                        "The internal identifier {value} of a third party (Podmiot3/IDWew) "
                        "has a wrong check digit."
                    ),
                    {"value": value},
                    line=element.sourceline,
                )
            )
