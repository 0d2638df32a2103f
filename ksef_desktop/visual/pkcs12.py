"""Open a PKCS#12 (.p12/.pfx) file whose certificate python-cryptography refuses.

``cryptography`` parses every certificate in a PKCS#12 file strictly, so a file holding a
certificate of KSeF's test CA (ecdsa-with-SHA512 with an explicit NULL parameter, see
der.py) cannot be opened with it at all. This reader walks the file's DER itself,
decrypts its bags with ``cryptography``'s primitives, checks the file's MAC, and returns
the certificate's DER (for ``der.read_tbs``) and the key's PKCS#8 DER (for
``cryptography``).

What it decrypts: PBES2 (PBKDF2 with HMAC-SHA-1/224/256/384/512, AES-128/192/256-CBC or
DES-EDE3-CBC) — what OpenSSL 3 and ``cryptography`` write — and the older PKCS#12
pbeWithSHAAnd3-KeyTripleDES-CBC that Windows and ``openssl -legacy`` write. RC2-40 (the
oldest exports) is refused as unsupported. RFC 7292 is the reference for the structure
and for the PKCS#12 key derivation (Appendix B).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from ksef_desktop.visual.der import DerError, Tlv, children, header_start, read_tlv

_SEQUENCE, _INTEGER, _OCTET_STRING, _OID, _NULL = 0x30, 0x02, 0x04, 0x06, 0x05
_EXPLICIT_0 = 0xA0
_IMPLICIT_0_PRIMITIVE = 0x80

_DATA = "1.2.840.113549.1.7.1"
_ENCRYPTED_DATA = "1.2.840.113549.1.7.6"
_KEY_BAG = "1.2.840.113549.1.12.10.1.1"
_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
_CERT_BAG = "1.2.840.113549.1.12.10.1.3"
_X509_CERTIFICATE = "1.2.840.113549.1.9.22.1"
_PBES2 = "1.2.840.113549.1.5.13"
_PBKDF2 = "1.2.840.113549.1.5.12"
_PBE_SHA1_3DES = "1.2.840.113549.1.12.1.3"

#: Digest OIDs (MAC and PBES2's HMAC) → hashlib name.
_DIGESTS = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
_HMACS = {
    "1.2.840.113549.2.7": "sha1",
    "1.2.840.113549.2.8": "sha224",
    "1.2.840.113549.2.9": "sha256",
    "1.2.840.113549.2.10": "sha384",
    "1.2.840.113549.2.11": "sha512",
}
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
#: PBES2 encryption schemes → (key length in bytes, cipher factory).
_SCHEMES = {
    "2.16.840.1.101.3.4.1.2": (16, algorithms.AES),
    "2.16.840.1.101.3.4.1.22": (24, algorithms.AES),
    "2.16.840.1.101.3.4.1.42": (32, algorithms.AES),
    "1.2.840.113549.3.7": (24, TripleDES),
}


class Pkcs12Error(ValueError):
    """``reason``: "password" (wrong or missing), "unsupported" or "damaged"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Pkcs12Contents:
    certificates: list[bytes]  # DER, in file order
    keys: list[bytes]  # PKCS#8 PrivateKeyInfo DER


