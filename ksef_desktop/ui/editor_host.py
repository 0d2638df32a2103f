"""Builds the invoice list, contractors and session panels for the main window and opens
the editor from them: the one place that wires the panels to the controller's context.

The invoice list is built with the window; the contractors and session panels, whose
tabs are not visible at start, on first use (``panel_built`` tells the window)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from ksef_desktop import i18n
from ksef_desktop.services.changes import Changed
from ksef_desktop.store.profiles import Profile
from ksef_desktop.ui.controller import Controller
from ksef_desktop.ui.invoice_list import InvoiceListPanel

if TYPE_CHECKING:  # imported on first use: not needed for the window's first frame
    from ksef_desktop.ui.collective_dialog import CollectiveDialog
    from ksef_desktop.ui.contractors import ContractorsPanel
    from ksef_desktop.ui.editor import EditorDialog
    from ksef_desktop.ui.editor_everyday import EverydayServices
    from ksef_desktop.ui.purchases_panel import PurchasesPanel
    from ksef_desktop.ui.security_panel import SecurityPanel
    from ksef_desktop.ui.sessions_panel import SessionsPanel
    from ksef_desktop.visual.certificates import OfflineSigning


#: How often new purchase invoices are downloaded by themselves (KSeF asks for at least
#: 15 minutes between polls of one subject type, limity-api.md).
PURCHASE_SYNC_MINUTES = 30


class PanelsHost(QObject):
    #: A panel built on first use: its name ("contractors", "sessions", "purchases").
    panel_built = Signal(str, QWidget)

    def __init__(self, controller: Controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.ctx = ctx = controller.ctx
        self.parent_widget = parent
        self.editors: list[EditorDialog] = []
        self.collective: CollectiveDialog | None = None
        runner = controller.runner
        self.invoices = InvoiceListPanel(
            runner, ctx.store, ctx.profile_now, ctx.now, self.qr_base, signing=self.signing
        )
        from ksef_desktop.ui.invoice_everyday import ListEveryday

        self.everyday = ListEveryday(self.invoices, ctx)
        from ksef_desktop.ui.statement_dialog import ListStatements

        self.statements = ListStatements(self.invoices, ctx, runner)  # issue 24
        self._contractors: ContractorsPanel | None = None
        self._sessions: SessionsPanel | None = None
        self._purchases: PurchasesPanel | None = None
        self._security: SecurityPanel | None = None
        #: The profile whose data the panels show (None until the first is known).
        self._shown_profile: int | None = None
        self._sessions_stale = False
        self.invoices.new_requested.connect(lambda: self.open_editor(None))
        self.invoices.open_requested.connect(self.open_editor)
        self.invoices.content_ready.connect(self._open_content)
        self.invoices.changed.connect(self.controller.report)
        self.invoices.collective_requested.connect(self.open_collective)

    # --- the panels built on first use ----------------------------------------------------------

    @property
    def contractors(self) -> ContractorsPanel:
        if self._contractors is None:
            from ksef_desktop.ui.contractors import ContractorsPanel

            ctx = self.ctx
            panel = ContractorsPanel(self.controller.runner, ctx.store, ctx.profile_now, ctx.now)
            panel.changed.connect(lambda: self.controller.report(Changed.CONTRACTORS))
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
                ctx.store,
                ctx.profile_now,
                ctx.now,
            )
            self.panel_built.emit("sessions", self._sessions)
        return self._sessions

    @property
    def purchases(self) -> PurchasesPanel:
        if self._purchases is None:
            from ksef_desktop.ui.everyday import registers
            from ksef_desktop.ui.purchases_panel import PurchasesPanel

            ctx = self.ctx
            self._purchases = PurchasesPanel(
                self.controller.runner,
                ctx.store,
                ctx.profile_now,
                ctx.ksef_client,
                ctx.now,
                self.qr_base,
                whitelist=lambda: registers(ctx).whitelist,
            )
            self._purchases.collective_made.connect(
                lambda _made: self.controller.report(Changed.COLLECTIVE)
            )
            self.panel_built.emit("purchases", self._purchases)
            self._purchases.apply_filter()
        return self._purchases

    @property
    def security(self) -> SecurityPanel:
        if self._security is None:
            from ksef_desktop.ui.security_panel import SecurityPanel

            panel = SecurityPanel(self.controller.runner, self.ctx)
            panel.credentials_changed.connect(lambda: self.controller.report(Changed.CREDENTIALS))
            self._security = panel
            self.panel_built.emit("security", panel)
            panel.reload()
        return self._security

    # --- what the panels need (worker side) ---------------------------------------------------

    def qr_base(self) -> str:
        env = self.ctx.environment()
        return env.qr_base if env is not None else ""

    def signing(self, profile_id: int) -> OfflineSigning | None:
        """KOD II's certificate and key (keyring) of profile ``profile_id`` as the store has
        it now, or None when none was imported (a Sandbox profile gets a practice one:
        ``services.sandbox_practice``); worker side."""
        from ksef_desktop.services.sandbox_practice import offline_signing_for

        return offline_signing_for(self.ctx.secrets, self.ctx.store(), profile_id, self.ctx.now())

    # --- the editor ---------------------------------------------------------------------------

    def _open_content(self, content: object, corrects_id: int) -> None:
        self.open_editor(None, content=content, corrects_id=corrects_id or None)

    def open_editor(
        self,
        draft_id: int | None = None,
        *,
        content: object = None,
        corrects_id: int | None = None,
    ) -> EditorDialog | None:
        """The editor of a new invoice, of ``draft_id``, or of unsaved ``content`` (a
        duplicate, a correction: saved as a draft only when the user saves or issues), in
        the current profile (None while no profile is known yet: the window is starting)."""
        from ksef_desktop.domain.invoice import Invoice
        from ksef_desktop.ui.editor import EditorDialog

        profile = self.controller.profile
        if profile is None:
            return None
        editor = EditorDialog(
            self.controller.runner,
            self.ctx.store,
            profile,
            self.ctx.now,
            self.controller.terms_for,
            self.qr_base,
            draft_id=draft_id,
            content=content if isinstance(content, Invoice) else None,
            corrects_id=corrects_id,
            lang=i18n.current_language(),
            signing=lambda: self.signing(profile.id),
            everyday=self.everyday_services(),
            parent=self.parent_widget,
        )
        self.editors.append(editor)
        editor.changed.connect(self.controller.report)
        editor.message.connect(self.controller.message.emit)
        editor.finished.connect(lambda _r: self._closed(editor))
        editor.show()
        return editor

    def everyday_services(self) -> EverydayServices:
        from ksef_desktop.ui.editor_everyday import EverydayServices
        from ksef_desktop.ui.everyday import registers

        ctx = self.ctx
        return EverydayServices(
            registers=lambda: registers(ctx),
            payment_days=int(ctx.settings["payment_days"]),
            payment_method=str(ctx.settings["payment_method"]),
        )

    # --- collective identifiers -------------------------------------------------------------

    def open_collective(self, invoice_ids: Sequence[int] = ()) -> CollectiveDialog:
        """The collective identifiers (one dialog); with ``invoice_ids`` it generates one
        for them (with the profile's one KSeF client, so its login is reused)."""
        from ksef_desktop.ui.collective_dialog import CollectiveDialog

        ctx = self.ctx
        if self.collective is None:
            self.collective = CollectiveDialog(
                self.controller.runner,
                ctx.store,
                ctx.ksef_client,
                ctx.profile_now,
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

    def _changed(self, changed: Changed) -> None:
        """An operation changed data (``Controller.report``): each view decides whether
        what it shows is stale. (Sending what was queued is the controller's.)"""
        self.invoices.apply_changes(changed)
        if changed & (Changed.INVOICES | Changed.OUTBOX):
            for editor in self.editors:  # an issued invoice's KSeF number and UPO
                editor.refresh_status()
        if changed & Changed.CONTRACTORS:
            for editor in self.editors:
                editor.load_contractors()
        if self._purchases is not None:
            self._purchases.apply_changes(changed)
        if changed & Changed.COLLECTIVE and self.collective is not None:
            self.collective.reload()

    def start(self) -> None:
        self.invoices.apply_filter()  # the contractors load when their panel is built

    def wire(self) -> None:
        """The views hear what every operation changed, and every panel reloads when
        another profile becomes current. Bound methods: Qt drops the connections with this
        object when its window goes."""
        self.controller.changed.connect(self._changed)
        self.controller.profile_changed.connect(self._profile_changed)
        self.controller.identity_changed.connect(self._identity_changed)
        # New purchase invoices every half hour, also while their tab was never opened
        # (the panel is built then); failures of an automatic download stay quiet.
        self.purchase_timer = QTimer(self)
        self.purchase_timer.timeout.connect(self._purchases_due)
        self.purchase_timer.start(PURCHASE_SYNC_MINUTES * 60_000)

    def _purchases_due(self) -> None:
        if self.controller.runner.running and self.controller.profile is not None:
            self.purchases.sync_now(automatic=True)

    def _identity_changed(self, _env: str, _nip: str, _token: bool) -> None:
        """The current profile's environment is up (its client can be made)."""
        if self._sessions is not None and self._sessions_stale:
            self._sessions_stale = False
            self._sessions.apply_filter()

    def _profile_changed(self, profile: Profile) -> None:
        """Everything shown belongs to the current profile: show the new one's."""
        if self._shown_profile is not None and self._shown_profile == profile.id:
            return
        first = self._shown_profile is None
        self._shown_profile = profile.id
        if first:
            return  # the panels were loaded for it when they were built
        self.invoices.model.reload()
        if self._contractors is not None:
            self._contractors.reload()
        if self._sessions is not None:
            self._sessions.profile_changed()
            self._sessions_stale = True
        if self.collective is not None:
            self.collective.reload()
        if self._purchases is not None:
            self._purchases.profile_changed()
        if self._security is not None:
            self._security.profile_changed()
