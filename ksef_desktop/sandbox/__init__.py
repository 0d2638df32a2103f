"""A local KSeF API 2.0 server on 127.0.0.1 speaking the official wire format.

Stable Python API (the app and the tests build on it)::

    from ksef_desktop.sandbox import Sandbox, SandboxConfig

    cfg = SandboxConfig(
        nips=("5265877635",),    # taxpayers it knows; each gets one ready KSeF token
        port=0,                  # 0 = a free port
        rate_limit_scale=1.0,    # multiplies every published limit (1.0 = production,
                                 # 0.1 = ten times stricter, at least 1 per window);
                                 # 0 or None = no limits
        state_file=None,         # a JSON file: load at start, write atomically on change
        processing_delay=0.0,    # seconds an invoice stays in 100 and then in 150
        faults=FaultConfig(),    # faults switched on at start (same as the CLI flags)
        clock=None,              # an aware-datetime source; tests move time with it
        max_invoices_per_session=10_000,  # 21155 online, status 420 in a batch
        host="127.0.0.1",        # loopback only (anything else: ValueError)
        api_version="2.9.0",     # "2.7.0": collective identifiers as API 2.7.0 had them
    )
    with Sandbox(cfg) as sb:     # serves in a background thread; stop() on exit
        sb.base_url              # "http://127.0.0.1:PORT/v2"
        sb.qr_base               # "http://127.0.0.1:PORT/qr"
        sb.latarnia_url          # "http://127.0.0.1:PORT/latarnia"
        sb.tokens                # {nip: ready KSeF token}
        sb.server_url            # "http://127.0.0.1:PORT" (control endpoints live here)
        sb.wait_idle()           # block until every invoice sent so far has a verdict
        sb.accepted_state()      # the same dict as GET /_sandbox/state

Served paths: all 83 operations of open-api.json 2.9.0 under ``/v2`` (field names, status
codes, error bodies and rate-limit groups as the document gives them; a path the document
has only with other methods answers 404, as on the real server). URLs in answers
(pre-signed links) are on the host the request named, as on the real KSeF: a client may
reach the sandbox by another name, e.g. through a proxy (docs/SANDBOX-THIRD-PARTY.md).

- ``/v2/security/public-key-certificates``: two self-signed "Ministerstwo Finansów" RSA
  2048 certificates (KsefTokenEncryption, SymmetricKeyEncryption) whose private keys the
  sandbox holds.
- Login: ``/v2/auth/challenge``, ``/v2/auth/ksef-token`` (an encrypted KSeF token),
  ``/v2/auth/xades-signature`` (a signed AuthTokenRequest 2.0 / 2.1, verified with
  signxml; self-signed certificates as on the Test environment - a NIP or PESEL in the
  serialNumber, a VATPL seal, or the certificate's fingerprint - or an Authentication
  certificate of the sandbox's own), ``/v2/auth/{ref}``, ``/v2/auth/token/redeem`` (one-shot),
  ``/v2/auth/token/refresh``; access tokens live 15 minutes, refresh tokens 7 days.
  ``/v2/auth/sessions`` (list) and DELETE ``.../current`` or ``/{ref}`` (its refresh
  token stops working: 21301). Nip contexts only.
- ``/v2/tokens`` (list, create: after a login by signature only), ``/v2/tokens/{ref}``
  (get, revoke).
- ``/v2/certificates/...``: limits, enrolment data, enrolment from a real PKCS#10 request
  (RSA 2048 or EC P-256, subject equal to the enrolment data), its status, retrieve,
  revoke, query. Real X.509 certificates of the sandbox's own CA, 16-hex-digit serials,
  types Authentication (logs in) and Offline (signs KOD II). After a signature login only.
- ``/v2/permissions/...``: grants to persons, entities, authorizations, indirect grants,
  subunits, EU entities; revocation; operation status; attachment consent; the eight
  queries (``ownerPermissions`` of 2.9.0 in the personal one). Grants take effect at the
  next login.
- ``/v2/sessions/online`` (+ ``/{ref}/invoices``, ``/{ref}/close``), ``/v2/sessions/batch``
  (+ ``/{ref}/close``) with part uploads to pre-signed ``/storage/...`` URLs.
- ``/v2/sessions`` (list), ``/v2/sessions/{ref}``, ``.../invoices``, ``.../invoices/failed``,
  ``.../invoices/{invoiceRef}``, invoice and session UPO (v4-3, header ``x-ms-meta-hash``).
- ``/v2/invoices/ksef/{ksefNumber}``, ``/v2/invoices/query/metadata``,
  ``/v2/invoices/exports`` (+ ``/{ref}``): an encrypted ZIP/tar.gz package of the
  invoices and ``_metadata.json`` (``compressionType`` of 2.9.0), parts downloaded from
  pre-signed URLs with ``x-ms-meta-hash`` (in memory only).
- ``/v2/collective-identifiers`` (generate), ``.../query``, ``.../invoices`` (POST, at
  most 10 identifiers), ``.../ksef/{ksefNumber}``: collective identifiers (see
  sandbox/collective.py; 2.7.0's GET ``.../{number}/invoices`` only with api_version 2.7.0).
- ``/v2/rate-limits`` (the groups of 2.9.0: session closes in ``onlineSessionClose`` and
  ``batchSessionClose``, ``anonymous``, ``global``), ``/v2/limits/context`` (with the
  collective-identifier limit), ``/v2/limits/subject``, ``/v2/peppol/query``.
- ``/v2/testdata/...``: what the Test environment offers: subjects, persons (a PESEL
  linked to a NIP, bailiffs, deceased persons), permissions, attachment consent, blocking
  a context (logins end in 480), session / certificate / rate limits per context,
  certificate status.
- ``/latarnia/status``, ``/latarnia/messages``: availability and announcements.
- ``/qr/invoice/{nip}/{DD-MM-YYYY}/{hash}``: an HTML page telling whether that invoice
  is in the sandbox (the page behind KOD I).
- ``/qr/certificate/{contextType}/{contextValue}/{sellerNip}/{serial}/{hash}/{signature}``:
  the page behind KOD II: the Offline certificate is one the sandbox issued, active and
  valid, its signature of the link holds, its owner may issue invoices in the context
  and the context for the seller (sandbox/kod2.py); 200, 404 (unknown certificate), 422
  with the reasons, 400 (malformed link).
- ``/storage/...``: pre-signed downloads (UPO, export parts) and uploads (batch parts);
  no bearer token, not rate-limited, not affected by faults except the web firewall's
  page (``firewallPage``).

Invoices are verified asynchronously by one worker in order of arrival, with the
project's FA(3) validation (``ksef_desktop.fa3.validate``: UTF-8 without BOM, no
processing instructions or forbidden characters, size, the XSD and what it misses) -> 430
with its Polish sentences; P_1 later than the day of acceptance -> 450; seller NIP other
than the context NIP -> 410; an attachment in an online session -> 415; duplicates of
(Podmiot1 NIP, RodzajFaktury, P_2) -> 440 with the original KSeF number in
``extensions``. P_1 earlier than the day of acceptance -> invoicingMode Offline. The
official samples are issued by NIP 9999999999: configure that NIP to send them.

Control endpoints (JSON, no auth; under the server root, not /v2)::

    GET  /_sandbox/state        accepted invoices per NIP (ksefNumber, invoiceHash,
                                invoiceNumber, session...), rejected ones, sessions, faults
    GET  /_sandbox/faults       the current random faults and why the API is blocked
    POST /_sandbox/faults       {"errorRate": 0.3}        share of /v2 answers that are 500
                                {"latencyMs": 200}        added to every /v2 answer
                                {"dropResponses": 2, "dropMethod": "POST",
                                 "dropPathContains": "/invoices"}
                                   the next N matching successful /v2 answers are
                                   dropped AFTER the request was processed (the
                                   connection is closed without an answer); the method
                                   and path filters are optional
                                {"firewallPage": 0.5}     share of pre-signed downloads
                                   (UPO, export parts) answered with the web firewall's
                                   HTML page (HTTP 200, no x-ms-meta-hash)
                                {"sessionUnavailable": 3} the next N invoice sends are
                                   answered 400 with code 21184 (session temporarily
                                   unavailable) and not received
                                {"nullCounts": true}      GET /sessions/{ref} answers null
                                   invoiceCount, successfulInvoiceCount, failedInvoiceCount
    POST /_sandbox/faults/reset clears all of the above and ends every announcement
    POST /_sandbox/maintenance  {"start"?: iso, "end"?: iso}  planned unavailability:
                                every /v2 path answers 503 inside the window; Latarnia
                                shows MAINTENANCE and a MAINTENANCE_ANNOUNCEMENT message
    POST /_sandbox/maintenance/end   ends it now
    POST /_sandbox/failure      {"start"?, "end"?, "total"?: bool}  an announced failure
                                (FAILURE_START message; 503 inside the window)
    POST /_sandbox/total-failure {"start"?, "end"?}   the same with TOTAL_FAILURE
    POST /_sandbox/failure/end  ends every (total) failure now (FAILURE_END message)
    POST /_sandbox/expire-access-tokens   every access token issued so far expires now
    POST /_sandbox/sessions/{ref}/expire  the session reaches validUntil now (online:
                                closed -> 170 -> 200/440/445; batch: 440)
    POST /_sandbox/tokens/{ref}/status    {"status": "Pending"|"Active"|"Revoked"|...}
    POST /_sandbox/rotate-keys  {"usages"?: ["KsefTokenEncryption", ...], "keepOld"?: bool}
                                new key pairs; without keepOld the old publicKeyIds are
                                withdrawn (21470), with it both are published and accepted
    POST /_sandbox/wait-idle    waits until every invoice sent so far has a verdict

The same faults can be switched on at start with ``ksef-desktop sandbox`` flags:
``--unavailable``, ``--failure``, ``--total-failure``, ``--error-rate R``,
``--latency-ms N``, ``--drop-responses N``, ``--firewall-page RATE``,
``--session-unavailable N``, ``--null-counts``.
"""

from __future__ import annotations

from ksef_desktop.sandbox.app import Sandbox
from ksef_desktop.sandbox.config import FaultConfig, SandboxConfig

__all__ = ["FaultConfig", "Sandbox", "SandboxConfig"]
