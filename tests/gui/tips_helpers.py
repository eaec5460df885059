"""Helpers for the tips GUI tests: a police desk with tips, and the Vietnamese catalog with every part merged."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po, write_po
from PySide6.QtWidgets import QMainWindow, QWidget

from tipdesk import i18n, paths
from tipdesk.events import Changes
from tipdesk.gui.bridge import EventBridge
from tipdesk.gui.pages import PageContext
from tipdesk.gui.tasks import BaseTaskManager
from tipdesk.services.context import Desk

ROOT = Path(__file__).resolve().parents[2]


def merged_catalog_dir(tmp: Path) -> Path:
    """A copy of i18n/ whose vi catalog also holds the not yet merged i18n/vi_parts/*.po."""
    target = tmp / "i18n"
    shutil.copytree(ROOT / "i18n", target)
    po_path = target / "vi" / "LC_MESSAGES" / "tipdesk.po"
    with open(po_path, "rb") as fh:
        catalog = read_po(fh, locale="vi")
    for part in sorted((ROOT / "i18n" / "vi_parts").glob("*.po")):
        with open(part, "rb") as fh:
            for msg in read_po(fh, locale="vi"):
                if msg.id and msg.string and (msg.id not in catalog or not catalog[msg.id].string):
                    catalog.add(msg.id, msg.string)
    with open(po_path, "wb") as fh:
        write_po(fh, catalog)
    (po_path.with_suffix(".mo")).unlink(missing_ok=True)
    return target


@pytest.fixture
def vietnamese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = merged_catalog_dir(tmp_path)
    monkeypatch.setattr(paths, "i18n_dir", lambda: directory)
    i18n.set_language("vi")


def page_context(desk: Desk, tasks: BaseTaskManager, window: QMainWindow | None = None) -> PageContext:
    """A page context outside the main window; close ``ctx.bridge`` when the page is done with."""
    window = window or QMainWindow()
    return PageContext(desk, tasks, EventBridge(desk.events), window)  # the bridge lives as long as it listens


def publish_tip_change(desk: Desk, *ids: str) -> None:
    desk.events.publish(Changes.of("tip", ids=ids))


def grab(widget: QWidget, name: str, size: tuple[int, int] = (1366, 768)) -> Path:
    """Save a screenshot to /work/screens (when it exists) or next to the test data."""
    widget.resize(*size)
    folder = Path("/work/screens")
    folder = folder if folder.is_dir() else Path(paths.data_dir())
    path = folder / name
    widget.grab().save(str(path))
    return path


def wait_idle(qtbot: Any, tasks: BaseTaskManager, timeout: int = 10000) -> None:
    qtbot.waitUntil(lambda: not tasks.busy, timeout=timeout)
