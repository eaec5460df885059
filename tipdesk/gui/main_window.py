"""The main window: navigation on the left, the current page on the right, menus and a status bar.

Pages come from the registry (``tipdesk.gui.pages``): only existing pages that the
role may use are listed; Ctrl+1 … Ctrl+5 go to the page of that slot. Ctrl+L locks.
The window hides its content behind the lock screen after the idle time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QFont, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tipdesk import i18n
from tipdesk.events import Changes
from tipdesk.gui.about import AboutDialog
from tipdesk.gui.bridge import EventBridge
from tipdesk.gui.dialogs.backup import add_backup_actions
from tipdesk.gui.idle import DEFAULT_MINUTES, IdleWatcher, LockScreen
from tipdesk.gui.language import LANGUAGE_NAMES, Retranslatable, apply_language
from tipdesk.gui.pages import PageContext, PageSpec, discover_pages, pages_for
from tipdesk.gui.passwords import ChangePasswordDialog
from tipdesk.gui.search import install_search
from tipdesk.gui.tasks import BaseTaskManager
from tipdesk.i18n import _

if TYPE_CHECKING:
    from tipdesk.services.context import Desk
    from tipdesk.services.settings import SettingsView

NAV_WIDTH = 190
SMALL_SCREEN = (1400, 820)


class MainWindow(Retranslatable, QMainWindow):
    session_ended = Signal(str)  # "logout" or "quit"

    def __init__(self, desk: Desk, tasks: BaseTaskManager, *, pages: Sequence[PageSpec] | None = None,
                 idle_minutes: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk, self.tasks = desk, tasks
        self.ending: str | None = None
        self.locked = False
        self.bridge = EventBridge(desk.events, self)
        self.bridge.changed.connect(self._on_changes)
        self.ctx = PageContext(desk, tasks, self.bridge, self)
        self.specs = pages_for(desk, discover_pages() if pages is None else pages)
        self.page_widgets: dict[str, QWidget] = {}
        self._build_central()
        self._build_menus()
        self.lockable.append(install_search(self))
        self._build_status()
        self.idle = IdleWatcher(idle_minutes or DEFAULT_MINUTES, self)
        self.idle.idle.connect(self.lock)
        self.retranslate()
        if idle_minutes is None:
            self._load_settings()
        self.tasks.run_db(self.desk.users.me, self._check_password_reset)
        self.idle.start()
        if self.specs:
            self.show_page(self.specs[0].key)

    # -- construction -------------------------------------------------------------
    def _build_central(self) -> None:
        self.nav = QListWidget(self)
        self.nav.setObjectName("navigation")
        self.nav.setStyleSheet("QListWidget#navigation::item { padding: 8px 6px; }")
        self.nav.setFixedWidth(NAV_WIDTH)
        self.nav.setFont(_scaled(self.nav.font(), 1.1))
        for spec in self.specs:
            item = QListWidgetItem(spec.label(), self.nav)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
        self.nav.currentRowChanged.connect(self._on_nav_row)
        self.pages = QStackedWidget(self)
        self.empty = QLabel(self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.pages.addWidget(self.empty)
        content = QWidget(self)
        self.content_column = QVBoxLayout(content)
        self.content_column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.setContentsMargins(6, 6, 6, 0)
        row.addWidget(self.nav)
        row.addWidget(self.pages, 1)
        self.content_column.addLayout(row, 1)
        self.nav.setVisible(bool(self.specs))
        self.content = content
        self.lock_screen = LockScreen(self.desk, self.tasks, self)
        self.lock_screen.unlocked.connect(self.unlock)
        self.lock_screen.logout_requested.connect(self.log_out)
        self.outer = QStackedWidget(self)
        self.outer.addWidget(content)
        self.outer.addWidget(self.lock_screen)
        self.setCentralWidget(self.outer)

    def _action(self, menu: QMenu, slot: Callable[[], object],
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None) -> QAction:
        action = QAction(self)
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.lock_action = self._action(self.file_menu, self.lock, "Ctrl+L")
        self.logout_action = self._action(self.file_menu, self.log_out)
        self.file_menu.addSeparator()
        self.backup_ui = add_backup_actions(self.file_menu, self, lambda: self.desk, self.tasks,
                                            release_desk=self.desk.close, after_restore=self.log_out)
        self.content_column.insertWidget(0, self.backup_ui.banner)
        self.backup_ui.refresh()
        self.file_menu.addSeparator()
        self.quit_action = self._action(self.file_menu, self.close, QKeySequence.StandardKey.Quit)
        if self.quit_action.shortcut().isEmpty():
            self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.go_menu = bar.addMenu("")
        self.go_actions: dict[str, QAction] = {}
        for spec in self.specs:
            self.go_actions[spec.key] = self._action(self.go_menu, partial(self.show_page, spec.key),
                                                     f"Ctrl+{spec.slot}")
        self.account_menu = bar.addMenu("")
        self.password_action = self._action(self.account_menu, self.change_password)
        self.settings_menu = bar.addMenu("")
        self.language_menu = self.settings_menu.addMenu("")
        self.language_actions = QActionGroup(self)
        for lang, name in LANGUAGE_NAMES.items():
            action = self._action(self.language_menu, partial(apply_language, lang, persist=True))
            action.setText(name)
            action.setCheckable(True)
            action.setData(lang)
            self.language_actions.addAction(action)
        self.admin_settings_action = self._action(self.settings_menu, self.show_admin_settings)
        self.admin_settings_action.setVisible("admin" in {s.key for s in self.specs})
        self.help_menu = bar.addMenu("")
        self.about_action = self._action(self.help_menu, self.show_about)
        self.lockable = [self.go_menu.menuAction(), self.account_menu.menuAction(), self.settings_menu.menuAction(),
                         self.help_menu.menuAction(), self.lock_action]

    def _build_status(self) -> None:
        self.unit_label = QLabel(self)
        self.user_label = QLabel(self)
        self.lock_label = QLabel(self)
        status = self.statusBar()
        for label in (self.unit_label, self.user_label, self.lock_label):
            label.setContentsMargins(6, 0, 6, 0)
        status.addWidget(self.unit_label)
        status.addWidget(_separator(self))
        status.addWidget(self.user_label)
        status.addPermanentWidget(self.lock_label)

    def retranslate(self) -> None:
        self.setWindowTitle(_("tipdesk: {unit}").format(unit=self.desk.installation.unit_name))
        self.file_menu.setTitle(_("&File"))
        self.lock_action.setText(_("&Lock the screen"))
        self.logout_action.setText(_("Log &out"))
        self.quit_action.setText(_("&Quit"))
        self.go_menu.setTitle(_("&Go"))
        for spec in self.specs:
            self.go_actions[spec.key].setText(spec.label())
        for row, spec in enumerate(self.specs):
            item = self.nav.item(row)
            item.setText(spec.label())
            item.setToolTip(f"{spec.tooltip()} (Ctrl+{spec.slot})".strip())
        self.account_menu.setTitle(_("A&ccount"))
        self.password_action.setText(_("&Change password…"))
        self.settings_menu.setTitle(_("&Settings"))
        self.language_menu.setTitle(_("&Language"))
        for action in self.language_actions.actions():
            action.setChecked(action.data() == i18n.language())
        self.admin_settings_action.setText(_("&Idle lock and other settings…"))
        self.help_menu.setTitle(_("&Help"))
        self.about_action.setText(_("&About tipdesk"))
        self.empty.setText(_("There is nothing for your role on this computer yet."))
        self._update_status()

    def _update_status(self) -> None:
        actor, inst = self.desk.actor, self.desk.installation
        self.unit_label.setText(inst.unit_name)
        name = actor.full_name or actor.username
        self.user_label.setText(_("{name} ({role})").format(name=name, role=actor.role.label()))
        if self.locked:
            self.lock_label.setText(_("Screen locked"))
        else:
            self.lock_label.setText(_("Locks after {n} min without use").format(n=self.idle.minutes))

    # -- pages -----------------------------------------------------------------------
    def spec(self, key: str) -> PageSpec | None:
        return next((s for s in self.specs if s.key == key), None)

    def open_record(self, kind: str, record_id: str) -> None:
        """Show the tips (``kind`` "tip") or persons page with that record open; the one place that routes there."""
        key = "tips" if kind == "tip" else "persons"
        if not self.show_page(key):
            return
        opener = getattr(self.page(key), "open_tip" if kind == "tip" else "open_person", None)
        if callable(opener):
            opener(record_id)

    def page(self, key: str) -> QWidget | None:
        """The page widget (built on first use), or None if the page is not available."""
        spec = self.spec(key)
        if spec is None:
            return None
        if key not in self.page_widgets:
            widget = spec.factory(self.ctx)
            self.page_widgets[key] = widget
            self.pages.addWidget(widget)
        return self.page_widgets[key]

    def show_page(self, key: str) -> bool:
        spec = self.spec(key)
        if spec is None or self.locked:
            return False
        row = self.specs.index(spec)
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)  # calls back into _on_nav_row
        else:
            self._on_nav_row(row)
        return True

    def current_key(self) -> str | None:
        row = self.nav.currentRow()
        return self.specs[row].key if 0 <= row < len(self.specs) else None

    def _on_nav_row(self, row: int) -> None:
        if not 0 <= row < len(self.specs):
            return
        widget = self.page(self.specs[row].key)
        assert widget is not None
        self.pages.setCurrentWidget(widget)
        shown = getattr(widget, "page_shown", None)
        if shown is not None:
            shown()

    def show_admin_settings(self) -> None:
        if self.show_page("admin"):
            admin = self.page("admin")
            if admin is not None and hasattr(admin, "show_tab"):
                admin.show_tab("settings")

    # -- settings and events ------------------------------------------------------------
    def _load_settings(self) -> None:
        self.tasks.run_db(self.desk.settings.view, self._apply_settings)

    def _apply_settings(self, view: SettingsView) -> None:
        self.idle.set_minutes(view.idle_lock_minutes)
        self._update_status()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches("settings"):
            self._load_settings()

    # -- lock -----------------------------------------------------------------------------
    def lock(self) -> None:
        if self.locked:
            return
        self.locked = True
        self.idle.stop()
        _dismiss_other_windows(self)
        self.outer.setCurrentWidget(self.lock_screen)
        for action in self.lockable:
            action.setEnabled(False)
        self.lock_screen.reset()
        self._update_status()

    def unlock(self) -> None:
        self.locked = False
        self.outer.setCurrentWidget(self.content)
        for action in self.lockable:
            action.setEnabled(True)
        self.idle.start()
        self._update_status()
        self.nav.setFocus()
        self.tasks.run_db(self.desk.users.me, self._check_password_reset)  # a dialog the lock closed

    # -- dialogs and session ------------------------------------------------------------------
    def change_password(self) -> None:
        ChangePasswordDialog(self.desk, self.tasks, self).open()

    def _check_password_reset(self, me: object) -> None:
        """After an administrator reset the password, the user must choose their own first."""
        if getattr(me, "must_change_password", False):  # UserView gains this field in the core (see report)
            ChangePasswordDialog(self.desk, self.tasks, self, forced=True).open()

    def show_about(self) -> None:
        AboutDialog(self.desk.data_dir, self).open()

    def log_out(self) -> None:
        self.ending = "logout"
        self.tasks.run_db(lambda: _log_out(self.desk), lambda _r: None, lambda _exc: None)
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.ending = self.ending or "quit"
        self.idle.close()
        self.bridge.close()
        super().closeEvent(event)
        self.session_ended.emit(self.ending)

    def show_fitted(self) -> None:
        """Maximised on small screens (1366x768), a comfortable size elsewhere."""
        screen = QGuiApplication.primaryScreen()
        available = screen.availableGeometry() if screen else None
        if available is None or available.width() <= SMALL_SCREEN[0] or available.height() <= SMALL_SCREEN[1]:
            self.showMaximized()
        else:
            self.resize(1280, 760)
            self.show()


def _log_out(desk: Desk) -> None:
    """On the worker (the audited log out of ``services.auth``)."""
    from tipdesk.services.auth import log_out

    log_out(desk)


def _dismiss_other_windows(main: QWidget) -> None:
    """Close dialogs and popups so nothing stays visible above the lock screen (unsaved dialog input is lost)."""
    for widget in QApplication.topLevelWidgets():
        if widget is main or not widget.isVisible():
            continue
        if isinstance(widget, QDialog):
            widget.reject()
        widget.hide()


def _separator(parent: QWidget) -> QFrame:
    line = QFrame(parent)
    line.setFrameShape(QFrame.Shape.VLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


def _scaled(font: QFont, factor: float) -> QFont:
    font.setPointSizeF(font.pointSizeF() * factor)
    return font
