"""Starting the GUI: QApplication, font, language, exception hook, then wizard → login → main window.

``run_gui(args)`` is called by the command line for ``tipdesk`` and ``tipdesk gui``.
``AppController`` drives the session: the first-run wizard when no database exists,
then the login dialog, then the main window; "Log out" returns to the login.

Start-up time: the login window is painted before the heavy modules are imported. Nothing on the
way to it imports SQLAlchemy, the services, the main window or its pages (guarded by
tests/unit/test_startup_imports.py). Once the login is painted, ``Preloader`` imports them while
the user types the password: the Qt-free core on the database worker, then the main window and
its pages on the GUI thread, one module per event-loop turn.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from tipdesk import __version__, paths
from tipdesk.clock import Clock
from tipdesk.config import MachineSettings
from tipdesk.gui.crash import install_excepthook
from tipdesk.gui.language import apply_language, install_translator
from tipdesk.gui.login import LoginDialog
from tipdesk.gui.pyside_fixes import check_pyside
from tipdesk.gui.tasks import BaseTaskManager, TaskManager
from tipdesk.logs import setup_logging

if TYPE_CHECKING:
    from tipdesk.gui.main_window import MainWindow
    from tipdesk.gui.pages import PageSpec
    from tipdesk.gui.wizard import SetupWizard
    from tipdesk.services.context import Desk

log = logging.getLogger(__name__)

# Imported on the database worker once the login is painted: the Qt-free core behind the login
# (open_desk) and the main window. Only a head start: whatever is missing is imported when needed.
PRELOAD_CORE = (
    "tipdesk.services.auth",
    "tipdesk.services.context",
    "tipdesk.services.settings",
    "tipdesk.services.users",
    "tipdesk.services.backup",
    "tipdesk.services.search",
    "tipdesk.services.tips",
    "tipdesk.services.persons",
    "tipdesk.services.exchange",
    "tipdesk.services.reports",
)
# Then on the GUI thread, one per event-loop turn (the pages as in ``discover_pages``).
PRELOAD_GUI = ("tipdesk.gui.main_window",)

FONT_POINTS = 10
FALLBACK_FAMILIES = ["Segoe UI", "Liberation Sans", "DejaVu Sans", "Arial"]
BUNDLED_FONTS = ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf")


def app_font() -> QFont:
    """A font with every Vietnamese glyph: Segoe UI on Windows, else the bundled Liberation Sans."""
    for name in BUNDLED_FONTS:
        path = paths.fonts_dir() / name
        if path.is_file():
            QFontDatabase.addApplicationFont(str(path))
    font = QFont()
    font.setFamilies(FALLBACK_FAMILIES)
    font.setPointSize(FONT_POINTS)
    return font


# Qt's raster engine splits large gradient and image fills across a thread pool and waits for every part. On
# the two-core office PCs tipdesk serves, waking and waiting for the pool costs ten times the fill: a list's
# scroll bar took 1.6 ms to paint with the pool and 0.13 ms without. tipdesk paints nothing large enough to gain.
QT_ENVIRONMENT = {"QT_NO_GUI_THREADPOOL": "1"}


def tune_qt_environment() -> None:
    """Set ``QT_ENVIRONMENT`` (unless the user set those variables) before Qt paints anything."""
    for name, value in QT_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def ensure_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    tune_qt_environment()
    return QApplication(argv if argv is not None else sys.argv[:1])


def configure_app(app: QApplication) -> None:
    app.setApplicationName("tipdesk")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("tipdesk")
    app.setFont(app_font())
    app.setQuitOnLastWindowClosed(False)  # between the login and the main window no window is open
    install_translator(app)


def is_initialised(data_dir: Path | None = None) -> bool:
    """``services.auth.is_initialised`` without importing SQLAlchemy before the first window.

    With a database server (``OpenPaths.on_server``) the service itself asks the server; for the file
    in the data folder the same two files as ``OpenPaths`` are looked at here.
    tests/unit/test_startup_imports.py checks that both agree.
    """
    base = data_dir or paths.data_dir()
    if paths.database_url() or MachineSettings.load(base / "settings.json").database_url:
        from tipdesk.services.auth import is_initialised as service_is_initialised

        return service_is_initialised(data_dir)
    return (base / "keyslots.json").exists() and (base / "tipdesk.db").exists()


def _import_all(names: Sequence[str]) -> None:
    for name in names:
        importlib.import_module(name)


class Preloader(QObject):
    """Imports what comes after the login while the user types the password.

    ``start()`` queues the Qt-free core on the database worker (a login submitted meanwhile
    simply runs after it: it needs the same modules); when it is done the GUI modules follow on
    the GUI thread, one per event-loop turn so typing stays responsive. A failure only stops the
    preloading: the same import fails again, visibly, when the main window is built.
    """

    def __init__(self, tasks: BaseTaskManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.started = False
        self.done = False
        self._gui: list[str] = []

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        self.tasks.run_db(lambda: _import_all(PRELOAD_CORE), self._core_done, self._failed)

    def _core_done(self, _result: object) -> None:
        from tipdesk.gui.pages import PAGE_MODULES

        self._gui = [*PRELOAD_GUI, *(f"tipdesk.gui.pages.{name}" for name in PAGE_MODULES)]
        QTimer.singleShot(0, self, self._next)

    def _next(self) -> None:
        if not self._gui:
            self.done = True
            log.debug("preloading done")
            return
        name = self._gui.pop(0)
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a page module that does not exist yet is skipped, as in discover_pages
                self._failed(exc)
                return
        except Exception as exc:  # never in the user's way: the main window reports it when built
            self._failed(exc)
            return
        QTimer.singleShot(0, self, self._next)

    def _failed(self, exc: BaseException) -> None:
        self._gui = []
        log.warning("preloading stopped: %r", exc)


class AppController(QObject):
    """Wizard → login → main window, and back to the login after "Log out"."""

    def __init__(self, tasks: BaseTaskManager, *, data_dir: Path | None = None, username: str = "",
                 clock: Clock | None = None, pages: Sequence[PageSpec] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks, self.data_dir, self.clock = tasks, data_dir, clock
        self.pages = pages  # None: every page module that exists
        self.username = username
        self.wizard: SetupWizard | None = None  # only on the first run
        self.login: LoginDialog | None = None
        self.window: MainWindow | None = None
        self.desk: Desk | None = None
        self.finished = False
        self.preloader = Preloader(tasks, self)

    def start(self) -> None:
        if is_initialised(self.data_dir):
            self.show_login()
        else:
            self.show_wizard()

    def show_wizard(self) -> None:
        from tipdesk.gui.wizard import SetupWizard  # first run only: keep it out of every start-up

        self.wizard = SetupWizard(self.tasks, data_dir=self.data_dir, clock=self.clock)
        self.wizard.finished.connect(self._wizard_finished)
        self.wizard.show()

    def _wizard_finished(self, _code: int) -> None:
        wizard, self.wizard = self.wizard, None
        assert wizard is not None
        wizard.deleteLater()
        if wizard.setup_result is None:
            self.quit()
            return
        self.username = wizard.setup_result.admin
        self.show_login()

    def show_login(self) -> None:
        self.login = LoginDialog(self.tasks, data_dir=self.data_dir, username=self.username, clock=self.clock)
        self.login.logged_in.connect(self.show_main)
        self.login.rejected.connect(self.quit)
        if not self.preloader.started:
            self.login.installEventFilter(self)
        self.login.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Once the login is painted, start importing what comes after it."""
        if watched is self.login and event.type() == QEvent.Type.Paint and not self.preloader.started:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.preloader, self.preloader.start)
        return False

    def show_main(self, desk: Desk) -> None:
        from tipdesk.gui.main_window import MainWindow  # preloaded while the password was typed

        if self.login is not None:
            self.login.deleteLater()
            self.login = None
        self.desk = desk
        self.username = desk.actor.username
        self.window = MainWindow(desk, self.tasks, pages=self.pages)
        self.window.session_ended.connect(self._session_ended)
        self.window.show_fitted()

    def _session_ended(self, reason: str) -> None:
        window, desk = self.window, self.desk
        self.window, self.desk = None, None
        if window is not None:
            window.deleteLater()
        after = self.show_login if reason == "logout" else self.quit
        if desk is None:
            after()
            return
        def failed(exc: BaseException) -> None:
            log.warning("closing the database failed: %r", exc)
            after()

        self.tasks.run_db(desk.close, lambda _r: after(), failed)

    def quit(self) -> None:
        self.finished = True
        QTimer.singleShot(0, QApplication.quit)


def run_gui(args: argparse.Namespace) -> int:
    if getattr(args, "data_dir", None):
        paths.set_data_dir(args.data_dir)
    setup_logging()  # after the data folder is known: the log lives in it
    app = ensure_app()
    problem = check_pyside()
    if problem:  # such a build aborts the interpreter sooner or later; say why in the log
        log.error(problem)
        print(f"tipdesk: {problem}", file=sys.stderr)
    configure_app(app)
    apply_language(getattr(args, "lang", None) or MachineSettings.load().language)
    install_excepthook()
    tasks = TaskManager(app)
    settings = MachineSettings.load()
    controller = AppController(tasks, data_dir=paths.data_dir(),
                               username=settings.last_user or getattr(args, "user", "") or "")
    controller.start()
    try:
        return int(app.exec())
    finally:
        tasks.shutdown()
