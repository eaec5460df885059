"""Qt-free publish/subscribe of what changed, so views can refresh (Anki's OpChanges)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Changes:
    """What a write touched: record kinds (``tip``, ``person``, ``user``...) and ids."""

    kinds: frozenset[str] = field(default_factory=frozenset)
    ids: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, *kinds: str, ids: tuple[str, ...] = ()) -> Changes:
        return cls(frozenset(kinds), frozenset(ids))

    def touches(self, kind: str) -> bool:
        return kind in self.kinds


Listener = Callable[[Changes], None]


class EventBus:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, changes: Changes) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(changes)
