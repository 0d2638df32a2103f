"""The registers' typed errors, each with a translated ``message()``."""

from __future__ import annotations

from ksef_desktop.errors import UserError
from ksef_desktop.i18n import _


class RegistryError(UserError):
    """Base: a look-up in a public register did not give an answer."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self) -> str:
        return self.text


class RegistryUnavailable(RegistryError):
    """The service cannot be reached (no network, an error on its side) and nothing is
    cached for the question."""

    def __init__(self, service: str, detail: str = "") -> None:
        text = _("{service} cannot be reached now and nothing is cached for this question.")
        super().__init__(text.format(service=service) + (f" ({detail})" if detail else ""))
        self.service = service


class LimitReached(RegistryError):
    """The service's daily limit of questions is used up (asked again tomorrow)."""

    def __init__(self, service: str, limit: int) -> None:
        super().__init__(
            _(
                "The daily limit of {limit} questions to {service} is used up; "
                "ask again tomorrow (answers already received are kept)."
            ).format(limit=limit, service=service)
        )
        self.service = service
        self.limit = limit


class RegistryRefused(RegistryError):
    """The service refused the question (a malformed NIP, a date out of range...)."""

    def __init__(self, service: str, code: str, detail: str) -> None:
        super().__init__(
            _("{service} refused the question: {detail} ({code})").format(
                service=service, detail=detail, code=code
            )
        )
        self.code = code
