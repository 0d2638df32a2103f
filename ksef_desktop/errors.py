"""The one model of an error the user reads (issue 21): ``UserError`` and its ``message()``.

Every layer raises, for what a user can act on, a subclass of ``UserError`` whose
``message()`` is a sentence in the user's language, made when it is called (so a
language switched meanwhile applies). The worker bridge, the command line and the crash
dialog recognise it with one ``isinstance``; anything else that escapes is our bug,
logged with its trace and shown as a program error.

``bug``: a ``UserError`` that still means something went wrong on our side (KSeF
answered what the client does not understand): the user reads its sentence, and the
trace goes to the log.
"""

from __future__ import annotations

from typing import ClassVar


class UserError(Exception):
    """An error the user can act on; ``message()`` says what happened and what to do."""

    #: Log the trace too (the sentence alone does not say enough to fix it).
    bug: ClassVar[bool] = False

    def message(self) -> str:
        """The sentence for the user, in the current language."""
        return str(self)


class TranslatedError(UserError):
    """A ``UserError`` that keeps its English message id and values, not the finished
    text, so that the same problem reads in any language: ``text(lang)``."""

    def __init__(self, msgid: str, **params: object) -> None:
        self.msgid = msgid
        self.params = {key: str(value) for key, value in params.items()}
        super().__init__(self.text("en"))

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang`` (None: the current language)."""
        from ksef_desktop import i18n

        return i18n.translations(lang).gettext(self.msgid).format_map(self.params)

    def __str__(self) -> str:
        return self.text()

    def message(self) -> str:
        return self.text()


def message_of(exc: BaseException) -> str | None:
    """The user's sentence for ``exc`` when it is a ``UserError``, else None."""
    return exc.message() if isinstance(exc, UserError) else None


def os_error_message(exc: OSError) -> str:
    """A sentence for a file the system could not read or write (a full disk said so)."""
    import errno

    from ksef_desktop.i18n import _

    where = f"{exc.filename}: " if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return _(
            "The disk is full ({where}nothing more can be written). Nothing was half-saved: "
            "free some space and try again."
        ).format(where=where)
    detail = exc.strerror or str(exc)
    return _("A file could not be read or written: {detail}").format(detail=where + detail)
