"""The Security ("Bezpieczeństwo") panel: who logged in to KSeF for the company and how,
the KSeF tokens, the KSeF certificates and the permissions (issue 17).

Reading uses the profile's own KSeF client (its token) as far as the token may read;
generating tokens, requesting certificates and granting permissions need a login by
signature, made here once (``sign_in``) and kept in memory until the profile changes or
the program closes. Everything that talks to KSeF runs in the worker; this panel only
shows and asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ksef_desktop.errors import UserError
from ksef_desktop.i18n import _
from ksef_desktop.ui.invoice_list_model import guarded
from ksef_desktop.ui.security_dialogs import GrantDialog, SignatureDialog, TokenDialog
from ksef_desktop.ui.security_models import (
    CertificatesModel,
    LoginsModel,
    PermissionsModel,
    TokensModel,
)
from ksef_desktop.worker import Failure, JobContext

if TYPE_CHECKING:
    from ksef_desktop.ksef.access import AccessClient
    from ksef_desktop.ksef.models_access import (
        CertificateLimitsResponse,
        CertificateListItem,
        QueryTokensResponseItem,
    )
    from ksef_desktop.services.access_rights import GrantRequest, PermissionRow
    from ksef_desktop.services.credentials import Audit
    from ksef_desktop.services.signing import SignatureChoice
    from ksef_desktop.ui.context import AppContext
    from ksef_desktop.worker.runner import Runner


LOGINS = "logins"
TOKENS = "tokens"
CERTIFICATES = "certificates"
PERMISSIONS = "permissions"
EVERYTHING = (LOGINS, TOKENS, CERTIFICATES, PERMISSIONS)


@dataclass
class Snapshot:
    """What one reload read (None: that part was not asked for)."""

    audit: Audit | None = None
    tokens: list[QueryTokensResponseItem] | None = None
    certificates: list[CertificateListItem] | None = None
    permissions: list[PermissionRow] | None = None
    limits: CertificateLimitsResponse | None = None
    own_token: str = ""
    gaps: list[str] = field(default_factory=list)


class SignatureNeeded(UserError):
    """An action KSeF allows only after a login by signature."""

    def message(self) -> str:
        return _("This needs a login by signature: use “Log in with a signature” first.")


def _table(model: Any, name: str) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    # Headers and reference numbers whole (as the other panels): every column fits its
    # contents; a table wider than the window scrolls instead of cutting one.
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setAccessibleName(name)
    return table


class SecurityPanel(QWidget):
    message = Signal(str)
    #: The profile's token or offline certificate changed (the window reloads what shows it).
    credentials_changed = Signal()

    def __init__(self, runner: Runner, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._submit = guarded(self, runner.submit)
        #: The login by signature (worker side only), None until the user signs.
        self.signed: AccessClient | None = None
        #: The profile (environment, NIP) ``signed`` logged in to.
        self.signed_for: tuple[str, str] | None = None
        self.confirmation: QMessageBox | None = None
        self.dialog: QWidget | None = None
        self._after_sign_in: Callable[[], None] | None = None

        self.who = QLabel()
        self.who.setWordWrap(True)
        self.sign_button = QPushButton(_("Log in with a si&gnature…"))
        self.sign_button.clicked.connect(lambda: self.sign_in())
        self.refresh_button = QPushButton(_("&Refresh"))
        self.refresh_button.clicked.connect(lambda: self.reload())
        self.note = QLabel()
        self.note.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.who, 1)
        top.addWidget(self.sign_button)
        top.addWidget(self.refresh_button)

        self.logins = LoginsModel(self)
        self.tokens = TokensModel(self)
        self.certificates = CertificatesModel(self)
        self.permissions = PermissionsModel(self)
        self.logins_table = _table(self.logins, _("Logins"))
        self.tokens_table = _table(self.tokens, _("KSeF tokens"))
        self.certificates_table = _table(self.certificates, _("KSeF certificates"))
        self.permissions_table = _table(self.permissions, _("Permissions"))
        self.end_button = QPushButton(_("&End the selected login"))
        self.end_button.clicked.connect(self.end_login)
        self.new_token_button = QPushButton(_("Ne&w token…"))
        self.new_token_button.clicked.connect(self.new_token)
        self.revoke_token_button = QPushButton(_("Revok&e the selected token"))
        self.revoke_token_button.clicked.connect(self.revoke_token)
        self.offline_button = QPushButton(_("Ne&w offline certificate (KOD II)…"))
        self.offline_button.clicked.connect(lambda: self.enrol("Offline"))
        self.login_certificate_button = QPushButton(_("New &authentication certificate…"))
        self.login_certificate_button.clicked.connect(lambda: self.enrol("Authentication"))
        self.revoke_certificate_button = QPushButton(_("Revok&e the selected certificate"))
        self.revoke_certificate_button.clicked.connect(self.revoke_certificate)
        self.limits = QLabel()
        self.grant_button = QPushButton(_("Gr&ant a permission…"))
        self.grant_button.clicked.connect(self.grant)
        self.revoke_permission_button = QPushButton(_("Revok&e the selected permission"))
        self.revoke_permission_button.clicked.connect(self.revoke_permission)

        self.pages = QTabWidget()
        for table, buttons, title, extra in (
            (self.logins_table, [self.end_button], _("Logins"), None),
            (
                self.tokens_table,
                [self.new_token_button, self.revoke_token_button],
                _("KSeF tokens"),
                None,
            ),
            (
                self.certificates_table,
                [
                    self.offline_button,
                    self.login_certificate_button,
                    self.revoke_certificate_button,
                ],
                _("KSeF certificates"),
                self.limits,
            ),
            (
                self.permissions_table,
                [self.grant_button, self.revoke_permission_button],
                _("Permissions"),
                None,
            ),
        ):
            page = QWidget()
            column = QVBoxLayout(page)
            column.addWidget(table, 1)
            row = QHBoxLayout()
            if extra is not None:
                row.addWidget(extra)
            row.addStretch(1)
            for button in buttons:
                row.addWidget(button)
            column.addLayout(row)
            self.pages.addTab(page, title)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.note)
        layout.addWidget(self.pages, 1)
        self._show_who()

    # --- which login ----------------------------------------------------------------------

    def _show_who(self) -> None:
        if self.signed is not None:
            self.who.setText(
                _(
                    "Logged in with a signature: tokens, certificates and permissions can be "
                    "managed until the program closes."
                )
            )
        else:
            self.who.setText(
                _(
                    "Reading with the program's KSeF token. Generating tokens, requesting "
                    "certificates and granting permissions need a login by signature."
                )
            )

    def _access(self, signature: bool) -> AccessClient:
        """Worker side: the login by signature, or (for reading) the profile's token."""
        if self.signed is not None and self.signed_for == (self.ctx.env_name, self.ctx.nip):
            return self.signed  # never another profile's login (a switch meanwhile)
        if signature:
            raise SignatureNeeded
        return self.ctx.ksef_client().access()

    def profile_changed(self) -> None:
        """Another profile: its own logins; a signature of the old one is forgotten."""
        self.signed = None
        self.signed_for = None
        self._show_who()
        self.reload()

    # --- loading --------------------------------------------------------------------------

    def reload(self, parts: tuple[str, ...] = EVERYTHING) -> None:
        """Read ``parts`` again (each costs KSeF requests, which it limits: only what an
        action changed is read after it)."""
        ctx = self.ctx

        def load(job: JobContext) -> Snapshot:
            from ksef_desktop.ksef.errors import Forbidden, KsefVerdict
            from ksef_desktop.secrets import token_entry
            from ksef_desktop.services.access_rights import permission_rows
            from ksef_desktop.services.credentials import login_audit

            access = self._access(signature=False)
            signed = access is self.signed
            snapshot = Snapshot()
            if LOGINS in parts:
                snapshot.audit = login_audit(access, certificates=signed)
                snapshot.gaps += snapshot.audit.gaps
                snapshot.tokens = snapshot.audit.tokens
                snapshot.certificates = snapshot.audit.certificates
            elif TOKENS in parts:
                snapshot.tokens = list(access.tokens())
            if CERTIFICATES in parts and signed:
                if snapshot.certificates is None:
                    snapshot.certificates = list(access.certificates())
                snapshot.limits = access.certificate_limits()
            if PERMISSIONS in parts:
                try:
                    snapshot.permissions = permission_rows(access)
                except (Forbidden, KsefVerdict) as exc:
                    reason = exc.message()
                    snapshot.gaps.append(_("permissions: {reason}").format(reason=reason))
            stored = ctx.secrets.get(token_entry(ctx.env_name, ctx.nip)) or ""
            snapshot.own_token = stored.split("|", 1)[0]
            return snapshot

        self.note.setText(_("Asking KSeF…"))
        self._submit(load, self._loaded, self._failed, name="security")

    def _loaded(self, snapshot: Snapshot) -> None:
        if snapshot.audit is not None:
            self.logins.set_rows(snapshot.audit.logins)
        self.tokens.own_reference = snapshot.own_token
        if snapshot.tokens is not None:
            self.tokens.set_rows(snapshot.tokens)
        if snapshot.certificates is not None:
            self.certificates.set_rows(snapshot.certificates)
        if snapshot.permissions is not None:
            self.permissions.set_rows(snapshot.permissions)
        if snapshot.limits is not None:
            self.limits.setText(
                _("Requests left: {requests}; certificates left: {certificates}.").format(
                    requests=snapshot.limits.enrollment.remaining,
                    certificates=snapshot.limits.certificate.remaining,
                )
            )
        self.note.setText(
            _("Not shown with this login: {what}").format(what="; ".join(snapshot.gaps))
            if snapshot.gaps
            else ""
        )

    def _failed(self, failure: Failure) -> None:
        self.note.setText(failure.message)
        self.message.emit(failure.message)

    def _selected(self, table: QTableView, model: Any) -> Any:
        rows = table.selectionModel().selectedRows()
        return model.row(rows[0].row()) if rows else None

    def _confirm(self, title: str, text: str, then: Callable[[], None]) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        yes = box.button(QMessageBox.StandardButton.Yes)
        box.buttonClicked.connect(lambda button: then() if button is yes else None)
        self.confirmation = box
        box.open()

    def _do(
        self,
        op: Callable[[JobContext], str],
        name: str,
        parts: tuple[str, ...],
        *,
        changed: bool = False,
    ) -> None:
        """Run ``op`` in the worker; its sentence goes to the status bar, then ``parts``
        are read again."""

        def done(text: str) -> None:
            self.message.emit(text)
            if changed:
                self.credentials_changed.emit()
            self.reload(parts)

        def failed(failure: Failure) -> None:
            if isinstance(failure.exception, SignatureNeeded):
                self._after_sign_in = lambda: self._do(op, name, parts, changed=changed)
                self.sign_in()
                return
            self._failed(failure)

        self._submit(op, done, failed, name=name)

    # --- the login by signature -----------------------------------------------------------

    def sign_in(self, then: Callable[[], None] | None = None) -> SignatureDialog:
        dialog = SignatureDialog(self.ctx.env_name, self)
        dialog.picker.save_request.connect(lambda: self._save_request(dialog))
        dialog.accepted.connect(lambda: self._sign_in(dialog.picker.choice()))
        dialog.rejected.connect(lambda: setattr(self, "_after_sign_in", None))
        if then is not None:
            self._after_sign_in = then
        self.dialog = dialog
        dialog.open()
        return dialog

    def _sign_in(self, choice: SignatureChoice) -> None:
        ctx = self.ctx
        # The login belongs to the profile it was made for: one switched meanwhile gets
        # none of it (nothing of one environment is used in another).
        profile_then = (ctx.env_name, ctx.nip)

        def login(job: JobContext) -> AccessClient:
            from ksef_desktop.services.signing import profile_access
            from ksef_desktop.ui.context import SandboxNotRunning

            env = ctx.environment()
            if env is None:
                raise SandboxNotRunning
            access = profile_access(
                ctx.http(), env, ctx.profile_now(), choice, ctx.secrets, now=ctx.now
            )
            access.authenticate()
            return access

        def done(access: AccessClient) -> None:
            if (ctx.env_name, ctx.nip) != profile_then:
                self._after_sign_in = None
                return
            self.signed, self.signed_for = access, profile_then
            self._show_who()
            self.message.emit(_("Logged in to KSeF with a signature."))
            then, self._after_sign_in = self._after_sign_in, None
            self.reload()  # what the signature may see that the token may not
            if then is not None:
                then()

        self._submit(login, done, self._failed, name="sign-in")

    def _save_request(self, dialog: SignatureDialog) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            dialog, _("Save the request to sign"), "AuthTokenRequest.xml", "XML (*.xml)"
        )
        if path:
            self.save_request_to(path)

    def save_request_to(self, path: str) -> None:
        """Write the unsigned request (a fresh challenge) for signing elsewhere."""
        ctx = self.ctx

        def write(job: JobContext) -> str:
            from pathlib import Path

            from ksef_desktop.services.signing import unsigned_request, write_request
            from ksef_desktop.ui.context import SandboxNotRunning

            env = ctx.environment()
            if env is None:
                raise SandboxNotRunning
            write_request(Path(path), unsigned_request(ctx.http(), env, ctx.nip))
            return _("{path}: sign it and choose the signed file within 10 minutes.").format(
                path=path
            )

        self._submit(write, self.message.emit, self._failed, name="auth-request")

    # --- logins ---------------------------------------------------------------------------

    def end_login(self) -> None:
        row = self._selected(self.logins_table, self.logins)
        if row is None:
            return
        text = _("End the login {ref} of {moment}? Its refresh token stops working.").format(
            ref=row.reference, moment=self.logins.cell(row, 0)
        )
        self._confirm(_("End a login"), text, lambda: self._end_login(row.reference))

    def _end_login(self, reference: str) -> None:
        def op(job: JobContext) -> str:
            self._access(signature=False).revoke_login(reference)
            return _("Login {ref} ended.").format(ref=reference)

        self._do(op, "end-login", (LOGINS,))

    # --- tokens ---------------------------------------------------------------------------

    def new_token(self) -> TokenDialog:
        dialog = TokenDialog(self)
        dialog.accepted.connect(
            lambda: self._new_token(dialog.permissions.chosen(), dialog.description.text())
        )
        self.dialog = dialog
        dialog.open()
        return dialog

    def _new_token(self, permissions: list[str], description: str) -> None:
        ctx = self.ctx

        def op(job: JobContext) -> str:
            from ksef_desktop.services.credentials import generate_token

            ref = generate_token(
                self._access(signature=True),
                ctx.secrets,
                environment=ctx.env_name,
                nip=ctx.nip,
                permissions=permissions,
                description=description,
            )
            ctx.drop_client()
            return _("The new token {ref} is the program's token now.").format(ref=ref)

        self._do(op, "new-token", (TOKENS,), changed=True)

    def revoke_token(self) -> None:
        row = self._selected(self.tokens_table, self.tokens)
        if row is None:
            return
        text = _("Revoke the token {ref} ({description})? Nothing can log in with it again.")
        text = text.format(ref=row.reference_number, description=row.description)
        self._confirm(_("Revoke a token"), text, lambda: self._revoke_token(row.reference_number))

    def _revoke_token(self, reference: str) -> None:
        ctx = self.ctx

        def op(job: JobContext) -> str:
            from ksef_desktop.secrets import token_entry

            self._access(signature=False).revoke_token(reference)
            entry = token_entry(ctx.env_name, ctx.nip)
            if (ctx.secrets.get(entry) or "").split("|", 1)[0] == reference:
                ctx.secrets.delete(entry)
                ctx.drop_client()
            return _("Token {ref} revoked.").format(ref=reference)

        self._do(op, "revoke-token", (TOKENS,), changed=True)

    # --- certificates ---------------------------------------------------------------------

    def renew_offline(self) -> None:
        """Request a new Offline certificate (the old one is left to expire: invoices
        already issued keep a KOD II that verifies)."""
        self.pages.setCurrentIndex(2)
        self.enrol("Offline")

    def enrol(self, certificate_type: str) -> None:
        ctx = self.ctx

        def op(job: JobContext) -> str:
            from ksef_desktop.services.credentials import (
                OFFLINE,
                enrol_certificate,
                keep_certificate,
            )
            from ksef_desktop.store.profiles import set_offline_certificate

            access = self._access(signature=True)
            enrolled = enrol_certificate(access, certificate_type, None, now=ctx.now())
            kept = keep_certificate(
                enrolled,
                ctx.secrets,
                environment=ctx.env_name,
                nip=ctx.nip,
                data_dir=ctx.data_dir,
            )
            if enrolled.certificate_type == OFFLINE and kept is not None:
                with ctx.store().db.transaction() as conn:
                    set_offline_certificate(conn, ctx.profile_now().id, str(kept))
                ctx.reload_profile()
                text = _("Offline certificate {serial} (valid until {date}) signs KOD II now.")
            else:
                text = _("Authentication certificate {serial} (valid until {date}) is kept.")
            return text.format(serial=enrolled.serial, date=f"{enrolled.not_after:%d.%m.%Y}")

        self._do(op, "enrol", (CERTIFICATES,), changed=True)

    def revoke_certificate(self) -> None:
        row = self._selected(self.certificates_table, self.certificates)
        if row is None:
            return
        text = _("Revoke the certificate {serial} ({name})? It cannot be used again.").format(
            serial=row.certificate_serial_number, name=row.name
        )
        serial = row.certificate_serial_number
        self._confirm(_("Revoke a certificate"), text, lambda: self._revoke_certificate(serial))

    def _revoke_certificate(self, serial: str) -> None:
        ctx = self.ctx

        def op(job: JobContext) -> str:
            from ksef_desktop.services.signing import forget_signer, stored_signer

            self._access(signature=True).revoke_certificate(serial)
            kept = stored_signer(ctx.secrets, ctx.env_name, ctx.nip)
            if kept is not None and f"{kept.x509.serial_number:016X}" == serial:
                forget_signer(ctx.secrets, ctx.env_name, ctx.nip)
            return _("Certificate {serial} revoked.").format(serial=serial)

        self._do(op, "revoke-certificate", (CERTIFICATES,))

    # --- permissions ----------------------------------------------------------------------

    def grant(self) -> GrantDialog:
        dialog = GrantDialog(self)
        dialog.accepted.connect(lambda: self._grant(dialog.request))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _grant(self, request: GrantRequest | None) -> None:
        if request is None:
            return

        def op(job: JobContext) -> str:
            from ksef_desktop.services.access_rights import grant

            ref = grant(self._access(signature=True), request)
            text = _("Permission granted (operation {ref}); it applies from their next login.")
            return text.format(ref=ref)

        self._do(op, "grant", (PERMISSIONS,))

    def revoke_permission(self) -> None:
        row = self._selected(self.permissions_table, self.permissions)
        if row is None:
            return
        text = _("Take the permission “{permission}” away from {who}?").format(
            permission=self.permissions.cell(row, 2), who=row.name or row.subject
        )
        self._confirm(_("Revoke a permission"), text, lambda: self._revoke_permission(row.id))

    def _revoke_permission(self, permission_id: str) -> None:
        def op(job: JobContext) -> str:
            from ksef_desktop.services.access_rights import revoke

            ref = revoke(self._access(signature=False), permission_id)
            return _("Permission revoked (operation {ref}).").format(ref=ref)

        self._do(op, "revoke-permission", (PERMISSIONS,))
