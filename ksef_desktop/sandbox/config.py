"""The sandbox's configuration (the stable Python API, see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

API_VERSIONS = ("2.9.0", "2.7.0")


@dataclass(frozen=True)
class FaultConfig:
    """Faults switched on at start (CLI flags); the same switches exist under /_sandbox/."""

    unavailable: bool = False  # planned unavailability: every /v2 path answers 503
    failure: bool = False  # an announced failure starting now, open-ended
    total_failure: bool = False  # a total failure: 503 everywhere, TOTAL_FAILURE in Latarnia
    error_rate: float = 0.0  # probability (0..1) of a 500 answer before processing
    latency_ms: int = 0  # added to every /v2 answer
    drop_responses: int = 0  # the next N /v2 answers are dropped after processing
    # Share (0..1) of pre-signed downloads (UPO, export parts) answered by the Ministry's
    # web firewall: an HTML page with HTTP 200 and no x-ms-meta-hash (KSEF-PROTOCOL §13a).
    firewall_page: float = 0.0
    session_unavailable: int = 0  # the next N invoice sends: 400 with code 21184
    null_counts: bool = False  # GET /sessions/{ref} answers null invoice counts (§13a)


@dataclass(frozen=True)
class SandboxConfig:
    """What a sandbox serves.

    ``nips``: the taxpayers it knows; each gets one ready KSeF token.
    ``port``: 0 picks a free port. ``host`` is always a loopback address.
    ``rate_limit_scale``: multiplies every published limit (count of requests per window;
    the windows stay 1 s, 60 s and 1 h). 1.0 = production; 0.1 = ten times stricter
    (at least 1 request per window); 0 or None = no limits at all.
    ``state_file``: when set, the state (keys, tokens, sessions, invoices) is loaded from
    this JSON file at start and written back atomically after changes and at stop.
    ``processing_delay``: seconds an invoice stays in status 100 and then in 150 (and an
    authentication in 100) before its verdict is visible; 0 = as fast as possible.
    ``clock``: an aware-datetime source (tests move time with it); default: the real UTC
    clock.
    ``max_invoices_per_session``: the context's session limit (production: 10 000; TEST
    lets it be changed the same way through /testdata/limits/context/session).
    ``api_version``: "2.9.0" (the current contract) or "2.7.0": then the collective
    identifiers behave as API 2.7.0 documented them (GET /collective-identifiers/{n}/invoices,
    gone in 2.9.0, is served; one invoice is enough; 2.7.0's error codes), for clients
    still written against 2.7.0. Everything else is 2.9.0 either way.
    """

    nips: tuple[str, ...] = ("5265877635",)
    port: int = 0
    host: str = "127.0.0.1"
    rate_limit_scale: float | None = 1.0
    state_file: Path | None = None
    processing_delay: float = 0.0
    faults: FaultConfig = field(default_factory=FaultConfig)
    clock: Callable[[], datetime] | None = None
    max_invoices_per_session: int = 10_000
    environment_suffix: str = "Sandbox"
    api_version: str = "2.9.0"
