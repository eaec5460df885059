"""Unexpected errors: a friendly dialog, the traceback in the log file, never in the user's face.

``install_excepthook()`` routes every exception that reaches the Qt event loop:
a ``UserError`` (a known condition with a translated message) becomes a plain
message; anything else is a bug: its traceback goes to the log (``log_crash``)
and the crash dialog names the log file and offers to copy the details for support.
"""

from __future__ import annotations

import logging
import platform
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from tipdesk import __version__
from tipdesk.errors import UserError
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.i18n import _
from tipdesk.logs import log_crash

log = logging.getLogger(__name__)


def crash_details(exc: BaseException, log_path: Path | str) -> str:
    """Text for support (copied on request): versions, the log file and the traceback."""
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return (
        f"tipdesk {__version__}, Python {platform.python_version()}, PySide6 {pyside_version}, "
        f"{platform.platform()}\nlog: {log_path}\n\n{trace}"
    )


class CrashDialog(Retranslatable, QDialog):
    def __init__(self, details: str, log_path: Path | str, error_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.details = details
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._error_name = error_name
        self.icon = QLabel(self)
        self.icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(48, 48))
        self.headline = QLabel(self)
        self.headline.setFont(common.title_font(self.font(), 1.25))
        self.headline.setWordWrap(True)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.log_intro = QLabel(self)
        self.log_path = QLabel(str(log_path), self)
        self.log_path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_path.setWordWrap(True)
        self.code = common.hint_label("", self)
        self.copy_button = QPushButton(self)
        self.copy_button.clicked.connect(self.copy_details)
        self.close_button = QPushButton(self)
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)
        self._layout()
        self.retranslate()
        self.resize(560, 300)

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        for widget in (self.headline, self.message, self.log_intro, self.log_path, self.code):
            text.addWidget(widget)
        top.addLayout(text, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.close_button)
        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addStretch(1)
        outer.addLayout(buttons)

    def retranslate(self) -> None:
        self.setWindowTitle(_("tipdesk: unexpected error"))
        self.headline.setText(_("Sorry, tipdesk ran into an unexpected problem."))
        self.message.setText(_(
            "What was saved before this moment is safe. The last action may not have been completed: "
            "please check it. If this happens again, tell your administrator or technical support."
        ))
        self.log_intro.setText(_("The details were written to this log file:"))
        self.code.setText(_("Error type: {name}").format(name=self._error_name))
        self.copy_button.setText(_("&Copy details for support"))
        self.close_button.setText(_("&Close"))

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details)
        self.copy_button.setText(_("Copied"))


class ExceptionHandler:
    """The ``sys.excepthook`` of the GUI."""

    def __init__(self) -> None:
        self.last_dialog: CrashDialog | None = None
        self._handling = False

    def __call__(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if exc.__traceback__ is None and tb is not None:
            exc = exc.with_traceback(tb)
        self.handle(exc)

    def handle(self, exc: BaseException) -> None:
        if isinstance(exc, KeyboardInterrupt):
            QApplication.quit()
            return
        if isinstance(exc, UserError):
            common.show_error(QApplication.activeWindow(), exc)
            return
        path = log_crash(exc)
        if self._handling:  # failing while showing the dialog: the log has it
            return
        self._handling = True
        try:
            self.last_dialog = show_crash_dialog(exc, path)
        finally:
            self._handling = False


def show_crash_dialog(exc: BaseException, log_path: Path | str) -> CrashDialog | None:
    if QApplication.instance() is None:
        print(_("tipdesk: an unexpected error occurred. Details were written to {path}.").format(path=log_path),
              file=sys.stderr)
        return None
    dialog = CrashDialog(crash_details(exc, log_path), log_path, type(exc).__name__, QApplication.activeWindow())
    dialog.show()
    dialog.raise_()
    return dialog


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        log_crash(args.exc_value)


def install_excepthook() -> ExceptionHandler:
    handler = ExceptionHandler()
    sys.excepthook = handler
    threading.excepthook = _thread_hook
    return handler
