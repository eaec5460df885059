"""Forgot password: a new password with the recovery code, then the new recovery code is shown once."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
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

from tipdesk.clock import Clock
from tipdesk.errors import UserError
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.passwords import NewPasswordRows
from tipdesk.gui.tasks import BaseTaskManager
from tipdesk.i18n import _
from tipdesk.services.auth import recover


class NewCodeDialog(Retranslatable, QDialog):
    """Shows the new recovery code; it closes only once the user confirms it is stored."""

    def __init__(self, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.code = QLabel(code, self)
        self.code.setFont(common.monospace_font(self.font(), 1.6))
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.confirm = QCheckBox(self)
        self.close_button = QPushButton(self)
        self.close_button.setEnabled(False)
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)
        self.confirm.toggled.connect(self.close_button.setEnabled)
        layout = QVBoxLayout(self)
        for widget in (self.intro, self.code, self.confirm):
            layout.addWidget(widget)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(_("New recovery code"))
        self.intro.setText(_("The old recovery code no longer works. This is the new recovery code: write it "
                             "down or print it, and keep it in the unit's safe. It is shown only once."))
        self.confirm.setText(_("I have &written down the new recovery code."))
        self.close_button.setText(_("&Close"))

    def reject(self) -> None:
        if self.confirm.isChecked():
            super().reject()


class RecoveryDialog(Retranslatable, QDialog):
    recovered = Signal(str)  # user name

    def __init__(self, tasks: BaseTaskManager, *, data_dir: Path | None = None, username: str = "",
                 clock: Clock | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks, self.data_dir, self.clock = tasks, data_dir, clock
        self.new_code_dialog: NewCodeDialog | None = None
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.code = QLineEdit(self)
        self.code.setFont(common.monospace_font(self.font()))
        self.code_label = QLabel(self)
        self.code_label.setBuddy(self.code)
        self.username = QLineEdit(username, self)
        self.username_label = QLabel(self)
        self.username_label.setBuddy(self.username)
        self.passwords = NewPasswordRows(self)
        self.error = common.MessageLabel(self)
        self.ok = QPushButton(self)
        self.ok.setDefault(True)
        self.cancel = QPushButton(self)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.ok, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.code_label, self.code)
        form.addRow(self.username_label, self.username)
        self.passwords.add_to(form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        for signal in (self.code.textChanged, self.username.textChanged, self.passwords.changed):
            signal.connect(self._update)
        self.retranslate()
        self.resize(600, 0)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Forgot password"))
        self.intro.setText(_("Type the recovery code from the recovery sheet kept in the unit's safe, the user "
                             "name and a new password for that user."))
        self.code_label.setText(_("Re&covery code:"))
        self.code.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.username_label.setText(_("&User name:"))
        self.passwords.retranslate(_("&New password:"), _("&Repeat new password:"))
        self.ok.setText(_("&Set the new password"))
        self.cancel.setText(_("Cancel"))
        self._update()

    def _update(self) -> None:
        self.ok.setEnabled(bool(self.code.text().strip() and self.username.text().strip())
                           and self.passwords.is_acceptable())

    def submit(self) -> None:
        if not self.ok.isEnabled():
            return
        code, username, password = self.code.text(), self.username.text().strip(), self.passwords.value()
        self.setEnabled(False)
        common.set_busy(True)
        self.tasks.run_db(lambda: recover(code, username, password, data_dir=self.data_dir, clock=self.clock),
                          lambda new_code: self._done(username, new_code), self._failed)

    def _done(self, username: str, new_code: str) -> None:
        common.set_busy(False)
        self.setEnabled(True)
        self.passwords.clear()
        self.new_code_dialog = NewCodeDialog(new_code, self)
        self.new_code_dialog.finished.connect(lambda _r: self._finish(username))
        self.new_code_dialog.open()

    def _finish(self, username: str) -> None:
        self.accept()
        self.recovered.emit(username)

    def _failed(self, exc: BaseException) -> None:
        common.set_busy(False)
        self.setEnabled(True)
        if not isinstance(exc, UserError):
            raise exc
        self.error.set_error(exc.message)
