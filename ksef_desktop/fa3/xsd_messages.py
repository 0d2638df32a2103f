"""libxml2's XSD and syntax errors turned into one clear sentence each (Polish/English).

libxml2 speaks of ``Element '{http://crd.gov.pl/wzor/2025/06/25/13775/}P_6': This element
is not expected. Expected is ( {...}P_2 ).``; a user needs "Element P_6 is not allowed
here; expected P_2." on line 48. The common kinds (missing or unexpected element, pattern,
enumeration, length, digits, ranges, data types, attributes) get their own sentence; any
other error falls back to a sentence that still names the element, with libxml2's own
words (namespaces removed) in brackets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from lxml import etree

from ksef_desktop.fa3.defect import Defect
from ksef_desktop.fa3.schema import FA3_NAMESPACE
from ksef_desktop.fa3.schema_facts import schema_facts
from ksef_desktop.i18n import N_

MAX_VALUE_SHOWN = 60
MAX_ALLOWED_SHOWN = 12

_HEAD = re.compile(
    r"\AElement '(?:\{(?P<ns>[^}]*)\})?(?P<element>[^']*)'"
    r"(?:, attribute '(?P<attribute>[^']*)')?: (?P<rest>.*)\Z",
    re.DOTALL,
)
_NAMESPACE = re.compile(r"\{[^}]*\}")
_EXPECTED = re.compile(r"Expected is (?:one of )?\( (?P<names>.*?) \)")
_QUOTED = re.compile(r"'((?:[^']|'(?![,}]))*)'")
_FIRST_VALUE = re.compile(r"The value '(?P<value>.*?)' ", re.DOTALL)
_LIMIT = re.compile(r"\('(?P<limit>[^']*)'\)")
_LENGTHS = re.compile(r"has a length of '(?P<length>\d+)'.*length of '(?P<limit>\d+)'")
_ATOMIC = re.compile(
    r"\A'(?P<value>.*)' is not a valid value of the (?:local )?(?:atomic|list|union) type"
    r"(?: '(?P<type>[^']*)')?",
    re.DOTALL,
)
_FIXED = re.compile(r"'(?P<value>.*)' does not match the fixed value constraint '(?P<fixed>.*)'")
_ATTRIBUTE = re.compile(r"The attribute '(?P<attribute>[^']*)'")

_WHOLE_NUMBER_TYPES = frozenset(
    {
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    }
)
_TYPE_MESSAGES = {
    "date": N_("The value '{value}' of {element} is not a valid date (write YYYY-MM-DD)."),
    "dateTime": N_(
        "The value '{value}' of {element} is not a valid date and time (write YYYY-MM-DDThh:mm:ss)."
    ),
    "decimal": N_(
        "The value '{value}' of {element} is not a valid number (digits, with a dot as the "
        "decimal separator)."
    ),
    "whole": N_("The value '{value}' of {element} is not a whole number."),
}
_FACET_MESSAGES = {
    "minInclusive": N_("The value '{value}' of {element} is too small (the minimum is {limit})."),
    "maxInclusive": N_("The value '{value}' of {element} is too large (the maximum is {limit})."),
    "minExclusive": N_("The value '{value}' of {element} must be greater than {limit}."),
    "maxExclusive": N_("The value '{value}' of {element} must be less than {limit}."),
    "totalDigits": N_("The value '{value}' of {element} has too many digits (at most {limit})."),
    "fractionDigits": N_(
        "The value '{value}' of {element} has too many decimal places (at most {limit})."
    ),
}


class _Make(Protocol):  # the local ``make`` helper of xsd_defect
    def __call__(self, msgid: str, **more: str) -> Defect: ...


def _short(value: str) -> str:
    value = value.replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")
    return value if len(value) <= MAX_VALUE_SHOWN else value[: MAX_VALUE_SHOWN - 1] + "…"


def _names(text: str) -> str:
    names = [_NAMESPACE.sub("", n.strip()) for n in text.split(",")]
    return ", ".join(n.replace("##other", "") or "*" for n in names if n)


def xsd_defect(message: str, line: int | None) -> Defect:
    """One libxml2 schema-validity error as a ``Defect``."""
    head = _HEAD.match(message.strip())
    if head is None:
        return Defect(
            "xsd",
            N_("The invoice does not match the FA(3) schema: {detail}"),
            {"detail": _short(_NAMESPACE.sub("", message.strip()))},
            line=line,
        )
    element = head.group("element")
    attribute = head.group("attribute")
    rest = head.group("rest")
    params = {"element": element}

    def make(msgid: str, **more: str) -> Defect:
        return Defect("xsd", msgid, {**params, **more}, line=line)

    if "No matching global declaration available for the validation root" in rest:
        return Defect(
            "not-fa3",
            N_(
                "This is not an FA(3) invoice: the root element is {element} in the "
                "namespace '{namespace}'; expected Faktura in '{expected}'."
            ),
            {"element": element, "namespace": head.group("ns") or "", "expected": FA3_NAMESPACE},
            line=line,
        )
    expected = _EXPECTED.search(rest)
    if rest.startswith("Missing child element"):
        if expected:
            return make(
                N_("Element {element} lacks a required element: expected {expected}."),
                expected=_names(expected.group("names")),
            )
        return make(N_("Element {element} lacks a required element."))
    if rest.startswith("This element is not expected"):
        if expected:
            return make(
                N_("Element {element} is not allowed here; expected {expected}."),
                expected=_names(expected.group("names")),
            )
        return make(N_("Element {element} is not allowed here."))
    if attribute is not None:
        return _attribute_defect(make, rest, attribute)
    if "is required but missing" in rest and (found := _ATTRIBUTE.search(rest)):
        return make(
            N_("Element {element} lacks the required attribute {attribute}."),
            attribute=found.group("attribute"),
        )
    if "Character content other than whitespace is not allowed" in rest:
        return make(N_("Element {element} may contain only other elements, not text."))
    if (fixed := _FIXED.search(rest)) is not None:
        return make(
            N_("The value '{value}' of {element} must be '{fixed}'."),
            value=_short(fixed.group("value")),
            fixed=fixed.group("fixed"),
        )
    facet = re.match(r"\[facet '(?P<facet>\w+)'\] ", rest)
    if facet is not None:
        return _facet_defect(make, facet.group("facet"), rest[facet.end() :])
    atomic = _ATOMIC.match(rest)
    if atomic is not None:
        if not atomic.group("value").strip():
            return make(N_("Element {element} is empty."))
        kind = _type_kind(atomic.group("type") or "", element)
        return make(
            _TYPE_MESSAGES.get(
                kind, N_("The value '{value}' of {element} is not valid for this element.")
            ),
            value=_short(atomic.group("value")),
        )
    return make(
        N_("Element {element} does not match the FA(3) schema ({detail})."),
        detail=_short(_NAMESPACE.sub("", rest)),
    )


def _attribute_defect(make: _Make, rest: str, attribute: str) -> Defect:
    if "is not allowed" in rest:
        return make(
            N_("The attribute {attribute} is not allowed on element {element}."),
            attribute=attribute,
        )
    if (fixed := _FIXED.search(rest)) is not None:
        return make(
            N_("The attribute {attribute} of {element} must be '{fixed}', not '{value}'."),
            attribute=attribute,
            fixed=fixed.group("fixed"),
            value=_short(fixed.group("value")),
        )
    return make(
        N_("The attribute {attribute} of {element} is not valid ({detail})."),
        attribute=attribute,
        detail=_short(_NAMESPACE.sub("", rest)),
    )


def _facet_defect(make: _Make, facet: str, rest: str) -> Defect:
    value_match = _FIRST_VALUE.match(rest)
    value = _short(value_match.group("value")) if value_match else ""
    if facet in ("pattern", "enumeration") and value_match and not value.strip():
        return make(N_("Element {element} is empty."))
    if facet == "pattern":
        return make(N_("The value '{value}' of {element} has the wrong format."), value=value)
    if facet == "enumeration":
        allowed = _QUOTED.findall(rest[rest.find("{") :]) if "{" in rest else []
        shown = ", ".join(allowed[:MAX_ALLOWED_SHOWN])
        if len(allowed) > MAX_ALLOWED_SHOWN:
            shown += ", …"
        return make(
            N_("The value '{value}' of {element} is not one of the allowed values: {allowed}."),
            value=value,
            allowed=shown,
        )
    lengths = _LENGTHS.search(rest)
    if facet in ("length", "minLength", "maxLength") and lengths is not None:
        length, limit = lengths.group("length"), lengths.group("limit")
        if facet == "minLength" and length == "0":
            return make(N_("Element {element} is empty."))
        msgid = {
            "length": N_(
                "The value of {element} has length {length}; the required length is {limit}."
            ),
            "minLength": N_(
                "The value of {element} is too short (length {length}, at least {limit})."
            ),
            "maxLength": N_(
                "The value of {element} is too long (length {length}, at most {limit})."
            ),
        }[facet]
        return make(msgid, length=length, limit=limit)
    limit = _LIMIT.search(rest) or re.search(r"than '(?P<limit>[^']*)'", rest)
    if facet in _FACET_MESSAGES and limit is not None:
        return make(_FACET_MESSAGES[facet], value=value, limit=limit.group("limit"))
    return make(
        N_("Element {element} does not match the FA(3) schema ({detail})."),
        detail=_short(_NAMESPACE.sub("", rest)),
    )


def _type_kind(type_name: str, element: str) -> str:
    facts = schema_facts()
    if not type_name:  # an anonymous type declared inside the element
        primitive = facts.local_primitives.get(element, "")
    else:
        local = _NAMESPACE.sub("", type_name).rpartition(":")[2]
        primitive = facts.primitives.get(local, local)
    if primitive in _WHOLE_NUMBER_TYPES:
        return "whole"
    return primitive


def xsd_defects(log: Iterable[etree._LogEntry], claimed: set[str]) -> list[Defect]:
    """One defect per faulty value: libxml2 often reports one fault twice (two facets, or
    a facet and then the type), so only the first error per element (and attribute) is
    kept; elements in ``claimed`` (their paths) were already explained by a pre-flight
    check."""
    seen: set[tuple[str, str | None]] = set()
    defects = []
    for entry in log:
        message = entry.message.strip()
        head = _HEAD.match(message)
        path = entry.path or f"{head.group('element') if head else ''}@{entry.line}"
        if path in claimed:
            continue
        attribute = head.group("attribute") if head else None
        if attribute is None and (named := _ATTRIBUTE.search(message)) is not None:
            attribute = named.group("attribute")
        key = (path, attribute)
        if key in seen:
            continue
        seen.add(key)
        defects.append(xsd_defect(entry.message, entry.line or None))
    return defects


# --- well-formedness ------------------------------------------------------------------

_SYNTAX_SUFFIX = re.compile(r", line \d+, column \d+\Z")


def syntax_defect(exc: etree.XMLSyntaxError) -> Defect:
    """A file libxml2 could not parse as XML."""
    line, column = exc.position if exc.position else (exc.lineno or 0, 0)
    message = _SYNTAX_SUFFIX.sub("", exc.msg or "")
    code = exc.code
    at = line or None

    def make(msgid: str, **params: str) -> Defect:
        return Defect("not-xml", msgid, params, line=at)

    errors = etree.ErrorTypes
    if code == errors.ERR_DOCUMENT_EMPTY:
        if message.startswith("Document is empty"):
            return Defect("not-xml", N_("The file is empty."))
        return make(N_("The file is not XML: it has no root element."))
    if code == errors.ERR_TAG_NAME_MISMATCH and (
        m := re.search(r"mismatch: (?P<open>\S+) line \d+ and (?P<close>\S+)", message)
    ):
        return make(
            N_("The closing tag </{found}> does not match the open element <{expected}>."),
            found=m.group("close"),
            expected=m.group("open"),
        )
    if code == errors.ERR_TAG_NOT_FINISHED and (m := re.search(r"in tag (?P<tag>\S+)", message)):
        return make(
            N_("The file ends before element <{element}> is closed (is it cut short?)."),
            element=m.group("tag"),
        )
    if code == errors.ERR_DOCUMENT_END:
        return make(N_("There is more content after the end of the root element."))
    if code == errors.ERR_UNDECLARED_ENTITY and (m := re.search(r"Entity '(?P<n>[^']*)'", message)):
        return make(N_("Unknown entity reference &{name}; (write & as &amp;)."), name=m.group("n"))
    if code == errors.ERR_INVALID_CHAR and (m := re.search(r"Char value (?P<c>\d+)", message)):
        return make(
            N_("The character {char} is not allowed in XML."),
            char=f"U+{int(m.group('c')):04X}",
        )
    if code == errors.ERR_RESERVED_XML_NAME:
        return make(N_("The XML declaration must be at the very beginning of the file."))
    return make(
        N_("The file is not well-formed XML (column {column}: {detail})."),
        column=str(column),
        detail=_short(message),
    )
