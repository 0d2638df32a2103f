"""Every official code the client can receive, with one sentence for the user.

ONE table, ``MESSAGES``, keyed by (kind, code):

- ``exception``: the codes of HTTP 400 ``ExceptionResponse`` bodies (9101 … 71002),
- ``auth``: authentication operation statuses (GET /auth/{ref}),
- ``online`` / ``batch``: session statuses (GET /sessions/{ref}),
- ``invoice``: per-invoice statuses in a session,
- ``certificate`` / ``permission``: statuses of a certificate enrolment and of a
  permission grant or revocation (``errors.OperationFailed``),
- ``http``: HTTP statuses that carry no KSeF code (401, 403, 410, 429, 5xx).

Sources: open-api.json 2.9.0 (400 descriptions and status tables) and KSEF-PROTOCOL.md
§2–§13a. English message ids, Polish in the program's catalog (resources/locale/pl/);
strings are translated when shown, so switching the language works at any time.
"""

from __future__ import annotations

import math

from ksef_desktop.i18n import N_, _
from ksef_desktop.ksef import errors

MESSAGES: dict[tuple[str, int], str] = {
    # --- HTTP 400 exception codes ------------------------------------------------------
    ("exception", 9101): N_("The signed document is invalid."),
    ("exception", 9102): N_("The document has no signature."),
    ("exception", 9103): N_("The document has more signatures than allowed."),
    ("exception", 9105): N_("The signature is invalid."),
    ("exception", 21001): N_("KSeF could not read the content sent."),
    ("exception", 21111): N_("The authentication challenge is invalid or has expired."),
    ("exception", 21115): N_("The certificate is invalid."),
    ("exception", 21117): N_("The identifier does not fit the chosen context type."),
    ("exception", 21155): N_("The session has reached its limit of invoices."),
    ("exception", 21157): N_("A part of the batch package has the wrong size."),
    ("exception", 21161): N_("The batch package has too many parts."),
    ("exception", 21164): N_("No invoice with this KSeF number exists."),
    ("exception", 21165): N_("The invoice is processed but cannot be downloaded yet."),
    ("exception", 21166): N_("A technical correction of this invoice was already accepted."),
    ("exception", 21167): N_(
        "This invoice was processed correctly, so it cannot get a technical correction."
    ),
    ("exception", 21173): N_("KSeF knows no session with this reference number."),
    ("exception", 21175): N_("KSeF knows no query result with this identifier."),
    ("exception", 21178): N_("No UPO was found for these criteria."),
    ("exception", 21180): N_("The session's status does not allow this operation."),
    ("exception", 21181): N_("This export request is not allowed for the subject and context."),
    ("exception", 21182): N_("Too many invoice exports are running; try again later."),
    ("exception", 21183): N_("The date range reaches beyond the data KSeF has stored so far."),
    ("exception", 21184): N_(
        "The KSeF session is temporarily unavailable (maintenance); the invoice waits and "
        "will be sent again in a new session."
    ),
    ("exception", 21205): N_("A declared part of the batch package was not uploaded."),
    ("exception", 21208): N_("The batch upload took too long; KSeF cancelled the session."),
    ("exception", 21217): N_("The content uses an invalid character encoding."),
    ("exception", 21301): N_(
        "KSeF refused to issue tokens: the authentication is not finished, its tokens were "
        "already taken, or the KSeF token was revoked."
    ),
    ("exception", 21304): N_("KSeF knows no authentication with this reference number."),
    ("exception", 21308): N_("The credentials belong to a deceased person."),
    ("exception", 21401): N_("The document does not match its XML schema."),
    ("exception", 21402): N_("The declared file size does not match the content."),
    ("exception", 21403): N_("The declared file hash does not match the content."),
    ("exception", 21405): N_("KSeF rejected the request data as invalid."),
    ("exception", 21406): N_("The signature conflicts with the type of authentication."),
    ("exception", 21418): N_("The continuation token has an invalid format."),
    ("exception", 21470): N_("The encryption key used is unknown to KSeF or was withdrawn."),
    ("exception", 25001): N_("Certificate data cannot be requested with this kind of login."),
    ("exception", 25002): N_("A certificate cannot be requested with this kind of login."),
    ("exception", 25003): N_("The CSR data do not match the credentials used to log in."),
    ("exception", 25004): N_("The CSR has an invalid format or signature."),
    ("exception", 25005): N_("No certificate request with this reference number exists."),
    ("exception", 25006): N_("The limit of certificate requests has been reached."),
    ("exception", 25007): N_("The limit of certificates you may hold has been reached."),
    ("exception", 25008): N_("No certificate with this serial number exists."),
    ("exception", 25009): N_("The certificate is already revoked, blocked or invalid."),
    ("exception", 25010): N_("The key type or length is not allowed."),
    ("exception", 25011): N_("The CSR's signature algorithm is not allowed."),
    ("exception", 26001): N_("A token cannot get permissions you do not have."),
    ("exception", 26002): N_("A token cannot be generated in this type of context."),
    ("exception", 30001): N_("The subject or permission already exists."),
    ("exception", 71001): N_(
        "The invoice does not exist in KSeF or cannot be added to a collective identifier."
    ),
    ("exception", 71002): N_(
        "The invoice already belongs to the maximum number of collective identifiers."
    ),
    ("exception", 71004): N_(
        "The invoices have different sellers; a collective identifier covers one seller's."
    ),
    ("exception", 71005): N_("The same KSeF number is given twice in the request."),
    # --- authentication statuses --------------------------------------------------------
    ("auth", 100): N_("Authentication is in progress."),
    ("auth", 200): N_("Authentication succeeded."),
    ("auth", 415): N_("Authentication failed: the KSeF token has no permissions assigned."),
    ("auth", 425): N_("The authentication was revoked by the user, with its refresh tokens."),
    ("auth", 450): N_("Authentication failed because of the KSeF token."),
    ("auth", 460): N_("Authentication failed because of the certificate."),
    ("auth", 470): N_("Authentication failed: the credentials belong to a deceased person."),
    ("auth", 480): N_(
        "Authentication is blocked because of a security incident; contact the KSeF helpdesk."
    ),
    ("auth", 500): N_("Authentication failed with an unknown KSeF error; try again later."),
    ("auth", 550): N_("KSeF cancelled the authentication; try again."),
    # --- online (interactive) session statuses --------------------------------------------
    ("online", 100): N_("The online session is open."),
    ("online", 170): N_("The online session is closed and being processed."),
    ("online", 200): N_("The online session was processed."),
    ("online", 415): N_("KSeF could not decrypt the session key."),
    ("online", 440): N_("The online session was cancelled: no invoices were sent."),
    ("online", 445): N_("The session was verified and contains no valid invoice."),
    # --- batch session statuses -------------------------------------------------------------
    ("batch", 100): N_("The batch session has started."),
    ("batch", 150): N_("The batch session is being processed."),
    ("batch", 200): N_("The batch session was processed."),
    ("batch", 405): N_("The parts of the batch package failed verification."),
    ("batch", 415): N_("KSeF could not decrypt the session key."),
    ("batch", 420): N_("The batch package has more invoices than a session allows."),
    ("batch", 430): N_("KSeF could not unpack the batch archive."),
    ("batch", 435): N_("KSeF could not decrypt the parts of the batch archive."),
    ("batch", 440): N_(
        "The batch session was cancelled: the upload took too long or no invoices were sent."
    ),
    ("batch", 445): N_("The session was verified and contains no valid invoice."),
    ("batch", 500): N_("The batch session failed with an unknown KSeF error."),
    # --- invoice statuses -------------------------------------------------------------------
    ("invoice", 100): N_("The invoice was accepted for processing."),
    ("invoice", 150): N_("The invoice is being processed."),
    ("invoice", 200): N_("The invoice was accepted and has a KSeF number."),
    ("invoice", 405): N_("Processing was cancelled because of an error in the session."),
    ("invoice", 410): N_("You have no permission to issue invoices for this seller."),
    ("invoice", 415): N_("Invoices with attachments cannot be sent from this account."),
    ("invoice", 430): N_("The invoice file failed verification (schema or format)."),
    ("invoice", 435): N_("KSeF could not decrypt the invoice file."),
    ("invoice", 440): N_(
        "Duplicate: an invoice with the same seller, type and number is already in KSeF."
    ),
    ("invoice", 450): N_("The invoice content failed KSeF's semantic checks."),
    ("invoice", 500): N_("The invoice failed with an unknown KSeF error."),
    ("invoice", 550): N_("KSeF cancelled processing of the invoice; send it again."),
    # --- certificate enrolment statuses (GET /certificates/enrollments/{ref}) --------------
    ("certificate", 100): N_("KSeF accepted the certificate request for processing."),
    ("certificate", 200): N_("KSeF issued the certificate."),
    ("certificate", 400): N_(
        "KSeF refused the certificate request (the key is already certified for someone "
        "else, or the limit of certificates is reached)."
    ),
    ("certificate", 404): N_("KSeF did not hand over the issued certificate."),
    ("certificate", 500): N_("The certificate request failed with an unknown KSeF error."),
    ("certificate", 550): N_("KSeF cancelled the certificate request; try again later."),
    # --- permission operation statuses (GET /permissions/operations/{ref}) ------------------
    ("permission", 100): N_("KSeF accepted the permission change for processing."),
    ("permission", 200): N_("KSeF made the permission change."),
    ("permission", 400): N_("KSeF refused the permission change."),
    ("permission", 410): N_(
        "The identifiers given do not fit together or are in the wrong relation to each other."
    ),
    ("permission", 420): N_("The login used has no permission to make this change."),
    ("permission", 430): N_(
        "The context does not have the role or permissions this change requires."
    ),
    ("permission", 440): N_("The change is not allowed for these linked identifiers."),
    ("permission", 450): N_("The change is not allowed for this identifier or its type."),
    ("permission", 500): N_("The permission change failed with an unknown KSeF error."),
    ("permission", 550): N_("KSeF cancelled the permission change; try again later."),
    # --- HTTP statuses without a KSeF code -------------------------------------------------
    ("http", 401): N_("KSeF no longer accepts the login; authenticate again."),
    ("http", 403): N_("You have no permission for this operation in KSeF."),
    ("http", 410): N_("KSeF no longer keeps the status of this operation."),
    ("http", 429): N_("KSeF limits the number of requests; try again in {seconds} s."),
    ("http", 500): N_("KSeF had an internal error; try again later."),
    ("http", 503): N_("KSeF is unavailable (planned maintenance or failure); try again later."),
}

