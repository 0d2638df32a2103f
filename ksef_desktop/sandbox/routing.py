"""The route table type and the path-template matcher shared by all endpoint modules."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ksef_desktop.sandbox.util import Request, Response

if TYPE_CHECKING:
    from ksef_desktop.sandbox.core import SandboxCore

Handler = Callable[["SandboxCore", Request], Response]

# Authentication kinds: "none" (public), "access" (a live access token; the dispatcher
# fills Request.context_nip and Request.principal), "custom" (the handler checks itself).
AUTH_NONE = "none"
AUTH_ACCESS = "access"
AUTH_CUSTOM = "custom"


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # an open-api.json path, e.g. "/sessions/{referenceNumber}"
    handler: Handler
    limit_group: str | None = None  # a GET /rate-limits group ("anonymous": per endpoint), or None
    auth: str = AUTH_ACCESS
    permissions: tuple[str, ...] = ()  # any one of them is enough
    regex: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        object.__setattr__(self, "regex", re.compile(f"^{pattern}$"))

    @property
    def param_count(self) -> int:
        return self.template.count("{")


class Router:
    """Finds the route for a path; literal segments win over parameters."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = sorted(routes, key=lambda r: r.param_count)

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """(route, params, path_known): path_known is True when only the method is wrong."""
        path_known = False
        for route in self.routes:
            found = route.regex.match(path)
            if found is None:
                continue
            path_known = True
            if route.method == method:
                return route, found.groupdict(), True
        return None, {}, path_known
