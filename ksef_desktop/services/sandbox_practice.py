"""Practising an outage in the built-in Sandbox: start and end a planned unavailability,
a failure or a total failure, as the Ministry would announce them.

Each is one call of the Sandbox's control endpoints (``sandbox/control.py``, under
``/_sandbox/``; the same for ``ksef-desktop sandbox`` run on its own): the Sandbox then
answers 503 and Latarnia announces the event, exactly what the program meets when KSeF
itself is down, so its offline modes, deadlines and sending after the end can be tried
safely. Only the Sandbox has these endpoints; no other environment is ever asked.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from ksef_desktop.i18n import N_, _
from ksef_desktop.store.db import StoreError

if TYPE_CHECKING:
    import httpx

    from ksef_desktop.secrets import SecretStore
    from ksef_desktop.store import Store
    from ksef_desktop.visual.certificates import OfflineSigning


class Practice(StrEnum):
    START_UNAVAILABILITY = "start-unavailability"
    END_UNAVAILABILITY = "end-unavailability"
    START_FAILURE = "start-failure"
    START_TOTAL_FAILURE = "start-total-failure"
    END_FAILURE = "end-failure"


#: The control endpoint of each, and what the menu calls it.
PRACTICES: dict[Practice, tuple[str, str]] = {
    Practice.START_UNAVAILABILITY: (
        "/_sandbox/maintenance",
        N_("Start a planned &unavailability"),
    ),
    Practice.END_UNAVAILABILITY: ("/_sandbox/maintenance/end", N_("E&nd the unavailability")),
    Practice.START_FAILURE: ("/_sandbox/failure", N_("Announce a &failure")),
    Practice.START_TOTAL_FAILURE: ("/_sandbox/total-failure", N_("Announce a &total failure")),
    Practice.END_FAILURE: ("/_sandbox/failure/end", N_("&End the failure")),
}


class PracticeRefused(StoreError):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self) -> str:
        return self.text


def practise(client: httpx.Client, server_url: str | None, what: Practice) -> None:
    """Ask the Sandbox at ``server_url`` (its root, not ``/v2``) to do ``what`` now."""
    import httpx

    if not server_url:
        raise PracticeRefused(_("The built-in Sandbox is not running."))
    path, _label = PRACTICES[what]
    try:
        client.post(server_url.rstrip("/") + path, json={}).raise_for_status()
    except httpx.HTTPError as exc:
        raise PracticeRefused(
            _("The Sandbox did not take the request: {reason}").format(reason=exc)
        ) from exc


def practice_done(what: Practice) -> str:
    """What the status bar says once the Sandbox took ``what``."""
    return {
        Practice.START_UNAVAILABILITY: _(
            "Sandbox: planned unavailability started; new invoices go offline."
        ),
        Practice.END_UNAVAILABILITY: _("Sandbox: the unavailability is over."),
        Practice.START_FAILURE: _("Sandbox: a KSeF failure is announced."),
        Practice.START_TOTAL_FAILURE: _("Sandbox: a total KSeF failure is announced."),
        Practice.END_FAILURE: _("Sandbox: the failure is over."),
    }[what]


# --- KOD II in the Sandbox -------------------------------------------------------------------


def offline_signing_for(
    secrets: SecretStore, store: Store, profile_id: int, now: datetime
) -> OfflineSigning | None:
    """KOD II's certificate and key of a profile, or None when it has none.

    An offline invoice must carry KOD II, so one is never issued without a certificate
    (``services.editing``). In the Sandbox nothing is real and a newcomer has no KSeF
    certificate: a practice one is made there on first need (self-signed, its key in the
    keyring like an imported one), so that an outage can be practised end to end. No
    other environment ever gets one: there the user imports the Ministry's.
    """
    from ksef_desktop.store.profiles import Environment, get_profile
    from ksef_desktop.visual.certificates import offline_signing

    profile = get_profile(store.db.connection(), profile_id)
    path = Path(profile.offline_certificate) if profile.offline_certificate else None
    if path is None or not path.is_file():
        if profile.environment is not Environment.SANDBOX:
            return None
        path = make_practice_certificate(secrets, store, profile_id, now)
    return offline_signing(
        secrets,
        environment=profile.environment.value,
        nip=profile.nip,
        cert_der=path.read_bytes(),
        now=now,
    )


#: How long a practice certificate lasts (then another is made).
PRACTICE_VALIDITY = timedelta(days=730)


def make_practice_certificate(
    secrets: SecretStore, store: Store, profile_id: int, now: datetime
) -> Path:
    """A self-signed "KSeF Offline" certificate for a Sandbox profile: the key goes to the
    keyring, the certificate beside the data, and the profile names it."""
    import secrets as secrets_module

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    from ksef_desktop.paths import write_private_file
    from ksef_desktop.secrets import offline_key_entry
    from ksef_desktop.store.profiles import Environment, get_profile, set_offline_certificate
    from ksef_desktop.visual.certificates import key_to_pem, read_certificate

    profile = get_profile(store.db.connection(), profile_id)
    if profile.environment is not Environment.SANDBOX:
        raise PracticeRefused(_("A practice certificate is made for the Sandbox only."))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "KSeF Desktop Sandbox (practice)"),
            x509.NameAttribute(NameOID.COMMON_NAME, profile.nip),
        ]
    )
    usage = x509.KeyUsage(
        digital_signature=False, content_commitment=True, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        # 16 hex digits, as the serial numbers KSeF gives its certificates
        .serial_number(secrets_module.randbelow((1 << 63) - (1 << 60)) + (1 << 60))
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + PRACTICE_VALIDITY)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    der = certificate.public_bytes(Encoding.DER)
    serial = read_certificate(der).serial
    secrets.set(offline_key_entry(profile.environment.value, profile.nip, serial), key_to_pem(key))
    path = store.data_dir / f"offline-certificate-{serial}.der"
    write_private_file(path, der)
    with store.db.transaction() as conn:
        set_offline_certificate(conn, profile_id, str(path))
    return path
