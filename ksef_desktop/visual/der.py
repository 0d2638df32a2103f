"""A minimal DER reader for the parts of an X.509 certificate KOD II needs.

Why this exists: certificates issued by KSeF's test CA ("TI CCK KSeF") are signed with
ecdsa-with-SHA512 whose AlgorithmIdentifier carries an explicit NULL parameter. RFC 5758
says ECDSA identifiers have no parameters, and python-cryptography's strict parser
rejects the whole certificate ("ExtraData" in ``signature_alg``). We never verify the
CA's signature (KSeF does that when KOD II is opened); we only need the serial number,
the validity, the key usage and the SubjectPublicKeyInfo, so when ``cryptography``
refuses a certificate we walk its DER for exactly those and hand the public key back to
``cryptography`` (``load_der_public_key`` accepts the SPKI alone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

_SEQUENCE = 0x30
_INTEGER = 0x02
_BIT_STRING = 0x03
_OCTET_STRING = 0x04
_OID = 0x06
_UTC_TIME = 0x17
_GENERALIZED_TIME = 0x18
_VERSION_TAG = 0xA0
_EXTENSIONS_TAG = 0xA3
_KEY_USAGE_OID = bytes([0x55, 0x1D, 0x0F])  # 2.5.29.15

#: keyUsage bit positions (RFC 5280 §4.2.1.3) in the names ``cryptography`` uses.
KEY_USAGE_BITS = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


class DerError(ValueError):
    """The bytes are not the DER certificate structure this reader expects."""


@dataclass(frozen=True)
class _Tlv:
    tag: int
    start: int  # first content byte
    end: int  # one past the last content byte


def _read(data: bytes, pos: int) -> _Tlv:
    if pos + 2 > len(data):
        raise DerError("truncated DER")
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise DerError("unsupported DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise DerError("truncated DER")
    return _Tlv(tag, pos, pos + length)


def _children(data: bytes, parent: _Tlv) -> list[_Tlv]:
    items = []
    pos = parent.start
    while pos < parent.end:
        item = _read(data, pos)
        items.append(item)
        pos = item.end
    if pos != parent.end:
        raise DerError("DER element overruns its parent")
    return items


def _expect(item: _Tlv, tag: int, what: str) -> _Tlv:
    if item.tag != tag:
        raise DerError(f"expected {what}")
    return item


def _time(data: bytes, item: _Tlv) -> datetime:
    text = data[item.start : item.end].decode("ascii")
    # DER times are UTC and end in "Z" (RFC 5280 §4.1.2.5); %z reads that as UTC.
    if item.tag == _UTC_TIME:
        return datetime.strptime(text, "%y%m%d%H%M%S%z").astimezone(UTC)
    if item.tag == _GENERALIZED_TIME:
        return datetime.strptime(text, "%Y%m%d%H%M%S%z").astimezone(UTC)
    raise DerError("expected a time")


@dataclass(frozen=True)
class TbsFields:
    serial: int
    not_before: datetime
    not_after: datetime
    spki_der: bytes
    key_usage: frozenset[str] | None  # None: the certificate has no keyUsage extension


def read_tbs(cert_der: bytes) -> TbsFields:
    """Serial, validity, SubjectPublicKeyInfo and keyUsage of a DER certificate."""
    top = _expect(_read(cert_der, 0), _SEQUENCE, "a certificate")
    if top.end != len(cert_der):
        raise DerError("trailing bytes after the certificate")
    tbs = _expect(_children(cert_der, top)[0], _SEQUENCE, "tbsCertificate")
    fields = _children(cert_der, tbs)
    if fields and fields[0].tag == _VERSION_TAG:
        fields = fields[1:]
    if len(fields) < 6:
        raise DerError("tbsCertificate is too short")
    serial_tlv = _expect(fields[0], _INTEGER, "the serial number")
    serial = int.from_bytes(cert_der[serial_tlv.start : serial_tlv.end], "big", signed=True)
    validity = _children(cert_der, _expect(fields[3], _SEQUENCE, "validity"))
    if len(validity) != 2:
        raise DerError("validity has two times")
    spki = _expect(fields[5], _SEQUENCE, "SubjectPublicKeyInfo")
    spki_der = cert_der[_header_start(cert_der, spki) : spki.end]
    key_usage = None
    for extra in fields[6:]:
        if extra.tag == _EXTENSIONS_TAG:
            key_usage = _key_usage(cert_der, extra)
    return TbsFields(
        serial=serial,
        not_before=_time(cert_der, validity[0]),
        not_after=_time(cert_der, validity[1]),
        spki_der=spki_der,
        key_usage=key_usage,
    )


def _header_start(data: bytes, item: _Tlv) -> int:
    """Where the tag byte of ``item`` is (its content start minus the header)."""
    length = item.end - item.start
    header = 2 if length < 0x80 else 2 + (length.bit_length() + 7) // 8
    return item.start - header


def _key_usage(data: bytes, wrapper: _Tlv) -> frozenset[str] | None:
    (extensions,) = _children(data, wrapper)
    for ext in _children(data, _expect(extensions, _SEQUENCE, "extensions")):
        parts = _children(data, ext)
        oid = _expect(parts[0], _OID, "an extension id")
        if data[oid.start : oid.end] != _KEY_USAGE_OID:
            continue
        value = _expect(parts[-1], _OCTET_STRING, "an extension value")
        bits = _expect(_read(data, value.start), _BIT_STRING, "keyUsage bits")
        raw = data[bits.start + 1 : bits.end]  # first content byte = unused bit count
        names = set()
        for index, name in enumerate(KEY_USAGE_BITS):
            byte, bit = divmod(index, 8)
            if byte < len(raw) and raw[byte] & (0x80 >> bit):
                names.add(name)
        return frozenset(names)
    return None


# The same reader serves pkcs12.py.
Tlv = _Tlv
read_tlv = _read
children = _children
header_start = _header_start