def _oid(data: bytes, item: Tlv) -> str:
    if item.tag != _OID or item.end <= item.start:
        raise DerError("expected an object identifier")
    raw = data[item.start : item.end]
    first, rest, value = raw[0], [], 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            rest.append(value)
            value = 0
    return ".".join(str(n) for n in [min(first // 40, 2), first - 40 * min(first // 40, 2), *rest])


def _parts(data: bytes, item: Tlv, tag: int = _SEQUENCE) -> list[Tlv]:
    if item.tag != tag:
        raise DerError("unexpected DER element")
    return children(data, item)


def _bytes(data: bytes, item: Tlv, tag: int = _OCTET_STRING) -> bytes:
    if item.tag != tag:
        raise DerError("expected an octet string")
    return data[item.start : item.end]


def _int(data: bytes, item: Tlv) -> int:
    if item.tag != _INTEGER:
        raise DerError("expected an integer")
    value = int.from_bytes(data[item.start : item.end], "big", signed=True)
    if not 0 < value <= 10_000_000:  # iteration counts: refuse absurd work
        raise DerError("integer out of range")
    return value


def _explicit(data: bytes, item: Tlv) -> Tlv:
    (inner,) = _parts(data, item, _EXPLICIT_0)
    return inner


# --- key derivation and decryption ------------------------------------------------------


def _bmp(password: str) -> bytes:
    """The PKCS#12 password encoding: UTF-16BE with a two-byte terminator."""
    return password.encode("utf-16-be") + b"\x00\x00" if password else b""


def pkcs12_kdf(
    digest: str, password: bytes, salt: bytes, purpose: int, rounds: int, n: int
) -> bytes:
    """RFC 7292 Appendix B.2 (purpose 1: key, 2: IV, 3: MAC key)."""
    u = hashlib.new(digest).digest_size
    v = hashlib.new(digest).block_size

    def stretch(raw: bytes) -> bytes:  # copies of ``raw`` filling whole blocks of v bytes
        if not raw:
            return b""
        length = v * -(-len(raw) // v)
        return (raw * (length // len(raw) + 1))[:length]

    block = stretch(salt) + stretch(password)
    out = b""
    while len(out) < n:
        a = bytes([purpose]) * v + block
        for _ in range(rounds):
            a = hashlib.new(digest, a).digest()
        out += a
        b = int.from_bytes((a * (v // u + 1))[:v], "big")
        block = b"".join(
            ((int.from_bytes(block[j : j + v], "big") + b + 1) % (1 << (8 * v))).to_bytes(v, "big")
            for j in range(0, len(block), v)
        )
    return out[:n]


def _cbc_decrypt(cipher: object, iv: bytes, data: bytes, block_bits: int) -> bytes:
    decryptor = Cipher(cipher, modes.CBC(iv)).decryptor()  # type: ignore[arg-type]
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(block_bits).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:  # a wrong key: a wrong password (in a file without a MAC)
        raise Pkcs12Error("password") from None


def _decrypt(data: bytes, algorithm: Tlv, ciphertext: bytes, password: str) -> bytes:
    parts = _parts(data, algorithm)
    oid = _oid(data, parts[0])
    if oid == _PBE_SHA1_3DES:
        salt_tlv, rounds_tlv = _parts(data, parts[1])
        salt, rounds = _bytes(data, salt_tlv), _int(data, rounds_tlv)
        secret = _bmp(password)
        key = pkcs12_kdf("sha1", secret, salt, 1, rounds, 24)
        iv = pkcs12_kdf("sha1", secret, salt, 2, rounds, 8)
        return _cbc_decrypt(TripleDES(key), iv, ciphertext, 64)
    if oid != _PBES2:
        raise Pkcs12Error("unsupported")
    kdf, scheme = _parts(data, parts[1])
    kdf_parts = _parts(data, kdf)
    if _oid(data, kdf_parts[0]) != _PBKDF2:
        raise Pkcs12Error("unsupported")
    params = _parts(data, kdf_parts[1])
    salt, rounds = _bytes(data, params[0]), _int(data, params[1])
    prf = "sha1"
    for extra in params[2:]:
        if extra.tag == _SEQUENCE:
            prf_oid = _oid(data, _parts(data, extra)[0])
            if prf_oid not in _HMACS:
                raise Pkcs12Error("unsupported")
            prf = _HMACS[prf_oid]
    scheme_parts = _parts(data, scheme)
    scheme_oid = _oid(data, scheme_parts[0])
    if scheme_oid not in _SCHEMES:
        raise Pkcs12Error("unsupported")
    size, factory = _SCHEMES[scheme_oid]
    iv = _bytes(data, scheme_parts[1])
    key = PBKDF2HMAC(_HASHES[prf](), size, salt, rounds).derive(password.encode("utf-8"))
    return _cbc_decrypt(factory(key), iv, ciphertext, 64 if factory is TripleDES else 128)


# --- the structure --------------------------------------------------------------------------


def _check_mac(data: bytes, mac_data: Tlv, signed: bytes, password: str) -> None:
    parts = _parts(data, mac_data)
    digest_info = _parts(data, parts[0])
    digest_oid = _oid(data, _parts(data, digest_info[0])[0])
    if digest_oid not in _DIGESTS:
        raise Pkcs12Error("unsupported")
    name = _DIGESTS[digest_oid]
    expected = _bytes(data, digest_info[1])
    salt = _bytes(data, parts[1])
    rounds = _int(data, parts[2]) if len(parts) > 2 else 1
    size = hashlib.new(name).digest_size
    # OpenSSL tries an empty password both as no bytes and as the BMP terminator alone.
    candidates = [_bmp(password)] if password else [b"", b"\x00\x00"]
    for secret in candidates:
        key = pkcs12_kdf(name, secret, salt, 3, rounds, size)
        if hmac.compare_digest(hmac.new(key, signed, name).digest(), expected):
            return
    raise Pkcs12Error("password")


def _bags(safe_contents: bytes, password: str, out: Pkcs12Contents) -> None:
    top = read_tlv(safe_contents, 0)
    for bag in _parts(safe_contents, top):
        fields = _parts(safe_contents, bag)
        kind = _oid(safe_contents, fields[0])
        value = _explicit(safe_contents, fields[1])
        if kind == _CERT_BAG:
            cert_parts = _parts(safe_contents, value)
            if _oid(safe_contents, cert_parts[0]) == _X509_CERTIFICATE:
                out.certificates.append(
                    _bytes(safe_contents, _explicit(safe_contents, cert_parts[1]))
                )
        elif kind == _KEY_BAG:
            out.keys.append(safe_contents[header_start(safe_contents, value) : value.end])
        elif kind == _SHROUDED_KEY_BAG:
            algorithm, encrypted = _parts(safe_contents, value)
            out.keys.append(
                _decrypt(safe_contents, algorithm, _bytes(safe_contents, encrypted), password)
            )


def read_pkcs12(data: bytes, password: str | None) -> Pkcs12Contents:
    """Every certificate and key of the file; ``Pkcs12Error`` says why it cannot."""
    secret = password or ""
    try:
        return _read(data, secret)
    except Pkcs12Error:
        raise
    except (ValueError, IndexError):  # DerError, a structure of the wrong shape
        raise Pkcs12Error("damaged") from None


def _read(data: bytes, password: str) -> Pkcs12Contents:
    top = read_tlv(data, 0)
    if top.end != len(data):
        raise DerError("trailing bytes")
    pfx = _parts(data, top)
    if len(pfx) < 2 or data[pfx[0].start : pfx[0].end] != b"\x03":
        raise DerError("not a PKCS#12 version 3 file")
    auth_safe = _parts(data, pfx[1])
    if _oid(data, auth_safe[0]) != _DATA:
        raise Pkcs12Error("unsupported")  # public-key integrity mode
    signed = _bytes(data, _explicit(data, auth_safe[1]))
    if len(pfx) > 2:
        _check_mac(data, pfx[2], signed, password)
    out = Pkcs12Contents([], [])
    for info in _parts(signed, read_tlv(signed, 0)):
        fields = _parts(signed, info)
        kind = _oid(signed, fields[0])
        content = _explicit(signed, fields[1])
        if kind == _DATA:
            _bags(_bytes(signed, content), password, out)
        elif kind == _ENCRYPTED_DATA:
            encrypted_info = _parts(signed, _parts(signed, content)[1])
            algorithm = encrypted_info[1]
            ciphertext = _bytes(signed, encrypted_info[2], _IMPLICIT_0_PRIMITIVE)
            _bags(_decrypt(signed, algorithm, ciphertext, password), password, out)
        else:
            raise Pkcs12Error("unsupported")  # enveloped data
    return out
