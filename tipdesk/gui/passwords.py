"""Password entry: a new password with its repetition and a live strength message; the change dialog."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tipdesk.errors import UserError
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.tasks import BaseTaskManager
from tipdesk.i18n import _

if TYPE_CHECKING:  # the login imports this file before the services (see tipdesk.gui.app)
    from tipdesk.services.context import Desk


def password_edit(parent: QWidget | None = None) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(256)
    return edit


class NewPasswordRows(QObject):
    """The rows "password", "repeat", "show" and the strength message, added to a form layout."""

    changed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.password = password_edit(parent)
        self.repeat = password_edit(parent)
        self.reveal = QCheckBox(parent)
        self.password_label = QLabel(parent)
        self.password_label.setBuddy(self.password)
        self.repeat_label = QLabel(parent)
        self.repeat_label.setBuddy(self.repeat)
        self.status = common.MessageLabel(parent)
        self.password.textChanged.connect(self._update)
        self.repeat.textChanged.connect(self._update)
        self.reveal.toggled.connect(self._toggle_echo)

    def add_to(self, form: QFormLayout) -> None:
        form.addRow(self.password_label, self.password)
        form.addRow(self.repeat_label, self.repeat)
        form.addRow("", self.reveal)
        form.addRow("", self.status)

    def retranslate(self, password_text: str = "", repeat_text: str = "") -> None:
        from tipdesk.services.auth import MIN_PASSWORD

        self.password_label.setText(password_text or _("&Password:"))
        self.repeat_label.setText(repeat_text or _("&Repeat password:"))
        self.reveal.setText(_("S&how the passwords"))
        self.password.setPlaceholderText(_("At least {n} characters; a short phrase is best").format(n=MIN_PASSWORD))
        self._update()

    def _toggle_echo(self, visible: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password
        self.password.setEchoMode(mode)
        self.repeat.setEchoMode(mode)

    def value(self) -> str:
        return self.password.text()

    def problem(self) -> str | None:
        """What is wrong with the entered passwords, or None if they are acceptable."""
        from tipdesk.services.auth import check_password_strength

        try:
            check_password_strength(self.password.text())
        except UserError as exc:
            return exc.message
        if self.password.text() != self.repeat.text():
            return _("The two passwords differ.")
        return None

    def is_acceptable(self) -> bool:
        return self.problem() is None

    def _update(self) -> None:
        from tipdesk.services.auth import MIN_PASSWORD

        if not self.password.text():
            self.status.set_hint(_("Choose a phrase of at least {n} characters that you can remember.").format(
                n=MIN_PASSWORD))
        elif (problem := self.problem()) is not None:
            if problem == _("The two passwords differ.") and not self.repeat.text():
                self.status.set_hint(_("Now type the same password again."))
            else:
                self.status.set_error(problem)
        else:
            self.status.set_ok(_("The password is good."))
        self.changed.emit()

    def clear(self) -> None:
        self.password.clear()
        self.repeat.clear()


class ChangePasswordDialog(Retranslatable, QDialog):
    """Account → Change password: the user's own password (the database key does not change)."""

    def __init__(self, desk: Desk, tasks: BaseTaskManager, parent: QWidget | None = None, *,
                 forced: bool = False) -> None:
        super().__init__(parent)
        self.desk = desk
        self.tasks = tasks
        self.forced = forced  # after a reset by an administrator: no way around it
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.old = password_edit(self)
        self.old_label = QLabel(self)
        self.old_label.setBuddy(self.old)
        self.rows = NewPasswordRows(self)
        self.error = common.MessageLabel(self)
        self.buttons = QDialogButtonBox(self)
        self.ok = QPushButton(self)
        self.ok.setDefault(True)
        self.cancel = QPushButton(self)
        self.buttons.addButton(self.ok, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.rows.changed.connect(self._update)
        self.old.textChanged.connect(self._update)
        form = QFormLayout()
        form.addRow(self.old_label, self.old)
        self.rows.add_to(form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.retranslate()
        self.resize(520, 0)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Change your password"))
        if self.forced:
            self.intro.setText(_("An administrator has set your password. Choose your own password now; "
                                 "only you should know it."))
        else:
            self.intro.setText(_("You are changing the password of {user}.").format(user=self.desk.actor.username))
        self.cancel.setVisible(not self.forced)
        self.old_label.setText(_("C&urrent password:"))
        self.rows.retranslate(_("&New password:"), _("&Repeat new password:"))
        self.ok.setText(_("&Change password"))
        self.cancel.setText(_("Cancel"))

    def _update(self) -> None:
        self.ok.setEnabled(bool(self.old.text()) and self.rows.is_acceptable())

    def reject(self) -> None:
        if not self.forced:
            super().reject()

    def submit(self) -> None:
        if not self.ok.isEnabled():
            return
        old, new = self.old.text(), self.rows.value()
        self.setEnabled(False)
        common.set_busy(True)
        self.tasks.run_db(lambda: self.desk.users.change_own_password(old, new), self._done, self._failed)

    def _done(self, _result: object) -> None:
        common.set_busy(False)
        self.setEnabled(True)
        common.show_message(self.parentWidget(), _("Your password was changed."))
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        common.set_busy(False)
        self.setEnabled(True)
        if not isinstance(exc, UserError):
            raise exc
        self.error.set_error(exc.message)
        from tipdesk.services.auth import WrongPassword

        if isinstance(exc, WrongPassword):
            self.old.clear()
            self.old.setFocus()
