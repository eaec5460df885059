"""First-run wizard: language, kind of office, unit, administrator, then the recovery code.

The database is created on the worker when the administrator page is committed
(``services.setup.initialise``). The last page shows the one-time recovery code and
the key fingerprint, prints the recovery sheet (PDF) and cannot be left until the
user confirms that the code is printed or stored.
"""

from __future__ import annotations

import re
from pathlib import Path

import platformdirs
from PySide6.QtCore import QRegularExpression, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from tipdesk.clock import Clock, SystemClock
from tipdesk.errors import UserError
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.passwords import NewPasswordRows
from tipdesk.gui.tasks import BaseTaskManager
from tipdesk.gui.wizard_pages import (
    PAGE_ADMIN,
    PAGE_DONE,
    PAGE_LANGUAGE,
    PAGE_PROFILE,
    PAGE_UNIT,
    LanguagePage,
    ProfilePage,
    SetupState,
    StatePage,
    UnitPage,
)
from tipdesk.i18n import _
from tipdesk.services.setup import SetupResult, initialise
from tipdesk.services.users import USERNAME

USERNAME_INPUT = QRegularExpression(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


def choose_pdf_path(parent: QWidget, default: Path) -> str:
    """Ask where to save a PDF; "" if the user cancels (tests replace this)."""
    path, _filter = QFileDialog.getSaveFileName(parent, _("Save the recovery sheet"), str(default),
                                                _("PDF documents (*.pdf)"))
    return path


def open_file(path: str) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(path))


