"""Tokens, KSeF certificates and the login audit of a profile (issue 17), over an
``AccessClient`` (ksef/access.py) and the OS keyring:

- ``generate_token``: a KSeF token with the chosen permissions, waited for until KSeF
  activates it, straight into the profile's keyring entry; only its reference number
  comes back.
- ``enrol_certificate``: a key pair made here (EC P-256, KSeF's recommendation), a CSR
  whose subject is exactly the enrolment data, the enrolment polled to its end, the
  certificate fetched and checked against our key; the private key goes to the keyring
  only (an Offline certificate becomes the profile's certificate for KOD II; an
  Authentication certificate becomes the profile's signature for later logins).
  ``export_certificate`` writes ``SERIAL.crt`` and ``SERIAL.key`` (PEM, mode 0600) when
  the user asks for them.
- ``login_audit``: the context's logins with how they were made and, where KSeF's records
  tell it (a token's or a certificate's last use is the login's start), from which token
  or certificate; and the tokens with their last use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ksef_desktop.errors import UserError
from ksef_desktop.i18n import _
from ksef_desktop.ksef.access import AccessClient
from ksef_desktop.ksef.errors import Forbidden, KsefUnavailable, KsefVerdict
from ksef_desktop.ksef.models_access import (
    AuthenticationListItem,
    CertificateEnrollmentDataResponse,
    CertificateListItem,
    QueryTokensResponseItem,
)
from ksef_desktop.ksef.xades import Signer
from ksef_desktop.paths import write_private_file
from ksef_desktop.secrets import SecretStore, offline_key_entry, token_entry
from ksef_desktop.services.signing import keep_signer

OFFLINE = "Offline"
AUTHENTICATION = "Authentication"
CERTIFICATE_TYPES = (OFFLINE, AUTHENTICATION)
#: A token's status once KSeF has activated it (it starts as Pending).
TOKEN_READY = "Active"  # noqa: S105 - a status name
TOKEN_GONE = ("Revoking", "Revoked", "Failed")

# open-api.json's enrolment data field -> the X.520 attribute a CSR carries it in.
SUBJECT_OIDS: dict[str, x509.ObjectIdentifier] = {
    "commonName": NameOID.COMMON_NAME,
    "countryName": NameOID.COUNTRY_NAME,
    "givenName": NameOID.GIVEN_NAME,
    "surname": NameOID.SURNAME,
    "serialNumber": NameOID.SERIAL_NUMBER,
    "uniqueIdentifier": NameOID.X500_UNIQUE_IDENTIFIER,
    "organizationName": NameOID.ORGANIZATION_NAME,
    "organizationIdentifier": NameOID.ORGANIZATION_IDENTIFIER,
}


class CredentialsError(UserError, ValueError):
    """A request about credentials that cannot go ahead; ``str(exc)`` is translated."""


# --- tokens ------------------------------------------------------------------------------


def check_description(text: str) -> str:
    text = text.strip()
    if not 5 <= len(text) <= 256:
        raise CredentialsError(_("A description has 5 to 256 characters."))
    return text


def generate_token(
    access: AccessClient,
    store: SecretStore,
    *,
    environment: str,
    nip: str,
    permissions: Sequence[str],
    description: str,
    sleep: Callable[[float], None] | None = None,
) -> str:
    """Generate a token, wait until it is active, keep it in the profile's keyring entry;
    its reference number (never the token)."""
    if not permissions:
        raise CredentialsError(_("Choose at least one permission for the token."))
    made = access.generate_token(list(dict.fromkeys(permissions)), check_description(description))
    wait = access.poll.delays()
    deadline = access.transport.monotonic() + access.poll.timeout
    while True:
        status = access.token(made.reference_number)
        if status.status == TOKEN_READY:
            break
        if status.status in TOKEN_GONE:
            raise CredentialsError(
                _("KSeF did not activate the token {ref} ({status}).").format(
                    ref=made.reference_number, status=status.status
                )
            )
        if access.transport.monotonic() >= deadline:
            raise KsefUnavailable(0, None, f"token {made.reference_number} still pending")
        (sleep or access.transport.sleep)(wait())
    store.set(token_entry(environment, nip), made.token)
    return made.reference_number


# --- certificates ----------------------------------------------------------------------------


def certificate_subject(data: CertificateEnrollmentDataResponse) -> x509.Name:
    """The CSR's subject: exactly the attributes the enrolment data give, in their order."""
    attributes = []
    for name, value in data.attributes:
        oid = SUBJECT_OIDS.get(name)
        if oid is None:
            raise CredentialsError(
                _(
                    "KSeF asks for a certificate attribute this program does not know: {name}."
                ).format(name=name)
            )
        attributes.append(x509.NameAttribute(oid, value))
    return x509.Name(attributes)


