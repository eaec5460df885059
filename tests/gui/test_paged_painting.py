"""How paged lists paint and load: the cell delegate (same pixels as Qt's, fewer calls), the first page sized to
the view, the work queued after the first paint, and the follow-up that updates rows already shown."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QFont, QImage
from PySide6.QtWidgets import QApplication, QStyledItemDelegate, QTableView

from tests.gui.test_tips_paged import QueuedTasks
from tipdesk.gui import app as gui_app
from tipdesk.gui.models.paged import (
    FIRST_PAGE,
    MIN_FIRST_PAGE,
    CellDelegate,
    PagedColumn,
    PagedTableModel,
    paged_table,
)
from tipdesk.gui.tasks import BaseTaskManager, FakeTaskManager
from tipdesk.services.paging import Page, PageRequest

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTRE = Qt.AlignmentFlag.AlignCenter


@dataclass(frozen=True)
class Row:
    id: str
    n: int
    name: str
    urgent: bool = False


def _bold(r: Row) -> QFont | None:
    if not r.urgent:
        return None
    font = QFont()
    font.setBold(True)
    return font


COLUMNS = [
    PagedColumn("No.", lambda r: ("⚠ " if r.urgent else "") + f"{r.n:05d}/2026", "n", font=_bold,
                background=lambda r: QColor("#fdecea") if r.urgent else None),
    PagedColumn("Name", lambda r: r.name, foreground=lambda r: QColor("#b00020") if r.n % 3 == 0 else None),
    PagedColumn("Amount", lambda r: f"{r.n * 1000:,}", align=RIGHT),
    PagedColumn("Mark", lambda r: "✓" if r.n % 2 else "—", align=CENTRE),
    PagedColumn("Summary", lambda r: "Nội dung tố giác rất dài về một vụ mua bán người qua biên giới\nở xã " * 3),
]
NAMES = ["Nguyễn Văn Đức", "Trần Thị Mỹ Pà", "Lò Seo Páo", "Vàng A Quân", "Hà Thị Ngọc Lan"]


class Source:
    def __init__(self, count: int) -> None:
        self.rows = [Row(f"r{n:03d}", n, NAMES[n % len(NAMES)], urgent=n % 4 == 0) for n in range(count)]
        self.requests: list[PageRequest] = []

    def fetch(self, request: PageRequest) -> Page[Row]:
        self.requests.append(request)
        start = 0 if request.after is None else int(request.after[0]) + 1
        chunk = self.rows[start:start + request.limit]
        more = start + request.limit < len(self.rows)
        return Page(chunk, (start + len(chunk) - 1,) if more else None)


class CountingModel(PagedTableModel[Row]):
    """Counts the model's ``data()`` calls (Qt calls the Python override)."""

    calls = 0

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        CountingModel.calls += 1
        return super().data(index, role)


def _table(qtbot: Any, rows: int = 40) -> tuple[QTableView, PagedTableModel[Row], Source]:
    source = Source(rows)
    model = CountingModel(COLUMNS, source.fetch, lambda r: r.id, FakeTaskManager())
    table = paged_table(model, None)  # type: ignore[arg-type]
    qtbot.addWidget(table)
    table.setAlternatingRowColors(True)
    for column, width in enumerate((110, 120, 90, 50, 300)):
        table.setColumnWidth(column, width)
    table.resize(720, 400)
    table.show()
    model.set_query()
    QApplication.processEvents()
    return table, model, source


def _pixels(table: QTableView, delegate: QStyledItemDelegate) -> QImage:
    table.setItemDelegate(delegate)
    QApplication.processEvents()
    return table.viewport().grab().toImage()


