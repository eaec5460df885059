"""Start-up: once the login window is painted, what comes after it is imported while the password is typed."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import Qt

from tests.conftest import ADMIN_PASSWORD, Installed
from tests.gui.driver import type_text
from tipdesk.clock import FixedClock
from tipdesk.gui import app as gui_app_module
from tipdesk.gui.app import AppController, Preloader
from tipdesk.gui.main_window import MainWindow
from tipdesk.gui.pages.admin import PAGE as ADMIN_PAGE
from tipdesk.gui.tasks import FakeTaskManager, TaskManager


def test_preloading_starts_after_the_login_is_painted(qtbot, installed: Installed, clock: FixedClock,
                                                      worker: TaskManager) -> None:
    controller = AppController(worker, data_dir=installed.data_dir, clock=clock, pages=[ADMIN_PAGE])
    controller.start()
    assert controller.login is not None and not controller.preloader.started  # not before the first paint
    qtbot.waitExposed(controller.login)
    qtbot.waitUntil(lambda: controller.preloader.done, timeout=20000)
    controller.login.reject()
    assert controller.finished


def test_logging_in_while_preloading_opens_the_main_window(qtbot, installed: Installed, clock: FixedClock,
                                                           worker: TaskManager) -> None:
    controller = AppController(worker, data_dir=installed.data_dir, clock=clock, pages=[ADMIN_PAGE], username="admin")
    controller.start()
    login = controller.login
    assert login is not None
    qtbot.waitExposed(login)
    type_text(qtbot, login.password, ADMIN_PASSWORD)
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: controller.window is not None and controller.window.isVisible(), timeout=20000)
    assert isinstance(controller.window, MainWindow)
    controller.window.close()
    qtbot.waitUntil(lambda: controller.finished, timeout=10000)


def test_a_failing_import_only_stops_the_preloading(qtbot, monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(gui_app_module, "PRELOAD_CORE", ("tipdesk.no_such_module",))
    preloader = Preloader(FakeTaskManager())
    with caplog.at_level(logging.WARNING, logger="tipdesk.gui.app"):
        preloader.start()  # the fake manager runs the core step inline and hands back the error
    assert "preloading stopped" in caplog.text and preloader.started and not preloader.done


def test_a_page_module_that_does_not_exist_is_skipped(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gui_app_module, "PRELOAD_GUI", ("tipdesk.gui.no_such_page", "tipdesk.gui.about"))
    preloader = Preloader(FakeTaskManager())
    preloader.start()
    qtbot.waitUntil(lambda: preloader.done, timeout=5000)
