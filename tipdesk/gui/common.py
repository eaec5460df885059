"""Small shared pieces: message boxes with translated buttons, an inline error label, the busy cursor.

Call these through the module (``common.ask_yes_no(...)``) so that tests can replace
the blocking question box with ``monkeypatch``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox, QSizePolicy, QWidget

from tipdesk.errors import UserError
from tipdesk.i18n import N_, _

ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"
HINT_STYLE = "color: #555555;"


def error_text(exc: BaseException) -> str:
    """The one-line message for a user error; a neutral sentence for anything else."""
    if isinstance(exc, UserError):
        return exc.message
    return _("The action could not be completed because of an unexpected error.")


# Parentless message boxes opened without blocking: kept alive here until they close.
_open_boxes: set[QMessageBox] = set()


def _keep_until_closed(box: QMessageBox) -> None:
    if box.parent() is None:
        _open_boxes.add(box)
        box.finished.connect(lambda _result: _open_boxes.discard(box))


def _box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
    box = QMessageBox(icon, title or "tipdesk", text, QMessageBox.StandardButton.NoButton, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setWindowModality(Qt.WindowModality.WindowModal if parent else Qt.WindowModality.ApplicationModal)
    return box


def show_message(parent: QWidget | None, text: str, *, title: str = "", error: bool = False) -> QMessageBox:
    """A non-blocking message with a single "OK" button; returns the box (tests read it)."""
    icon = QMessageBox.Icon.Warning if error else QMessageBox.Icon.Information
    box = _box(parent, icon, title, text)
    ok = box.addButton(_("OK"), QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _keep_until_closed(box)
    box.open()
    return box


def show_error(parent: QWidget | None, error: BaseException | str, *, title: str = "") -> QMessageBox:
    text = error if isinstance(error, str) else error_text(error)
    return show_message(parent, text, title=title or _("tipdesk: the action was not done"), error=True)


def ask_yes_no(parent: QWidget | None, text: str, *, yes: str, no: str = "", title: str = "",
               default_yes: bool = False) -> bool:
    """A blocking question with explicit, translated button texts."""
    box = _box(parent, QMessageBox.Icon.Question, title, text)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.YesRole)
    no_button = box.addButton(no or _("Cancel"), QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(yes_button if default_yes else no_button)
    box.setEscapeButton(no_button)
    box.exec()
    return box.clickedButton() is yes_button


class MessageLabel(QLabel):
    """An inline, word-wrapped message under a form: hidden while empty, red for errors."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.hide()

    def set_error(self, text: str) -> None:
        self._set(text, ERROR_STYLE)

    def set_ok(self, text: str) -> None:
        self._set(text, OK_STYLE)

    def set_hint(self, text: str) -> None:
        self._set(text, HINT_STYLE)

    def clear_message(self) -> None:
        self._set("", "")

    def _set(self, text: str, style: str) -> None:
        self.setText(text)
        self.setStyleSheet(style)
        self.setVisible(bool(text))
        if text:
            self.setAccessibleDescription(text)


def hint_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setStyleSheet(HINT_STYLE)
    return label


def title_font(base: QFont, scale: float = 1.4, bold: bool = True) -> QFont:
    font = QFont(base)
    font.setPointSizeF(max(base.pointSizeF(), 9.0) * scale)
    font.setBold(bold)
    return font


def monospace_font(base: QFont, scale: float = 1.0) -> QFont:
    font = QFont(base)
    font.setFamilies(["Consolas", "Liberation Mono", "DejaVu Sans Mono", "Courier New"])
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSizeF(max(base.pointSizeF(), 9.0) * scale)
    return font


@contextmanager
def busy_cursor() -> Iterator[None]:
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


def set_busy(on: bool) -> None:
    """Push or pop the wait cursor (for work that ends in a callback)."""
    if on:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    else:
        QGuiApplication.restoreOverrideCursor()


PDF_FILTER = N_("PDF documents (*.pdf)")


def choose_save_path(parent: QWidget, title: str, suggested: str, file_filter: str) -> str | None:
    """A save-file dialog starting in the home folder; None when cancelled."""
    path, _selected = QFileDialog.getSaveFileName(parent, title, str(Path.home() / suggested), file_filter)
    return path or None


def choose_open_path(parent: QWidget, title: str, file_filter: str) -> str | None:
    """An open-file dialog starting in the home folder; None when cancelled."""
    path, _selected = QFileDialog.getOpenFileName(parent, title, str(Path.home()), file_filter)
    return path or None
