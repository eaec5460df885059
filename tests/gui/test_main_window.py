"""The main window: page registry, keyboard navigation, menus, status bar, language, role filtering."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from tests.conftest import USER_PASSWORD, Installed
from tipdesk import i18n
from tipdesk.clock import FixedClock
from tipdesk.domain.roles import Perm
from tipdesk.gui.main_window import MainWindow
from tipdesk.gui.pages import PAGE_MODULES, PageContext, PageSpec, discover_pages
from tipdesk.gui.pages.admin import PAGE as ADMIN_PAGE
from tipdesk.gui.pages.admin import AdminPage
from tipdesk.gui.passwords import ChangePasswordDialog
from tipdesk.gui.tasks import FakeTaskManager
from tipdesk.i18n import _
from tipdesk.services.auth import open_desk
from tipdesk.services.context import Desk


def label_page(text: str):  # type: ignore[no-untyped-def]
    def factory(ctx: PageContext) -> QWidget:
        return QLabel(text)

    return factory


def fake_specs(visible_for_admin: bool = True) -> list[PageSpec]:
    return [
        PageSpec("tips", 1, "Tips", label_page("tips page"), lambda desk: True),
        PageSpec("persons", 2, "Persons", label_page("persons page"), lambda desk: True),
        PageSpec("reports", 4, "Reports", label_page("reports page"), lambda desk: visible_for_admin),
        ADMIN_PAGE,
    ]


def make_window(qtbot, desk: Desk, tasks: FakeTaskManager, pages: list[PageSpec] | None) -> MainWindow:
    window = MainWindow(desk, tasks, pages=pages)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    with qtbot.waitActive(window):  # shortcuts need the active window
        window.show()
        window.activateWindow()
    return window


def test_registry_lists_existing_page_modules_in_slot_order() -> None:
    specs = discover_pages()
    assert "admin" in [s.key for s in specs]
    assert [s.slot for s in specs] == sorted({s.slot for s in specs})  # one page per slot, in order
    assert all(s.key in PAGE_MODULES for s in specs)
    assert discover_pages(["no_such_page"]) == []


def test_ctrl_number_switches_pages(qtbot, admin_desk: Desk, tasks: FakeTaskManager) -> None:
    window = make_window(qtbot, admin_desk, tasks, fake_specs())
    assert window.current_key() == "tips" and window.nav.count() == 4
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_key() == "persons"
    assert window.pages.currentWidget().text() == "persons page"
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.current_key() == "admin" and isinstance(window.pages.currentWidget(), AdminPage)
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)  # slot 3 has no page here
    assert window.current_key() == "admin"
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.current_key() == "tips"


def test_pages_are_built_once_and_lazily(qtbot, admin_desk: Desk, tasks: FakeTaskManager) -> None:
    window = make_window(qtbot, admin_desk, tasks, fake_specs())
    assert set(window.page_widgets) == {"tips"}
    window.show_page("admin")
    first = window.page("admin")
    window.show_page("tips")
    window.show_page("admin")
    assert window.page("admin") is first and set(window.page_widgets) == {"tips", "admin"}


def test_roles_see_only_their_pages(qtbot, admin_desk: Desk, installed: Installed, clock: FixedClock,
                                    tasks: FakeTaskManager) -> None:
    admin_desk.users.add("canbo1", "commune_police", USER_PASSWORD, "Trần Thị Bình")
    police = open_desk("canbo1", USER_PASSWORD, data_dir=installed.data_dir, clock=clock)
    try:
        assert not police.can(Perm.USERS_MANAGE)
        specs = fake_specs(visible_for_admin=False)
        window = make_window(qtbot, police, tasks, specs)
        assert [window.nav.item(i).text() for i in range(window.nav.count())] == [_("Tips"), _("Persons")]
        assert not window.show_page("admin") and not window.admin_settings_action.isVisible()
        empty = make_window(qtbot, police, tasks, [ADMIN_PAGE])
        assert empty.nav.count() == 0 and empty.pages.currentWidget() is empty.empty
    finally:
        police.close()


def test_status_bar_shows_unit_user_and_lock_state(qtbot, admin_desk: Desk, tasks: FakeTaskManager) -> None:
    window = make_window(qtbot, admin_desk, tasks, [ADMIN_PAGE])
    assert window.unit_label.text() == "Xã Thượng Lâm"
    assert "Nguyễn Văn Quản" in window.user_label.text()
    assert admin_desk.actor.role.label() in window.user_label.text()
    unlocked = window.lock_label.text()
    assert "5" in unlocked
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.locked and window.outer.currentWidget() is window.lock_screen
    assert window.lock_label.text() != unlocked
    assert not window.go_menu.menuAction().isEnabled() and window.quit_action.isEnabled()


def test_language_from_the_settings_menu(qtbot, admin_desk: Desk, tasks: FakeTaskManager) -> None:
    window = make_window(qtbot, admin_desk, tasks, [ADMIN_PAGE])
    english = next(a for a in window.language_actions.actions() if a.data() == "en")
    english.trigger()
    assert i18n.language() == "en"
    assert window.file_menu.title() == "&File" and window.nav.item(0).text() == "Administration"
    assert english.isChecked()


def test_account_menu_changes_the_own_password(qtbot, admin_desk: Desk, installed: Installed,
                                               clock: FixedClock, tasks: FakeTaskManager) -> None:
    from tests.conftest import ADMIN_PASSWORD
    from tests.gui.driver import type_text

    window = make_window(qtbot, admin_desk, tasks, [ADMIN_PAGE])
    window.password_action.trigger()
    dialog = window.findChild(ChangePasswordDialog)
    assert dialog is not None and dialog.isVisible() and not dialog.ok.isEnabled()
    type_text(qtbot, dialog.old, "wrong old password")
    type_text(qtbot, dialog.rows.password, "another good phrase")
    type_text(qtbot, dialog.rows.repeat, "another good phrase")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.error.isVisible() and dialog.old.text() == ""
    type_text(qtbot, dialog.old, ADMIN_PASSWORD)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    open_desk("admin", "another good phrase", data_dir=installed.data_dir, clock=clock).close()


def test_log_out_and_quit_end_the_session(qtbot, admin_desk: Desk, tasks: FakeTaskManager) -> None:
    window = make_window(qtbot, admin_desk, tasks, [ADMIN_PAGE])
    with qtbot.waitSignal(window.session_ended) as ended:
        window.logout_action.trigger()
    assert ended.args == ["logout"] and not window.isVisible()
    other = make_window(qtbot, admin_desk, tasks, [ADMIN_PAGE])
    with qtbot.waitSignal(other.session_ended) as ended:
        qtbot.keyClick(other, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert ended.args == ["quit"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_about_box_names_version_and_data_folder(qtbot, admin_desk: Desk, tasks: FakeTaskManager, lang: str) -> None:
    from tipdesk import __version__
    from tipdesk.gui.about import AboutDialog

    i18n.set_language(lang)
    window = make_window(qtbot, admin_desk, tasks, [ADMIN_PAGE])
    window.about_action.trigger()
    about = window.findChild(AboutDialog)
    assert about is not None and about.isVisible()
    assert __version__ in about.name.text() and str(admin_desk.data_dir) in about.details.text()
