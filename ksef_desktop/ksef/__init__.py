"""KSeF API 2.0 client (DESIGN.md §6): synchronous, for a worker thread.

Public API (everything else is internal):

- ``workflows.KsefClient(http, environment, nip, ksef_token, *, now, sleep, monotonic,
  rng, retry, poll, part_size)``: ``authenticate()``, ``send(invoices, mode="auto"|
  "online"|"batch", fetch_upo=True) -> [InvoiceResult]`` (``send_report`` adds the
  sessions and their UPO pages), ``sessions(type, …filters)``, ``session_invoices(ref,
  failed_only)``, ``session_upo(ref)``, ``download_invoice(ksef_number)``,
  ``query_metadata(filters)``, ``rate_limits()``.
- ``sending.InvoiceToSend(name, content, offline, hash_of_corrected_invoice)`` in,
  ``sending.InvoiceResult`` (``ksef_number``, ``status``, ``adopted_duplicate``, ``upo``,
  ``upo_problem``, ``postponed``, ``rejection()``) out.
- ``environments.environment(name, base_url=None, allow_remote=False)``: sandbox (on
  this computer unless ``allow_remote``) / test / demo / prod.
- ``deadline.new_http_client(timeout)``: the ``httpx.Client`` to give it (an overall
  deadline per exchange down to the sockets; TLS always verified).
- ``collective``: collective identifiers (API 2.9.0).
- ``errors``: ``EnvironmentFault`` (``KsefUnavailable``, ``RateLimited``, ``AuthExpired``,
  ``NetworkError`` / ``DeadlineExceeded``, ``SessionUnavailable`` (21184),
  ``UpoNotReceived``), ``KsefVerdict`` (``InvoiceRejected``, ``AuthRejected``,
  ``SessionFailed``, ``RequestRejected``, ``Forbidden``), ``ProtocolError`` /
  ``AnswerTooLarge``, ``UpoHashMismatch``; ``messages.describe(exc)`` is the one sentence
  for the user. docs/KSEF-2.9-CLIENT.md says what changed with API 2.9.0 and why.
- ``latarnia.fetch_status(transport, url) -> Availability``; ``tokens.resolve_token``,
  ``save_token``, ``delete_token`` (OS keyring, or ``KSEF_TOKEN`` for automation).

Layers: ``transport`` (httpx, retries, typed errors) → ``api_*`` (one function per
endpoint, dataclasses of ``models`` named after the OpenAPI schemas) → ``auth``,
``online``, ``batch``, ``sending``, ``workflows``. Nothing here imports
``ksef_desktop.sandbox``: the sandbox is a separate implementation of the protocol.
"""
