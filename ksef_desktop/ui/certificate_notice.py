"""The offline panel's warning that the Offline certificate ends soon (30 days before, the
rule of ``domain.access.expiry``) or has ended, with a button that renews it in the
Security panel. The certificate file is read in the worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ksef_desktop.domain.access import expiry
from ksef_desktop.i18n import _, ngettext
from ksef_desktop.store.profiles import Profile
from ksef_desktop.ui.formatting import fmt_moment
from ksef_desktop.ui.invoice_list_model import guarded
from ksef_desktop.worker import JobContext
from ksef_desktop.worker.runner import Runner


def certificate_end(path: str) -> datetime | None:
    """When the certificate at ``path`` ends (None: no certificate, or unreadable)."""
    from ksef_desktop.visual.certificates import CertificateError, read_certificate

    if not path or not Path(path).is_file():
        return None
    try:
        return read_certificate(Path(path).read_bytes()).not_after
    except (CertificateError, OSError):
        return None


class CertificateNotice(QFrame):
    renew_requested = Signal()

    def __init__(
        self, runner: Runner, now: Callable[[], datetime], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._submit = guarded(self, runner.submit)
        self._now = now
        self.setObjectName("certificate-notice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#certificate-notice { background: #fff3cd; border: 1px solid #d8a200; }"
            " #certificate-notice QLabel { color: #3d2c00; }"
        )
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.renew = QPushButton(_("&Renew the certificate…"))
        self.renew.clicked.connect(self.renew_requested.emit)
        row = QHBoxLayout(self)
        row.addWidget(self.text, 1)
        row.addWidget(self.renew)
        self.not_after: datetime | None = None
        self.hide()

    def show_for(self, profile: Profile) -> None:
        path = profile.offline_certificate

        def read(job: JobContext) -> datetime | None:
            return certificate_end(path)

        self._submit(read, self.set_end, lambda failure: self.set_end(None), name="cert-end")

    def set_end(self, not_after: datetime | None) -> None:
        self.not_after = not_after
        if not_after is None:
            self.hide()
            return
        state = expiry(not_after, self._now())
        if not state.renew:
            self.hide()
            return
        when = fmt_moment(not_after)
        if state.expired:
            text = _(
                "The offline certificate expired on {moment}: offline invoices get no valid "
                "KOD II until you renew it."
            ).format(moment=when)
        else:
            text = ngettext(
                "The offline certificate expires in {n} day ({moment}); renew it in time.",
                "The offline certificate expires in {n} days ({moment}); renew it in time.",
                state.days_left,
            ).format(n=state.days_left, moment=when)
        self.text.setText(text)
        self.show()
