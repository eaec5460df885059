"""Driving the GUI with the keyboard and mouse like a user; shared by the tests and the screenshots."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget, QWizard

from tests.conftest import ADMIN_PASSWORD
from tipdesk.gui.unit_picker import SearchCombo
from tipdesk.gui.wizard import SetupWizard

NEXT = QWizard.WizardButton.NextButton
COMMIT = QWizard.WizardButton.CommitButton
FINISH = QWizard.WizardButton.FinishButton


def type_text(qtbot, widget: QWidget, text: str) -> None:
    """Type ``text`` key by key; Vietnamese letters arrive as key events carrying the character
    (QTest.keyClicks handles ASCII only)."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char))


def click_option(qtbot, button: QAbstractButton) -> None:
    """Click a radio button or check box on its indicator (a click far right of the text misses it)."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(6, button.height() // 2))


def click(qtbot, wizard: SetupWizard, which: QWizard.WizardButton) -> None:
    button = wizard.button(which)
    assert button.isVisible() and button.isEnabled(), which
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def pick(qtbot, combo: SearchCombo, query: str) -> None:
    """Type a query without accents, then press Enter: the single match is chosen."""
    combo.setFocus()
    type_text(qtbot, combo.edit(), query)
    qtbot.keyClick(combo.edit(), Qt.Key.Key_Return)


def fill_unit(qtbot, wizard: SetupWizard, province: str = "tuyen quang", commune: str = "thuong lam") -> None:
    picker = wizard.page(wizard.currentId()).picker
    pick(qtbot, picker.province, province)
    if commune:
        pick(qtbot, picker.commune, commune)


def fill_admin(qtbot, wizard: SetupWizard, full_name: str = "Nguyễn Văn Quản") -> None:
    page = wizard.admin_page
    type_text(qtbot, page.full_name, full_name)
    qtbot.keyClicks(page.passwords.password, ADMIN_PASSWORD)
    qtbot.keyClicks(page.passwords.repeat, ADMIN_PASSWORD)
