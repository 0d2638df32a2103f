"""What the program knows about KSeF right now, and which mode new invoices get (no Qt).

``check_ksef`` runs in the worker: it asks Latarnia (when the environment has one) and
tries one public API call to learn whether KSeF can be reached from here. ``decide_mode``
turns the result and the user's own declaration into the mode new invoices are issued
in, with the reason the banner shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ksef_desktop.domain.offline import Announcement, EventKind, OfflineMode
from ksef_desktop.domain.offline_watch import Availability, mode_label, suggest_mode
from ksef_desktop.i18n import _

if TYPE_CHECKING:  # the KSeF client (httpx, cryptography) is imported in the worker only
    import httpx

    from ksef_desktop.ksef import latarnia
    from ksef_desktop.ksef.environments import Environment


@dataclass(frozen=True)
class KsefState:
    """``reachable`` is None until the first check; ``availability`` None when unknown."""

    checked_at: datetime | None = None
    availability: Availability | None = None
    reachable: bool | None = None
    announcements: tuple[Announcement, ...] = field(default=())
    problem: str = ""

    @property
    def checked(self) -> bool:
        return self.checked_at is not None

    def summary(self) -> str:
        """A short phrase for the status bar."""
        if not self.checked:
            return _("checking…")
        if self.availability is Availability.TOTAL_FAILURE:
            return _("total failure announced")
        if self.availability is Availability.FAILURE:
            return _("failure announced")
        if self.availability is Availability.MAINTENANCE:
            return _("planned unavailability")
        if not self.reachable:
            return _("unreachable")
        return _("available")


def announcements_from(messages: Iterable[latarnia.LatarniaMessage]) -> tuple[Announcement, ...]:
    """One ``Announcement`` per Latarnia event (its newest version wins)."""
    kinds = {k.value for k in EventKind}
    by_event: dict[int, list[latarnia.LatarniaMessage]] = {}
    for m in messages:
        if m.category in kinds:
            by_event.setdefault(m.event_id, []).append(m)
    out = []
    for event_id, versions in sorted(by_event.items()):
        versions.sort(key=lambda m: m.version)
        start = next((m.start for m in versions if m.start is not None), None)
        if start is None:
            continue
        end = None
        for m in versions:
            if m.end is not None:
                end = m.end
            elif m.type == "FAILURE_END" and m.start is not None:
                end = m.start
        if end is not None and end < start:
            end = start
        out.append(Announcement(EventKind(versions[-1].category), start, end, str(event_id)))
    return tuple(out)


def check_ksef(env: Environment, client: httpx.Client, now: Callable[[], datetime]) -> KsefState:
    """Ask Latarnia (status and every announcement) and probe the API once.

    The environment's faults become the state; nothing here raises for them.
    """
    from ksef_desktop.ksef import api_auth, latarnia
    from ksef_desktop.ksef.errors import KsefError
    from ksef_desktop.ksef.transport import RetryPolicy, Transport

    # A quick verdict beats a patient one here: the check repeats every few minutes.
    policy = RetryPolicy(max_attempts=2, base_delay=0.2, max_delay=1.0)
    transport = Transport(client, env, policy=policy)
    availability: Availability | None = None
    announcements: tuple[Announcement, ...] = ()
    problem = ""
    if env.latarnia_base:
        try:
            status = latarnia.fetch_status(transport, env.latarnia_base)
        except KsefError as exc:
            problem = exc.message()
        else:
            availability = Availability(status.status)
            messages = list(status.messages)
            try:  # ended events live only in /messages; they set awaria/offline deadlines
                messages += latarnia.fetch_messages(transport, env.latarnia_base)
            except KsefError as exc:
                problem = exc.message()
            announcements = announcements_from(messages)
    try:
        api_auth.security_public_key_certificates(transport)
    except KsefError as exc:
        reachable = False
        problem = problem or exc.message()
    else:
        reachable = True
    return KsefState(now(), availability, reachable, announcements, problem)


@dataclass(frozen=True)
class ModeDecision:
    """The mode new invoices get (None = online), whether the app chose it, and why."""

    mode: OfflineMode | None
    automatic: bool
    reason: str

    @property
    def label(self) -> str:
        return mode_label(self.mode)


def decide_mode(state: KsefState, declared_offline24: bool) -> ModeDecision:
    """Announcements first, then the user's declaration, then reachability."""
    announced = suggest_mode(state.availability, reachable=True)
    if announced is not None:
        reasons = {
            OfflineMode.AWARIA_CALKOWITA: _("Latarnia announces a total KSeF failure."),
            OfflineMode.AWARIA: _("Latarnia announces a KSeF failure."),
            OfflineMode.OFFLINE: _("Latarnia announces planned KSeF unavailability."),
        }
        return ModeDecision(announced, True, reasons[announced])
    if declared_offline24:
        return ModeDecision(OfflineMode.OFFLINE24, False, _("You declared offline24 mode."))
    if state.checked and not state.reachable:
        reason = _("KSeF cannot be reached from this computer.")
        if state.problem:
            reason = f"{reason} {state.problem}"
        return ModeDecision(suggest_mode(None, reachable=False), True, reason)
    return ModeDecision(None, False, "")
