"""Keyboard use: no two visible controls of a screen share a mnemonic (Alt+letter), in both languages."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMainWindow, QWidget

from tests.conftest import Installed
from tests.gui.driver import NEXT, click
from tipdesk import i18n
from tipdesk.clock import FixedClock
from tipdesk.gui.login import LoginDialog
from tipdesk.gui.main_window import MainWindow
from tipdesk.gui.pages.admin import PAGE as ADMIN_PAGE
from tipdesk.gui.pages.user_dialogs import AddUserDialog
from tipdesk.gui.passwords import ChangePasswordDialog
from tipdesk.gui.recovery import RecoveryDialog
from tipdesk.gui.tasks import FakeTaskManager
from tipdesk.gui.wizard import SetupWizard
from tipdesk.services.context import Desk

MNEMONIC = re.compile(r"&([^&])")


def mnemonic(text: str) -> str | None:
    found = MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).casefold() if found else None


def _texts(root: QWidget) -> list[str]:
    texts = []
    for widget in [root, *root.findChildren(QWidget)]:
        if widget is not root and not widget.isVisibleTo(root):
            continue
        if isinstance(widget, QLabel) and widget.buddy() is not None or isinstance(widget, QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
    if isinstance(root, QMainWindow):
        texts += [action.text() for action in root.menuBar().actions() if action.isVisible()]
    return texts


def conflicts(root: QWidget) -> dict[str, list[str]]:
    by_letter: dict[str, list[str]] = defaultdict(list)
    for text in _texts(root):
        letter = mnemonic(text)
        if letter:
            by_letter[letter].append(text)
    return {letter: texts for letter, texts in by_letter.items() if len(texts) > 1}


@pytest.fixture(params=["vi", "en"])
def lang(request: pytest.FixtureRequest, merged_vietnamese: None) -> str:
    i18n.set_language(request.param)
    return str(request.param)


def shown(qtbot, widget: QWidget) -> QWidget:
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_login_and_recovery(qtbot, lang: str, installed: Installed, clock: FixedClock,
                            tasks: FakeTaskManager) -> None:
    login = shown(qtbot, LoginDialog(tasks, data_dir=installed.data_dir, clock=clock))
    assert conflicts(login) == {}
    recovery = shown(qtbot, RecoveryDialog(tasks, data_dir=installed.data_dir))
    assert conflicts(recovery) == {}


def test_wizard_pages(qtbot, lang: str, data_dir, tasks: FakeTaskManager, clock: FixedClock) -> None:
    wizard = shown(qtbot, SetupWizard(tasks, data_dir=data_dir, clock=clock))
    for _page in ("language", "profile"):
        assert conflicts(wizard) == {}, wizard.currentId()
        click(qtbot, wizard, NEXT)
    assert conflicts(wizard) == {}, wizard.currentId()
    unit = wizard.currentPage()
    unit.picker.province.select_code("08")
    unit.picker.commune.select_code("02269")
    click(qtbot, wizard, NEXT)
    assert conflicts(wizard) == {}, wizard.currentId()


def test_main_window_tabs_and_dialogs(qtbot, lang: str, admin_desk: Desk, tasks: FakeTaskManager) -> None:
    window = shown(qtbot, MainWindow(admin_desk, tasks, pages=[ADMIN_PAGE]))
    assert isinstance(window, MainWindow)
    admin = window.page("admin")
    for tab in ("users", "audit", "settings"):
        admin.show_tab(tab)
        assert conflicts(window) == {}, tab
    assert conflicts(shown(qtbot, AddUserDialog(admin_desk, tasks))) == {}
    assert conflicts(shown(qtbot, ChangePasswordDialog(admin_desk, tasks))) == {}
    window.lock()
    assert conflicts(window) == {}
