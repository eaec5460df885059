"""GUI-only fixtures: the Qt application set up as tipdesk sets it up, task managers, a main window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from tipdesk.gui.tasks import FakeTaskManager, TaskManager
from tipdesk.services.context import Desk

GUI_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if GUI_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def gui_app(qapp: QApplication) -> Iterator[QApplication]:
    """The QApplication configured like ``run_gui`` does (font, Qt-text translator), once per session."""
    from tipdesk.gui.app import configure_app

    if not qapp.property("tipdesk_configured"):
        configure_app(qapp)
        qapp.setProperty("tipdesk_configured", True)
    yield qapp
    while QGuiApplication.overrideCursor() is not None:
        QGuiApplication.restoreOverrideCursor()
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            widget.close()


@pytest.fixture(autouse=True)
def questions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Blocking yes/no questions are answered "yes" and recorded (a test may patch another answer)."""
    from tipdesk.gui import common

    asked: list[str] = []

    def answer(parent: object, text: str, **kwargs: object) -> bool:
        asked.append(text)
        return True

    monkeypatch.setattr(common, "ask_yes_no", answer)
    return asked


def vietnamese_catalog() -> dict[str, object]:
    """Every Vietnamese translation: the catalog plus the parts not merged into it yet."""
    from babel.messages.pofile import read_po

    from tipdesk import paths

    root = paths.i18n_dir()
    sources = [root / "vi" / "LC_MESSAGES" / "tipdesk.po", *sorted((root / "vi_parts").glob("*.po"))]
    merged: dict[str, object] = {}
    for source in sources:
        if not source.exists():
            continue
        with open(source, "rb") as fh:
            for message in read_po(fh, locale="vi"):
                key = message.id if isinstance(message.id, str) else message.id[0]
                if key and message.string and (message.string if isinstance(message.string, str)
                                               else message.string[0]):
                    merged[key] = message
    return merged


@pytest.fixture
def merged_vietnamese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Vietnamese from the catalog and every ``i18n/vi_parts/*.po`` (parts wait for the lead's merge)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from tipdesk import i18n, paths

    catalog = Catalog(locale="vi", charset="utf-8")
    for message in vietnamese_catalog().values():
        catalog[message.id] = message  # type: ignore[attr-defined]
    target = tmp_path / "i18n" / "vi" / "LC_MESSAGES" / "tipdesk.po"
    target.parent.mkdir(parents=True)
    with open(target, "wb") as fh:
        write_po(fh, catalog)
    monkeypatch.setattr(paths, "i18n_dir", lambda: tmp_path / "i18n")
    i18n.set_language("vi")
    yield
    monkeypatch.undo()
    i18n.set_language("vi")


@pytest.fixture
def tasks(qapp: QApplication) -> FakeTaskManager:
    return FakeTaskManager()


@pytest.fixture
def worker(qapp: QApplication) -> Iterator[TaskManager]:
    manager = TaskManager()
    yield manager
    manager.shutdown()


@pytest.fixture
def main_window(admin_desk: Desk, tasks: FakeTaskManager, qtbot):  # type: ignore[no-untyped-def]
    from tipdesk.gui.main_window import MainWindow
    from tipdesk.gui.pages.admin import PAGE as ADMIN_PAGE

    window = MainWindow(admin_desk, tasks, pages=[ADMIN_PAGE])
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    return window

