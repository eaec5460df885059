"""The Administration page: user accounts, the audit log and the settings (administrators only)."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

from tipdesk.domain.roles import Perm
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext, PageSpec
from tipdesk.gui.pages.admin_audit import AuditTab
from tipdesk.gui.pages.admin_settings import SettingsTab
from tipdesk.gui.pages.admin_users import UsersTab
from tipdesk.i18n import N_, _
from tipdesk.services.context import Desk

TAB_USERS, TAB_AUDIT, TAB_SETTINGS = "users", "audit", "settings"


class AdminPage(Retranslatable, QTabWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tabs: dict[str, QWidget] = {}
        desk = ctx.desk
        if desk.can(Perm.USERS_MANAGE):
            self._add(TAB_USERS, UsersTab(ctx, self))
        if desk.can(Perm.AUDIT_VIEW):
            self._add(TAB_AUDIT, AuditTab(ctx, self))
        if desk.can(Perm.SETTINGS_MANAGE):
            self._add(TAB_SETTINGS, SettingsTab(ctx, self))
        self.currentChanged.connect(lambda _i: self.page_shown())
        self.retranslate()

    def _add(self, key: str, widget: QWidget) -> None:
        self.tabs[key] = widget
        self.addTab(widget, "")

    def retranslate(self) -> None:
        titles = {TAB_USERS: _("Users"), TAB_AUDIT: _("Audit log"), TAB_SETTINGS: _("Settings")}
        for key, widget in self.tabs.items():
            self.setTabText(self.indexOf(widget), titles[key])

    def page_shown(self) -> None:
        current = self.currentWidget()
        shown = getattr(current, "page_shown", None)
        if shown is not None:
            shown()

    def show_tab(self, key: str) -> bool:
        widget = self.tabs.get(key)
        if widget is not None:
            self.setCurrentWidget(widget)
        return widget is not None


def may_administer(desk: Desk) -> bool:
    return any(desk.can(perm) for perm in (Perm.USERS_MANAGE, Perm.AUDIT_VIEW, Perm.SETTINGS_MANAGE))


PAGE = PageSpec(
    key="admin",
    slot=5,
    title=N_("Administration"),
    factory=AdminPage,
    visible=may_administer,
    description=N_("User accounts, audit log and settings"),
)