# Official detail texts of auth statuses 450 and 460 (open-api.json), each with its
# own explanation, so that "bad token" says which of the five problems it was. The
# servers have sent these details in English too (KSEF-PROTOCOL.md §13a: "Invalid
# token", "Invalid token encoding."): the English wording of each is listed as well.
# Matched without regard to case or a final full stop.
AUTH_DETAILS: dict[str, str] = {
    "Nieprawidłowe wyzwanie autoryzacyjne": N_("The challenge was invalid or expired."),
    "Nieprawidłowy token": N_("The KSeF token is wrong; check that it was copied whole."),
    "Nieprawidłowy czas tokena": N_(
        "The token's timestamp did not match the challenge; check the computer's clock."
    ),
    "Token unieważniony": N_("The KSeF token was revoked; generate a new one."),
    "Token nieaktywny": N_("The KSeF token is not active yet."),
    "Nieprawidłowe kodowanie tokena": N_(
        "The encrypted token was badly encoded (a program error)."
    ),
    "Nieprawidłowe szyfrowanie tokena": N_(
        "The token was encrypted wrongly or with an outdated key; try again."
    ),
    "Token nie może być użyty w kontekście": N_(
        "This KSeF token cannot be used for this NIP; use a token generated for it."
    ),
    "Nieważny certyfikat": N_("The certificate is not valid."),
    "Błąd weryfikacji łańcucha certyfikatów": N_("The certificate chain could not be verified."),
    "Niezaufany łańcuch certyfikatów": N_("The certificate chain is not trusted."),
    "Certyfikat odwołany": N_("The certificate was revoked."),
    "Certyfikat zawieszony": N_("The certificate is suspended."),
    "Niepoprawny certyfikat": N_("The certificate is malformed."),
}
AUTH_DETAILS_EN: dict[str, str] = {
    "Invalid authorization challenge": "Nieprawidłowe wyzwanie autoryzacyjne",
    "Invalid authentication challenge": "Nieprawidłowe wyzwanie autoryzacyjne",
    "Invalid challenge": "Nieprawidłowe wyzwanie autoryzacyjne",
    "Invalid token": "Nieprawidłowy token",
    "Invalid token time": "Nieprawidłowy czas tokena",
    "Invalid token timestamp": "Nieprawidłowy czas tokena",
    "Token revoked": "Token unieważniony",
    "Token has been revoked": "Token unieważniony",
    "Token inactive": "Token nieaktywny",
    "Token is inactive": "Token nieaktywny",
    "Token is not active": "Token nieaktywny",
    "Invalid token encoding": "Nieprawidłowe kodowanie tokena",
    "Invalid token encryption": "Nieprawidłowe szyfrowanie tokena",
    "Token cannot be used in context": "Token nie może być użyty w kontekście",
    "Token cannot be used in the context": "Token nie może być użyty w kontekście",
    "Invalid certificate": "Nieważny certyfikat",
    "Certificate chain verification error": "Błąd weryfikacji łańcucha certyfikatów",
    "Certificate chain verification failed": "Błąd weryfikacji łańcucha certyfikatów",
    "Untrusted certificate chain": "Niezaufany łańcuch certyfikatów",
    "Certificate revoked": "Certyfikat odwołany",
    "Certificate suspended": "Certyfikat zawieszony",
    "Incorrect certificate": "Niepoprawny certyfikat",
    "Malformed certificate": "Niepoprawny certyfikat",
}
_DETAIL_KEYS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        [(k.casefold(), v) for k, v in AUTH_DETAILS.items()]
        + [(k.casefold(), AUTH_DETAILS[v]) for k, v in AUTH_DETAILS_EN.items()],
        key=lambda kv: -len(kv[0]),  # "invalid token encoding" before "invalid token"
    )
)