def test_cells_paint_exactly_as_qt_draws_them(qtbot: Any) -> None:
    table, model, _source = _table(qtbot)
    assert isinstance(table.itemDelegate(), CellDelegate)
    standard = _pixels(table, QStyledItemDelegate(table))
    ours = _pixels(table, CellDelegate(model, table))
    assert ours == standard  # backgrounds, colours, bold, right and centred text, elided long text
    table.selectRow(2)
    table.setFocus()
    assert _pixels(table, CellDelegate(model, table)) == _pixels(table, QStyledItemDelegate(table))
    font = QFont(table.font())
    font.setPointSize(font.pointSize() + 3)
    delegate = CellDelegate(model, table)
    _pixels(table, delegate)  # measured with the old font...
    table.setFont(font)  # ...which the new one makes stale
    assert _pixels(table, delegate) == _pixels(table, QStyledItemDelegate(table))


def test_cells_are_painted_without_asking_the_model_role_by_role(qtbot: Any) -> None:
    table, model, _source = _table(qtbot)
    table.selectionModel().clearCurrentIndex()  # no focused cell (that one is drawn by Qt's own path)
    table.setItemDelegate(QStyledItemDelegate(table))
    CountingModel.calls = 0
    table.viewport().grab()
    standard = CountingModel.calls
    table.setItemDelegate(CellDelegate(model, table))
    CountingModel.calls = 0
    table.viewport().grab()
    assert standard > 5 * 15 * len(COLUMNS)  # Qt's delegate: several roles for each visible cell
    assert CountingModel.calls == 0


def test_cells_follow_new_rows_and_translations(qtbot: Any) -> None:
    table, model, source = _table(qtbot)
    first = model.cells(0)[1][0]
    assert first == source.rows[0].name and "\n" not in model.cells(0)[4][0]
    model.update_rows([replace(source.rows[0], name="Đặng Thị Hương")])
    assert model.cells(0)[1][0] == "Đặng Thị Hương"
    model.retranslate()
    source.rows[1] = replace(source.rows[1], name="Bùi Văn Tú")
    model.refresh()
    assert model.cells(1)[1][0] == "Bùi Văn Tú"


