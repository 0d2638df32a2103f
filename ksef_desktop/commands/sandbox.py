"""`ksef-desktop sandbox`: run the local KSeF sandbox in the foreground (DESIGN.md §9).

The first stdout line is one JSON object with base_url, qr_base, latarnia_url and tokens;
requests are logged to stderr (method, path, status). SIGINT or SIGTERM stops it cleanly.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from ksef_desktop.i18n import _


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help=_("run the local KSeF sandbox server in the foreground"),
        description=_("Run a local server that speaks the KSeF API 2.0 wire format on 127.0.0.1."),
    )
    parser.add_argument("--port", type=int, default=0, help=_("TCP port (0 = any free port)"))
    parser.add_argument(
        "--nip",
        action="append",
        default=None,
        metavar="NIP",
        help=_("a taxpayer the sandbox knows (repeat for more); each gets a ready token"),
    )
    parser.add_argument(
        "--state-file", type=Path, default=None, help=_("keep the sandbox state in this file")
    )
    parser.add_argument(
        "--rate-limit-scale",
        type=float,
        default=1.0,
        help=_("multiply the published rate limits (0 = no limits)"),
    )
    parser.add_argument(
        "--processing-delay",
        type=float,
        default=0.0,
        help=_("seconds an invoice stays in each processing status"),
    )
    parser.add_argument(
        "--unavailable", action="store_true", help=_("start in planned unavailability (503)")
    )
    parser.add_argument(
        "--failure", action="store_true", help=_("start with an announced KSeF failure")
    )
    parser.add_argument(
        "--total-failure", action="store_true", help=_("start with an announced total failure")
    )
    parser.add_argument(
        "--error-rate", type=float, default=0.0, help=_("share of answers that are HTTP 500")
    )
    parser.add_argument(
        "--latency-ms", type=int, default=0, help=_("milliseconds added to every answer")
    )
    parser.add_argument(
        "--drop-responses",
        type=int,
        default=0,
        help=_("drop the next N answers after processing the request"),
    )
    parser.add_argument(
        "--firewall-page",
        type=float,
        default=0.0,
        metavar="RATE",
        help=_(
            "share of pre-signed downloads (UPO, export parts) answered with the web "
            "firewall's HTML page"
        ),
    )
    parser.add_argument(
        "--session-unavailable",
        type=int,
        default=0,
        metavar="N",
        help=_("answer the next N invoice sends with 'session temporarily unavailable' (21184)"),
    )
    parser.add_argument(
        "--null-counts",
        action="store_true",
        help=_("answer null invoice counts in the session status"),
    )
    parser.add_argument(
        "--api-version",
        choices=("2.9.0", "2.7.0"),
        default="2.9.0",
        help=_("2.7.0: collective identifiers as API 2.7.0 had them (for older clients)"),
    )
    parser.set_defaults(func=run)


def _bad(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from ksef_desktop.domain.identifiers import nip_is_valid, normalize_nip
    from ksef_desktop.sandbox import FaultConfig, Sandbox, SandboxConfig

    nips = tuple(normalize_nip(n) for n in (args.nip or ["5265877635"]))
    for nip in nips:
        if not nip_is_valid(nip):
            return _bad(_("Invalid NIP: {nip}").format(nip=nip))
    if not 0 <= args.port <= 65535:
        return _bad(_("The port must be a number from 0 to 65535."))
    if not 0.0 <= args.error_rate <= 1.0:
        return _bad(_("The error rate must be a number from 0 to 1."))
    if not 0.0 <= args.firewall_page <= 1.0:
        return _bad(_("The firewall page rate must be a number from 0 to 1."))
    if args.session_unavailable < 0:
        return _bad(_("The number of unavailable sends cannot be negative."))
    if args.latency_ms < 0 or args.drop_responses < 0 or args.processing_delay < 0:
        return _bad(_("Latency, delay and the number of dropped answers cannot be negative."))
    if args.rate_limit_scale < 0:
        return _bad(_("The rate limit scale cannot be negative."))
    state = args.state_file
    if state is not None and state.exists() and not state.is_file():
        # A FIFO would hang the sandbox's start, a device exhaust its memory.
        return _bad(_("{file} is not a file.").format(file=state))
    config = SandboxConfig(
        nips=nips,
        port=args.port,
        rate_limit_scale=args.rate_limit_scale,
        state_file=args.state_file,
        processing_delay=args.processing_delay,
        faults=FaultConfig(
            unavailable=args.unavailable,
            failure=args.failure,
            total_failure=args.total_failure,
            error_rate=args.error_rate,
            latency_ms=args.latency_ms,
            drop_responses=args.drop_responses,
            firewall_page=args.firewall_page,
            session_unavailable=args.session_unavailable,
            null_counts=args.null_counts,
        ),
        api_version=args.api_version,
    )
    # The request log on stderr (the program's log file gets it too, ksef_desktop/logs.py;
    # warnings reach stderr through that set-up, in one line).
    from ksef_desktop.logs import RedactSecrets

    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    console.addFilter(RedactSecrets())
    console.addFilter(lambda record: record.levelno < logging.WARNING)
    sandbox_log = logging.getLogger("ksef_desktop.sandbox")
    sandbox_log.addHandler(console)
    sandbox_log.setLevel(logging.INFO)
    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    sandbox = Sandbox(config)
    try:
        try:
            sandbox.start()
        except OSError as exc:
            return _bad(_("Cannot start the sandbox: {error}").format(error=exc))
        except (ValueError, KeyError, TypeError) as exc:
            # json.JSONDecodeError is a ValueError: a damaged or foreign state file.
            return _bad(
                _("Cannot read the sandbox state file {path}: {error}").format(
                    path=args.state_file, error=exc
                )
            )
        print(json.dumps(sandbox.describe()), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sandbox_log.removeHandler(console)
    return 0