# The rate-limit groups of GET /rate-limits (open-api.json 2.9.0, EffectiveApiRateLimits),
# named for the user when KSeF holds a request back.
RATE_LIMIT_GROUPS: dict[str, str] = {
    "onlineSession": N_("opening online sessions"),
    "onlineSessionClose": N_("closing online sessions"),
    "batchSession": N_("opening batch sessions"),
    "batchSessionClose": N_("closing batch sessions"),
    "invoiceSend": N_("sending invoices"),
    "invoiceStatus": N_("invoice statuses"),
    "sessionList": N_("the session list"),
    "sessionInvoiceList": N_("the invoice lists of sessions"),
    "sessionMisc": N_("session statuses and UPO"),
    "invoiceMetadata": N_("invoice searches"),
    "invoiceExport": N_("invoice exports"),
    "invoiceExportStatus": N_("the statuses of invoice exports"),
    "invoiceDownload": N_("invoice downloads"),
    "collectiveIdentifier": N_("collective identifiers"),
    "other": N_("other operations"),
    "anonymous": N_("operations without a login"),
    "global": N_("all requests from this address"),
}

# What a download brought instead of a UPO (errors.UpoNotReceived.reason).
UPO_PROBLEMS: dict[str, str] = {
    "no-hash": N_("KSeF sent no hash of the document"),
    "hash-mismatch": N_("the document does not match the hash KSeF announced"),
    "not-upo": N_("the document is not a UPO (e.g. a web page of KSeF's firewall)"),
}