def test_the_first_page_is_what_the_view_shows(qtbot: Any) -> None:
    table, model, source = _table(qtbot, rows=200)
    shown = table.viewport().height() // 24
    assert source.requests[0].limit == max(MIN_FIRST_PAGE, min(shown + 3, FIRST_PAGE))
    table.resize(720, 1000)
    QApplication.processEvents()
    model.set_query(sort="n")
    assert source.requests[-1].limit == min(table.viewport().height() // 24 + 3, FIRST_PAGE)
    bare = PagedTableModel(COLUMNS, source.fetch, lambda r: r.id, FakeTaskManager())
    bare.set_query()  # no view to measure
    assert source.requests[-1].limit == FIRST_PAGE


def test_work_after_the_first_page_waits_for_it_and_its_paint(qtbot: Any) -> None:
    source = Source(30)
    tasks = QueuedTasks()
    model = PagedTableModel(COLUMNS, source.fetch, lambda r: r.id, tasks)
    model.set_query()
    after: list[int] = []
    model.after_first_page(lambda: after.append(model.rowCount()))
    QApplication.processEvents()
    assert after == []  # the page is still on its way
    tasks.run(0)
    assert after == []  # queued behind the paint of the rows
    qtbot.waitUntil(lambda: after == [30])
    model.after_first_page(lambda: after.append(-1))  # nothing pending: queued at once
    qtbot.waitUntil(lambda: after == [30, -1])


def test_follow_up_replaces_rows_already_shown(qtbot: Any) -> None:
    source = Source(12)
    tasks = QueuedTasks()

    def fetch(request: PageRequest) -> Page[Row]:
        page = source.fetch(request)
        return replace(page, follow_up=lambda: [replace(r, name=r.name.upper()) for r in page.rows[:2]])

    model = PagedTableModel(COLUMNS, fetch, lambda r: r.id, tasks)
    changed: list[int] = []
    model.dataChanged.connect(lambda top, _bottom: changed.append(top.row()))
    model.set_query()
    tasks.run(0)
    assert model.rowCount() == 12 and model.row(0).name == NAMES[0] and tasks.queue == []
    qtbot.waitUntil(lambda: len(tasks.queue) == 1)  # the follow-up is asked for once the rows are painted
    changed.clear()
    tasks.run(0)
    assert [model.row(i).name for i in range(3)] == [NAMES[0].upper(), NAMES[1].upper(), NAMES[2]]
    assert changed == [0, 1]
    model.set_query()
    tasks.run(0)
    qtbot.waitUntil(lambda: len(tasks.queue) == 1)
    model.set_query(sort="n")  # a new query while the old page's follow-up waits
    tasks.run(1)  # the new page...
    tasks.run(0)  # ...then the old follow-up: its rows must not land on the new query's
    assert model.row(0).name == NAMES[0]
    qtbot.waitUntil(lambda: len(tasks.queue) == 1)
    tasks.run(0)  # the new page's own follow-up
    assert model.row(0).name == NAMES[0].upper()
    model.set_query()
    tasks.run(0)
    model.set_query()  # superseded before its follow-up was even asked for: never asked
    QApplication.processEvents()
    assert len(tasks.queue) == 1 and tasks.queue[0][0].func == model._fetch


def test_a_failed_follow_up_is_reported(qtbot: Any) -> None:
    source = Source(5)

    def broken() -> list[Row]:
        raise OSError("disk full")

    model = PagedTableModel(COLUMNS, lambda r: replace(source.fetch(r), follow_up=broken), lambda r: r.id,
                            FakeTaskManager())
    failures: list[BaseException] = []
    model.load_failed.connect(failures.append)
    model.set_query()
    assert model.rowCount() == 5
    qtbot.waitUntil(lambda: [type(f) for f in failures] == [OSError])


def test_qt_is_told_not_to_split_small_fills_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QT_NO_GUI_THREADPOOL", raising=False)
    gui_app.tune_qt_environment()
    assert os.environ["QT_NO_GUI_THREADPOOL"] == "1"
    monkeypatch.setenv("QT_NO_GUI_THREADPOOL", "")  # the user's own setting wins
    gui_app.tune_qt_environment()
    assert os.environ["QT_NO_GUI_THREADPOOL"] == ""


class HeldTasks(BaseTaskManager):
    """Holds tasks and delivers them through the real hand-over (``_deliver``), as the worker does."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[tuple[Any, Any, Any]] = []

    def run_db(self, fn: Any, on_done: Any = None, on_error: Any = None) -> None:
        self._begin()
        self.held.append((fn, on_done, on_error))

    def finish_all(self) -> None:
        """Deliver the tasks held now (tasks they start are held for the next call)."""
        for _ in range(len(self.held)):
            fn, done, error = self.held.pop(0)
            try:
                outcome = (True, fn())
            except Exception as exc:
                outcome = (False, exc)
            self._deliver(outcome, done, error)


def test_answers_for_a_closed_list_are_dropped(qtbot: Any) -> None:
    source = Source(8)
    tasks = HeldTasks()

    def fetch(request: PageRequest) -> Page[Row]:
        return replace(source.fetch(request), follow_up=lambda: source.rows[:1])

    model = PagedTableModel(COLUMNS, fetch, lambda r: r.id, tasks)
    model.set_query()
    tasks.finish_all()  # the page, then its follow-up is queued...
    qtbot.waitUntil(lambda: len(tasks.held) == 1)
    assert model.rowCount() == 8
    model.set_query()
    shiboken6.delete(model)  # ...and the list is closed while the worker runs both
    tasks.finish_all()  # no "already deleted" error from either answer
    assert not tasks.held and not tasks.busy


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def test_work_after_a_paint_waits_for_the_rows_to_be_painted(qtbot: Any) -> None:
    table, model, _source = _table(qtbot)
    counter = PaintCounter()
    table.viewport().installEventFilter(counter)
    seen: list[int] = []
    model.after_paint(lambda: seen.append(counter.paints))
    assert seen == []
    qtbot.waitUntil(lambda: bool(seen))
    assert seen[0] >= 1  # ran after a paint of the viewport, not before
    table.hide()
    model.after_paint(lambda: seen.append(-1))  # a hidden list does not paint: it still runs, a little later
    qtbot.waitUntil(lambda: seen[-1] == -1, timeout=2000)
