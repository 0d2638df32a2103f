"""Where the credentials work meets the main window (issue 17): the offline panel's
notice that the Offline certificate needs renewing, and its way to the Security panel.
One call from ``MainWindow``; everything else stays in the credentials modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QVBoxLayout

from ksef_desktop.ui.certificate_notice import CertificateNotice

if TYPE_CHECKING:
    from ksef_desktop.ui.main_window import MainWindow


def install_certificate_notice(window: MainWindow) -> CertificateNotice:
    controller = window.controller
    notice = CertificateNotice(controller.runner, controller.ctx.now, window.offline)
    layout = window.offline.layout()
    assert isinstance(layout, QVBoxLayout)
    layout.insertWidget(0, notice)
    controller.profile_changed.connect(notice.show_for)
    if controller.profile is not None:
        notice.show_for(controller.profile)

    def renew() -> None:
        from ksef_desktop.ui.main_window import TABS

        window.tabs.setCurrentIndex(TABS["security"])
        window.panels.security.renew_offline()

    def changed() -> None:
        profile = controller.ctx.profile
        if profile is not None:
            notice.show_for(profile)

    notice.renew_requested.connect(renew)
    window.panels.panel_built.connect(
        lambda name, panel: (
            panel.credentials_changed.connect(changed) if name == "security" else None
        )
    )
    return notice
