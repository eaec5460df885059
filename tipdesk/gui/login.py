"""The login dialog: user name, password, language; errors are shown in the dialog itself.

The login (Argon2id, opening and upgrading the database) runs on the worker with a
busy cursor; on success ``logged_in(desk)`` is emitted and the dialog closes.
The services (SQLAlchemy, the models) are imported only when needed: this dialog is the
first window and is painted before them (see ``tipdesk.gui.app``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tipdesk.clock import Clock
from tipdesk.config import MachineSettings
from tipdesk.errors import UserError
from tipdesk.gui import common
from tipdesk.gui.language import LanguageCombo, Retranslatable
from tipdesk.gui.passwords import password_edit
from tipdesk.gui.tasks import BaseTaskManager
from tipdesk.i18n import _

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

log = logging.getLogger(__name__)


def remember_user(username: str) -> None:
    settings = MachineSettings.load()
    if settings.last_user == username:
        return
    settings.last_user = username
    try:
        settings.save()
    except UserError as exc:
        log.warning("last user not saved: %s", exc.code)


class LoginDialog(Retranslatable, QDialog):
    logged_in = Signal(object)  # Desk

    def __init__(self, tasks: BaseTaskManager, *, data_dir: Path | None = None, username: str = "",
                 clock: Clock | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks, self.data_dir, self.clock = tasks, data_dir, clock
        self.desk: Desk | None = None
        self.busy = False
        self.heading = QLabel(self)
        self.heading.setFont(common.title_font(self.font(), 1.5))
        self.language = LanguageCombo(self)
        self.language_label = QLabel(self)
        self.language_label.setBuddy(self.language)
        self.username = QLineEdit(username or MachineSettings.load().last_user, self)
        self.username_label = QLabel(self)
        self.username_label.setBuddy(self.username)
        self.password = password_edit(self)
        self.password_label = QLabel(self)
        self.password_label.setBuddy(self.password)
        self.error = common.MessageLabel(self)
        self.forgot = QPushButton(self)
        self.forgot.setFlat(True)
        self.forgot.setAutoDefault(False)
        self.forgot.clicked.connect(self.open_recovery)
        self.server_button = QPushButton(self)  # "Database server…" (issue #7 §3)
        self.server_button.setFlat(True)
        self.server_button.setAutoDefault(False)
        self.server_button.clicked.connect(self.open_database_server)
        self.login_button = QPushButton(self)
        self.login_button.setDefault(True)
        self.quit_button = QPushButton(self)
        self.quit_button.setAutoDefault(False)
        self.buttons = QDialogButtonBox(self)
        self.buttons.addButton(self.login_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self._layout()
        self.retranslate()
        self.setMinimumWidth(460)
        (self.password if self.username.text() else self.username).setFocus()

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.language_label)
        top.addWidget(self.language)
        form = QFormLayout()
        form.addRow(self.username_label, self.username)
        form.addRow(self.password_label, self.password)
        bottom = QHBoxLayout()
        bottom.addWidget(self.forgot)
        bottom.addWidget(self.server_button)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addLayout(bottom)
        self.setTabOrder(self.username, self.password)
        self.setTabOrder(self.password, self.login_button)
        self.setTabOrder(self.login_button, self.quit_button)
        self.setTabOrder(self.quit_button, self.forgot)
        self.setTabOrder(self.forgot, self.server_button)
        self.setTabOrder(self.server_button, self.language)

    def retranslate(self) -> None:
        self.setWindowTitle(_("tipdesk: log in"))
        self.heading.setText(_("Log in to tipdesk"))
        self.language_label.setText(_("La&nguage:"))
        self.language.sync()
        self.username_label.setText(_("&User name:"))
        self.password_label.setText(_("&Password:"))
        self.forgot.setText(_("&Forgot password?"))
        self.server_button.setText(_("Database &server…"))
        self.login_button.setText(_("&Log in"))
        self.quit_button.setText(_("&Quit"))

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for widget in (self.username, self.password, self.login_button, self.forgot, self.server_button,
                       self.language):
            widget.setEnabled(not busy)
        common.set_busy(busy)

    def submit(self) -> None:
        if self.busy:
            return
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            self.error.set_error(_("Type your user name and your password."))
            (self.username if not username else self.password).setFocus()
            return
        self.error.clear_message()
        self._set_busy(True)
        self.tasks.run_db(lambda: self._open_desk(username, password), self._logged_in, self._failed)

    def _open_desk(self, username: str, password: str) -> Desk:
        """On the worker: the services are imported there, never on the way to this dialog's first paint."""
        from tipdesk.services.auth import open_desk

        return open_desk(username, password, data_dir=self.data_dir, clock=self.clock)

    def _logged_in(self, desk: Desk) -> None:
        self._set_busy(False)
        self.password.clear()
        self.desk = desk
        remember_user(desk.actor.username)
        self.accept()
        self.logged_in.emit(desk)

    def _failed(self, exc: BaseException) -> None:
        from tipdesk.services.auth import WrongPassword

        self._set_busy(False)
        if not isinstance(exc, UserError):
            raise exc
        self.error.set_error(exc.message)
        self.password.clear()
        if isinstance(exc, WrongPassword) or exc.code in ("throttled", "wrong_password"):
            self.password.setFocus()
        else:
            self.username.setFocus()

    def open_recovery(self) -> None:
        from tipdesk.gui.recovery import RecoveryDialog

        dialog = RecoveryDialog(self.tasks, data_dir=self.data_dir, username=self.username.text().strip(),
                                clock=self.clock, parent=self)
        dialog.recovered.connect(self._recovered)
        dialog.open()

    def open_database_server(self) -> None:
        """Where this computer's database is (the file or the office's server); imported only when asked for."""
        from tipdesk.gui.dialogs.database_server import DatabaseServerDialog

        dialog = DatabaseServerDialog(self.tasks, data_dir=self.data_dir, parent=self)
        dialog.open()

    def _recovered(self, username: str) -> None:
        self.username.setText(username)
        self.error.set_ok(_("The new password is set. Log in with it."))
        self.password.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.busy:
            return
        super().keyPressEvent(event)
