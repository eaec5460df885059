"""Back up and restore from the GUI: the File menu actions, their dialogs and the reminder banner.

The main window hooks them in with one call::

    self.backup_ui = add_backup_actions(self.file_menu, self, lambda: self.desk, self.tasks,
                                        release_desk=self.close_desk, after_restore=self.show_login)

and places ``self.backup_ui.banner`` at the top of its central widget (it shows itself when the last
backup is older than the ``backup_reminder_days`` setting; call ``self.backup_ui.refresh()`` after a
login). ``RestoreDialog`` also works without a desk (the login window's "Restore a backup…" on a new PC).

The backup service is imported where it is used (on the worker for the reminder), not with the main window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from tipdesk.clock import Clock
from tipdesk.config import MachineSettings
from tipdesk.domain.roles import Perm
from tipdesk.errors import UserError
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.tasks import BaseTaskManager, TaskContext, run_with_progress
from tipdesk.i18n import _, format_datetime

if TYPE_CHECKING:
    from tipdesk.services import backup as svc
    from tipdesk.services.context import Desk

FOLDER_KEY = "backup_folder"  # MachineSettings.extra: the last folder (USB stick) backed up to
FILE_FILTER = "tipdesk (*.tdbackup)"


def _remember_folder(folder: Path) -> None:
    settings = MachineSettings.load()
    settings.extra[FOLDER_KEY] = str(folder)
    settings.save()


def _reminder(desk: Desk) -> svc.BackupReminder:
    """On the worker: the backup service loads there, off the GUI thread, when first needed."""
    from tipdesk.services import backup as svc

    return svc.reminder(desk)


def _last_folder() -> str:
    value = MachineSettings.load().extra.get(FOLDER_KEY, "")
    return value if isinstance(value, str) and Path(value).is_dir() else ""


class BackupDialog(Retranslatable, QDialog):
    """One click: back up to the last folder (a USB stick), or choose another one."""

    backed_up = Signal(object)  # svc.BackupResult

    def __init__(self, desk: Desk, tasks: BaseTaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk, self.tasks = desk, tasks
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.last = common.hint_label("", self)
        self.folder = QLineEdit(_last_folder(), self)
        self.folder_label = QLabel(self)
        self.folder_label.setBuddy(self.folder)
        self.browse = QPushButton(self)
        self.browse.clicked.connect(self._browse)
        self.message = common.MessageLabel(self)
        self.ok, self.cancel = QPushButton(self), QPushButton(self)
        self.ok.setDefault(True)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.ok, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow(self.folder_label, row)
        layout = QVBoxLayout(self)
        for widget in (self.intro, self.last):
            layout.addWidget(widget)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.folder.textChanged.connect(self._update)
        self.retranslate()
        self.resize(620, 0)
        self.tasks.run_db(lambda: _reminder(desk), self._show_reminder, lambda _exc: None)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Back up"))
        self.intro.setText(_("The backup is one encrypted file. It opens with any user's password or the "
                             "recovery code. Write it to a USB stick and keep the stick away from this computer."))
        self.folder_label.setText(_("&Folder:"))
        self.browse.setText(_("&Choose…"))
        self.ok.setText(_("&Back up now"))
        self.cancel.setText(_("Close"))
        self._update()

    def _show_reminder(self, status: svc.BackupReminder) -> None:
        when = format_datetime(status.last_backup_at) if status.last_backup_at else _("never")
        self.last.setText(_("Last backup: {when}.").format(when=when))

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, _("Choose the folder for the backup"), self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def _update(self) -> None:
        self.ok.setEnabled(bool(self.folder.text().strip()) and self.isEnabled())

    def submit(self) -> None:
        from tipdesk.services import backup as svc

        folder = Path(self.folder.text().strip())
        if not folder.is_dir():
            self.message.set_error(_("The folder {path} does not exist.").format(path=folder))
            return
        self.message.clear_message()
        self.setEnabled(False)
        run_with_progress(self.tasks, self, _("Writing and verifying the backup…"),
                          lambda _ctx: svc.create_backup(self.desk, folder),
                          lambda result: self._done(folder, result), self._failed, cancellable=False)

    def _done(self, folder: Path, result: svc.BackupResult) -> None:
        from tipdesk.services import backup as svc

        self.setEnabled(True)
        _remember_folder(folder)
        self.message.set_ok(_("Backup written and verified: {path} ({size} bytes).").format(
            path=result.path, size=result.size))
        self._show_reminder(svc.BackupReminder(result.header.created_at, 0, 0, False))
        self.cancel.setFocus()
        self.backed_up.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        if not isinstance(exc, UserError):
            raise exc
        self.message.set_error(exc.message)


class RestoreDialog(Retranslatable, QDialog):
    """Choose a backup, show what it is, check the password, then restore (verify first)."""

    restored = Signal(object)  # svc.RestoreResult

    def __init__(self, tasks: BaseTaskManager, *, data_dir: Path | None = None, current: Desk | None = None,
                 release_desk: Callable[[], None] | None = None, clock: Clock | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks, self.data_dir, self.current, self.clock = tasks, data_dir, current, clock
        self.release_desk = release_desk
        self.info: svc.BackupHeader | None = None
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.file = QLineEdit(self)
        self.file.setReadOnly(True)
        self.file_label = QLabel(self)
        self.browse = QPushButton(self)
        self.browse.clicked.connect(self._browse)
        self.file_label.setBuddy(self.browse)
        self.details = common.hint_label("", self)
        self.username = QLineEdit(current.actor.username if current else "admin", self)
        self.username_label = QLabel(self)
        self.username_label.setBuddy(self.username)
        self.secret = QLineEdit(self)
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_label = QLabel(self)
        self.secret_label.setBuddy(self.secret)
        self.use_code = QCheckBox(self)
        self.use_code.toggled.connect(self._mode_changed)
        self.message = common.MessageLabel(self)
        self.ok, self.cancel = QPushButton(self), QPushButton(self)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.ok, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.file, 1)
        row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow(self.file_label, row)
        form.addRow("", self.details)
        form.addRow("", self.use_code)
        form.addRow(self.username_label, self.username)
        form.addRow(self.secret_label, self.secret)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(buttons)
        for signal in (self.username.textChanged, self.secret.textChanged):
            signal.connect(self._update)
        self.retranslate()
        self.resize(640, 0)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Restore a backup"))
        self.intro.setText(_("The backup is checked completely before anything changes. The current database, "
                             "if any, is kept in the backups folder. After the restore everyone logs in again "
                             "with the passwords that were in force when the backup was made."))
        self.file_label.setText(_("Backup &file:"))
        self.browse.setText(_("&Choose…"))
        self.use_code.setText(_("Use the &recovery code instead of a password"))
        self.username_label.setText(_("&User name:"))
        self._mode_changed(self.use_code.isChecked())
        self.ok.setText(_("&Restore"))
        self.cancel.setText(_("Cancel"))
        self._show_info()

    def _mode_changed(self, use_code: bool) -> None:
        self.secret_label.setText(_("Recovery &code:") if use_code else _("&Password:"))
        self.secret.setEchoMode(QLineEdit.EchoMode.Normal if use_code else QLineEdit.EchoMode.Password)
        self.username.setEnabled(not use_code)
        self._update()

    def _browse(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, _("Choose the backup file"), _last_folder(), FILE_FILTER)
        if chosen:
            self.open_file(Path(chosen))

    def open_file(self, path: Path) -> None:
        """Read the (unencrypted) header of ``path`` and show what the backup is."""
        self.file.setText(str(path))
        self.info = None
        self.message.clear_message()
        from tipdesk.services import backup as svc

        try:
            self.info = svc.read_info(path)
        except UserError as exc:
            self.message.set_error(exc.message)
        self._show_info()
        self._update()

    def _show_info(self) -> None:
        if self.info is None:
            self.details.setText("")
            return
        text = _("Unit {unit}, made {when} by tipdesk {version}.").format(
            unit=self.info.unit_code, when=format_datetime(self.info.created_at), version=self.info.app_version)
        if self.current is not None and self.current.installation.install_id != self.info.install_id:
            text += " " + _("Warning: this backup comes from another installation.")
        self.details.setText(text)

    def _update(self) -> None:
        has_user = self.use_code.isChecked() or bool(self.username.text().strip())
        self.ok.setEnabled(self.info is not None and has_user and bool(self.secret.text()))

    def credentials(self) -> svc.Credentials:
        from tipdesk.services import backup as svc

        if self.use_code.isChecked():
            return svc.Credentials(self.secret.text())
        return svc.Credentials(self.secret.text(), self.username.text().strip())

    def submit(self) -> None:
        if not self.ok.isEnabled():
            return
        if self.current is not None and not common.ask_yes_no(
                self, _("Replace the current database with this backup? The current one is kept in the backups "
                        "folder, and everyone must log in again."), yes=_("&Restore")):
            return
        from tipdesk.services import backup as svc

        path, creds = Path(self.file.text()), self.credentials()
        self.message.clear_message()
        self.setEnabled(False)
        run_with_progress(self.tasks, self, _("Checking the backup…"),
                          lambda _ctx: svc.verify_backup(path, creds),
                          lambda _report: self._verified(path, creds), self._failed, cancellable=False)

    def _verified(self, path: Path, creds: svc.Credentials) -> None:
        from tipdesk.services import backup as svc

        if self.release_desk is not None:
            self.release_desk()  # the open database must be closed before it is replaced
            self.release_desk, self.current = None, None

        def work(_ctx: TaskContext) -> svc.RestoreResult:
            return svc.restore_backup(path, creds, data_dir=self.data_dir, clock=self.clock)

        run_with_progress(self.tasks, self, _("Restoring the backup…"), work, self._done, self._failed,
                          cancellable=False)

    def _done(self, result: svc.RestoreResult) -> None:
        self.setEnabled(True)
        self.secret.clear()
        text = _("Backup of {when} restored (unit {unit}). Batches continue in a new epoch: {epoch}.").format(
            when=format_datetime(result.backup_created_at), unit=result.unit_code, epoch=result.epoch)
        self.accept()
        common.show_message(self.parentWidget(), text, title=_("Restore a backup"))
        self.restored.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        self._update()
        if not isinstance(exc, UserError):
            raise exc
        self.message.set_error(exc.message)


class ReminderBanner(Retranslatable, QFrame):
    """A bar that asks for a backup when the last one is older than the configured number of days."""

    backup_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("ReminderBanner { background: #fff4ce; }")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.status: svc.BackupReminder | None = None
        self.menu_actions: tuple[QAction, QAction] | None = None  # (back up, restore), retranslated here
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.button = QPushButton(self)
        self.button.clicked.connect(self.backup_requested)
        layout = QHBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignRight)
        self.hide()
        self.retranslate()

    def retranslate(self) -> None:
        self.button.setText(_("&Back up now"))
        if self.menu_actions is not None:
            self.menu_actions[0].setText(_("&Back up…"))
            self.menu_actions[1].setText(_("&Restore a backup…"))
        self.show_status(self.status)

    def show_status(self, status: svc.BackupReminder | None) -> None:
        self.status = status
        self.text.setText(status.message() if status else "")
        self.setVisible(bool(status and status.due))


@dataclass
class BackupActions:
    """What ``add_backup_actions`` made: the two menu actions and the reminder banner."""

    backup: QAction
    restore: QAction
    banner: ReminderBanner
    refresh: Callable[[], None]


def add_backup_actions(menu: QMenu, window: QWidget, desk: Callable[[], Desk | None], tasks: BaseTaskManager, *,
                       release_desk: Callable[[], None] | None = None,
                       after_restore: Callable[[], None] | None = None) -> BackupActions:
    """Add "Back up…" and "Restore a backup…" to ``menu``; ``release_desk`` closes the open database
    before a restore replaces it and ``after_restore`` brings the user back to the login."""
    banner = ReminderBanner(window)

    def refresh() -> None:
        current = desk()
        allowed = current is None or current.can(Perm.BACKUP)
        backup_action.setEnabled(current is not None and allowed)
        restore_action.setEnabled(allowed)
        if current is not None and allowed:
            tasks.run_db(lambda: _reminder(current), banner.show_status, lambda _exc: None)
        else:
            banner.show_status(None)

    def open_backup() -> None:
        current = desk()
        if current is None:
            return
        dialog = BackupDialog(current, tasks, window)
        dialog.backed_up.connect(lambda _result: refresh())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_restore() -> None:
        current = desk()
        dialog = RestoreDialog(tasks, data_dir=current.data_dir if current else None, current=current,
                               release_desk=release_desk, parent=window)
        if after_restore is not None:
            dialog.restored.connect(lambda _result: after_restore())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    backup_action, restore_action = QAction(window), QAction(window)
    banner.menu_actions = (backup_action, restore_action)
    banner.retranslate()
    backup_action.triggered.connect(open_backup)
    restore_action.triggered.connect(open_restore)
    banner.backup_requested.connect(open_backup)
    menu.addAction(backup_action)
    menu.addAction(restore_action)
    refresh()
    return BackupActions(backup_action, restore_action, banner, refresh)
