"""The page registry of the main window's navigation.

Each page lives in ``tipdesk/gui/pages/<name>.py`` and declares ``PAGE = PageSpec(...)``.
The five navigation slots are fixed (Ctrl+1 … Ctrl+5 always mean the same page);
a page module that does not exist yet is simply not listed, and a page is shown only
to roles for which ``visible(desk)`` is true. A later issue adds its page by creating
its module; nothing here changes.

A page widget is built lazily on first display with a ``PageContext``; it may define
``page_shown()`` (called each time it becomes the current page).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tipdesk.i18n import _

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow, QWidget

    from tipdesk.gui.bridge import EventBridge
    from tipdesk.gui.tasks import BaseTaskManager
    from tipdesk.services.context import Desk

# Slot order: Tips, Persons, Exchange, Reports, Administration.
PAGE_MODULES = ("tips", "persons", "exchange", "reports", "admin")


@dataclass(frozen=True)
class PageContext:
    """What a page needs: the Desk (through the worker only), the worker, the change events, the window."""

    desk: Desk
    tasks: BaseTaskManager
    bridge: EventBridge
    window: QMainWindow


@dataclass(frozen=True)
class PageSpec:
    key: str
    slot: int  # 1-5: position in the navigation and the Ctrl+<slot> shortcut
    title: str  # an N_() msgid; translated when shown
    factory: Callable[[PageContext], QWidget]
    visible: Callable[[Desk], bool]
    description: str = ""  # an N_() msgid for the tooltip

    def label(self) -> str:
        return _(self.title)

    def tooltip(self) -> str:
        return _(self.description) if self.description else ""


def discover_pages(modules: Sequence[str] = PAGE_MODULES) -> list[PageSpec]:
    """The ``PAGE`` of every page module that exists, in slot order."""
    specs: list[PageSpec] = []
    for name in modules:
        qualified = f"{__name__}.{name}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:
                raise  # the page exists but something it imports is missing: a bug to report
            continue
        specs.append(module.PAGE)
    return sorted(specs, key=lambda spec: spec.slot)


def pages_for(desk: Desk, specs: Sequence[PageSpec]) -> list[PageSpec]:
    return [spec for spec in specs if spec.visible(desk)]
