"""Idle auto-lock: engages after the idle time, hides the content, unlocks only with the password."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from tests.conftest import ADMIN_PASSWORD
from tests.gui.driver import type_text
from tipdesk.gui.idle import IdleWatcher
from tipdesk.gui.main_window import MainWindow
from tipdesk.gui.passwords import ChangePasswordDialog
from tipdesk.gui.tasks import TaskManager
from tipdesk.services.context import Desk


def test_idle_lock_engages_and_unlocks_with_the_password(qtbot, main_window: MainWindow, admin_desk: Desk) -> None:
    window = main_window
    window.idle.set_interval_ms(50)
    qtbot.waitUntil(lambda: window.locked, timeout=3000)
    assert window.outer.currentWidget() is window.lock_screen and not window.content.isVisible()
    screen = window.lock_screen
    assert admin_desk.actor.full_name in screen.text.text()
    type_text(qtbot, screen.password, "not my password")
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    assert window.locked and screen.error.isVisible() and screen.password.text() == ""
    type_text(qtbot, screen.password, ADMIN_PASSWORD)
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    assert not window.locked and window.content.isVisible()
    actions = [row.action for row in admin_desk.audit.browse(limit=5)]
    assert actions[:2] == ["unlock", "login_failed"]


def test_unlock_on_the_worker(qtbot, admin_desk: Desk, worker: TaskManager) -> None:
    window = MainWindow(admin_desk, worker, pages=[], idle_minutes=5)
    qtbot.addWidget(window)
    window.show()
    window.lock()
    type_text(qtbot, window.lock_screen.password, ADMIN_PASSWORD)
    qtbot.mouseClick(window.lock_screen.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.locked, timeout=10000)


def test_input_restarts_the_idle_timer(qtbot) -> None:
    watcher = IdleWatcher(minutes=1)
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    watcher.set_interval_ms(100_000)
    watcher.start()
    qtbot.wait(1_500)
    assert watcher.timer.remainingTime() < 99_000
    qtbot.keyClick(edit, Qt.Key.Key_A)
    assert watcher.timer.remainingTime() > 99_000
    watcher.close()
    qtbot.wait(300)
    qtbot.keyClick(edit, Qt.Key.Key_B)
    assert not watcher.timer.isActive()


def test_lock_hides_open_dialogs(qtbot, main_window: MainWindow) -> None:
    main_window.password_action.trigger()
    dialog = main_window.findChild(ChangePasswordDialog)
    assert dialog is not None and dialog.isVisible()
    main_window.lock()
    assert not dialog.isVisible() and main_window.locked
