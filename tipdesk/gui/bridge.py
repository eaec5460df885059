"""Core events to Qt: the Desk's EventBus publishes on the worker thread; views listen on the GUI thread.

Like Electrum's ``QtEventListener``: one small adapter subscribes to the Qt-free bus
and re-emits each ``Changes`` as the ``changed`` signal in the GUI thread, so a view
just connects ``bridge.changed`` and redraws if ``changes.touches("user")``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from tipdesk.events import Changes, EventBus


class EventBridge(QObject):
    changed = Signal(object)  # Changes, always emitted on the GUI thread
    _from_worker = Signal(object)

    def __init__(self, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._from_worker.connect(self._relay, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe: Callable[[], None] | None = bus.subscribe(self._on_event)

    def _on_event(self, changes: Changes) -> None:
        """Called by the bus on whatever thread published."""
        if QThread.currentThread() == self.thread():
            self.changed.emit(changes)
        else:
            self._from_worker.emit(changes)

    @Slot(object)
    def _relay(self, changes: Changes) -> None:
        self.changed.emit(changes)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
