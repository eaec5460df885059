"""Benchmark: cold start to the first painted login window, against a bare PySide6 QMainWindow.

Run: ``python -m pytest -q -m bench tests/bench/bench_startup.py -s``. Prints the times, their ratio
(target: tipdesk at most 3.5x the bare window), the time from "Log in" to the painted main window and
the Argon2id unlock time (target: at most 1 s); asserts only that the windows were painted.

Each start is a fresh interpreter (no warm import cache in the process) on a data folder that was set up
beforehand. The tipdesk start is what a user gets: ``tipdesk.__main__.main`` with the data folder (the
command line, ``run_gui``, the controller) up to the first paint event of the real ``LoginDialog``;
the only difference is that the script creates the QApplication that ``run_gui`` would create, to
watch the paint events. Then, as a user who takes ``TYPING_S`` to type the password, it submits the
password through the dialog and times the login (Argon2id, opening the database) up to the first paint
of the main window with every page the administrator may use. The bare start imports PySide6, shows a
QMainWindow with a label and stops at its first paint. Times run from the launch of the process (wall clock).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD, install
from tipdesk.clock import FixedClock
from tipdesk.db.keyslots import KeyslotStore, user_slot_id

ROUNDS = 3
ROOT = Path(__file__).resolve().parents[2]

FIRST_PAINT = r"""
import json, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer


class FirstPaint(QObject):
    def __init__(self, window, app):
        super().__init__()
        self.window, self.app, self.at = window, app, None

    def eventFilter(self, watched, event):
        if self.at is None and event.type() == QEvent.Type.Paint and watched.window() is self.window:
            self.at = time.time()
            QTimer.singleShot(0, self.app.quit)
        return False


def measure(app, window, extra):
    probe = FirstPaint(window, app)
    app.installEventFilter(probe)
    window.resize(1366, 768)
    window.show()
    QTimer.singleShot(30000, app.quit)
    app.exec()
    print(json.dumps({"painted_at": probe.at, **extra}))
"""

BARE = FIRST_PAINT + r"""
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QLabel("bare"))
measure(app, window, {})
"""

TYPING_S = 1.0  # how long the user takes to type the password once the login window is there

TIPDESK = r"""
import json, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

data_dir, password, typing_s = sys.argv[1], sys.argv[2], float(sys.argv[3])


class User(QObject):
    # Waits for the login to be painted, types the password, waits for the main window's paint.

    def __init__(self, app):
        super().__init__()
        self.app, self.times, self.pages = app, {}, []

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and watched.isWidgetType():
            window = watched.window()
            kind = type(window).__name__
            if kind == "LoginDialog" and "login" not in self.times:
                self.times["login"] = time.time()
                QTimer.singleShot(int(typing_s * 1000), lambda: self.submit(window))
            elif kind == "MainWindow" and "main" not in self.times:
                self.times["main"] = time.time()
                self.pages = [spec.key for spec in window.specs]
                QTimer.singleShot(0, self.app.quit)
        return False

    def submit(self, login):
        login.password.setText(password)
        self.times["submitted"] = time.time()
        login.submit()


app = QApplication(sys.argv[:1])  # the one run_gui would create: ensure_app() returns it
user = User(app)
app.installEventFilter(user)
QTimer.singleShot(60000, app.quit)
from tipdesk.__main__ import main
code = main(["--data-dir", data_dir, "--lang", "vi"])
print(json.dumps({"code": code, "painted_at": user.times.get("login"), "submitted_at": user.times.get("submitted"),
                  "main_painted_at": user.times.get("main"), "pages": user.pages}))
"""


def _start(script: str, *args: str) -> dict[str, object]:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "PYTHONPATH": str(ROOT)}
    launched = time.time()
    proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120,
                          env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["painted_at"] is not None, "the window was never painted"
    result["seconds"] = float(result["painted_at"]) - launched  # type: ignore[arg-type]
    return result


@pytest.mark.bench
def test_bench_startup_against_bare_pyside(tmp_path: Path, clock: FixedClock) -> None:
    inst = install(tmp_path / "data", clock)
    _start(BARE)  # warm the operating system's file cache once for both
    bare = [_start(BARE) for _round in range(ROUNDS)]
    ours = [_start(TIPDESK, str(inst.data_dir), ADMIN_PASSWORD, str(TYPING_S)) for _round in range(ROUNDS)]
    assert all(r["main_painted_at"] is not None for r in ours), "the main window was never painted after the login"
    assert all(r["code"] == 0 for r in ours)
    store = KeyslotStore.load(inst.data_dir / "keyslots.json")
    unlock_times = []
    for _round in range(ROUNDS):
        begin = time.perf_counter()
        assert store.unwrap(user_slot_id("admin"), ADMIN_PASSWORD) is not None
        unlock_times.append(time.perf_counter() - begin)

    bare_s = statistics.median(float(r["seconds"]) for r in bare)  # type: ignore[arg-type]
    ours_s = statistics.median(float(r["seconds"]) for r in ours)  # type: ignore[arg-type]
    login_s = statistics.median(float(r["main_painted_at"]) - float(r["submitted_at"])  # type: ignore[arg-type]
                                for r in ours)
    unlock_s = statistics.median(unlock_times)
    ratio = ours_s / bare_s
    print(f"\nstartup bench (median of {ROUNDS} cold starts, pages: {', '.join(ours[0]['pages'])})")  # type: ignore[arg-type]
    print(f"  bare PySide6 QMainWindow to first paint: {bare_s:.2f} s")
    print(f"  tipdesk login window to first paint:     {ours_s:.2f} s")
    print(f"  \"Log in\" ({TYPING_S:.1f} s after) to the main window's first paint: {login_s:.2f} s")
    print(f"  ratio: {ratio:.2f}x (target <= 3.5x) {'OK' if ratio <= 3.5 else 'MISSED'}")
    print(f"  Argon2id unlock of one keyslot: {unlock_s:.3f} s (target <= 1 s) {'OK' if unlock_s <= 1 else 'MISSED'}")
