"""The HTTP layer: a ThreadingHTTPServer on 127.0.0.1 and the request dispatcher.

Order of work for a /v2 request: announced outage (503) -> added latency -> random 5xx ->
route -> bearer token (401/403) -> rate limit (429) -> handler -> maybe drop the answer.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ksef_desktop.sandbox.access import authenticate_access
from ksef_desktop.sandbox.core import REQUEST_ORIGIN, SandboxCore
from ksef_desktop.sandbox.errors import ProblemError, SandboxHttpError, forbidden_permissions
from ksef_desktop.sandbox.faults import firewall_response
from ksef_desktop.sandbox.ratelimit import PER_ENDPOINT
from ksef_desktop.sandbox.routing import AUTH_ACCESS, Router
from ksef_desktop.sandbox.util import Request, Response

log = logging.getLogger("ksef_desktop.sandbox")

API_PREFIX = "/v2"
MAX_BODY = 120_000_000  # a batch part is at most 100 MB before encryption


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], core: SandboxCore, api: Router, other: Router
    ) -> None:
        self.core = core
        self.api = api
        self.other = other
        super().__init__(address, SandboxRequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request (killed, timed out) is part of normal work:
        one line in the log, not a traceback on stderr; anything else is logged whole."""
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            log.info("client %s went away: %s", client_address, error)
        else:
            log.exception("error answering %s", client_address)


def _run_route(
    core: SandboxCore, router: Router, req: Request, *, api: bool
) -> tuple[Response, bool]:
    """Answer one request; the flag says whether to drop the answer (API only)."""
    route, params, path_known = router.match(req.method, req.path)
    if route is None:
        # The real API answers 404 also where the path exists with another method.
        raise ProblemError(405 if path_known and not api else 404, f"{req.method} {req.path}")
    req.params = params
    if route.auth == AUTH_ACCESS:
        token = authenticate_access(core, req)
        if route.permissions and not set(route.permissions) & set(token.permissions):
            raise forbidden_permissions(list(route.permissions), token.permissions)
    if api and route.limit_group is not None:
        context = req.context_nip or ""
        per_endpoint = route.limit_group in PER_ENDPOINT
        counter = route.template if per_endpoint else route.limit_group
        core.limiter.check(route.limit_group, counter, context, req.client_ip)
        core.limiter.check("global", "global", "", req.client_ip)
    response = route.handler(core, req)
    return response, api and core.faults.take_drop(req.method, req.path)


def dispatch(core: SandboxCore, server: SandboxHTTPServer, req: Request) -> tuple[Response, bool]:
    api = req.path == API_PREFIX or req.path.startswith(API_PREFIX + "/")
    instance = req.path
    try:
        if api:
            req.path = req.path[len(API_PREFIX) :] or "/"
            reason = core.faults.blocking_reason()
            if reason is not None:
                raise ProblemError(503, reason)
            latency = core.faults.latency_ms
            if latency > 0:
                time.sleep(latency / 1000)
            if core.faults.roll_error():
                raise ProblemError(500, "Wewnętrzny błąd serwera (Sandbox: wstrzyknięty błąd).")
            return _run_route(core, server.api, req, api=True)
        if req.method == "GET" and req.path.startswith("/storage/") and core.faults.roll_firewall():
            return firewall_response(), False
        return _run_route(core, server.other, req, api=False)
    except SandboxHttpError as exc:
        response = exc.render(instance=instance, problem=req.wants_problem, now=core.now())
        return response, False
    except Exception:  # our own bug: answer 500 and keep the trace in the log
        log.exception("sandbox bug while answering %s %s", req.method, instance)
        error = ProblemError(500, "Nieoczekiwany błąd Sandboksa.")
        return error.render(instance=instance, problem=True, now=core.now()), False


class SandboxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and
    # the client's delayed ACK add ~40 ms to every keep-alive answer.
    disable_nagle_algorithm = True
    server: SandboxHTTPServer
    server_version = "KSeF-Sandbox"
    sys_version = ""

    def _read_chunked(self) -> bytes | None:
        """A ``Transfer-Encoding: chunked`` body (httpx streams uploads this way)."""
        body = bytearray()
        while True:
            size_line = self.rfile.readline(1024).split(b";")[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                return None
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass  # trailers
                return bytes(body)
            if len(body) + size > MAX_BODY:
                return None
            body += self.rfile.read(size)
            self.rfile.readline(8)  # the CRLF after each chunk

    def _read_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or "0")
        except ValueError:
            return None
        if length < 0 or length > MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        core = self.server.core
        parts = urlsplit(self.path)
        body = self._read_body()
        if body is None:
            self._write(Response(413, b"", None), close=True)
            return
        req = Request(
            method=self.command,
            path=unquote(parts.path),
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=self.headers,  # type: ignore[arg-type]
            body=body,
            client_ip=self.client_address[0],
        )
        origin = REQUEST_ORIGIN.set(core.origin_for(self.headers.get("Host")))
        try:
            response, drop = dispatch(core, self.server, req)
        finally:
            REQUEST_ORIGIN.reset(origin)
        # Method, path and status only: never a token, never invoice content.
        log.info("%s %s -> %s%s", self.command, parts.path, response.status, " (dropped)" * drop)
        if drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._write(response)

    def _write(self, response: Response, *, close: bool = False) -> None:
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    do_GET = _handle
    do_POST = _handle
    do_PUT = _handle
    do_DELETE = _handle
    do_PATCH = _handle

    def log_message(self, format: str, *args: Any) -> None:
        """Silence http.server's own stderr lines; _handle logs each request."""
