"""``run_gui``: the wizard without a database, the login with one; closing them ends the program."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from tests.conftest import Installed
from tipdesk import i18n
from tipdesk.gui.app import run_gui
from tipdesk.gui.crash import ExceptionHandler
from tipdesk.gui.login import LoginDialog
from tipdesk.gui.wizard import SetupWizard


@pytest.fixture(autouse=True)
def keep_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)


def close_when_shown(kind: type[QWidget], seen: list[QWidget]) -> None:
    def attempt() -> None:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
        if found:
            seen.append(found[0])
            found[0].reject()  # type: ignore[attr-defined]
        else:
            QTimer.singleShot(50, attempt)

    QTimer.singleShot(50, attempt)
    QTimer.singleShot(20_000, QApplication.quit)  # never hang the test run


def args(data_dir: Path, lang: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(data_dir=str(data_dir), lang=lang, user="admin", command="gui")


def test_run_gui_opens_the_login_on_an_installation(qapp, installed: Installed) -> None:
    seen: list[QWidget] = []
    close_when_shown(LoginDialog, seen)
    assert run_gui(args(installed.data_dir, lang="en")) == 0
    assert len(seen) == 1 and seen[0].username.text() == "admin"  # type: ignore[attr-defined]
    assert i18n.language() == "en" and isinstance(sys.excepthook, ExceptionHandler)


def test_run_gui_starts_the_wizard_without_a_database(qapp, tmp_path: Path) -> None:
    seen: list[QWidget] = []
    close_when_shown(SetupWizard, seen)
    assert run_gui(args(tmp_path / "new")) == 0
    assert len(seen) == 1 and not (tmp_path / "new" / "tipdesk.db").exists()
