"""Idle auto-lock: an application-wide input watcher and the lock screen that asks for the password.

``IdleWatcher`` restarts a single-shot timer on every key press, click, mouse move
or wheel turn anywhere in the application; when it fires, the main window hides
its content behind ``LockScreen``, which checks the password on the worker
(``auth.verify_password``: failures count toward the login back-off and are audited).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from tipdesk.errors import UserError
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.passwords import password_edit
from tipdesk.gui.tasks import BaseTaskManager
from tipdesk.i18n import _
from tipdesk.services.auth import verify_password
from tipdesk.services.context import Desk

DEFAULT_MINUTES = 5
PANEL_WIDTH = 520
PANEL_MARGIN = 24
INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.TouchBegin,
})


class IdleWatcher(QObject):
    """Emits ``idle`` after the configured time without keyboard or mouse input."""

    idle = Signal()

    def __init__(self, minutes: int = DEFAULT_MINUTES, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle.emit)
        self.minutes = minutes
        self.timer.setInterval(minutes * 60_000)
        self.watching = False
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        self.minutes = minutes
        self.set_interval_ms(minutes * 60_000)

    def set_interval_ms(self, ms: int) -> None:
        self.timer.setInterval(ms)
        if self.watching:
            self.timer.start()

    def start(self) -> None:
        self.watching = True
        self.timer.start()

    def stop(self) -> None:
        self.watching = False
        self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.watching and event.type() in INPUT_EVENTS:
            self.timer.start()
        return False

    def close(self) -> None:
        self.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class LockScreen(Retranslatable, QWidget):
    """Covers the main window's content until the user types their password."""

    unlocked = Signal()
    logout_requested = Signal()

    def __init__(self, desk: Desk, tasks: BaseTaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk, self.tasks = desk, tasks
        self.busy = False
        self.panel = QFrame(self)
        self.panel.setFrameShape(QFrame.Shape.StyledPanel)
        self.panel.setFixedWidth(PANEL_WIDTH)  # a fixed width lets the wrapped text take the height it needs
        self.title = QLabel(self.panel)
        self.title.setFont(common.title_font(self.font(), 1.6))
        self.text = QLabel(self.panel)
        self.text.setWordWrap(True)
        self.password = password_edit(self.panel)
        self.password.returnPressed.connect(self.submit)
        self.password_label = QLabel(self.panel)
        self.password_label.setBuddy(self.password)
        self.error = common.MessageLabel(self.panel)
        self.unlock_button = QPushButton(self.panel)
        self.unlock_button.clicked.connect(self.submit)
        self.logout_button = QPushButton(self.panel)
        self.logout_button.clicked.connect(lambda: self.logout_requested.emit())
        self._layout()
        self.retranslate()

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.logout_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        inner = QVBoxLayout(self.panel)
        inner.setContentsMargins(PANEL_MARGIN, PANEL_MARGIN, PANEL_MARGIN, PANEL_MARGIN)
        for widget in (self.title, self.text, self.password_label, self.password, self.error):
            inner.addWidget(widget)
        inner.addSpacing(8)
        inner.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(self.panel, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

    def retranslate(self) -> None:
        actor = self.desk.actor
        who = f"{actor.full_name} ({actor.username})" if actor.full_name else actor.username
        self.title.setText(_("tipdesk is locked"))
        self.text.setText(_("The screen was locked to protect the records. {user} is logged in: type the password "
                            "to continue.").format(user=who))
        inner = PANEL_WIDTH - 2 * PANEL_MARGIN - 2
        self.text.setMinimumHeight(self.text.heightForWidth(inner))  # wrapped text inside a centred panel
        self.password_label.setText(_("&Password:"))
        self.unlock_button.setText(_("Unlock"))  # Enter in the password field unlocks
        self.logout_button.setText(_("Log &out"))

    def reset(self) -> None:
        self.password.clear()
        self.error.clear_message()
        self.password.setFocus()

    def submit(self) -> None:
        if self.busy:
            return
        password = self.password.text()
        if not password:
            self.error.set_error(_("Type your password."))
            return
        self._set_busy(True)
        self.tasks.run_db(lambda: verify_password(self.desk, password), self._checked, self._failed)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.password.setEnabled(not busy)
        self.unlock_button.setEnabled(not busy)
        common.set_busy(busy)

    def _checked(self, ok: bool) -> None:
        self._set_busy(False)
        self.password.clear()
        if ok:
            self.error.clear_message()
            self.unlocked.emit()
        else:
            self.error.set_error(_("Wrong password."))
            self.password.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.password.clear()
        if not isinstance(exc, UserError):
            raise exc
        self.error.set_error(exc.message)
