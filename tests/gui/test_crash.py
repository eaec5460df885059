"""The crash dialog: a friendly message and the log path; the traceback only in the log and the copied details."""

from __future__ import annotations

import logging
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton

from tipdesk.errors import UserError
from tipdesk.gui.crash import CrashDialog, ExceptionHandler

SECRET = "secret detail 4711"


def raising_button(qtbot, exc: BaseException) -> QPushButton:
    button = QPushButton("boom")
    qtbot.addWidget(button)
    button.show()

    def explode() -> None:
        raise exc

    button.clicked.connect(explode)
    return button


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_slot_opens_the_crash_dialog(qtbot, monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    handler = ExceptionHandler()
    monkeypatch.setattr(sys, "excepthook", handler)
    button = raising_button(qtbot, RuntimeError(SECRET))
    with caplog.at_level(logging.ERROR, logger="tipdesk.crash"):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = handler.last_dialog
    assert isinstance(dialog, CrashDialog) and dialog.isVisible()
    shown = "\n".join(label.text() for label in dialog.findChildren(QLabel))
    assert "Traceback" not in shown and SECRET not in shown and 'File "' not in shown
    assert dialog.headline.text() and "RuntimeError" in dialog.code.text()
    assert "Traceback" in caplog.text and SECRET in caplog.text  # the log has everything
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert "Traceback" in copied and SECRET in copied and dialog.log_path.text() in copied
    dialog.close()


@pytest.mark.qt_no_exception_capture
def test_user_error_in_a_slot_is_a_plain_message(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    handler = ExceptionHandler()
    monkeypatch.setattr(sys, "excepthook", handler)
    button = raising_button(qtbot, UserError("The disk is full."))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert handler.last_dialog is None
    boxes = [w for w in QGuiApplication.topLevelWindows() if w.isVisible()]
    assert boxes
    from PySide6.QtWidgets import QApplication

    messages = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert [m.text() for m in messages] == ["The disk is full."]
