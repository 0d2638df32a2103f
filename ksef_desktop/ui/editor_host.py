"""Builds the invoice list, contractors and session panels for the main window and opens
the editor from them: the one place that wires the panels to the controller's context.

The invoice list is built with the window; the contractors and session panels, whose
tabs are not visible at start, on first use (``panel_built`` tells the window)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from ksef_desktop import i18n
from ksef_desktop.i18n import _
from ksef_desktop.store import Store
from ksef_desktop.ui.controller import Controller
from ksef_desktop.ui.invoice_list import InvoiceListPanel

if TYPE_CHECKING:  # imported on first use: not needed for the window's first frame
    from ksef_desktop.ui.collective_dialog import CollectiveDialog
    from ksef_desktop.ui.contractors import ContractorsPanel
    from ksef_desktop.ui.editor import EditorDialog
    from ksef_desktop.ui.sessions_panel import SessionsPanel
    from ksef_desktop.visual.certificates import OfflineSigning


class NoStore(RuntimeError):
    def message(self) -> str:
        return _("The invoice store is not part of this build.")


class PanelsHost(QObject):
    #: A panel built on first use: its name ("contractors" or "sessions") and itself.
    panel_built = Signal(str, QWidget)

    def __init__(self, controller: Controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.ctx = ctx = controller.ctx
        self.parent_widget = parent
        self.editors: list[EditorDialog] = []
        self.collective: CollectiveDialog | None = None
        runner = controller.runner
        self.invoices = InvoiceListPanel(runner, self.store, ctx.now, self.qr_base)
        self._contractors: ContractorsPanel | None = None
        self._sessions: SessionsPanel | None = None
        self.invoices.new_requested.connect(lambda: self.open_editor(None))
        self.invoices.open_requested.connect(self.open_editor)
        self.invoices.draft_created.connect(self.open_editor)
        self.invoices.queued.connect(self._queued)
        self.invoices.collective_requested.connect(self.open_collective)

    # --- the panels built on first use ----------------------------------------------------------

    @property
    def contractors(self) -> ContractorsPanel:
        if self._contractors is None:
            from ksef_desktop.ui.contractors import ContractorsPanel

            panel = ContractorsPanel(self.controller.runner, self.store, self.ctx.now)
            panel.changed.connect(self._contractors_changed)
            self._contractors = panel
            self.panel_built.emit("contractors", panel)
            panel.reload()
        return self._contractors

    @property
    def sessions(self) -> SessionsPanel:
        if self._sessions is None:
            from ksef_desktop.ui.sessions_panel import SessionsPanel

            ctx = self.ctx
            self._sessions = SessionsPanel(
                self.controller.runner,
                ctx.ksef_client,
                self.store,
                lambda: ctx.env_name,
                ctx.now,
            )
            self.panel_built.emit("sessions", self._sessions)
        return self._sessions

    # --- what the panels need (worker side) ---------------------------------------------------

    def store(self) -> Store:
        store = getattr(self.ctx.ledger, "store", None)
        if store is None:
            raise NoStore
        assert isinstance(store, Store)
        return store

    def qr_base(self) -> str:
        env = self.ctx.environment()
        return env.qr_base if env is not None else ""

    def signing(self) -> OfflineSigning | None:
        """KOD II's certificate and key (keyring), or None when none was imported."""
        from ksef_desktop.visual.certificates import offline_signing

        path = str(self.ctx.settings["offline_certificate"])
        if not path or not Path(path).is_file():
            return None
        return offline_signing(
            self.ctx.secrets,
            environment=self.ctx.env_name,
            nip=self.ctx.nip,
            cert_der=Path(path).read_bytes(),
            now=self.ctx.now(),
        )

    # --- the editor ---------------------------------------------------------------------------

    def open_editor(self, draft_id: int | None = None) -> EditorDialog:
        from ksef_desktop.ui.editor import EditorDialog, seller_from_settings

        s = self.ctx.settings
        seller = seller_from_settings(
            str(s["nip"]), str(s["company_name"]), str(s["company_address"])
        )
        editor = EditorDialog(
            self.controller.runner,
            self.store,
            seller,
            self.ctx.now,
            self.controller.terms_for,
            self.qr_base,
            draft_id=draft_id,
            lang=i18n.current_language(),
            signing=self.signing,
            parent=self.parent_widget,
        )
        self.editors.append(editor)
        editor.stored.connect(lambda _id: self.invoices.model.reload())
        editor.queued.connect(self._queued)
        editor.message.connect(self.controller.message.emit)
        editor.finished.connect(lambda _r: self._closed(editor))
        editor.show()
        return editor

    # --- collective identifiers -------------------------------------------------------------

    def open_collective(self, invoice_ids: Sequence[int] = ()) -> CollectiveDialog:
        """The collective identifiers (one dialog); with ``invoice_ids`` it generates one
        for them (the KSeF client is the session browser's, so its login is reused)."""
        from ksef_desktop.ui.collective_dialog import CollectiveDialog

        ctx = self.ctx
        if self.collective is None:
            self.collective = CollectiveDialog(
                self.controller.runner,
                self.store,
                self.sessions.clients.get,
                lambda: ctx.nip,
                lambda: ctx.env_name,
                ctx.now,
                self.parent_widget,
            )
        dialog = self.collective
        dialog.reload()
        if invoice_ids:
            dialog.generate(invoice_ids)
        dialog.show()
        dialog.activateWindow()
        return dialog

    def _closed(self, editor: EditorDialog) -> None:
        if editor in self.editors:
            self.editors.remove(editor)
        editor.dispose()

    def _queued(self, _invoice_id: int) -> None:
        """The controller sends what waits once it has reloaded the outbox, and only while
        KSeF is reachable and no offline mode applies (never into an announced failure):
        reload the outbox counts, then check KSeF, whose answer sends what waits."""
        self.invoices.model.reload()
        self.controller.reload()
        self.controller.check_now()

    def _contractors_changed(self) -> None:
        for editor in self.editors:
            editor.load_contractors()

    def start(self) -> None:
        self.invoices.apply_filter()  # the contractors load when their panel is built

    def wire(self) -> None:
        """Reload the list when the controller reports new outbox counts (a send ended)."""
        self.controller.outbox_changed.connect(lambda _c: self.invoices.model.reload())
