"""Dialogs of the Users tab: add a user, change a role, reset a password.

Each dialog runs its service call on the worker and stays open with the error shown
inline when the service refuses (for example a user name that already exists).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain.roles import Role, roles_for
from tipdesk.errors import UserError
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.passwords import NewPasswordRows
from tipdesk.gui.tasks import BaseTaskManager
from tipdesk.i18n import _
from tipdesk.services.context import Desk
from tipdesk.services.users import USERNAME, UserView

USERNAME_INPUT = QRegularExpression(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


class ServiceDialog(Retranslatable, QDialog):
    """A form with OK/Cancel whose OK runs one service call on the worker."""

    def __init__(self, desk: Desk, tasks: BaseTaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk, self.tasks = desk, tasks
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.form = QFormLayout()
        self.error = common.MessageLabel(self)
        self.ok = QPushButton(self)
        self.ok.setDefault(True)
        self.cancel = QPushButton(self)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.ok, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(540, 0)

    def retranslate(self) -> None:
        self.cancel.setText(_("Cancel"))

    def is_ready(self) -> bool:
        return True

    def update_ok(self) -> None:
        self.ok.setEnabled(self.is_ready())

    def service_call(self) -> Callable[[], Any]:
        raise NotImplementedError

    def submit(self) -> None:
        if not self.is_ready():
            return
        call = self.service_call()
        self.setEnabled(False)
        common.set_busy(True)
        self.tasks.run_db(call, self._done, self._failed)

    def _done(self, _result: object) -> None:
        common.set_busy(False)
        self.setEnabled(True)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        common.set_busy(False)
        self.setEnabled(True)
        if not isinstance(exc, UserError):
            raise exc
        self.error.set_error(exc.message)


def role_combo(desk: Desk, parent: QWidget, current: Role | None = None) -> QComboBox:
    combo = QComboBox(parent)
    for role in roles_for(desk.installation.profile):
        combo.addItem(role.label(), role.value)
    if current is not None:
        combo.setCurrentIndex(max(0, combo.findData(current.value)))
    return combo


def relabel_roles(combo: QComboBox) -> None:
    for index in range(combo.count()):
        combo.setItemText(index, Role(combo.itemData(index)).label())


class AddUserDialog(ServiceDialog):
    def __init__(self, desk: Desk, tasks: BaseTaskManager, parent: QWidget | None = None) -> None:
        super().__init__(desk, tasks, parent)
        self.username = QLineEdit(self)
        self.username.setValidator(QRegularExpressionValidator(USERNAME_INPUT, self))
        self.username_label = QLabel(self)
        self.username_label.setBuddy(self.username)
        self.full_name = QLineEdit(self)
        self.full_name.setMaxLength(120)
        self.full_name_label = QLabel(self)
        self.full_name_label.setBuddy(self.full_name)
        self.role = role_combo(desk, self)
        self.role_label = QLabel(self)
        self.role_label.setBuddy(self.role)
        self.passwords = NewPasswordRows(self)
        self.form.addRow(self.username_label, self.username)
        self.form.addRow(self.full_name_label, self.full_name)
        self.form.addRow(self.role_label, self.role)
        self.passwords.add_to(self.form)
        for signal in (self.username.textChanged, self.full_name.textChanged, self.passwords.changed):
            signal.connect(self.update_ok)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setWindowTitle(_("Add a user"))
        self.intro.setText(_("Give the new user a first password and tell it to them in person. "
                             "Each person must have their own account."))
        self.username_label.setText(_("&User name:"))
        self.username.setPlaceholderText(_("e.g. an.nguyen"))
        self.full_name_label.setText(_("&Full name:"))
        self.role_label.setText(_("R&ole:"))
        relabel_roles(self.role)
        self.passwords.retranslate(_("First &password:"), _("&Repeat password:"))
        self.ok.setText(_("&Add user"))
        self.update_ok()

    def is_ready(self) -> bool:
        return (bool(USERNAME.match(self.username.text().strip().casefold())) and bool(self.full_name.text().strip())
                and self.passwords.is_acceptable())

    def service_call(self) -> Callable[[], UserView]:
        username, role = self.username.text().strip(), str(self.role.currentData())
        password, full_name = self.passwords.value(), self.full_name.text().strip()
        return lambda: self.desk.users.add(username, role, password, full_name)


class RoleDialog(ServiceDialog):
    def __init__(self, desk: Desk, tasks: BaseTaskManager, user: UserView, parent: QWidget | None = None) -> None:
        super().__init__(desk, tasks, parent)
        self.user = user
        self.role = role_combo(desk, self, user.role)
        self.role_label = QLabel(self)
        self.role_label.setBuddy(self.role)
        self.form.addRow(self.role_label, self.role)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setWindowTitle(_("Change the role"))
        self.intro.setText(_("Choose the new role of {user}. The role decides what the user may see and do.")
                           .format(user=self.user.username))
        self.role_label.setText(_("R&ole:"))
        relabel_roles(self.role)
        self.ok.setText(_("&Change role"))

    def service_call(self) -> Callable[[], None]:
        username, role = self.user.username, str(self.role.currentData())
        return lambda: self.desk.users.set_role(username, role)


class ResetPasswordDialog(ServiceDialog):
    def __init__(self, desk: Desk, tasks: BaseTaskManager, user: UserView, parent: QWidget | None = None) -> None:
        super().__init__(desk, tasks, parent)
        self.user = user
        self.passwords = NewPasswordRows(self)
        self.passwords.add_to(self.form)
        self.passwords.changed.connect(self.update_ok)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setWindowTitle(_("Reset the password"))
        self.intro.setText(_("Set a new password for {user} and tell it to them in person; they should then "
                             "choose their own (Account → Change password).").format(user=self.user.username))
        self.passwords.retranslate(_("&New password:"), _("&Repeat new password:"))
        self.ok.setText(_("&Reset password"))
        self.update_ok()

    def is_ready(self) -> bool:
        return self.passwords.is_acceptable()

    def service_call(self) -> Callable[[], None]:
        username, password = self.user.username, self.passwords.value()
        return lambda: self.desk.users.reset_password(username, password)
