"""Administration: users (add, role, disable, unlock, reset), audit log (filter, more, verify), settings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.conftest import USER_PASSWORD, Installed
from tests.gui.driver import type_text
from tipdesk.clock import FixedClock
from tipdesk.db.engine import open_raw
from tipdesk.domain.roles import Role
from tipdesk.gui.main_window import MainWindow
from tipdesk.gui.pages import admin_audit
from tipdesk.gui.pages.admin import PAGE as ADMIN_PAGE
from tipdesk.gui.pages.admin import AdminPage
from tipdesk.gui.pages.admin_audit import AuditTab
from tipdesk.gui.pages.admin_settings import SettingsTab
from tipdesk.gui.pages.admin_users import UsersTab
from tipdesk.gui.pages.user_dialogs import AddUserDialog, ResetPasswordDialog, RoleDialog
from tipdesk.gui.tasks import FakeTaskManager
from tipdesk.services.auth import WrongPassword, open_desk
from tipdesk.services.context import Desk


@pytest.fixture
def admin(qtbot, admin_desk: Desk, tasks: FakeTaskManager) -> AdminPage:
    window = MainWindow(admin_desk, tasks, pages=[ADMIN_PAGE])
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    page = window.page("admin")
    assert isinstance(page, AdminPage)
    return page


def users_tab(admin: AdminPage) -> UsersTab:
    admin.show_tab("users")
    tab = admin.tabs["users"]
    assert isinstance(tab, UsersTab)
    return tab


def select_user(tab: UsersTab, username: str) -> None:
    row = [u.username for u in tab.model.users].index(username)
    tab.table.selectRow(row)


def cell(tab: UsersTab, username: str, column: int) -> str:
    row = [u.username for u in tab.model.users].index(username)
    return str(tab.model.index(row, column).data())


def add_user(qtbot, tab: UsersTab, username: str, full_name: str, role: Role) -> AddUserDialog:
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    dialog = tab.findChild(AddUserDialog)
    assert dialog is not None and dialog.isVisible() and not dialog.ok.isEnabled()
    type_text(qtbot, dialog.username, username)
    type_text(qtbot, dialog.full_name, full_name)
    dialog.role.setCurrentIndex(dialog.role.findData(role.value))
    type_text(qtbot, dialog.passwords.password, USER_PASSWORD)
    type_text(qtbot, dialog.passwords.repeat, USER_PASSWORD)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    return dialog


def test_add_user_shows_in_the_table(qtbot, admin: AdminPage, admin_desk: Desk) -> None:
    tab = users_tab(admin)
    assert [u.username for u in tab.model.users] == ["admin"]
    dialog = add_user(qtbot, tab, "canbo1", "Trần Thị Bình", Role.SOCIAL_WORKER)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: "canbo1" in [u.username for u in tab.model.users])
    assert cell(tab, "canbo1", 1) == "Trần Thị Bình" and cell(tab, "canbo1", 2) == Role.SOCIAL_WORKER.label()
    assert tab.selected() is not None and tab.selected().username == "canbo1"
    assert [u.username for u in admin_desk.users.list()] == ["admin", "canbo1"]


def test_duplicate_user_is_refused_inside_the_dialog(qtbot, admin: AdminPage) -> None:
    tab = users_tab(admin)
    dialog = add_user(qtbot, tab, "admin", "Someone Else", Role.COMMUNE_POLICE)
    assert dialog.isVisible() and dialog.error.isVisible() and "admin" in dialog.error.text()


def test_change_role_disable_enable_and_reset(qtbot, admin: AdminPage, admin_desk: Desk, installed: Installed,
                                              clock: FixedClock) -> None:
    admin_desk.users.add("canbo1", "commune_police", USER_PASSWORD, "Trần Thị Bình")
    tab = users_tab(admin)
    qtbot.waitUntil(lambda: len(tab.model.users) == 2)
    select_user(tab, "canbo1")
    qtbot.mouseClick(tab.role_button, Qt.MouseButton.LeftButton)
    role = tab.findChild(RoleDialog)
    role.role.setCurrentIndex(role.role.findData(Role.SOCIAL_WORKER.value))
    qtbot.mouseClick(role.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cell(tab, "canbo1", 2) == Role.SOCIAL_WORKER.label())

    select_user(tab, "canbo1")
    qtbot.mouseClick(tab.active_button, Qt.MouseButton.LeftButton)  # the question is answered "yes"
    qtbot.waitUntil(lambda: not tab.model.users[1].active)
    assert cell(tab, "canbo1", 3) == tab.model._text(tab.model.users[1], 3)
    select_user(tab, "canbo1")
    qtbot.mouseClick(tab.active_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.model.users[1].active)

    select_user(tab, "canbo1")
    qtbot.mouseClick(tab.reset_button, Qt.MouseButton.LeftButton)
    reset = tab.findChild(ResetPasswordDialog)
    type_text(qtbot, reset.passwords.password, "reset by the admin 1")
    type_text(qtbot, reset.passwords.repeat, "reset by the admin 1")
    qtbot.mouseClick(reset.ok, Qt.MouseButton.LeftButton)
    assert not reset.isVisible()
    open_desk("canbo1", "reset by the admin 1", data_dir=installed.data_dir, clock=clock).close()


def test_own_account_cannot_be_disabled(qtbot, admin: AdminPage) -> None:
    tab = users_tab(admin)
    select_user(tab, "admin")
    assert not tab.active_button.isEnabled() and tab.role_button.isEnabled()


def test_unlock_a_throttled_user(qtbot, admin: AdminPage, admin_desk: Desk, installed: Installed,
                                 clock: FixedClock) -> None:
    admin_desk.users.add("canbo1", "commune_police", USER_PASSWORD)
    for _attempt in range(5):
        with pytest.raises(WrongPassword):
            open_desk("canbo1", "wrong password!!", data_dir=installed.data_dir, clock=clock)
    tab = users_tab(admin)
    tab.reload()
    select_user(tab, "canbo1")
    assert tab.model.users[1].locked and tab.unlock_button.isEnabled()
    qtbot.mouseClick(tab.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.model.users[1].locked)
    open_desk("canbo1", USER_PASSWORD, data_dir=installed.data_dir, clock=clock).close()


def audit_tab(admin: AdminPage) -> AuditTab:
    admin.show_tab("audit")
    tab = admin.tabs["audit"]
    assert isinstance(tab, AuditTab)
    return tab


def test_audit_tab_shows_rows_and_verifies(qtbot, admin: AdminPage) -> None:
    tab = audit_tab(admin)
    actions = [row.action for row in tab.model.rows]
    assert "setup" in actions and "login" in actions
    seqs = [row.seq for row in tab.model.rows]
    assert seqs == sorted(seqs, reverse=True)
    qtbot.mouseClick(tab.verify_button, Qt.MouseButton.LeftButton)
    assert tab.last_result is not None and tab.last_result.ok
    assert tab.verify_label.isVisible() and str(tab.last_result.rows) in tab.verify_label.text()
    assert tab.model.rows[0].action == "audit_verify"  # the check itself is audited, and the list reloaded


def test_audit_filters_and_load_more(qtbot, admin: AdminPage, admin_desk: Desk,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(4):
        admin_desk.users.add(f"user{i}", "commune_police", USER_PASSWORD)
    monkeypatch.setattr(admin_audit, "PAGE_SIZE", 3)
    tab = audit_tab(admin)
    assert len(tab.model.rows) == 3 and tab.more_button.isEnabled()
    first = [row.seq for row in tab.model.rows]
    qtbot.mouseClick(tab.more_button, Qt.MouseButton.LeftButton)
    seqs = [row.seq for row in tab.model.rows]
    assert len(seqs) == 6 and seqs[:3] == first and seqs == sorted(set(seqs), reverse=True)

    bar = tab.filters
    bar.action.setCurrentIndex(bar.action.findData("user_create"))
    qtbot.mouseClick(bar.search_button, Qt.MouseButton.LeftButton)
    assert {row.action for row in tab.model.rows} == {"user_create"}
    type_text(qtbot, bar.text, "user2")
    qtbot.keyClick(bar.text, Qt.Key.Key_Return)
    assert [row.entity_id for row in tab.model.rows] == ["user2"]
    qtbot.mouseClick(bar.clear_button, Qt.MouseButton.LeftButton)
    assert bar.current().kwargs() == {"action": None, "username": None, "text": None, "since": None, "until": None}
    assert [row.seq for row in tab.model.rows] == first


def test_broken_chain_names_and_highlights_the_row(qtbot, admin: AdminPage, admin_desk: Desk) -> None:
    for i in range(3):
        admin_desk.users.add(f"user{i}", "commune_police", USER_PASSWORD)
    conn = open_raw(admin_desk.data_dir / "tipdesk.db", admin_desk.db_key)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET entity_id = 'someone-else' WHERE seq = 4")
    conn.close()
    tab = audit_tab(admin)
    qtbot.mouseClick(tab.verify_button, Qt.MouseButton.LeftButton)
    assert tab.last_result is not None and not tab.last_result.ok and tab.last_result.first_bad_seq == 4
    assert "4" in tab.verify_label.text()
    assert tab.model.rows[0].seq == 4
    assert tab.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert tab.model.index(1, 0).data(Qt.ItemDataRole.BackgroundRole) is None


def test_settings_tab_changes_the_idle_lock(qtbot, admin: AdminPage, admin_desk: Desk) -> None:
    admin.show_tab("settings")
    tab = admin.tabs["settings"]
    assert isinstance(tab, SettingsTab) and tab.idle.value() == 5
    tab.idle.setValue(7)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert admin_desk.settings.view().idle_lock_minutes == 7
    window = admin.ctx.window
    qtbot.waitUntil(lambda: window.idle.minutes == 7)
    assert "7" in window.lock_label.text() and tab.message.isVisible()


def test_audit_date_range(qtbot, admin: AdminPage, clock: FixedClock) -> None:
    from PySide6.QtCore import QDate

    from tipdesk.gui.pages.audit_filter import ANY_DATE
    from tipdesk.i18n import to_local

    tab = audit_tab(admin)
    day = to_local(clock.now()).date()
    bar = tab.filters
    bar.since.setDate(QDate(day.year, day.month, day.day))
    bar.until.setDate(QDate(day.year, day.month, day.day))
    qtbot.mouseClick(bar.search_button, Qt.MouseButton.LeftButton)
    assert len(tab.model.rows) >= 3
    bar.since.setDate(QDate(day.year, day.month, day.day).addDays(1))
    bar.until.setDate(ANY_DATE)
    qtbot.mouseClick(bar.search_button, Qt.MouseButton.LeftButton)
    assert tab.model.rows == []
    bar.clear()
    qtbot.mouseClick(bar.since, Qt.MouseButton.LeftButton)
    calendar = bar.since.calendarWidget()
    today = QDate.currentDate()
    assert (calendar.yearShown(), calendar.monthShown()) == (today.year(), today.month())
    assert bar.since.date() == ANY_DATE  # opening the calendar does not set a filter
