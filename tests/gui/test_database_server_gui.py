"""The "Database server" dialog: the address built from the fields, the connection test, the saved setting."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from tests.conftest import ADMIN_PASSWORD, Installed, install
from tests.gui.driver import click_option, type_text
from tipdesk.clock import FixedClock
from tipdesk.config import MachineSettings
from tipdesk.db.models.core import AuditEntry
from tipdesk.gui import common
from tipdesk.gui.dialogs.database_server import WARNING_STYLE, DatabaseServerDialog
from tipdesk.gui.login import LoginDialog
from tipdesk.gui.main_window import MainWindow
from tipdesk.gui.pages.admin import PAGE as ADMIN_PAGE
from tipdesk.gui.pages.admin import AdminPage
from tipdesk.gui.pages.admin_settings import SettingsTab
from tipdesk.gui.tasks import FakeTaskManager, TaskManager
from tipdesk.services.auth import OpenPaths, open_desk
from tipdesk.services.context import Desk
from tipdesk.services.server_setting import ServerCheck, Status, build_url, connected_message

PASSWORD = "mật@khẩu:/#%"


class FakeCheck:
    """Stands in for ``check_server``: records the addresses and the threads, answers what the test says."""

    def __init__(self, status: Status = "ok_initialised", message: str = "Đã kết nối (giả lập).") -> None:
        self.answer = ServerCheck(status, message)
        self.urls: list[str] = []
        self.threads: list[threading.Thread] = []

    def __call__(self, url: str) -> ServerCheck:
        self.urls.append(url)
        self.threads.append(threading.current_thread())
        return self.answer


def make_dialog(qtbot, tasks, data_dir: Path, check: FakeCheck | None = None, **kwargs) -> DatabaseServerDialog:
    dialog = DatabaseServerDialog(tasks, data_dir=data_dir, check=check or FakeCheck(), **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def fill(qtbot, dialog: DatabaseServerDialog, host: str = "192.168.1.10", port: int = 5433,
         database: str = "tipdesk_tinh", user: str = "canbo_tinh", password: str = PASSWORD) -> None:
    click_option(qtbot, dialog.use_server)
    for edit, text in ((dialog.host, host), (dialog.database, database), (dialog.user, user),
                       (dialog.password, password)):
        edit.clear()
        type_text(qtbot, edit, text)
    dialog.port.setValue(port)


def settings(data_dir: Path) -> dict[str, object]:
    return json.loads((data_dir / "settings.json").read_text("utf-8"))  # type: ignore[no-any-return]


def message_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_fields_build_the_escaped_address_and_save_writes_settings(qtbot, tasks: FakeTaskManager,
                                                                   data_dir: Path) -> None:
    dialog = make_dialog(qtbot, tasks, data_dir)
    assert dialog.use_file.isChecked() and not dialog.server_box.isEnabled() and dialog.url() == ""
    assert dialog.port.value() == 5432
    assert "settings.json" in dialog.password_note.text() and "Windows" in dialog.password_note.text()
    fill(qtbot, dialog)
    assert dialog.server_box.isEnabled()
    expected = build_url("192.168.1.10", 5433, "tipdesk_tinh", "canbo_tinh", PASSWORD)
    assert dialog.url() == expected and PASSWORD not in expected
    with qtbot.waitSignal(dialog.saved) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved.args == ["", expected]
    assert settings(data_dir)["database_url"] == expected
    assert OpenPaths.of(data_dir).url == expected  # what the next log-in opens
    assert not dialog.isVisible()
    shown = [box.text() for box in message_boxes()]
    assert any("192.168.1.10:5433/tipdesk_tinh" in text and PASSWORD not in text for text in shown), shown
    if os.name == "posix":
        assert (data_dir / "settings.json").stat().st_mode & 0o077 == 0


def test_saved_address_is_shown_and_the_file_choice_clears_it(qtbot, tasks: FakeTaskManager, data_dir: Path) -> None:
    url = build_url("10.0.0.5", 5432, "tipdesk", "tinh", PASSWORD)
    MachineSettings(last_user="canbo", database_url=url).save(data_dir / "settings.json")
    dialog = make_dialog(qtbot, tasks, data_dir)
    assert dialog.use_server.isChecked() and dialog.host.text() == "10.0.0.5"
    assert dialog.password.text() == PASSWORD and dialog.password.echoMode() == dialog.password.EchoMode.Password
    click_option(qtbot, dialog.use_file)
    assert not dialog.server_box.isEnabled()
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert settings(data_dir)["database_url"] == "" and settings(data_dir)["last_user"] == "canbo"


def test_unreadable_saved_address_is_reported(qtbot, tasks: FakeTaskManager, data_dir: Path) -> None:
    MachineSettings(database_url="postgresql://[::1").save(data_dir / "settings.json")
    dialog = make_dialog(qtbot, tasks, data_dir)
    assert dialog.use_server.isChecked() and dialog.message.isVisible() and dialog.host.text() == ""


@pytest.mark.parametrize(("status", "style"), [
    ("ok_initialised", common.OK_STYLE), ("ok_empty", WARNING_STYLE), ("auth", common.ERROR_STYLE),
    ("unreachable", common.ERROR_STYLE), ("no_database", common.ERROR_STYLE), ("error", common.ERROR_STYLE),
])
def test_test_button_shows_the_result(qtbot, tasks: FakeTaskManager, data_dir: Path, status: Status,
                                      style: str) -> None:
    check = FakeCheck(status, f"Kết quả giả lập: {status}")
    dialog = make_dialog(qtbot, tasks, data_dir, check)
    fill(qtbot, dialog)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert check.urls == [dialog.url()]
    assert dialog.message.isVisible() and dialog.message.text() == f"Kết quả giả lập: {status}"
    assert dialog.message.styleSheet() == style
    assert dialog.last_check == check.answer and not dialog.testing and dialog.save_button.isEnabled()
    type_text(qtbot, dialog.host, "x")  # an edit makes the result stale
    assert dialog.last_check is None and not dialog.message.isVisible()
    assert not (data_dir / "settings.json").exists()  # testing saves nothing


def test_a_missing_field_is_named_before_any_connection(qtbot, tasks: FakeTaskManager, data_dir: Path) -> None:
    check = FakeCheck()
    dialog = make_dialog(qtbot, tasks, data_dir, check)
    fill(qtbot, dialog, user="")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert check.urls == [] and dialog.message.styleSheet() == common.ERROR_STYLE
    assert dialog.focusWidget() is dialog.user
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and not (data_dir / "settings.json").exists()


def test_the_check_runs_off_the_gui_thread(qtbot, worker: TaskManager, data_dir: Path) -> None:
    check = FakeCheck("ok_empty", "Chưa có cơ sở dữ liệu (giả lập).")
    dialog = make_dialog(qtbot, worker, data_dir, check)
    fill(qtbot, dialog)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.testing and not dialog.save_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.testing)
    assert check.threads and check.threads[0] is not threading.main_thread()
    assert dialog.message.text() == "Chưa có cơ sở dữ liệu (giả lập)."


def test_login_window_opens_the_dialog(qtbot, tasks: FakeTaskManager, installed: Installed,
                                       clock: FixedClock) -> None:
    login = LoginDialog(tasks, data_dir=installed.data_dir, username="admin", clock=clock)
    qtbot.addWidget(login)
    login.show()
    qtbot.waitExposed(login)
    assert login.server_button.isVisible()
    qtbot.mouseClick(login.server_button, Qt.MouseButton.LeftButton)
    dialog = login.findChild(DatabaseServerDialog)
    assert dialog is not None and dialog.isVisible() and dialog.data_dir == installed.data_dir
    assert not dialog.in_session


def _settings_tab(qtbot, desk: Desk, tasks: FakeTaskManager) -> SettingsTab:
    window = MainWindow(desk, tasks, pages=[ADMIN_PAGE])
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    page = window.page("admin")
    assert isinstance(page, AdminPage) and page.show_tab("settings")
    tab = page.tabs["settings"]
    assert isinstance(tab, SettingsTab)
    return tab


def test_admin_settings_of_a_province_open_it_and_audit_the_change(qtbot, tasks: FakeTaskManager, tmp_path: Path,
                                                                    clock: FixedClock, merged_vietnamese: None) -> None:
    data = tmp_path / "province"
    install(data, clock, profile="province", unit="08")
    desk = open_desk("admin", ADMIN_PASSWORD, data_dir=data, clock=clock)
    try:
        tab = _settings_tab(qtbot, desk, tasks)
        assert tab.server_button.isVisible() and tab.server_button.text() == "Máy &chủ CSDL…"
        folder = Path(os.environ.get("TIPDESK_SCREENSHOTS") or tmp_path / "screens")
        folder.mkdir(parents=True, exist_ok=True)
        assert tab.window().grab().save(str(folder / "database_server_admin.png"))
        qtbot.mouseClick(tab.server_button, Qt.MouseButton.LeftButton)
        dialog = tab.findChild(DatabaseServerDialog)
        assert dialog is not None and dialog.isVisible() and dialog.in_session
        dialog.check = FakeCheck()
        fill(qtbot, dialog, password="secret-pw")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        assert settings(data)["database_url"] == dialog.url()
        with desk.read() as s:
            details = list(s.scalars(select(AuditEntry.detail).where(AuditEntry.entity_id == "database_server")))
        assert len(details) == 1 and "canbo_tinh@192.168.1.10:5433/tipdesk_tinh" in details[0]
        assert "secret-pw" not in details[0]
    finally:
        desk.close()


def test_admin_settings_of_a_commune_do_not_offer_it(qtbot, tasks: FakeTaskManager, admin_desk: Desk) -> None:
    tab = _settings_tab(qtbot, admin_desk, tasks)
    assert not tab.server_button.isVisible() and not tab.server_hint.isVisible()


def test_screenshot_in_vietnamese(qtbot, tasks: FakeTaskManager, data_dir: Path, tmp_path: Path,
                                  merged_vietnamese: None) -> None:
    """``TIPDESK_SCREENSHOTS=/dir`` keeps database_server.png for review; the dialog fits a 1366x768 screen."""
    folder = Path(os.environ.get("TIPDESK_SCREENSHOTS") or tmp_path / "screens")
    folder.mkdir(parents=True, exist_ok=True)
    check = FakeCheck("ok_empty", connected_message(False))  # translated now, as check_server would say it
    dialog = make_dialog(qtbot, tasks, data_dir, check)
    assert dialog.windowTitle() == "tipdesk: máy chủ cơ sở dữ liệu"
    fill(qtbot, dialog, host="192.168.1.10", port=5432, database="tipdesk_tinh", user="canbo_tinh")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    dialog.resize(dialog.sizeHint())
    QApplication.processEvents()
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 768 - 70, hint
    assert dialog.grab().save(str(folder / "database_server.png"))
    login = LoginDialog(tasks, data_dir=data_dir, username="canbo")
    qtbot.addWidget(login)
    login.show()
    qtbot.waitExposed(login)
    assert login.server_button.text() == "Máy &chủ CSDL…"
    assert login.grab().save(str(folder / "database_server_login.png"))
