"""Helpers for the client's integration tests (tests/integration/test_client_*.py).

- ``invoices(n, nip, tag)``: n distinct FA(3) invoices made from an official sample by
  setting the seller's NIP and a unique P_2 with lxml, then serialising.
- ``Recorder``: an httpx event hook that validates every request body against the
  requestBody schema of its operation in open-api.json (and fails on undocumented
  paths), records what was sent and answered, and can run actions after the n-th
  matching answer (to switch sandbox faults on mid-flight).
- ``SEEN_SECRETS``: every KSeF token handed out to the suite; when the test session ends
  (each pytest-xdist worker's, too) ``leaked_tokens`` must find none of them in any file
  the session left behind (tests/integration/conftest.py).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree
from openapi_schema_validator import OAS30Validator

from ksef_desktop.fa3.xmlsafe import parse_untrusted
from ksef_desktop.ksef.environments import Environment, sandbox
from ksef_desktop.ksef.sending import InvoiceToSend
from ksef_desktop.ksef.transport import RetryPolicy
from ksef_desktop.ksef.workflows import KsefClient

DATA = Path(__file__).parents[1] / "data"
SAMPLE = DATA / "fa3-official" / "FA_3_Przykład_1.xml"
FA = "{http://crd.gov.pl/wzor/2025/06/25/13775/}"
NIP = "5265877635"
OPENAPI: dict[str, Any] = json.loads((DATA / "openapi" / "open-api-2.9.0.json").read_text("utf-8"))
SEEN_SECRETS: set[str] = set()

# Everything the client logs during the suite, at DEBUG, to a file the last test reads.
LOG_FILE = Path(tempfile.gettempdir()) / f"ksef-client-tests-{os.getpid()}.log"
_log_handlers: list[logging.Handler] = []


def capture_client_log() -> None:
    """From the first client on, keep everything ksef_desktop logs in ``LOG_FILE``."""
    if _log_handlers:
        return
    handler = logging.FileHandler(LOG_FILE, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    logging.getLogger("ksef_desktop").addHandler(handler)
    logging.getLogger("ksef_desktop").setLevel(logging.DEBUG)
    _log_handlers.append(handler)


def invoice_bytes(nip: str, number: str, sample: Path = SAMPLE) -> bytes:
    root = parse_untrusted(sample.read_bytes())
    seller = root.find(f"{FA}Podmiot1/{FA}DaneIdentyfikacyjne/{FA}NIP")
    p2 = root.find(f"{FA}Fa/{FA}P_2")
    assert seller is not None
    assert p2 is not None
    seller.text = nip
    p2.text = number
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def invoices(n: int, nip: str = NIP, tag: str = "T", offline: bool = False) -> list[InvoiceToSend]:
    stamp = f"{tag}/{time.monotonic_ns() % 10**9}"
    return [
        InvoiceToSend(f"{tag}-{i:05d}.xml", invoice_bytes(nip, f"{stamp}/{i}"), offline=offline)
        for i in range(n)
    ]


# --- OpenAPI request validation ----------------------------------------------------------


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


_OPERATIONS = [
    (_template(path), method.upper(), op)
    for path, ops in OPENAPI["paths"].items()
    for method, op in ops.items()
    if method in ("get", "post", "put", "delete", "patch")
]


def operation_for(method: str, api_path: str) -> dict[str, Any] | None:
    # Literal paths (/auth/challenge) win over templates (/auth/{referenceNumber}).
    matches = [(p, op) for p, m, op in _OPERATIONS if m == method and p.match(api_path)]
    matches.sort(key=lambda item: item[0].pattern.count("[^/]+"))
    return matches[0][1] if matches else None


def validate_request(request: httpx.Request, api_prefix: str) -> None:
    """Raise AssertionError unless the request fits its operation in open-api.json."""
    path = request.url.path
    assert path.startswith(api_prefix), f"request outside the API: {path}"
    api_path = path[len(api_prefix) :]
    op = operation_for(request.method, api_path)
    assert op is not None, f"{request.method} {api_path} is not an operation of open-api.json"
    content = request.content
    body_spec = op.get("requestBody", {}).get("content", {})
    if "application/json" in body_spec:
        schema = dict(body_spec["application/json"]["schema"])
        instance = json.loads(content)
        # "#/components/..." references resolve inside this combined document.
        validator = OAS30Validator({**schema, "components": OPENAPI["components"]})
        errors = sorted(validator.iter_errors(instance), key=str)
        assert not errors, f"{request.method} {api_path}: {errors[0].message}"
    else:
        assert not content, f"{request.method} {api_path} sends a body the contract has not"
    for name, spec in _query_params(op).items():
        if spec.get("required"):
            assert name in request.url.params, f"{api_path}: missing query parameter {name}"


def _query_params(op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "query"}


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    sent_at: float
    retry_after: str | None


@dataclass
class Recorder:
    """httpx event hooks: validate, record, and trigger actions after matching answers."""

    api_prefix: str
    exchanges: list[Exchange] = field(default_factory=list)
    requests_at: list[tuple[str, str, float]] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)  # JSON bodies sent to the API
    actions: list[tuple[str, str, int, Callable[[], None]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def on_request(self, request: httpx.Request) -> None:
        if request.url.path.startswith(self.api_prefix):
            validate_request(request, self.api_prefix)
            if request.headers.get("content-type", "").startswith("application/json"):
                with self._lock:
                    self.bodies.append(json.loads(request.content))
        with self._lock:
            self.requests_at.append((request.method, request.url.path, time.monotonic()))

    def on_response(self, response: httpx.Response) -> None:
        request = response.request
        with self._lock:
            self.exchanges.append(
                Exchange(
                    request.method,
                    request.url.path,
                    response.status_code,
                    time.monotonic(),
                    response.headers.get("Retry-After"),
                )
            )
            due = []
            for action in list(self.actions):
                method, needle, countdown, run = action
                if (
                    request.method == method
                    and needle in request.url.path
                    and response.status_code < 300
                ):
                    self.actions.remove(action)
                    if countdown <= 1:
                        due.append(run)
                    else:
                        self.actions.append((method, needle, countdown - 1, run))
        for run in due:
            run()

    def after(self, method: str, needle: str, count: int, run: Callable[[], None]) -> None:
        """Run ``run`` right after the ``count``-th successful answer to a matching request."""
        self.actions.append((method, needle, count, run))

    def paths(self, method: str | None = None) -> list[str]:
        return [e.path for e in self.exchanges if method is None or e.method == method]

    def hooks(self) -> dict[str, list[Callable[..., Any]]]:
        return {"request": [self.on_request], "response": [self.on_response]}


@contextmanager
def ksef_client(
    base_url: str, token: str, nip: str = NIP, **kwargs: Any
) -> Iterator[tuple[KsefClient, Recorder]]:
    """A real client on a real httpx.Client with the validating recorder attached."""
    SEEN_SECRETS.add(token)
    capture_client_log()
    env: Environment = sandbox(base_url)
    recorder = Recorder(api_prefix=httpx.URL(env.api_base).path)
    with httpx.Client(timeout=httpx.Timeout(20.0), event_hooks=recorder.hooks()) as http:
        kwargs.setdefault("retry", RetryPolicy(base_delay=0.05, max_delay=0.5))
        kwargs.setdefault("now", lambda: datetime.now(UTC))
        client = KsefClient(http, env, nip, token, **kwargs)
        yield client, recorder


def sandbox_available() -> bool:
    """False until the sandbox branch is merged (ksef_desktop.sandbox has no Sandbox yet)."""
    import importlib.util

    return importlib.util.find_spec("ksef_desktop.sandbox.app") is not None


needs_sandbox = pytest.mark.skipif(not sandbox_available(), reason="the sandbox is not merged yet")


@contextmanager
def running_sandbox(**config: Any) -> Iterator[Any]:
    """A sandbox on a free port (tests only may import ksef_desktop.sandbox)."""
    import importlib

    module: Any = importlib.import_module("ksef_desktop.sandbox")
    config.setdefault("nips", (NIP,))
    config.setdefault("port", 0)
    with module.Sandbox(module.SandboxConfig(**config)) as sb:
        SEEN_SECRETS.update(sb.tokens.values())
        yield sb


def control(server_url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """POST to a sandbox control endpoint (outside the API, not validated)."""
    with httpx.Client(timeout=30) as http:
        response = http.post(server_url + "/_sandbox/" + path, json=body or {})
        response.raise_for_status()
        return response.json() if response.content else None


def sandbox_accepted(sb: Any, nip: str = NIP) -> dict[str, str]:
    """{ksefNumber: invoiceHash} of what the sandbox accepted for ``nip`` (its own view)."""
    entry = sb.accepted_state()["nips"].get(nip, {})
    return {i["ksefNumber"]: i["invoiceHash"] for i in entry.get("accepted", [])}


def sandbox_rejected(sb: Any, nip: str = NIP) -> list[dict[str, Any]]:
    return list(sb.accepted_state()["nips"].get(nip, {}).get("rejected", []))


def _sandbox_state(path: Path, data: bytes) -> bool:
    """The Sandbox's own persisted state (what KSeF itself keeps: the tokens it issued),
    or the file it is being written to: a server's data, not a file the client left."""
    from ksef_desktop.sandbox.persist import FORMAT, TEMP_PREFIX

    if path.name.startswith(TEMP_PREFIX):
        return True
    if path.suffix != ".json":
        return False
    try:
        parsed = json.loads(data)
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("format") == FORMAT


def leaked_tokens(root: Path, secrets: set[str], log: Path | None = None) -> list[str]:
    """The files under ``root`` (and ``log``) holding one of ``secrets``, the Sandbox's
    own state excepted."""
    files = [p for p in root.rglob("*") if p.is_file()]
    if log is not None:
        files.append(log)
    leaks = []
    for path in files:
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # gone meanwhile (a database's -wal file at its close)
            continue
        if any(secret.encode() in data for secret in secrets) and not _sandbox_state(path, data):
            leaks.append(str(path))
    return leaks
