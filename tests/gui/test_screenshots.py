"""Screenshots of the GUI shell at 1366x768 in Vietnamese, for review (``TIPDESK_SCREENSHOTS=/dir``).

Each screen is also checked to fit a 1366x768 screen (less the taskbar and the title bar).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD, Installed
from tests.gui.driver import COMMIT, NEXT, click, click_option, fill_admin, fill_unit, type_text
from tipdesk.clock import FixedClock
from tipdesk.gui.crash import CrashDialog
from tipdesk.gui.login import LoginDialog
from tipdesk.gui.main_window import MainWindow
from tipdesk.gui.pages.admin import PAGE as ADMIN_PAGE
from tipdesk.gui.pages.admin import AdminPage
from tipdesk.gui.pages.user_dialogs import AddUserDialog
from tipdesk.gui.recovery import RecoveryDialog
from tipdesk.gui.tasks import FakeTaskManager
from tipdesk.gui.wizard import SetupWizard
from tipdesk.services.context import Desk

SCREEN = (1366, 768)
USABLE = (1366, 768 - 40 - 30)  # Windows taskbar and title bar


@pytest.fixture
def shots(tmp_path: Path, merged_vietnamese: None) -> Callable[[QWidget, str], Path]:
    folder = Path(os.environ.get("TIPDESK_SCREENSHOTS") or tmp_path / "screens")
    folder.mkdir(parents=True, exist_ok=True)

    def save(widget: QWidget, name: str) -> Path:
        QApplication.processEvents()
        hint = widget.minimumSizeHint()
        assert hint.width() <= USABLE[0] and hint.height() <= USABLE[1], (name, hint)
        assert widget.width() <= SCREEN[0] and widget.height() <= SCREEN[1], (name, widget.size())
        path = folder / f"{name}.png"
        assert widget.grab().save(str(path)), path
        return path

    return save


def test_wizard_screens(qtbot, shots, data_dir: Path, tasks: FakeTaskManager, clock: FixedClock) -> None:
    wizard = SetupWizard(tasks, data_dir=data_dir, clock=clock)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    shots(wizard, "01-wizard-language")
    click(qtbot, wizard, NEXT)
    shots(wizard, "02-wizard-profile")
    click(qtbot, wizard, NEXT)
    fill_unit(qtbot, wizard)
    click_option(qtbot, wizard.currentPage().remote)
    shots(wizard, "03-wizard-unit")
    click(qtbot, wizard, NEXT)
    fill_admin(qtbot, wizard)
    shots(wizard, "04-wizard-admin")
    click(qtbot, wizard, COMMIT)
    assert wizard.setup_result is not None
    wizard.done_page.saved.set_ok("Đã lưu phiếu mã khôi phục vào C:\\Users\\canbo\\Documents\\tipdesk-recovery.pdf")
    shots(wizard, "05-wizard-done")


def test_login_screens(qtbot, shots, installed: Installed, clock: FixedClock, tasks: FakeTaskManager) -> None:
    dialog = LoginDialog(tasks, data_dir=installed.data_dir, username="admin", clock=clock)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    shots(dialog, "06-login")
    type_text(qtbot, dialog.password, "sai mat khau")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.error.isVisible()
    shots(dialog, "07-login-wrong-password")
    dialog.open_recovery()
    recovery = dialog.findChild(RecoveryDialog)
    type_text(qtbot, recovery.passwords.password, "mat khau")
    shots(recovery, "08-forgot-password")


def main_window(qtbot, desk: Desk, tasks: FakeTaskManager) -> MainWindow:
    window = MainWindow(desk, tasks, pages=[ADMIN_PAGE])
    qtbot.addWidget(window)
    window.resize(*SCREEN)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_main_window_screens(qtbot, shots, admin_desk: Desk, tasks: FakeTaskManager) -> None:
    users = [("canbo.an", "commune_police", "Nguyễn Văn An"), ("lethihoa", "social_worker", "Lê Thị Hoa"),
             ("tran.binh", "commune_police", "Trần Đức Bình")]
    for username, role, name in users:
        admin_desk.users.add(username, role, USER_PASSWORD, name)
    admin_desk.users.set_active("tran.binh", False)
    window = main_window(qtbot, admin_desk, tasks)
    window.show_page("admin")
    admin = window.page("admin")
    assert isinstance(admin, AdminPage)
    admin.tabs["users"].table.selectRow(1)
    shots(window, "09-admin-users")
    admin.tabs["users"].add_user()
    add = window.findChild(AddUserDialog)
    type_text(qtbot, add.username, "ngoc.mai")
    type_text(qtbot, add.full_name, "Phạm Ngọc Mai")
    type_text(qtbot, add.passwords.password, "mai")
    shots(add, "10-add-user")
    add.reject()
    admin.show_tab("audit")
    admin.tabs["audit"].verify()
    shots(window, "11-admin-audit")
    admin.show_tab("settings")
    shots(window, "12-admin-settings")
    window.lock()
    shots(window, "13-lock-screen")
    type_text(qtbot, window.lock_screen.password, "wrong")
    window.lock_screen.submit()
    shots(window, "14-lock-screen-wrong")
    type_text(qtbot, window.lock_screen.password, ADMIN_PASSWORD)
    window.lock_screen.submit()
    assert not window.locked


def test_crash_dialog_screen(qtbot, shots) -> None:
    dialog = CrashDialog("details", "C:\\Users\\canbo\\AppData\\Local\\tipdesk\\logs\\tipdesk.log", "KeyError")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    shots(dialog, "15-crash")
