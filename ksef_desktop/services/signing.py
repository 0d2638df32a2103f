"""Where a login by signature gets its signature (issue 17), for the window and the
command line alike:

- a certificate and key the user holds in files: ``.p12``/``.pfx`` with a password, or a
  PEM/DER certificate with a PEM/DER key (a qualified signature or seal, a KSeF
  Authentication certificate): ``load_signer``;
- the profile's own KSeF Authentication certificate, kept in the keyring
  (``stored_signer``; ``keep_signer`` puts one there);
- a self-signed certificate carrying the NIP, on the Test environment and in the Sandbox
  only (``self_signed_signer``);
- a request signed elsewhere (podpis zaufany, any signing program): ``unsigned_request``
  fetches a fresh challenge and builds the unsigned one, ``write_request`` saves it,
  ``read_signed`` checks the signed file against the profile.

Passwords and keys stay in memory; nothing here writes a key to a file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from ksef_desktop.errors import UserError
from ksef_desktop.i18n import _
from ksef_desktop.ksef.xades import (
    Context,
    RequestError,
    Signer,
    auth_token_request,
    check_key,
    inspect_request,
    self_signed,
)
from ksef_desktop.paths import write_private_file
from ksef_desktop.secrets import SecretStore, auth_certificate_entry

if TYPE_CHECKING:
    import httpx

    from ksef_desktop.ksef.access import AccessClient
    from ksef_desktop.ksef.auth import PollPolicy
    from ksef_desktop.ksef.environments import Environment
    from ksef_desktop.store.profiles import Profile

PKCS12_SUFFIXES = (".p12", ".pfx")
#: Environments where KSeF accepts a self-signed certificate for a login.
SELF_SIGNED_ENVIRONMENTS = ("sandbox", "test")


class SignatureError(UserError, ValueError):
    """A signature cannot be used as given; ``str(exc)`` is a translated explanation."""


class PasswordNeeded(SignatureError):
    """The key or the PKCS#12 file is encrypted and no (or a wrong) password was given."""


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SignatureError(
            _("Cannot read {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from None


def _certificate(data: bytes) -> x509.Certificate:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise SignatureError(_("This is not an X.509 certificate (PEM or DER).")) from None


def _key(data: bytes, password: str | None) -> object:
    loader = (
        serialization.load_pem_private_key
        if b"-----BEGIN" in data
        else serialization.load_der_private_key
    )
    secret = password.encode("utf-8") if password else None
    try:
        try:
            return loader(data, password=secret)
        except TypeError:
            if secret is None:
                needed = _("The private key is encrypted: give its password.")
                raise PasswordNeeded(needed) from None
            return loader(data, password=None)
    except UnsupportedAlgorithm:
        raise SignatureError(_("The key is neither RSA nor EC.")) from None
    except SignatureError:
        raise
    except ValueError:
        raise SignatureError(
            _("Cannot read the private key: wrong password or not a PEM/DER key.")
        ) from None


def _signer(key: object, cert: x509.Certificate, chain: list[x509.Certificate]) -> Signer:
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    public = getattr(key, "public_key", None)
    if public is None or public().public_bytes(*spki) != cert.public_key().public_bytes(*spki):
        raise SignatureError(_("The private key does not belong to this certificate."))
    der = serialization.Encoding.DER
    try:
        check_key(key)
    except RequestError as exc:
        if exc.reason == "weak-key":
            raise SignatureError(
                _("The key is too short: KSeF needs RSA of at least 2048 bits or EC of 256.")
            ) from None
        raise SignatureError(_("The key is neither RSA nor EC.")) from None
    return Signer(
        key,  # type: ignore[arg-type]  # checked by check_key above
        cert.public_bytes(der),
        tuple(c.public_bytes(der) for c in chain if c != cert),
    )


def load_signer(cert_path: Path, key_path: Path | None, password: str | None) -> Signer:
    """A signature from files: ``.p12``/``.pfx`` (+ password), or certificate + key."""
    data = _read(cert_path)
    if cert_path.suffix.lower() in PKCS12_SUFFIXES:
        secret = password.encode("utf-8") if password else None
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, secret)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise PasswordNeeded(
                _("Cannot open the PKCS#12 file: wrong password or a damaged file.")
            ) from None
        if key is None or cert is None:
            raise SignatureError(
                _("The PKCS#12 file must hold both the certificate and its private key.")
            )
        return _signer(key, cert, list(extra))
    if key_path is None:
        raise SignatureError(
            _("Give the private key file (.key or .pem) with the certificate, or use a .p12/.pfx.")
        )
    return _signer(_key(_read(key_path), password), _certificate(data), [])


def self_signed_signer(environment: str, nip: str, *, now: datetime, name: str = "") -> Signer:
    """A fresh self-signed certificate naming ``nip``: Test and Sandbox only."""
    if environment not in SELF_SIGNED_ENVIRONMENTS:
        raise SignatureError(
            _(
                "A self-signed certificate is accepted only on the Test environment and in "
                "the Sandbox; in {env} sign with a qualified signature or seal, the trusted "
                "profile or a KSeF certificate."
            ).format(env=environment)
        )
    return self_signed(nip, now=now, common_name=name)


# --- the profile's KSeF Authentication certificate ----------------------------------------------


def keep_signer(store: SecretStore, environment: str, nip: str, signer: Signer) -> None:
    """Keep a KSeF Authentication certificate and its key in the keyring (PEM, one entry)."""
    key_pem = signer.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    cert_pem = signer.x509.public_bytes(serialization.Encoding.PEM).decode("ascii")
    store.set(auth_certificate_entry(environment, nip), cert_pem + key_pem)


def stored_signer(store: SecretStore, environment: str, nip: str) -> Signer | None:
    """The profile's KSeF Authentication certificate from the keyring, or None."""
    text = store.get(auth_certificate_entry(environment, nip))
    if not text:
        return None
    data = text.encode("ascii")
    return _signer(_key(data, None), x509.load_pem_x509_certificate(data), [])


def forget_signer(store: SecretStore, environment: str, nip: str) -> bool:
    return store.delete(auth_certificate_entry(environment, nip))


# --- external signing ---------------------------------------------------------------------------


def request_document(challenge: str, nip: str) -> bytes:
    """The unsigned ``AuthTokenRequest`` for the profile's NIP."""
    return auth_token_request(challenge, Context("Nip", nip))


#: How long KSeF accepts a challenge: the signed request must come back within it.
REQUEST_LIFETIME = timedelta(minutes=10)


def unsigned_request(http: httpx.Client, environment: Environment, nip: str) -> bytes:
    """The unsigned ``AuthTokenRequest`` for ``nip`` on a fresh challenge of
    ``environment`` (``POST /auth/challenge``), to be signed within ``REQUEST_LIFETIME``."""
    from ksef_desktop.ksef import api_auth
    from ksef_desktop.ksef.transport import Transport

    challenge = api_auth.auth_challenge(Transport(http, environment)).challenge
    return request_document(challenge, nip)


@dataclass(frozen=True)
class SavedRequest:
    """An unsigned request the user was given to sign: where, on which challenge, when."""

    path: str
    challenge: str
    saved_at: datetime

    @property
    def valid_until(self) -> datetime:
        return self.saved_at + REQUEST_LIFETIME


def save_unsigned_request(
    http: httpx.Client, environment: Environment, nip: str, path: Path, *, now: datetime
) -> SavedRequest:
    """Fetch a fresh challenge and write the unsigned request for ``nip`` to ``path``."""
    document = unsigned_request(http, environment, nip)
    write_request(path, document)
    return SavedRequest(str(path), inspect_request(document).challenge, now)


def check_fresh(signed: SignedRequest, saved: SavedRequest | None, now: datetime) -> None:
    """Refuse a signed request whose challenge (the one saved here) KSeF no longer takes."""
    if saved is not None and signed.challenge == saved.challenge and now > saved.valid_until:
        raise SignatureError(
            _(
                "The request was saved more than 10 minutes ago and KSeF no longer accepts "
                "it: save a new request and sign it again."
            )
        )


def write_request(path: Path, document: bytes) -> None:
    """Save the unsigned request for the user to sign (it holds no secret)."""
    try:
        write_private_file(path, document)
    except OSError as exc:
        raise SignatureError(
            _("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from None


@dataclass(frozen=True)
class SignedRequest:
    document: bytes
    challenge: str


def read_signed(path: Path, nip: str) -> SignedRequest:
    """A signed request from a file, checked before anything is sent: it is an
    ``AuthTokenRequest`` for ``nip`` and carries one signature (KSeF verifies it)."""
    document = _read(path)
    try:
        facts = inspect_request(document)
    except RequestError:
        raise SignatureError(
            _("{path} is not a KSeF authentication request (AuthTokenRequest).").format(path=path)
        ) from None
    if facts.context.type != "Nip" or facts.context.value != nip:
        raise SignatureError(
            _("{path} is a request for {context}, not for NIP {nip}.").format(
                path=path, context=f"{facts.context.type} {facts.context.value}", nip=nip
            )
        )
    if facts.signatures == 0:
        raise SignatureError(
            _("{path} is not signed: sign it first (trusted profile or a signing program).").format(
                path=path
            )
        )
    return SignedRequest(document, facts.challenge)


# --- what the window asks for ---------------------------------------------------------------

FILE = "file"
STORED = "stored"
SELF_SIGNED = "self-signed"
EXTERNAL = "external"


@dataclass(frozen=True)
class SignatureChoice:
    """How the user chose to sign in the window; the password only on its way."""

    way: str  # file | stored | self-signed | external
    certificate: str = ""
    key: str = ""
    password: str = ""
    signed_request: str = ""

    def __repr__(self) -> str:  # never show the password
        return f"SignatureChoice({self.way!r}, certificate={self.certificate!r})"


def resolve_choice(
    choice: SignatureChoice,
    store: SecretStore,
    *,
    environment: str,
    nip: str,
    now: datetime,
    name: str = "",
) -> Signer | bytes:
    """The signer (or the signed request) a choice in the window stands for."""
    if choice.way == FILE:
        if not choice.certificate:
            raise SignatureError(_("Choose the certificate file."))
        key = Path(choice.key) if choice.key else None
        return load_signer(Path(choice.certificate), key, choice.password or None)
    if choice.way == STORED:
        found = stored_signer(store, environment, nip)
        if found is None:
            raise SignatureError(
                _("The profile has no KSeF Authentication certificate yet; request one first.")
            )
        return found
    if choice.way == SELF_SIGNED:
        return self_signed_signer(environment, nip, now=now, name=name)
    if choice.way == EXTERNAL:
        if not choice.signed_request:
            raise SignatureError(_("Choose the signed request file."))
        return read_signed(Path(choice.signed_request), nip).document
    raise SignatureError(choice.way)


def signed_access(
    http: httpx.Client,
    environment: Environment,
    nip: str,
    found: Signer | bytes,
    *,
    now: Callable[[], datetime],
    poll: PollPolicy | None = None,
) -> AccessClient:
    """An ``AccessClient`` that logs in with ``found``: a signer, or a signed request."""
    from ksef_desktop.ksef.access import AccessClient

    if isinstance(found, bytes):
        return AccessClient.signed_in(http, environment, nip, now=now, signed=found, poll=poll)
    return AccessClient.signed_in(http, environment, nip, now=now, signer=found, poll=poll)


def profile_access(
    http: httpx.Client,
    environment: Environment,
    profile: Profile,
    choice: SignatureChoice,
    secrets: SecretStore,
    *,
    now: Callable[[], datetime],
) -> AccessClient:
    """An ``AccessClient`` for ``profile`` that logs in the way ``choice`` says (the
    window's Security panel and its first-run wizard alike)."""
    found = resolve_choice(
        choice,
        secrets,
        environment=environment.name,
        nip=profile.nip,
        now=now(),
        name=profile.company_name,
    )
    return signed_access(http, environment, profile.nip, found, now=now)
