"""The serial database worker, its synchronous fake, the progress helper and the event bridge."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QPushButton

from tipdesk.events import Changes, EventBus
from tipdesk.gui.bridge import EventBridge
from tipdesk.gui.tasks import FakeTaskManager, TaskContext, TaskManager, run_with_progress


def test_work_runs_off_the_gui_thread_and_results_come_back_on_it(worker: TaskManager, qtbot) -> None:
    seen: dict[str, object] = {}

    def work() -> int:
        seen["work"] = threading.current_thread()
        return 42

    def done(value: int) -> None:
        seen["done"] = threading.current_thread()
        seen["value"] = value

    worker.run_db(work, done)
    qtbot.waitUntil(lambda: "value" in seen)
    assert seen["value"] == 42
    assert seen["work"] is not threading.main_thread()
    assert seen["done"] is threading.main_thread()
    assert not worker.busy


def test_tasks_run_one_at_a_time_in_order(worker: TaskManager, qtbot) -> None:
    running = 0
    peak = 0
    order: list[int] = []
    lock = threading.Lock()

    def work(i: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.01)
        with lock:
            running -= 1
        return i

    for i in range(6):
        worker.run_db(lambda i=i: work(i), order.append)
    assert worker.busy
    qtbot.waitUntil(lambda: len(order) == 6)
    assert order == list(range(6)) and peak == 1


def test_errors_go_to_on_error(worker: TaskManager, qtbot) -> None:
    errors: list[BaseException] = []
    worker.run_db(lambda: 1 / 0, lambda _v: pytest.fail("no result expected"), errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], ZeroDivisionError)


def test_unhandled_error_is_raised_on_the_gui_thread(worker: TaskManager, qtbot) -> None:
    with qtbot.captureExceptions() as exceptions:
        worker.run_db(lambda: [][1])
        qtbot.waitUntil(lambda: bool(exceptions))
    assert exceptions[0][0] is IndexError


def test_fake_manager_runs_inline(tasks: FakeTaskManager) -> None:
    results: list[str] = []
    tasks.run_db(lambda: threading.current_thread().name, results.append)
    assert results == [threading.current_thread().name]
    assert tasks.calls == 1 and not tasks.busy


def test_busy_signal(worker: TaskManager, qtbot) -> None:
    states: list[bool] = []
    worker.busy_changed.connect(states.append)
    release = threading.Event()
    worker.run_db(lambda: release.wait(5))
    worker.run_db(lambda: None)
    release.set()
    qtbot.waitUntil(lambda: states == [True, False])


def test_progress_cancel_sets_the_flag(worker: TaskManager, qtbot) -> None:
    started = threading.Event()
    outcome: list[str] = []

    def work(ctx: TaskContext) -> str:
        started.set()
        for i in range(500):
            ctx.check()
            ctx.progress(i, 500, "")
            time.sleep(0.01)
        return "finished"

    run = run_with_progress(worker, None, "working", work, outcome.append, on_cancel=lambda: outcome.append("x"))
    assert started.wait(5)
    qtbot.waitUntil(lambda: run.dialog.maximum() == 500)
    qtbot.waitUntil(run.dialog.isVisible)  # shown because the work lasts
    qtbot.mouseClick(run.dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(outcome))
    assert outcome == ["x"] and run.cancelled.is_set()


def test_progress_without_cancel_returns_the_result(tasks: FakeTaskManager, qtbot) -> None:
    outcome: list[int] = []
    run = run_with_progress(tasks, None, "working", lambda ctx: 7 if not ctx.is_cancelled() else -1, outcome.append)
    assert outcome == [7] and run.finished
    assert not run.dialog.isVisible()


def test_bridge_reemits_worker_events_on_the_gui_thread(worker: TaskManager, qtbot) -> None:
    bus = EventBus()
    bridge = EventBridge(bus)
    received: list[tuple[Changes, bool]] = []
    bridge.changed.connect(lambda c: received.append((c, QThread.currentThread() == bridge.thread())))
    worker.run_db(lambda: bus.publish(Changes.of("user")))
    qtbot.waitUntil(lambda: bool(received))
    assert received[0][0].touches("user") and received[0][1]
    bridge.close()
    bus.publish(Changes.of("user"))
    qtbot.wait(20)
    assert len(received) == 1


def test_result_for_a_closed_window_is_dropped(worker: TaskManager, qtbot) -> None:
    """A page closed (log out) while its task ran must not receive the result on a deleted widget."""
    import shiboken6
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    release = threading.Event()
    with qtbot.captureExceptions() as exceptions:
        worker.run_db(lambda: release.wait(5) and "late", label.setText)
        shiboken6.delete(label)
        release.set()
        qtbot.waitUntil(lambda: not worker.busy)
    assert exceptions == []


def test_a_page_the_user_waits_for_runs_before_the_waiting_side_tasks(qtbot) -> None:
    """run_db_first jumps the queue (the running task still finishes first): a list page is not held
    up by the counts and panels queued before it."""
    tasks = TaskManager()
    gate = threading.Event()
    order: list[str] = []
    try:
        tasks.run_db(lambda: gate.wait(5) and order.append("running"))
        tasks.run_db(lambda: order.append("count"))
        tasks.run_db(lambda: order.append("panel"))
        tasks.run_db_first(lambda: order.append("page"))
        gate.set()
        qtbot.waitUntil(lambda: not tasks.busy, timeout=5000)
    finally:
        tasks.shutdown()
    assert order == ["running", "page", "count", "panel"]