# AnswerTooLarge.answer_kind (transport.AnswerKind.name).
ANSWER_KINDS: dict[str, str] = {
    "JSON": N_("a JSON answer"),
    "UPO": N_("a UPO"),
    "invoice": N_("an invoice"),
    "export package part": N_("a part of an export package"),
}

# HTTP 403 reasonCode values (Problem Details).
FORBIDDEN_REASONS: dict[str, str] = {
    "missing-permissions": N_("You lack the permission this operation needs."),
    "ip-not-allowed": N_("The token's IP policy does not allow this computer's address."),
    "insufficient-resource-access": N_("You have no access to this resource."),
    "auth-method-not-allowed": N_("This operation is not allowed with this kind of login."),
    "security-service-blocked": N_("KSeF's security service blocked the request."),
    "context-type-not-allowed": N_("This operation is not allowed in this type of context."),
}


def message(kind: str, code: int) -> str | None:
    """The translated sentence for an official code, or None when it is not in the table."""
    msgid = MESSAGES.get((kind, code))
    return _(msgid) if msgid else None


def _detail_sentences(details: tuple[str, ...]) -> list[str]:
    out = []
    for detail in details:
        text = detail.strip().rstrip(".").casefold()
        for key, msgid in _DETAIL_KEYS:
            if text == key or text.startswith(key + " "):
                out.append(_(msgid))
                break
    return out


