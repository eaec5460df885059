"""The Qt part of ``tipdesk --self-test --qt``: start Qt offscreen and draw Vietnamese text."""

from __future__ import annotations

import os


def check_qt() -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["tipdesk-selftest"])
    label = QtWidgets.QLabel("Tiếng Việt")
    label.show()
    app.processEvents()
    label.close()
    return f"Qt {QtCore.qVersion()}, platform {QtWidgets.QApplication.platformName()}"
