"""Timing a list's first paint in the benchmarks: until the loaded rows have been painted once.

``qtbot.waitUntil`` sleeps 10 ms between looks, which rounds every measure up by as much as the thing measured,
and a ``grab()`` after the event loop has already painted the rows paints them a second time. ``wait_painted``
looks every 0.2 ms and stops at the end of the first paint of the loaded state, the moment the user sees it.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QAbstractItemView, QApplication


def loaded(model: Any) -> bool:
    """The first page is in (or the list is known to be empty) and nothing is being fetched."""
    return bool((model.rowCount() > 0 or model.complete) and not model.loading)


class _Paints(QObject):
    """Counts the viewport's paint events that paint the loaded state."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and loaded(self.model):
            self.count += 1
        return False


def wait_painted(view: QAbstractItemView, model: Any, timeout: float = 120.0) -> None:
    """Return once ``view`` has painted ``model``'s loaded state.

    A paint event is delivered synchronously inside ``processEvents``, so the pass that delivered it has
    finished painting when it returns. An empty list looks after loading as it did before, and Qt does not
    repaint it; one repaint is then forced, so both the empty and the full case end with one paint.
    """
    viewport = view.viewport()
    paints = _Paints(model)
    viewport.installEventFilter(paints)
    try:
        deadline = time.perf_counter() + timeout
        while not loaded(model):
            QApplication.processEvents()
            if time.perf_counter() > deadline:
                raise TimeoutError(f"the list did not load in {timeout} s")
            time.sleep(0.0002)
        if not paints.count:
            QApplication.processEvents()  # the layout and paint the arrival of the rows posted
        if not paints.count:
            viewport.repaint()
    finally:
        viewport.removeEventFilter(paints)
