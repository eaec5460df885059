"""Guards against PySide6 builds that lose references on Python 3.11 (PySide6 6.12.0).

PySide6 6.12.0 on Python 3.11 returns ``None`` and ``True``/``False`` from bound
methods and signal emits without taking a reference (harmless only on Python 3.12+,
where these objects are immortal), so the interpreter soon aborts with
"Fatal Python error: none_dealloc" / "bool_dealloc". tipdesk therefore requires
PySide6 < 6.12 on Python 3.11; ``check_pyside()`` detects such a build at start-up.

``emit_native`` is kept for pages that emit C++-declared signals (``dataChanged``...):
on a sound build it is a plain ``emit``.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from typing import Any

from PySide6.QtCore import QStringListModel, QTimer

from tipdesk.i18n import _

PROBES = 16


def _incref(obj: object) -> None:
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))


@functools.cache
def native_emit_leaks() -> bool:
    """True if emitting a C++ signal from Python loses a reference to its result."""
    model = QStringListModel(["probe"])
    before = sys.getrefcount(True)
    for _attempt in range(PROBES):
        model.dataChanged.emit(model.index(0), model.index(0))
    lost = max(0, before - sys.getrefcount(True))
    for _attempt in range(lost):
        _incref(True)  # repay the probe's own losses
    return lost >= PROBES


def void_calls_leak() -> bool:
    """True if calling a C++ method that returns nothing loses a reference to ``None``."""
    timer = QTimer()
    before = sys.getrefcount(None)
    for _attempt in range(PROBES):
        timer.setSingleShot(True)
    lost = max(0, before - sys.getrefcount(None))
    for _attempt in range(lost):
        _incref(None)
    return lost >= PROBES


def check_pyside() -> str | None:
    """A description of the problem if this PySide6 build loses references, else None."""
    if void_calls_leak() or native_emit_leaks():
        import PySide6

        return _("PySide6 {version} loses object references on Python {python}: install PySide6-Essentials "
                 "older than 6.12.").format(version=PySide6.__version__,
                                            python=f"{sys.version_info.major}.{sys.version_info.minor}")
    return None


def emit_native(signal: Any, *args: Any) -> None:
    """``signal.emit(*args)`` for a signal declared in C++."""
    result = signal.emit(*args)
    if native_emit_leaks():
        _incref(result)
