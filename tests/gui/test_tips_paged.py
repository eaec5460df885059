"""The generic lazy table model: pages on demand, resets, refresh keeping the selection, stale answers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView

from tipdesk.gui.models.paged import KEY_ROLE, KeepSelection, PagedColumn, PagedTableModel
from tipdesk.gui.tasks import BaseTaskManager, FakeTaskManager, TaskManager
from tipdesk.i18n import _
from tipdesk.services.paging import Page, PageRequest


@dataclass(frozen=True)
class Item:
    id: str
    n: int


class Source:
    """A list of items served in keyset pages, like a service ``list`` method."""

    def __init__(self, count: int) -> None:
        self.items = [Item(f"id{n:04d}", n) for n in range(count)]
        self.requests: list[PageRequest] = []
        self.threads: set[str] = set()

    def fetch(self, request: PageRequest) -> Page[Item]:
        self.requests.append(request)
        self.threads.add(threading.current_thread().name)
        items = sorted(self.items, key=lambda i: i.n, reverse=request.descending)
        if "odd" in request.filters:
            items = [i for i in items if i.n % 2]
        start = 0 if request.after is None else next(k for k, i in enumerate(items) if i.id == request.after[0]) + 1
        chunk = items[start:start + request.limit]
        more = start + request.limit < len(items)
        return Page(chunk, (chunk[-1].id,) if more and chunk else None)


class QueuedTasks(BaseTaskManager):
    """Holds tasks until ``run_all``: answers can arrive late and out of order."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: list[tuple[Callable[[], Any], Any, Any]] = []

    def run_db(self, fn: Any, on_done: Any = None, on_error: Any = None) -> None:
        self._begin()
        self.queue.append((fn, on_done, on_error))

    def run(self, index: int) -> None:
        fn, done, error = self.queue.pop(index)
        self._end()
        done(fn())


COLUMNS = [PagedColumn("Number", lambda i: str(i.n), sort_key="n"), PagedColumn("Id", lambda i: i.id)]


def make(source: Source, tasks: BaseTaskManager, page_size: int = 10) -> PagedTableModel[Item]:
    return PagedTableModel(COLUMNS, source.fetch, lambda i: i.id, tasks, page_size=page_size)


def test_pages_are_fetched_on_demand_only(qtbot: Any) -> None:
    source = Source(25)
    model = make(source, FakeTaskManager())
    model.set_query(sort="n")
    assert model.rowCount() == 10 and len(source.requests) == 1
    assert model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == 25 and not model.canFetchMore() and model.complete
    assert [r.after for r in source.requests] == [None, ("id0009",), ("id0019",)]
    assert model.data(model.index(3, 0)) == "3" and model.data(model.index(3, 1), KEY_ROLE) == "id0003"
    assert model.headerData(0, Qt.Orientation.Horizontal) == _("Number")


def test_filters_and_sorting_reset(qtbot: Any) -> None:
    source = Source(30)
    model = make(source, FakeTaskManager())
    model.set_query(filters={"odd": True})
    assert [model.row(i).n for i in range(3)] == [1, 3, 5]
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.row(0).n == 29 and source.requests[-1].descending and source.requests[-1].sort == "n"
    model.sort(1, Qt.SortOrder.AscendingOrder)  # a column without sort key does nothing
    assert model.row(0).n == 29 and model.sort_column() == 0


def test_header_clicks_sort_and_toggle(qtbot: Any) -> None:
    source = Source(30)
    model = make(source, FakeTaskManager())
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    header = view.horizontalHeader()
    model.set_query(sort="", descending=False)
    model.sort_by_header(0, header, newest_first="n")  # a date-like key starts newest first
    assert model.row(0).n == 29 and header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    model.sort_by_header(0, header)  # a second click reverses
    assert model.row(0).n == 0 and header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    model.sort_by_header(1, header)  # no sort key: order and indicator stay
    assert model.row(0).n == 0 and header.sortIndicatorSection() == 0


def test_refresh_keeps_the_selected_record(qtbot: Any) -> None:
    source = Source(40)
    model = make(source, FakeTaskManager())
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    keeper = KeepSelection(view, model)
    model.set_query(sort="n")
    model.fetchMore()
    view.setCurrentIndex(model.index(12, 0))
    source.items.insert(0, Item("new", -1))  # a new record arrives at the top
    model.refresh()
    assert model.rowCount() == 20 and source.requests[-1].limit == 20
    assert model.key_at(view.currentIndex().row()) == "id0012"  # same record, now one row lower
    model.set_query(filters={"odd": True})
    keeper.select("id0005")
    assert model.key_at(view.currentIndex().row()) == "id0005"


def test_superseded_answers_are_ignored(qtbot: Any) -> None:
    source = Source(50)
    tasks = QueuedTasks()
    model = make(source, tasks)
    model.set_query(sort="n", descending=False)
    model.set_query(descending=True)  # the user clicked again before the first answer came
    assert model.loading and not model.canFetchMore()
    tasks.run(1)  # the newer answer first
    tasks.run(0)  # then the stale one
    assert model.row(0).n == 49 and model.rowCount() == 10 and not model.loading


def test_real_worker_fetches_off_the_gui_thread(qtbot: Any) -> None:
    source = Source(15)
    tasks = TaskManager()
    try:
        model = make(source, tasks)
        model.set_query(sort="n")
        qtbot.waitUntil(lambda: model.rowCount() == 10, timeout=5000)
        model.fetchMore()
        qtbot.waitUntil(lambda: model.complete, timeout=5000)
        assert model.rowCount() == 15
        assert source.threads and threading.current_thread().name not in source.threads
    finally:
        tasks.shutdown()


def test_failure_is_reported(qtbot: Any) -> None:
    def broken(_request: PageRequest) -> Page[Item]:
        raise RuntimeError("disk on fire")

    model: PagedTableModel[Item] = PagedTableModel(COLUMNS, broken, lambda i: i.id, FakeTaskManager())
    with qtbot.waitSignal(model.load_failed) as blocker:
        model.set_query()
    assert str(blocker.args[0]) == "disk on fire" and not model.loading and not model.canFetchMore(QModelIndex())
