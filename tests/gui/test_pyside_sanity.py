"""The installed PySide6 keeps its object references (6.12.0 on Python 3.11 does not, and aborts)."""

from __future__ import annotations

from tipdesk.gui.pyside_fixes import check_pyside, emit_native, native_emit_leaks, void_calls_leak


def test_pyside_build_keeps_references(qapp) -> None:
    assert not void_calls_leak()
    assert not native_emit_leaks()
    assert check_pyside() is None


def test_emit_native_emits(qapp, qtbot) -> None:
    from PySide6.QtCore import QStringListModel

    model = QStringListModel(["a", "b"])
    with qtbot.waitSignal(model.dataChanged) as blocker:
        emit_native(model.dataChanged, model.index(0), model.index(1))
    assert blocker.args[0].row() == 0 and blocker.args[1].row() == 1
