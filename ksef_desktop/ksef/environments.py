"""The KSeF environments and their addresses (DESIGN.md §6).

``test``, ``demo`` and ``prod`` are fixed, always HTTPS (the HTTP client verifies
their certificates: ``deadline.new_http_client``); ``sandbox`` is the local server whose
addresses are known only at run time (it listens on a free port), so it is built from
the API base URL the sandbox prints, and only on this computer (loopback) unless asked.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from ksef_desktop.errors import UserError
from ksef_desktop.i18n import _

SANDBOX = "sandbox"
TEST = "test"
DEMO = "demo"
PROD = "prod"
NAMES = (SANDBOX, TEST, DEMO, PROD)


class UnknownEnvironment(UserError, ValueError):
    """``str(exc)`` is a user-facing explanation."""


@dataclass(frozen=True)
class Environment:
    """Where one KSeF environment lives. ``api_base`` ends with ``/v2``, no slash."""

    name: str
    api_base: str
    qr_base: str
    latarnia_base: str | None

    def url(self, path: str) -> str:
        """Absolute URL of an API ``path`` such as ``/auth/challenge``."""
        return self.api_base + (path if path.startswith("/") else "/" + path)


_FIXED = {
    TEST: Environment(
        TEST,
        "https://api-test.ksef.mf.gov.pl/v2",
        "https://qr-test.ksef.mf.gov.pl",
        "https://api-latarnia-test.ksef.mf.gov.pl",
    ),
    DEMO: Environment(
        DEMO,
        "https://api-demo.ksef.mf.gov.pl/v2",
        "https://qr-demo.ksef.mf.gov.pl",
        None,
    ),
    PROD: Environment(
        PROD,
        "https://api.ksef.mf.gov.pl/v2",
        "https://qr.ksef.mf.gov.pl",
        "https://api-latarnia.ksef.mf.gov.pl",
    ),
}


def is_loopback(host: str | None) -> bool:
    """``localhost`` or an address of this computer's loopback (127.0.0.0/8, ::1)."""
    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def sandbox(
    api_base: str,
    qr_base: str | None = None,
    latarnia: str | None = None,
    *,
    allow_remote: bool = False,
) -> Environment:
    """The local sandbox at ``api_base`` (…/v2); QR and Latarnia default to its root.

    A sandbox gets the KSeF token given for it, so its address must be on this computer
    (loopback) unless ``allow_remote`` (``--allow-remote-sandbox``) says otherwise: a
    mistyped ``--base-url`` must never carry a token to someone else's server.
    """
    parts = urlsplit(api_base.rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UnknownEnvironment(
            _("Not an http(s) URL: {url}").format(url=api_base),
        )
    try:
        host = parts.hostname
    except ValueError:
        host = None
    if not allow_remote and not is_loopback(host):
        raise UnknownEnvironment(
            _(
                "--base-url must point to a sandbox on this computer (localhost, 127.0.0.1 "
                "or ::1), not {host}; add --allow-remote-sandbox if you really mean a "
                "sandbox elsewhere. KSeF's own environments are chosen with --env."
            ).format(host=host or api_base)
        )
    api = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
    root_path = parts.path.rstrip("/")
    if root_path.endswith("/v2"):
        root_path = root_path[: -len("/v2")]
    root = urlunsplit((parts.scheme, parts.netloc, root_path, "", ""))
    return Environment(
        SANDBOX,
        api,
        (qr_base or root + "/qr").rstrip("/"),
        (latarnia or root + "/latarnia").rstrip("/"),
    )


def environment(
    name: str, base_url: str | None = None, *, allow_remote: bool = False
) -> Environment:
    """The environment called ``name``; ``base_url`` is required for (and implies) sandbox,
    and must be a loopback address unless ``allow_remote``."""
    if base_url is not None:
        if name not in (SANDBOX, ""):
            raise UnknownEnvironment(
                _("--base-url is only for the sandbox; {env} has fixed addresses.").format(env=name)
            )
        return sandbox(base_url, allow_remote=allow_remote)
    if name == SANDBOX:
        raise UnknownEnvironment(
            _("The sandbox listens on a port chosen when it starts: give its --base-url.")
        )
    try:
        return _FIXED[name]
    except KeyError:
        raise UnknownEnvironment(
            _("Unknown KSeF environment {env!r}; choose one of: {names}.").format(
                env=name, names=", ".join(NAMES)
            )
        ) from None
