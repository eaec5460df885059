"""Administration → Users: the accounts table and the account actions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tipdesk.events import Changes
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext
from tipdesk.gui.pages.user_dialogs import AddUserDialog, ResetPasswordDialog, RoleDialog
from tipdesk.i18n import N_, _, format_datetime
from tipdesk.services.users import UserView

Index = QModelIndex | QPersistentModelIndex
COLUMNS = (N_("User name"), N_("Full name"), N_("Role"), N_("Status"), N_("Locked"), N_("Last login"))


def _status(active: bool) -> str:
    return _("enabled") if active else _("disabled")


class UsersModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.users: list[UserView] = []

    def set_users(self, users: Sequence[UserView]) -> None:
        self.beginResetModel()
        self.users = list(users)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.users)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        user = self.users[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(user, index.column())
        if role == Qt.ItemDataRole.ForegroundRole and not user.active:
            return Qt.GlobalColor.gray
        return None

    @staticmethod
    def _text(user: UserView, column: int) -> str:
        values = (user.username, user.full_name, user.role.label(), _status(user.active), _("yes") if user.locked else "",
                  format_datetime(user.last_login_at) or _("never"))
        return values[column]

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self.users:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.users) - 1, len(COLUMNS) - 1))


class UsersTab(Retranslatable, QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.loaded = False
        self._select_after: str | None = None
        self.model = UsersModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # the full name takes the room left
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _i: self.change_role())
        self.add_button = self._button(self.add_user)
        self.role_button = self._button(self.change_role)
        self.active_button = self._button(self.toggle_active)
        self.unlock_button = self._button(self.unlock)
        self.reset_button = self._button(self.reset_password)
        self._layout()
        ctx.bridge.changed.connect(self._on_changes)
        self.retranslate()

    def _button(self, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(self)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        for button in (self.add_button, self.role_button, self.active_button, self.unlock_button, self.reset_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table)

    def retranslate(self) -> None:
        self.add_button.setText(_("&Add user…"))
        self.role_button.setText(_("Change &role…"))
        self.unlock_button.setText(_("&Unlock"))
        self.unlock_button.setToolTip(_("Let a user who typed a wrong password too often try again at once."))
        self.reset_button.setText(_("Reset &password…"))
        self.model.retranslate()
        self._update_buttons()

    # -- data ------------------------------------------------------------------
    def page_shown(self) -> None:
        if not self.loaded:
            self.reload()

    def reload(self) -> None:
        self.ctx.tasks.run_db(self.ctx.desk.users.list, self._show, self._failed)

    def _show(self, users: list[UserView]) -> None:
        current = self.selected()
        selected = self._select_after or (current.username if current else None)
        self._select_after = None
        self.loaded = True
        self.model.set_users(users)
        for row, user in enumerate(users):
            if user.username == selected:
                self.table.selectRow(row)
        self._update_buttons()

    def _failed(self, exc: BaseException) -> None:
        common.show_error(self, exc)

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches("user") and self.loaded:
            self.reload()

    def selected(self) -> UserView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.users[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        user = self.selected()
        for button in (self.role_button, self.active_button, self.reset_button):
            button.setEnabled(user is not None)
        self.unlock_button.setEnabled(user is not None and user.locked)
        is_me = user is not None and user.username == self.ctx.desk.actor.username
        if is_me:
            self.active_button.setEnabled(False)
        active = user is None or user.active
        self.active_button.setText(_("&Disable") if active else _("&Enable"))

    # -- actions -----------------------------------------------------------------
    def add_user(self) -> None:
        dialog = AddUserDialog(self.ctx.desk, self.ctx.tasks, self)
        dialog.accepted.connect(lambda: self._remember(dialog.username.text().strip().casefold()))
        dialog.open()

    def _remember(self, username: str) -> None:
        """Select the new user, now if the table already has it, else after the next reload."""
        rows = [row for row, user in enumerate(self.model.users) if user.username == username]
        if rows:
            self.table.selectRow(rows[0])
        else:
            self._select_after = username

    def change_role(self) -> None:
        if (user := self.selected()) is not None:
            RoleDialog(self.ctx.desk, self.ctx.tasks, user, self).open()

    def reset_password(self) -> None:
        if (user := self.selected()) is not None:
            dialog = ResetPasswordDialog(self.ctx.desk, self.ctx.tasks, user, self)
            dialog.accepted.connect(lambda: common.show_message(
                self, _("The password of {user} was reset.").format(user=user.username)))
            dialog.open()

    def toggle_active(self) -> None:
        user = self.selected()
        if user is None:
            return
        if user.active and not common.ask_yes_no(
            self, _("Disable the account {user}? The user can no longer log in; the records stay.").format(
                user=user.username), yes=_("&Disable")):
            return
        username, active = user.username, not user.active
        self.ctx.tasks.run_db(lambda: self.ctx.desk.users.set_active(username, active), None, self._failed)

    def unlock(self) -> None:
        if (user := self.selected()) is not None:
            username = user.username
            self.ctx.tasks.run_db(lambda: self.ctx.desk.users.unlock(username), None, self._failed)
