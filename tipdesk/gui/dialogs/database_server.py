"""Database server: where this computer's tipdesk finds its database (issue #7 §3).

A provincial office's workstation may use the office's PostgreSQL server instead of the encrypted
file on this computer. The dialog edits the address remembered in this computer's settings file
(``MachineSettings.database_url``, see ``tipdesk.services.server_setting``); "Test connection" runs
on the worker and says whether the server answers and whether a tipdesk database is set up there.
The address is read at every log-in (``OpenPaths.of``), so it is used from the next one; at start-up
it also decides between the login window and the set-up wizard.

Opened from the login window ("Database server…") and from Administration → Settings (province);
both import this module only when the button is pressed, never on the way to the login window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tipdesk.errors import UserError, ValidationError
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.passwords import password_edit
from tipdesk.gui.tasks import BaseTaskManager
from tipdesk.i18n import _
from tipdesk.services import server_setting
from tipdesk.services.server_setting import DEFAULT_PORT, ServerCheck, ServerFields

log = logging.getLogger(__name__)

WARNING_STYLE = "color: #8a4b00;"
CheckFn = Callable[[str], ServerCheck]


class DatabaseServerDialog(Retranslatable, QDialog):
    """Choose the local encrypted file or a PostgreSQL server; test it; save it for the next log-in."""

    saved = Signal(str, str)  # the old and the new address ("" = the file on this computer)

    def __init__(self, tasks: BaseTaskManager, *, data_dir: Path | None = None, check: CheckFn | None = None,
                 in_session: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks, self.data_dir, self.in_session = tasks, data_dir, in_session
        self.check: CheckFn = check or server_setting.check_server
        self.testing = False
        self.last_check: ServerCheck | None = None
        self.old_url = server_setting.current_url(data_dir)
        self.heading = QLabel(self)
        self.heading.setFont(common.title_font(self.font(), 1.3))
        self.intro = common.hint_label("", self)
        self.use_file = QRadioButton(self)
        self.use_server = QRadioButton(self)
        self.choice = QButtonGroup(self)
        self.choice.addButton(self.use_file)
        self.choice.addButton(self.use_server)
        self.server_box = QWidget(self)
        self.host = QLineEdit(self.server_box)
        self.host.setPlaceholderText("192.168.1.10")
        self.port = QSpinBox(self.server_box)
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.port.setGroupSeparatorShown(False)
        self.port.setMaximumWidth(140)
        self.database = QLineEdit(self.server_box)
        self.database.setPlaceholderText("tipdesk")
        self.user = QLineEdit(self.server_box)
        self.password = password_edit(self.server_box)
        self.labels = {name: QLabel(self.server_box) for name in ("host", "port", "database", "user", "password")}
        for name, widget in self.fields().items():
            self.labels[name].setBuddy(widget)
        self.password_note = common.hint_label("", self.server_box)
        self.test_button = QPushButton(self.server_box)
        self.test_button.setAutoDefault(False)
        self.test_button.clicked.connect(self.test_connection)
        self.message = common.MessageLabel(self)
        self.override_note = common.MessageLabel(self)
        self.save_button = QPushButton(self)
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setAutoDefault(False)
        self.buttons = QDialogButtonBox(self)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self._layout()
        self._load(self.old_url)
        self.use_server.toggled.connect(self._choice_changed)
        for edit in (self.host, self.database, self.user, self.password):
            edit.textEdited.connect(self._edited)
        self.port.valueChanged.connect(self._edited)
        self.retranslate()
        self.server_box.setEnabled(self.use_server.isChecked())
        self.setMinimumWidth(560)

    def fields(self) -> dict[str, QWidget]:
        return {"host": self.host, "port": self.port, "database": self.database, "user": self.user,
                "password": self.password}

    def _layout(self) -> None:
        form = QFormLayout()
        for name, widget in self.fields().items():
            form.addRow(self.labels[name], widget)
        form.addRow("", self.password_note)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        form.addRow("", test_row)
        inner = QVBoxLayout(self.server_box)
        inner.setContentsMargins(24, 0, 0, 0)
        inner.addLayout(form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.intro)
        layout.addSpacing(6)
        layout.addWidget(self.use_file)
        layout.addWidget(self.use_server)
        layout.addWidget(self.server_box)
        layout.addWidget(self.message)
        layout.addWidget(self.override_note)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def _load(self, url: str) -> None:
        try:
            fields = server_setting.parse_url(url)
        except ValidationError:
            fields = ServerFields()
            self.message.set_error(_("The database address saved on this computer cannot be read. Type it again."))
        self.host.setText(fields.host)
        self.port.setValue(fields.port)
        self.database.setText(fields.database)
        self.user.setText(fields.user)
        self.password.setText(fields.password)
        (self.use_server if url.strip() else self.use_file).setChecked(True)

    def retranslate(self) -> None:
        self.setWindowTitle(_("tipdesk: database server"))
        self.heading.setText(_("Database server"))
        self.intro.setText(_("At a provincial office, several computers can share one database on the office's "
                             "PostgreSQL server. Otherwise tipdesk keeps its database in an encrypted file on "
                             "this computer."))
        self.use_file.setText(_("Use the encrypted &file on this computer"))
        self.use_server.setText(_("Use the office's database &server (PostgreSQL)"))
        self.labels["host"].setText(_("Ser&ver name or IP address:"))
        self.labels["port"].setText(_("P&ort:"))
        self.labels["database"].setText(_("&Database name:"))
        self.labels["user"].setText(_("&User name:"))
        self.labels["password"].setText(_("&Password:"))
        self.password_note.setText(_(
            "The password is saved in this computer's settings file, which only this Windows account can read: "
            "{path}").format(path=server_setting.settings_path(self.data_dir)))
        self.test_button.setText(_("&Test connection"))
        self.save_button.setText(_("Sa&ve"))
        self.cancel_button.setText(_("Cancel"))
        if server_setting.overridden():
            self.override_note.set_hint(_("This run of tipdesk was started with a database address "
                                          "(--database-url or TIPDESK_DATABASE_URL), which is used instead of "
                                          "this setting."))

    # -- the address -------------------------------------------------------------------------------------
    def url(self) -> str:
        """The address the form describes ("" = the file); ``ValidationError`` names the bad field."""
        if not self.use_server.isChecked():
            return ""
        return server_setting.build_url(self.host.text(), self.port.value(), self.database.text(),
                                        self.user.text(), self.password.text())

    def _valid_url(self) -> str | None:
        try:
            return self.url()
        except ValidationError as exc:
            self.message.set_error(exc.message)
            for name in exc.fields:
                widget = self.fields().get(name)
                if widget is not None:
                    widget.setFocus()
                    break
            return None

    def _choice_changed(self, _checked: bool = False) -> None:
        self.server_box.setEnabled(self.use_server.isChecked() and not self.testing)
        self._edited()

    def _edited(self, *_args: object) -> None:
        self.last_check = None
        if not self.testing:
            self.message.clear_message()

    # -- Test connection -------------------------------------------------------------------------------
    def test_connection(self) -> None:
        if self.testing:
            return
        url = self._valid_url()
        if not url:
            return
        self._set_testing(True)
        self.message.set_hint(_("Connecting to the database server…"))
        check = self.check
        self.tasks.run_db(lambda: check(url), self._tested, self._test_failed)

    def _set_testing(self, on: bool) -> None:
        self.testing = on
        self.server_box.setEnabled(not on and self.use_server.isChecked())
        for widget in (self.use_file, self.use_server, self.save_button):
            widget.setEnabled(not on)
        common.set_busy(on)

    def _tested(self, result: ServerCheck) -> None:
        self._set_testing(False)
        self.last_check = result
        if result.status == "ok_initialised":
            self.message.set_ok(result.message)
        elif result.status == "ok_empty":
            self.message.set_hint(result.message)
            self.message.setStyleSheet(WARNING_STYLE)
        else:
            self.message.set_error(result.message)
        self.test_button.setFocus()

    def _test_failed(self, exc: BaseException) -> None:
        self._set_testing(False)
        if not isinstance(exc, UserError):
            log.error("database server check failed", exc_info=exc)
        self.message.set_error(common.error_text(exc))

    # -- Save -------------------------------------------------------------------------------------------
    def save(self) -> None:
        if self.testing:
            return
        url = self._valid_url()
        if url is None:
            return
        try:
            saved = server_setting.save_database_url(self.data_dir, url)
        except UserError as exc:
            self.message.set_error(exc.message)
            return
        parent = self.parentWidget()
        self.accept()
        if saved == self.old_url:
            return
        self.saved.emit(self.old_url, saved)
        common.show_message(parent, self.saved_message(saved), title=_("tipdesk: database server"))

    def saved_message(self, url: str) -> str:
        if url:
            text = _("Saved. tipdesk will use the database server {server} from the next log-in.").format(
                server=server_setting.describe(url))
        else:
            text = _("Saved. tipdesk will use the encrypted file on this computer from the next log-in.")
        if self.in_session:
            text += " " + _("Log out and log in again to switch now.")
        return text
