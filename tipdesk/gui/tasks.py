"""One serial database worker; results come back to the GUI thread by signal (Anki's taskman).

Every call into the Desk services runs here, off the GUI thread and one at a time,
so SQLAlchemy sessions never cross threads and a slow write never freezes a window.
Widgets receive only the dataclasses the services return.

``run_db(fn, on_done, on_error)``: ``fn()`` runs on the worker; ``on_done(result)``
or ``on_error(exc)`` runs on the GUI thread. Without ``on_error`` the exception is
re-raised on the GUI thread, where the application's exception hook shows a user
error as a message and anything else in the crash dialog.

``FakeTaskManager`` runs everything inline (Picard's FakeThreadPool) for tests.
``run_with_progress`` adds a progress dialog whose Cancel button sets a
``threading.Event`` that the work checks through its ``TaskContext``.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from tipdesk.i18n import _

log = logging.getLogger(__name__)

T = TypeVar("T")
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class Cancelled(Exception):
    """Raised by cancellable work that stopped because the user pressed Cancel."""


class TaskContext:
    """What cancellable work receives: the cancellation flag and a progress reporter."""

    def __init__(self, cancelled: threading.Event, report: Callable[[int, int, str], None]) -> None:
        self.cancelled = cancelled
        self._report = report

    def is_cancelled(self) -> bool:
        return self.cancelled.is_set()

    def check(self) -> None:
        """Raise ``Cancelled`` if the user asked to stop."""
        if self.cancelled.is_set():
            raise Cancelled()

    def progress(self, done: int, total: int, text: str = "") -> None:
        self._report(done, total, text)


class BaseTaskManager(QObject):
    """The interface shared by the real and the fake task manager."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending = 0

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def run_db(self, fn: Callable[[], T], on_done: Callable[[T], None] | None = None,
               on_error: Failed | None = None) -> None:
        raise NotImplementedError

    def run_db_first(self, fn: Callable[[], T], on_done: Callable[[T], None] | None = None,
                     on_error: Failed | None = None) -> None:
        """As ``run_db``, but ahead of the tasks still waiting (a page the user is looking at goes before
        counts and side panels); the task already running finishes first."""
        self.run_db(fn, on_done, on_error)

    def shutdown(self) -> None:
        """Wait for the running task and stop the worker."""

    def _begin(self) -> None:
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)

    def _end(self) -> None:
        self._pending -= 1
        if self._pending == 0:
            self.busy_changed.emit(False)

    def _deliver(self, outcome: tuple[bool, Any], on_done: Done | None, on_error: Failed | None) -> None:
        """On the GUI thread: hand the result or the exception to the callbacks.

        A callback that is a method of a widget deleted meanwhile (the window was closed or
        the user logged out while the task ran) is skipped.
        """
        self._end()
        ok, value = outcome
        if not (_alive(on_done) and _alive(on_error)):
            log.info("result of a task dropped: its window is gone (%s)", "ok" if ok else type(value).__name__)
            return
        if ok:
            if on_done is not None:
                on_done(value)
        elif on_error is not None:
            on_error(value)
        else:
            raise value


def _alive(callback: Callable[..., Any] | None) -> bool:
    while isinstance(callback, partial):
        callback = callback.func
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)


def _call(fn: Callable[[], Any]) -> tuple[bool, Any]:
    try:
        return True, fn()
    except Exception as exc:  # handed to the GUI thread, never lost
        return False, exc


