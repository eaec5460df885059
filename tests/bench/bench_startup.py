"""Benchmark: cold start to the first painted main window, against a bare PySide6 QMainWindow.

Run: ``python -m pytest -q -m bench tests/bench/bench_startup.py -s``. Prints the times, their ratio
(target: tipdesk at most 3.5x the bare window) and the Argon2id unlock time (target: at most 1 s);
asserts only that both windows were painted.

Each start is a fresh interpreter (no warm import cache in the process) on a data folder that was set up
beforehand: tipdesk imports itself, logs in with ``open_desk`` (Argon2id, opening and checking the
database), builds ``MainWindow`` with every page the administrator may use and shows it; the clock
stops at the window's first paint event. The bare start imports PySide6, shows a QMainWindow with a
label and stops at its first paint. Times run from the launch of the process (wall clock).
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

TIPDESK = FIRST_PAINT + r"""
data_dir, password = sys.argv[1], sys.argv[2]
from pathlib import Path
from tipdesk.gui.app import configure_app, ensure_app
from tipdesk.gui.language import apply_language
from tipdesk.gui.main_window import MainWindow
from tipdesk.gui.tasks import TaskManager
from tipdesk.services.auth import open_desk
app = ensure_app()
configure_app(app)
apply_language("vi")
started = time.time()
desk = open_desk("admin", password, data_dir=Path(data_dir))
opened = time.time()
tasks = TaskManager(app)
window = MainWindow(desk, tasks)
measure(app, window, {"login_s": opened - started, "pages": [s.key for s in window.specs]})
tasks.shutdown()
desk.close()
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
    ours = [_start(TIPDESK, str(inst.data_dir), ADMIN_PASSWORD) for _round in range(ROUNDS)]
    store = KeyslotStore.load(inst.data_dir / "keyslots.json")
    unlock_times = []
    for _round in range(ROUNDS):
        begin = time.perf_counter()
        assert store.unwrap(user_slot_id("admin"), ADMIN_PASSWORD) is not None
        unlock_times.append(time.perf_counter() - begin)

    bare_s = statistics.median(float(r["seconds"]) for r in bare)  # type: ignore[arg-type]
    ours_s = statistics.median(float(r["seconds"]) for r in ours)  # type: ignore[arg-type]
    login_s = statistics.median(float(r["login_s"]) for r in ours)  # type: ignore[arg-type]
    unlock_s = statistics.median(unlock_times)
    ratio = ours_s / bare_s
    print(f"\nstartup bench (median of {ROUNDS} cold starts, pages: {', '.join(ours[0]['pages'])})")  # type: ignore[arg-type]
    print(f"  bare PySide6 QMainWindow to first paint: {bare_s:.2f} s")
    print(f"  tipdesk MainWindow to first paint:       {ours_s:.2f} s (login with open_desk {login_s:.2f} s)")
    print(f"  ratio: {ratio:.2f}x (target <= 3.5x) {'OK' if ratio <= 3.5 else 'MISSED'}")
    print(f"  Argon2id unlock of one keyslot: {unlock_s:.3f} s (target <= 1 s) {'OK' if unlock_s <= 1 else 'MISSED'}")
