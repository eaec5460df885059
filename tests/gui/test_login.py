"""The login dialog: errors stay in the dialog; success opens the main window; recovery with the code."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD, Installed
from tests.gui.driver import click_option, type_text
from tipdesk import i18n
from tipdesk.clock import FixedClock
from tipdesk.config import MachineSettings
from tipdesk.gui.app import AppController
from tipdesk.gui.login import LoginDialog
from tipdesk.gui.main_window import MainWindow
from tipdesk.gui.pages.admin import PAGE as ADMIN_PAGE
from tipdesk.gui.recovery import RecoveryDialog
from tipdesk.gui.tasks import FakeTaskManager, TaskManager
from tipdesk.services.auth import LoginThrottled, WrongPassword, open_desk
from tipdesk.services.context import Desk


def make_login(qtbot, tasks, installed: Installed, clock: FixedClock, username: str = "admin") -> LoginDialog:
    dialog = LoginDialog(tasks, data_dir=installed.data_dir, username=username, clock=clock)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def log_in(qtbot, dialog: LoginDialog, password: str) -> None:
    dialog.password.clear()
    type_text(qtbot, dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # the default button


def test_wrong_password_shows_the_message_and_keeps_the_dialog(qtbot, installed: Installed, clock: FixedClock,
                                                              worker: TaskManager) -> None:
    dialog = make_login(qtbot, worker, installed, clock)
    log_in(qtbot, dialog, "not the password")
    qtbot.waitUntil(lambda: not dialog.busy and dialog.error.isVisible())
    assert dialog.error.text() == WrongPassword().message
    assert dialog.isVisible() and dialog.desk is None and dialog.password.text() == ""


def test_throttled_login_says_how_long_to_wait(qtbot, installed: Installed, clock: FixedClock,
                                               tasks: FakeTaskManager) -> None:
    dialog = make_login(qtbot, tasks, installed, clock)
    for _attempt in range(5):
        log_in(qtbot, dialog, "wrong wrong wrong")
    log_in(qtbot, dialog, ADMIN_PASSWORD)  # right, but too soon
    assert dialog.error.text() == LoginThrottled(30).message and dialog.desk is None
    clock.advance(seconds=31)
    with qtbot.waitSignal(dialog.logged_in):
        log_in(qtbot, dialog, ADMIN_PASSWORD)
    dialog.desk.close()


def test_disabled_account_and_storage_errors(qtbot, installed: Installed, clock: FixedClock, admin_desk: Desk,
                                             tasks: FakeTaskManager) -> None:
    admin_desk.users.add("canbo1", "commune_police", USER_PASSWORD, "Trần Thị Bình")
    admin_desk.users.set_active("canbo1", False)
    dialog = make_login(qtbot, tasks, installed, clock, username="canbo1")
    log_in(qtbot, dialog, USER_PASSWORD)
    assert "disabled" in dialog.error.text() or "vô hiệu" in dialog.error.text()
    (installed.data_dir / "tipdesk.db").write_bytes(b"this is not a database" * 200)
    dialog.username.setText("admin")
    log_in(qtbot, dialog, ADMIN_PASSWORD)
    assert dialog.isVisible() and dialog.desk is None
    assert dialog.error.isVisible() and "Traceback" not in dialog.error.text()


def test_success_opens_the_main_window(qtbot, installed: Installed, clock: FixedClock, worker: TaskManager) -> None:
    controller = AppController(worker, data_dir=installed.data_dir, clock=clock, pages=[ADMIN_PAGE])
    controller.start()
    login = controller.login
    assert login is not None and login.isVisible() and controller.window is None
    type_text(qtbot, login.username, "admin")
    log_in(qtbot, login, ADMIN_PASSWORD)
    qtbot.waitUntil(lambda: controller.window is not None and controller.window.isVisible(), timeout=10000)
    window = controller.window
    assert isinstance(window, MainWindow) and window.desk.actor.username == "admin"
    assert MachineSettings.load().last_user == "admin"
    window.log_out()  # back to the login, the database closed on the worker
    qtbot.waitUntil(lambda: controller.login is not None and controller.login.isVisible(), timeout=10000)
    assert controller.window is None and controller.login.username.text() == "admin"
    controller.login.reject()
    assert controller.finished


def test_language_switch_in_the_login_dialog(qtbot, installed: Installed, clock: FixedClock,
                                             tasks: FakeTaskManager) -> None:
    dialog = make_login(qtbot, tasks, installed, clock)
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    assert i18n.language() == "en" and MachineSettings.load().language == "en"
    assert dialog.login_button.text() == "&Log in" and dialog.windowTitle() == "tipdesk: log in"


def test_forgotten_password_with_the_recovery_code(qtbot, installed: Installed, clock: FixedClock,
                                                   tasks: FakeTaskManager) -> None:
    dialog = make_login(qtbot, tasks, installed, clock)
    qtbot.mouseClick(dialog.forgot, Qt.MouseButton.LeftButton)
    recovery = dialog.findChild(RecoveryDialog)
    assert recovery is not None and recovery.isVisible() and recovery.username.text() == "admin"
    assert not recovery.ok.isEnabled()
    type_text(qtbot, recovery.code, installed.recovery_code.lower().replace("-", " "))
    type_text(qtbot, recovery.passwords.password, "a brand new passphrase")
    type_text(qtbot, recovery.passwords.repeat, "a brand new passphrase")
    qtbot.mouseClick(recovery.ok, Qt.MouseButton.LeftButton)
    new_code = recovery.new_code_dialog
    assert new_code is not None and new_code.isVisible()
    assert new_code.code.text() != installed.recovery_code and not new_code.close_button.isEnabled()
    new_code.reject()  # Escape is refused until the code is confirmed
    assert new_code.isVisible()
    click_option(qtbot, new_code.confirm)
    qtbot.mouseClick(new_code.close_button, Qt.MouseButton.LeftButton)
    assert not recovery.isVisible() and dialog.error.isVisible()
    with qtbot.waitSignal(dialog.logged_in):
        log_in(qtbot, dialog, "a brand new passphrase")
    dialog.desk.close()
    with pytest.raises(WrongPassword):
        open_desk("admin", ADMIN_PASSWORD, data_dir=installed.data_dir, clock=clock)


def test_wrong_recovery_code_is_reported_in_the_dialog(qtbot, installed: Installed, clock: FixedClock,
                                                       tasks: FakeTaskManager) -> None:
    dialog = make_login(qtbot, tasks, installed, clock)
    dialog.open_recovery()
    recovery = dialog.findChild(RecoveryDialog)
    type_text(qtbot, recovery.code, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH")
    type_text(qtbot, recovery.passwords.password, "a brand new passphrase")
    type_text(qtbot, recovery.passwords.repeat, "a brand new passphrase")
    qtbot.mouseClick(recovery.ok, Qt.MouseButton.LeftButton)
    assert recovery.isVisible() and recovery.error.isVisible() and recovery.new_code_dialog is None