class TaskManager(BaseTaskManager):
    """The real manager: one worker thread for all database work."""

    _finished = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor: ThreadPoolExecutor | None = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tipdesk-db")
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        # The waiting tasks, in run order; each submitted job runs whichever task is first when it starts.
        self._jobs: deque[tuple[Callable[[], Any], Done | None, Failed | None]] = deque()
        self._jobs_lock = threading.Lock()

    def run_db(self, fn: Callable[[], T], on_done: Callable[[T], None] | None = None,
               on_error: Failed | None = None) -> None:
        self._queue(fn, on_done, on_error, first=False)

    def run_db_first(self, fn: Callable[[], T], on_done: Callable[[T], None] | None = None,
                     on_error: Failed | None = None) -> None:
        self._queue(fn, on_done, on_error, first=True)

    def _queue(self, fn: Callable[[], Any], on_done: Done | None, on_error: Failed | None, *, first: bool) -> None:
        if self._executor is None:
            raise RuntimeError("the database worker was shut down")
        self._begin()
        with self._jobs_lock:
            (self._jobs.appendleft if first else self._jobs.append)((fn, on_done, on_error))
        self._executor.submit(self._run_next)

    def _run_next(self) -> None:
        """On the worker: run the first waiting task and hand its outcome to the GUI thread."""
        with self._jobs_lock:
            fn, on_done, on_error = self._jobs.popleft()
        outcome = _call(fn)
        self._finished.emit(partial(self._deliver, outcome, on_done, on_error))

    @Slot(object)
    def _on_finished(self, closure: Callable[[], None]) -> None:
        closure()

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None


class FakeTaskManager(BaseTaskManager):
    """Runs each task inline on the calling (GUI) thread: deterministic tests, no waiting."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.calls = 0

    def run_db(self, fn: Callable[[], T], on_done: Callable[[T], None] | None = None,
               on_error: Failed | None = None) -> None:
        self.calls += 1
        self._begin()
        self._deliver(_call(fn), on_done, on_error)


class _ProgressRelay(QObject):
    progressed = Signal(int, int, str)


class ProgressRun(QObject):
    """A running cancellable task and its progress dialog (shown only if the work lasts)."""

    SHOW_AFTER_MS = 400

    def __init__(self, parent: QWidget | None, label: str, cancellable: bool = True) -> None:
        super().__init__(parent)
        self.cancelled = threading.Event()
        self.finished = False
        self.dialog = QProgressDialog(label, _("Cancel") if cancellable else "", 0, 0, parent)
        self.dialog.setWindowTitle(_("Please wait"))
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setMinimumDuration(0)
        self.dialog.canceled.connect(self._on_cancel)
        self.dialog.hide()
        self._relay = _ProgressRelay(self)
        self._relay.progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        QTimer.singleShot(self.SHOW_AFTER_MS, self, self._show_if_running)

    def context(self) -> TaskContext:
        return TaskContext(self.cancelled, self._relay.progressed.emit)

    def _show_if_running(self) -> None:
        if not self.finished:
            self.dialog.show()

    def _on_cancel(self) -> None:
        self.cancelled.set()
        self.dialog.setLabelText(_("Stopping…"))
        self.dialog.show()

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, text: str) -> None:
        if self.finished:
            return
        self.dialog.setMaximum(max(total, 0))
        self.dialog.setValue(min(done, total) if total > 0 else 0)
        if text:
            self.dialog.setLabelText(text)

    def close(self) -> None:
        self.finished = True
        self.dialog.hide()
        self.dialog.deleteLater()
        self.deleteLater()


def run_with_progress(tasks: BaseTaskManager, parent: QWidget | None, label: str, fn: Callable[[TaskContext], T],
                      on_done: Callable[[T], None], on_error: Failed | None = None, *,
                      on_cancel: Callable[[], None] | None = None, cancellable: bool = True) -> ProgressRun:
    """Run ``fn(context)`` on the database worker behind a progress dialog with a Cancel button."""
    run = ProgressRun(parent, label, cancellable)
    context = run.context()

    def done(result: T) -> None:
        run.close()
        on_done(result)

    def failed(exc: BaseException) -> None:
        run.close()
        if isinstance(exc, Cancelled):
            if on_cancel is not None:
                on_cancel()
            return
        if on_error is None:
            raise exc
        on_error(exc)

    tasks.run_db(lambda: fn(context), done, failed)
    return run
