"""The first-run wizard, end to end: language, profile, unit, administrator, recovery code and sheet."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.conftest import ADMIN_PASSWORD
from tests.gui.driver import COMMIT, FINISH, NEXT, click, click_option, fill_admin, fill_unit, pick
from tipdesk import i18n
from tipdesk.clock import FixedClock
from tipdesk.config import MachineSettings
from tipdesk.gui import common
from tipdesk.gui import wizard as wizard_module
from tipdesk.gui.tasks import FakeTaskManager, TaskManager
from tipdesk.gui.wizard import SetupWizard
from tipdesk.gui.wizard_pages import PAGE_ADMIN, PAGE_DONE, PAGE_LANGUAGE, PAGE_PROFILE, PAGE_UNIT
from tipdesk.i18n import _
from tipdesk.services.auth import is_initialised, open_desk


def make_wizard(qtbot, tasks, data_dir: Path, clock: FixedClock) -> SetupWizard:
    wizard = SetupWizard(tasks, data_dir=data_dir, clock=clock)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def test_wizard_creates_an_installation(qtbot, data_dir: Path, tasks: FakeTaskManager, clock: FixedClock,
                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wizard = make_wizard(qtbot, tasks, data_dir, clock)
    assert wizard.currentId() == PAGE_LANGUAGE
    click(qtbot, wizard, NEXT)
    assert wizard.currentId() == PAGE_PROFILE
    click(qtbot, wizard, NEXT)
    assert wizard.currentId() == PAGE_UNIT
    assert not wizard.button(NEXT).isEnabled()  # no unit chosen yet
    fill_unit(qtbot, wizard)
    click(qtbot, wizard, NEXT)
    assert wizard.currentId() == PAGE_ADMIN
    assert not wizard.button(COMMIT).isEnabled()
    fill_admin(qtbot, wizard)
    click(qtbot, wizard, COMMIT)
    assert wizard.currentId() == PAGE_DONE

    result = wizard.setup_result
    assert result is not None and result.unit_code == "02269" and result.admin == "admin"
    assert is_initialised(data_dir)
    page = wizard.done_page
    assert page.code.text() == result.recovery_code and result.fingerprint in page.fingerprint.text()
    assert not wizard.button(FINISH).isEnabled()  # the recovery code must be confirmed
    wizard.reject()  # Escape does not leave the page before the confirmation
    assert wizard.isVisible()

    sheet = tmp_path / "sheet"
    monkeypatch.setattr(wizard_module, "choose_pdf_path", lambda parent, default: str(sheet))
    monkeypatch.setattr(common, "ask_yes_no", lambda *a, **k: False)
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    pdf = sheet.with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and str(pdf) in page.saved.text()

    click_option(qtbot, page.confirm)
    click(qtbot, wizard, FINISH)
    assert not wizard.isVisible()
    desk = open_desk("admin", ADMIN_PASSWORD, data_dir=data_dir, clock=clock)
    try:
        assert desk.installation.unit_name == "Xã Thượng Lâm" and desk.actor.full_name == "Nguyễn Văn Quản"
        assert not desk.installation.remote
    finally:
        desk.close()


def test_provincial_office_picks_only_a_province(qtbot, data_dir: Path, worker: TaskManager,
                                                 clock: FixedClock) -> None:
    wizard = make_wizard(qtbot, worker, data_dir, clock)
    click(qtbot, wizard, NEXT)
    profile = wizard.page(PAGE_PROFILE)
    click_option(qtbot, profile.province)
    click(qtbot, wizard, NEXT)
    unit = wizard.page(PAGE_UNIT)
    assert not unit.picker.commune.isVisible() and not unit.remote.isVisible()
    fill_unit(qtbot, wizard, province="ha noi", commune="")
    click(qtbot, wizard, NEXT)
    fill_admin(qtbot, wizard, full_name="Lê Thị Hoa")
    click(qtbot, wizard, COMMIT)  # the real worker: the page waits, then moves on by itself
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_DONE, timeout=15000)
    assert wizard.setup_result is not None
    assert wizard.setup_result.profile.value == "province" and wizard.setup_result.unit_code == "01"


def test_language_is_applied_live_and_remembered(qtbot, data_dir: Path, tasks: FakeTaskManager,
                                                 clock: FixedClock) -> None:
    wizard = make_wizard(qtbot, tasks, data_dir, clock)
    page = wizard.page(PAGE_LANGUAGE)
    click_option(qtbot, page.buttons["en"])
    assert i18n.language() == "en" and MachineSettings.load().language == "en"
    assert page.title() == "Welcome to tipdesk" and wizard.buttonText(NEXT) == "&Next >"
    click_option(qtbot, page.buttons["vi"])
    assert i18n.language() == "vi" and MachineSettings.load().language == "vi"
    assert page.title() == _("Welcome to tipdesk") and wizard.buttonText(NEXT) == _("&Next >")


def test_unit_search_ignores_accents_and_rejects_free_text(qtbot, data_dir: Path, tasks: FakeTaskManager,
                                                          clock: FixedClock) -> None:
    wizard = make_wizard(qtbot, tasks, data_dir, clock)
    click(qtbot, wizard, NEXT)
    click(qtbot, wizard, NEXT)
    picker = wizard.page(PAGE_UNIT).picker
    pick(qtbot, picker.province, "TUYEN quang")
    assert picker.province.current_code() == "08"
    pick(qtbot, picker.commune, "xyz no such place")
    assert picker.unit_code() is None and not wizard.button(NEXT).isEnabled()
    picker.commune.edit().clear()
    pick(qtbot, picker.commune, "Thượng Lâm")
    assert picker.unit_code() == "02269" and wizard.button(NEXT).isEnabled()


def test_setup_error_is_shown_on_the_page(qtbot, installed, tasks: FakeTaskManager, clock: FixedClock) -> None:
    """A database already there: the core refuses and the page says so; nothing moves on."""
    wizard = make_wizard(qtbot, tasks, installed.data_dir, clock)
    click(qtbot, wizard, NEXT)
    click(qtbot, wizard, NEXT)
    fill_unit(qtbot, wizard)
    click(qtbot, wizard, NEXT)
    fill_admin(qtbot, wizard)
    click(qtbot, wizard, COMMIT)
    assert wizard.currentId() == PAGE_ADMIN and wizard.setup_result is None
    page = wizard.admin_page
    assert page.message.isVisible() and str(installed.data_dir) in page.message.text()
    assert wizard.button(COMMIT).isEnabled()


def test_cancel_asks_before_leaving(qtbot, data_dir: Path, tasks: FakeTaskManager, clock: FixedClock,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    wizard = make_wizard(qtbot, tasks, data_dir, clock)
    answers = iter([False, True])
    monkeypatch.setattr(common, "ask_yes_no", lambda *a, **k: next(answers))
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert wizard.isVisible()
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert not wizard.isVisible() and wizard.setup_result is None and not is_initialised(data_dir)