def describe(exc: BaseException) -> str:
    """One user-facing sentence (or two) for any error of the client."""
    if isinstance(exc, errors.RateLimited):
        seconds = str(math.ceil(exc.retry_after))
        what = RATE_LIMIT_GROUPS.get(exc.group or "")
        if what:
            text = _("KSeF limits the number of requests ({what}); try again in {seconds} s.")
            return text.format(what=_(what), seconds=seconds)
        return _(MESSAGES[("http", 429)]).format(seconds=seconds)
    if isinstance(exc, errors.SessionUnavailable):
        return _(MESSAGES[("exception", 21184)])
    if isinstance(exc, errors.UpoNotReceived):
        reason = UPO_PROBLEMS.get(exc.reason)
        return _("UPO not received yet: {reason}; it will be fetched again.").format(
            reason=_(reason) if reason else exc.reason
        )
    if isinstance(exc, errors.DeadlineExceeded):
        return _("KSeF did not answer in time ({seconds} s); try again later.").format(
            seconds=f"{exc.seconds:.0f}"
        )
    if isinstance(exc, errors.AnswerTooLarge):
        kind = ANSWER_KINDS.get(exc.answer_kind)
        return _(
            "KSeF's answer ({kind}) was larger than {mib} MiB and was not read; try again later."
        ).format(kind=_(kind) if kind else exc.answer_kind, mib=exc.max_bytes // (1024 * 1024))
    if isinstance(exc, errors.KsefUnavailable):
        if exc.status == 0:  # our wait for an asynchronous result ran out
            return _("KSeF has not finished processing yet; try again later.")
        key = ("http", 503) if exc.status == 503 else ("http", 500)
        return _(MESSAGES[key])
    if isinstance(exc, errors.AuthExpired):
        return _(MESSAGES[("http", 401)])
    if isinstance(exc, errors.NetworkError):
        return _("KSeF cannot be reached (no network or no answer); try again later.")
    if isinstance(exc, errors.Forbidden):
        reason = FORBIDDEN_REASONS.get(exc.reason)
        return _(reason) if reason else _(MESSAGES[("http", 403)])
    if isinstance(exc, errors.KsefVerdict):
        sentence = message(exc.kind, exc.code)
        if sentence is None and exc.kind == "invoice":  # a 400 on sending one invoice
            sentence = message("exception", exc.code)
        if sentence is None:
            sentence = _("KSeF refused with code {code}: {description}").format(
                code=exc.code, description=exc.description or "-"
            )
        extra = _detail_sentences(exc.details)
        if extra:
            sentence += " " + " ".join(extra)
        elif isinstance(exc, errors.InvoiceRejected) and exc.details:
            sentence += " " + "; ".join(exc.details)
        return sentence
    if isinstance(exc, errors.UpoHashMismatch):
        return _("The UPO downloaded from KSeF does not match its announced hash.")
    if isinstance(exc, errors.ProtocolError):
        return _("KSeF answered in an unexpected way (a program error): {detail}").format(
            detail=str(exc)
        )
    return _("Unexpected error: {detail}").format(detail=str(exc))