def make_csr(subject: x509.Name, key: ec.EllipticCurvePrivateKey) -> bytes:
    """A PKCS#10 request (DER) signed with ECDSA-SHA256."""
    request = x509.CertificateSigningRequestBuilder().subject_name(subject)
    return request.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


@dataclass(frozen=True)
class Enrolled:
    serial: str
    certificate_type: str
    name: str
    not_before: datetime
    not_after: datetime
    der: bytes
    key: ec.EllipticCurvePrivateKey

    def __repr__(self) -> str:  # never show key material
        return f"Enrolled({self.certificate_type} {self.serial}, until {self.not_after:%Y-%m-%d})"


def default_name(certificate_type: str, nip: str, now: datetime) -> str:
    """A name KSeF accepts (5-100 letters, digits, spaces, - and _)."""
    kind = "Offline" if certificate_type == OFFLINE else "Logowanie"
    return f"KSeF Desktop {kind} {nip} {now:%Y-%m-%d}"


def enrol_certificate(
    access: AccessClient, certificate_type: str, name: str | None, *, now: datetime
) -> Enrolled:
    """Request a KSeF certificate for a key made here; wait for it; return both."""
    if certificate_type not in CERTIFICATE_TYPES:
        raise CredentialsError(
            _("The certificate type is Offline or Authentication, not {type}.").format(
                type=certificate_type
            )
        )
    name = (name or default_name(certificate_type, access.nip, now)).strip()
    if not 5 <= len(name) <= 100:
        raise CredentialsError(_("A certificate name has 5 to 100 characters."))
    limits = access.certificate_limits()
    if not limits.can_request:
        raise CredentialsError(
            _(
                "KSeF takes no more certificate requests from you now (requests left: "
                "{requests}, certificates left: {certificates})."
            ).format(
                requests=limits.enrollment.remaining, certificates=limits.certificate.remaining
            )
        )
    key = ec.generate_private_key(ec.SECP256R1())
    csr = make_csr(certificate_subject(access.enrollment_data()), key)
    item = access.enrol(name, certificate_type, csr)
    cert = x509.load_der_x509_certificate(item.certificate)
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if cert.public_key().public_bytes(*spki) != key.public_key().public_bytes(*spki):
        raise CredentialsError(_("KSeF sent a certificate for another key; nothing was kept."))
    return Enrolled(
        item.certificate_serial_number,
        item.certificate_type,
        item.certificate_name,
        cert.not_valid_before_utc,
        cert.not_valid_after_utc,
        item.certificate,
        key,
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def offline_certificate_path(data_dir: Path, serial: str) -> Path:
    """Where the profile's (public) Offline certificate is kept, as an import keeps it."""
    return data_dir / f"offline-certificate-{serial}.der"


def keep_certificate(
    enrolled: Enrolled, store: SecretStore, *, environment: str, nip: str, data_dir: Path
) -> Path | None:
    """Put the key in the keyring: an Offline certificate's under its serial (the public
    certificate goes beside the data: the returned path, for the profile); an
    Authentication certificate's together with the certificate (the profile's signature)."""
    if enrolled.certificate_type == OFFLINE:
        store.set(offline_key_entry(environment, nip, enrolled.serial), _key_pem(enrolled.key))
        path = offline_certificate_path(data_dir, enrolled.serial)
        write_private_file(path, enrolled.der)
        return path
    keep_signer(store, environment, nip, Signer(enrolled.key, enrolled.der))
    return None


def export_certificate(enrolled: Enrolled, folder: Path) -> tuple[Path, Path]:
    """``folder/SERIAL.crt`` and ``folder/SERIAL.key`` (PEM), readable by the user only."""
    cert = x509.load_der_x509_certificate(enrolled.der)
    crt = folder / f"{enrolled.serial}.crt"
    key = folder / f"{enrolled.serial}.key"
    try:
        write_private_file(crt, cert.public_bytes(serialization.Encoding.PEM))
        write_private_file(key, _key_pem(enrolled.key).encode("ascii"))
    except OSError as exc:
        raise CredentialsError(
            _("Cannot write to {folder}: {reason}").format(
                folder=folder, reason=exc.strerror or exc
            )
        ) from None
    return crt, key


# --- the login audit -------------------------------------------------------------------------

#: How close a token's or a certificate's last use must be to a login's start to be it.
SAME_MOMENT = timedelta(seconds=2)


@dataclass(frozen=True)
class LoginRow:
    reference: str
    started: datetime
    category: str  # XadesSignature | NationalNode | Token | Other
    method: str  # KSeF's display name ("Token KSeF", "Podpis kwalifikowany" …)
    source: str  # "token REF (description)", "certificate SERIAL (name)" or ""
    current: bool
    status: int
    refresh_until: datetime | None


@dataclass(frozen=True)
class Audit:
    logins: list[LoginRow]
    tokens: list[QueryTokensResponseItem]
    certificates: list[CertificateListItem]
    #: What could not be read with this login (e.g. tokens without CredentialsRead).
    gaps: list[str]


def _near(a: datetime | None, b: datetime) -> bool:
    return a is not None and abs(a - b) <= SAME_MOMENT


def _source(
    item: AuthenticationListItem,
    tokens: list[QueryTokensResponseItem],
    certificates: list[CertificateListItem],
) -> str:
    if item.method_info.category == "Token":
        for token in tokens:
            if _near(token.last_use_date, item.start_date):
                return _("token {ref} ({description})").format(
                    ref=token.reference_number, description=token.description
                )
    else:
        for cert in certificates:
            if _near(cert.last_use_date, item.start_date):
                return _("certificate {serial} ({name})").format(
                    serial=cert.certificate_serial_number, name=cert.name
                )
    return ""


def login_audit(access: AccessClient, *, certificates: bool = True) -> Audit:
    """The logins of the context, the tokens and the KSeF certificates (which KSeF shows
    only after a login by signature; ``certificates=False`` does not ask), each as far as
    this login may read them."""
    gaps: list[str] = []
    logins = list(access.logins())
    tokens: list[QueryTokensResponseItem] = []
    found: list[CertificateListItem] = []
    try:
        tokens = list(access.tokens())
    except (Forbidden, KsefVerdict) as exc:
        gaps.append(_("tokens: {reason}").format(reason=exc.message()))
    if certificates:
        try:
            found = list(access.certificates())
        except (Forbidden, KsefVerdict) as exc:
            gaps.append(_("KSeF certificates: {reason}").format(reason=exc.message()))
    rows = [
        LoginRow(
            item.reference_number,
            item.start_date,
            item.method_info.category,
            item.method_info.display_name,
            _source(item, tokens, found),
            item.is_current,
            item.status.code,
            item.refresh_token_valid_until,
        )
        for item in logins
    ]
    return Audit(rows, tokens, found, gaps)


#: The description of the token the program makes for itself (KSeF shows it in lists).
APP_TOKEN_DESCRIPTION = "KSeF Desktop"  # noqa: S105 - a label


def keep_app_token(access: AccessClient, store: SecretStore, *, environment: str, nip: str) -> str:
    """Generate the program's own token (``APP_TOKEN_PERMISSIONS``: sending, receiving,
    the history, no managing of credentials) into the profile's keyring entry."""
    from ksef_desktop.domain.access import APP_TOKEN_PERMISSIONS

    return generate_token(
        access,
        store,
        environment=environment,
        nip=nip,
        permissions=APP_TOKEN_PERMISSIONS,
        description=APP_TOKEN_DESCRIPTION,
    )