class AdminPage(StatePage):
    """The administrator account; committing this page creates the database."""

    def __init__(self, tasks: BaseTaskManager, data_dir: Path | None, clock: Clock,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks, self.data_dir, self.clock = tasks, data_dir, clock
        self.running = False
        self._in_validate = False
        self.username = QLineEdit("admin", self)
        self.username.setValidator(QRegularExpressionValidator(USERNAME_INPUT, self))
        self.username_label = QLabel(self)
        self.username_label.setBuddy(self.username)
        self.full_name = QLineEdit(self)
        self.full_name.setMaxLength(120)
        self.full_name_label = QLabel(self)
        self.full_name_label.setBuddy(self.full_name)
        self.passwords = NewPasswordRows(self)
        self.message = common.MessageLabel(self)
        form = QFormLayout()
        form.addRow(self.username_label, self.username)
        form.addRow(self.full_name_label, self.full_name)
        self.passwords.add_to(form)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        for signal in (self.username.textChanged, self.full_name.textChanged, self.passwords.changed):
            signal.connect(self.completeChanged)
        self.setCommitPage(True)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(_("Administrator account"))
        self.setSubTitle(_("The administrator adds the other users and changes the settings."))
        self.username_label.setText(_("&User name:"))
        self.username.setToolTip(_("A user name has 2 to 32 letters (a-z), digits, dots, dashes or underscores."))
        self.full_name_label.setText(_("&Full name:"))
        self.full_name.setPlaceholderText(_("e.g. Nguyễn Văn An"))
        self.passwords.retranslate()
        self.setButtonText(QWizard.WizardButton.CommitButton, _("&Create the database"))
        if self.running:
            self.message.set_hint(_("Creating the encrypted database… please wait."))

    def _username(self) -> str:
        return self.username.text().strip().casefold()

    def isComplete(self) -> bool:
        return (not self.running and bool(USERNAME.match(self._username()))
                and bool(self.full_name.text().strip()) and self.passwords.is_acceptable())

    def validatePage(self) -> bool:
        if self.state.result is not None:
            return True
        if not self.running:
            self._in_validate = True
            try:
                self._start()
            finally:
                self._in_validate = False
        return self.state.result is not None

    def _start(self) -> None:
        state, username, full_name, password = self.state, self._username(), self.full_name.text(), \
            self.passwords.value()
        self.running = True
        self._set_inputs_enabled(False)
        self.message.set_hint(_("Creating the encrypted database… please wait."))
        common.set_busy(True)
        self.notify_complete()
        self.tasks.run_db(
            lambda: initialise(state.profile, state.unit_code, username, password, admin_full_name=full_name,
                               remote=state.remote, data_dir=self.data_dir, clock=self.clock),
            self._created, self._failed)

    def _finish_running(self) -> None:
        common.set_busy(False)
        self.running = False
        self._set_inputs_enabled(True)
        self.notify_complete()

    def _created(self, result: SetupResult) -> None:
        self.state.result = result
        self._finish_running()
        self.message.clear_message()
        if not self._in_validate:  # asynchronous: move on now that the database exists
            self.wizard().next()

    def _failed(self, exc: BaseException) -> None:
        self._finish_running()
        if not isinstance(exc, UserError):
            raise exc
        self.message.set_error(exc.message)

    def _set_inputs_enabled(self, enabled: bool) -> None:
        for widget in (self.username, self.full_name, self.passwords.password, self.passwords.repeat):
            widget.setEnabled(enabled)


class DonePage(StatePage):
    """The recovery code, the key fingerprint and the recovery sheet."""

    def __init__(self, tasks: BaseTaskManager, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks, self.clock = tasks, clock
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.code_box = QGroupBox(self)
        self.code = QLabel(self.code_box)
        self.code.setFont(common.monospace_font(self.font(), 1.6))
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_hint = QLabel(self.code_box)
        self.code_hint.setWordWrap(True)
        box_layout = QVBoxLayout(self.code_box)
        box_layout.addWidget(self.code)
        box_layout.addWidget(self.code_hint)
        self.fingerprint = QLabel(self)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.print_button = QPushButton(self)
        self.print_button.clicked.connect(self.print_sheet)
        self.saved = common.MessageLabel(self)
        self.confirm = QCheckBox(self)
        bold = self.confirm.font()
        bold.setBold(True)
        self.confirm.setFont(bold)
        self.confirm.toggled.connect(self.completeChanged)
        self._layout()
        self.retranslate()

    def _layout(self) -> None:
        row = QHBoxLayout()
        row.addWidget(self.print_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        for widget in (self.summary, self.code_box, self.fingerprint):
            layout.addWidget(widget)
        layout.addLayout(row)
        layout.addWidget(self.saved)
        layout.addSpacing(12)
        layout.addWidget(self.confirm)
        layout.addStretch(1)

    def retranslate(self) -> None:
        self.setTitle(_("tipdesk is ready"))
        self.setSubTitle(_("Print the recovery sheet now and keep it in the unit's safe."))
        self.code_box.setTitle(_("Recovery code"))
        self.code_hint.setText(_(
            "If no one can log in any more (forgotten passwords), this code is the only way to open the "
            "database. It is shown only once."
        ))
        self.print_button.setText(_("&Print recovery sheet…"))
        self.confirm.setText(_("I have &printed the recovery sheet or written the code down, and stored it "
                               "in a safe place."))
        self._show_result()

    def _show_result(self) -> None:
        result = self.state.result if self.wizard() else None
        if result is None:
            return
        self.summary.setText(_("The database of {unit} was created. Administrator: {admin}.").format(
            unit=result.unit_name, admin=result.admin))
        self.code.setText(result.recovery_code)
        self.fingerprint.setText(_("Key fingerprint of this installation: {fp}").format(fp=result.fingerprint))

    def initializePage(self) -> None:
        self._show_result()

    def isComplete(self) -> bool:
        return self.confirm.isChecked()

    def default_pdf_path(self, result: SetupResult) -> Path:
        folder = Path(platformdirs.user_documents_dir())
        name = re.sub(r"[^\w.-]+", "-", f"tipdesk-recovery-{result.unit_code}") + ".pdf"
        return folder / name

    def print_sheet(self) -> None:
        result = self.state.result
        if result is None:
            return
        path = choose_pdf_path(self, self.default_pdf_path(result))
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        full_name = self.wizard().admin_full_name()  # type: ignore[attr-defined]
        admin = f"{full_name} ({result.admin})" if full_name else result.admin
        created = self.clock.now()
        from tipdesk.reports.recovery_sheet import build_recovery_sheet  # reportlab: only when printing

        common.set_busy(True)
        self.tasks.run_db(
            lambda: build_recovery_sheet(path, result.unit_name, admin, result.recovery_code, result.fingerprint,
                                         created),
            lambda _pages: self._printed(path), self._print_failed)

    def _printed(self, path: str) -> None:
        common.set_busy(False)
        self.saved.set_ok(_("The recovery sheet was saved to {path}. Print it now.").format(path=path))
        if common.ask_yes_no(self, _("Open the recovery sheet now to print it?"), yes=_("&Open"), no=_("&Later")):
            open_file(path)

    def _print_failed(self, exc: BaseException) -> None:
        common.set_busy(False)
        if not isinstance(exc, UserError):
            raise exc
        self.saved.set_error(exc.message)


class SetupWizard(Retranslatable, QWizard):
    def __init__(self, tasks: BaseTaskManager, *, data_dir: Path | None = None, clock: Clock | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = SetupState()
        clock = clock or SystemClock()
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOptions(QWizard.WizardOption.NoBackButtonOnLastPage | QWizard.WizardOption.NoCancelButtonOnLastPage
                        | QWizard.WizardOption.NoBackButtonOnStartPage)
        self.admin_page = AdminPage(tasks, data_dir, clock, self)
        self.done_page = DonePage(tasks, clock, self)
        self.setPage(PAGE_LANGUAGE, LanguagePage(self))
        self.setPage(PAGE_PROFILE, ProfilePage(self))
        self.setPage(PAGE_UNIT, UnitPage(self))
        self.setPage(PAGE_ADMIN, self.admin_page)
        self.setPage(PAGE_DONE, self.done_page)
        self.setStartId(PAGE_LANGUAGE)
        self.resize(780, 580)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Setting up tipdesk"))
        texts = {
            QWizard.WizardButton.BackButton: _("< &Back"),
            QWizard.WizardButton.NextButton: _("&Next >"),
            QWizard.WizardButton.FinishButton: _("&Finish"),
            QWizard.WizardButton.CancelButton: _("Cancel"),
        }
        for button, text in texts.items():
            self.setButtonText(button, text)

    @property
    def setup_result(self) -> SetupResult | None:
        return self.state.result

    def admin_full_name(self) -> str:
        return self.admin_page.full_name.text().strip()

    def reject(self) -> None:
        if self.state.result is not None:
            if not self.done_page.confirm.isChecked():
                return  # the recovery code must be confirmed first
            super().reject()
            return
        if self.admin_page.running:
            return
        if common.ask_yes_no(self, _("Stop the set-up? Nothing has been created yet."), yes=_("&Stop"),
                             no=_("&Continue")):
            super().reject()
