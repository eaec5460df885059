"""A lazy table model over keyset pages: never holds more rows than the user scrolled to.

Usage (tips, persons, any list served by ``tipdesk.services.paging``)::

    columns = [PagedColumn(N_("No."), lambda r: r.register_label, sort_key="register"), ...]
    model = PagedTableModel(columns, fetch=service.list, key=lambda r: r.id, tasks=ctx.tasks)
    view.setModel(model)
    keeper = KeepSelection(view, model)         # the selected record survives refreshes
    model.set_query(filters={...}, sort="received", descending=True)   # loads the first page

* ``fetch(PageRequest) -> Page[T]`` runs on the database worker (``tasks.run_db``), never on the GUI
  thread. ``canFetchMore``/``fetchMore`` ask for the next page when the view scrolls near the end;
  the rows are appended when the answer arrives.
* ``set_query`` (filters or sort changed) resets the model and loads the first page; ``refresh``
  reloads what was loaded (up to ``MAX_PAGE`` rows) in one query and replaces it without a visible
  reset, so the scroll position and the selection stay. Answers to superseded requests are ignored.
* Clicking a header sorts by that column's ``sort_key`` (columns without one do not sort).
* ``loading_changed(bool)``, ``replaced()`` (first page in) and ``load_failed(exception)`` report progress;
  ``row(i)``, ``row_index(key)`` and ``key_at(i)`` read the loaded rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView

from tipdesk.gui.tasks import BaseTaskManager
from tipdesk.i18n import _
from tipdesk.services.paging import MAX_PAGE, Page, PageRequest

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
KEY_ROLE = Qt.ItemDataRole.UserRole + 10
DEFAULT_PAGE = 100
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_HOOKS = {int(Qt.ItemDataRole.ForegroundRole.value): "foreground", int(Qt.ItemDataRole.BackgroundRole.value): "background",
          int(Qt.ItemDataRole.FontRole.value): "font", _TOOLTIP: "tooltip"}
# The first page after a new query: more than a maximised 1080p window shows, half a page of work less
# before the first paint; scrolling fetches whole pages from there.
FIRST_PAGE = 50


@dataclass(frozen=True)
class PagedColumn(Generic[T]):
    """One column: a title (msgid, translated when shown) and how to show a row in it."""

    title: str
    text: Callable[[T], str]
    sort_key: str = ""  # PageRequest.sort value; "" = not sortable
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    foreground: Callable[[T], Any] | None = None  # QColor/QBrush or None
    background: Callable[[T], Any] | None = None
    font: Callable[[T], Any] | None = None  # QFont or None
    tooltip: Callable[[T], str] | None = None
    width: int = 0  # preferred width in pixels (0: let the view decide)


class PagedTableModel(QAbstractTableModel, Generic[T]):
    loading_changed = Signal(bool)
    load_failed = Signal(object)
    about_to_replace = Signal()  # the first page (of a query or refresh) is about to replace the rows
    replaced = Signal()  # ... and has replaced them

    def __init__(self, columns: Sequence[PagedColumn[T]], fetch: Callable[[PageRequest], Page[T]],
                 key: Callable[[T], str], tasks: BaseTaskManager, *, page_size: int = DEFAULT_PAGE,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._fetch = fetch
        self._key = key
        self._tasks = tasks
        self.page_size = page_size
        self.rows: list[T] = []
        self.filters: Mapping[str, Any] = {}
        self.sort_key = ""
        self.descending = False
        self._cursor: tuple[Any, ...] | None = None
        self._exhausted = True
        self._generation = 0
        self._loading = False

    # -- queries -----------------------------------------------------------------------------------------
    def set_query(self, *, filters: Mapping[str, Any] | None = None, sort: str | None = None,
                  descending: bool | None = None) -> None:
        """Change filters and/or sort (None keeps the current value) and load the first page."""
        if filters is not None:
            self.filters = dict(filters)
        if sort is not None:
            self.sort_key = sort
        if descending is not None:
            self.descending = descending
        self.beginResetModel()
        self.rows = []
        self._cursor = None
        self._exhausted = False
        self._generation += 1
        self.endResetModel()
        self._load(None, min(self.page_size, FIRST_PAGE), replace=True)

    def refresh(self) -> None:
        """Reload the rows shown so far (after a change) without resetting the view."""
        wanted = min(max(len(self.rows), self.page_size), MAX_PAGE)
        self._generation += 1
        self._load(None, wanted, replace=True)

    def _request(self, after: tuple[Any, ...] | None, limit: int) -> PageRequest:
        return PageRequest(filters=dict(self.filters), sort=self.sort_key, descending=self.descending, after=after,
                           limit=limit)

    def _load(self, after: tuple[Any, ...] | None, limit: int, *, replace: bool) -> None:
        generation = self._generation
        request = self._request(after, limit)
        self._set_loading(True)

        def done(page: Page[T]) -> None:
            if generation != self._generation:
                return  # a newer query or refresh superseded this answer
            self._set_loading(False)
            self._receive(page, replace)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self._set_loading(False)
                self._exhausted = True
                self.load_failed.emit(exc)

        self._tasks.run_db_first(lambda: self._fetch(request), done, failed)  # before counts and panels

    def _receive(self, page: Page[T], replace: bool) -> None:
        self._cursor = page.next_cursor
        self._exhausted = page.next_cursor is None
        if replace:
            self._replace(page.rows)
        elif page.rows:
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + len(page.rows) - 1)
            self.rows.extend(page.rows)
            self.endInsertRows()

    def _replace(self, rows: list[T]) -> None:
        """Swap in new rows, telling the view only what changed in size (no reset: scroll position stays)."""
        self.about_to_replace.emit()
        old, new = len(self.rows), len(rows)
        if new < old:
            self.beginRemoveRows(QModelIndex(), new, old - 1)
            del self.rows[new:]
            self.endRemoveRows()
        self.rows[:] = rows[: len(self.rows)]
        if new > old:
            self.beginInsertRows(QModelIndex(), old, new - 1)
            self.rows.extend(rows[old:])
            self.endInsertRows()
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.columns) - 1))
        self.replaced.emit()

    def _set_loading(self, value: bool) -> None:
        if self._loading != value:
            self._loading = value
            self.loading_changed.emit(value)

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def complete(self) -> bool:
        """True when every matching row is loaded."""
        return self._exhausted and not self._loading

    # -- lazy fetching -------------------------------------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        return not parent.isValid() and not self._exhausted and not self._loading and self._cursor is not None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if self.canFetchMore(parent):
            self._load(self._cursor, self.page_size, replace=False)

    # -- reading rows --------------------------------------------------------------------------------------
    def row(self, index: int) -> T:
        return self.rows[index]

    def key_at(self, index: int) -> str:
        return self._key(self.rows[index])

    def row_index(self, key: str) -> int | None:
        return next((i for i, r in enumerate(self.rows) if self._key(r) == key), None)

    # -- Qt model ------------------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return _(column.title)
        if role == Qt.ItemDataRole.ToolTipRole and column.sort_key:
            return _("Click to sort by this column")
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called several times per visible cell on every paint: plain int roles, one dict look-up per hook.
        r = index.row()
        if r < 0 or r >= len(self.rows):
            return None
        row, column = self.rows[r], self.columns[index.column()]
        role = int(role)
        if role == _DISPLAY:
            return column.text(row)
        if role == _ALIGN:
            return int(column.align.value)
        if role == KEY_ROLE:
            return self._key(row)
        attr = _HOOKS.get(role)
        if attr is None:
            return None
        hook: Callable[[T], Any] | None = getattr(column, attr)
        if hook is None and role == _TOOLTIP:
            hook = column.text  # the whole text of a cut-off cell
        return hook(row) if hook is not None else None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(self.columns) and self.columns[column].sort_key:
            self.set_query(sort=self.columns[column].sort_key, descending=order == Qt.SortOrder.DescendingOrder)

    def sort_column(self) -> int:
        return next((i for i, c in enumerate(self.columns) if c.sort_key and c.sort_key == self.sort_key), -1)

    def sort_by_header(self, column: int, header: QHeaderView, newest_first: str = "") -> None:
        """A click on ``header``: sort by that column's key, reversing on a second click.

        A new column sorts ascending, except ``newest_first`` (a date key) which starts descending; a column
        without a sort key leaves the current order and puts the indicator back where it was.
        """
        key = self.columns[column].sort_key
        if not key:
            header.setSortIndicator(self.sort_column(), qt_order(self.descending))
            return
        descending = not self.descending if key == self.sort_key else key == newest_first
        self.set_query(sort=key, descending=descending)
        header.setSortIndicator(column, qt_order(descending))

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns) - 1)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.columns) - 1))


def qt_order(descending: bool) -> Qt.SortOrder:
    return Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder


class KeepSelection(QObject):
    """Keeps the view's selected record (by key) across resets and refreshes of a PagedTableModel."""

    def __init__(self, view: QAbstractItemView, model: PagedTableModel[Any]) -> None:
        super().__init__(view)
        self.view = view
        self.model = model
        self.key: str | None = None
        model.modelAboutToBeReset.connect(self._remember)
        model.about_to_replace.connect(self._remember)
        model.replaced.connect(self._restore)

    def _remember(self) -> None:
        index = self.view.currentIndex()
        if index.isValid() and index.row() < self.model.rowCount():
            self.key = self.model.key_at(index.row())

    def select(self, key: str | None) -> None:
        """Select the record ``key`` when (or as soon as) it is loaded."""
        self.key = key
        self._restore()

    def _restore(self) -> None:
        if self.key is None:
            return
        row = self.model.row_index(self.key)
        if row is None:
            return
        index = self.model.index(row, max(self.view.currentIndex().column(), 0))
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)
