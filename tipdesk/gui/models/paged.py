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
* ``paged_table(model, parent)`` makes the list's ``QTableView``: row selection, no editing, and a
  ``CellDelegate`` that paints ordinary cells from a per-row cache of the columns' texts and colours (one Python
  call per cell instead of the seven ``data()`` calls of ``QStyledItemDelegate``); the first page then holds
  what the view shows, not more.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar, cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QFont, QFontMetricsF, QPainter, QPalette, QTextLayout
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

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
MIN_FIRST_PAGE = 20
# One cell as the delegate paints it: text, alignment, foreground, background, font.
Cell = tuple[str, int, Any, Any, Any]


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
        self._cells: dict[int, tuple[Cell, ...]] = {}
        # How many rows the view shows (set by ``paged_table``): the first page fetches that many, not more.
        self.rows_on_screen: Callable[[], int] | None = None
        # Calls back once the view has painted (set by ``paged_table``; see ``after_paint``).
        self.painted_then: Callable[[Callable[[], None]], None] | None = None

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
        self._cells.clear()
        self._cursor = None
        self._exhausted = False
        self._generation += 1
        self.endResetModel()
        self._load(None, self.first_page(), replace=True)

    def after_first_page(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the pending first page is in (or failed), after the view has painted it.

        The call waits for the paint of the rows (``after_paint``), so work it starts on the database worker
        (a list's counts and panels) does not compete with that paint for the interpreter. With no page
        pending (it came at once, or failed) it waits only for the next paint.
        """
        if not self._loading:
            self.after_paint(callback)
            return
        fired = False

        def fire(*_args: Any) -> None:
            nonlocal fired
            if not fired:
                fired = True
                self.replaced.disconnect(fire)
                self.load_failed.disconnect(fire)
                self.after_paint(callback)

        self.replaced.connect(fire)
        self.load_failed.connect(fire)

    def after_paint(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the view has painted the rows as they are now (``paged_table`` tells when;
        without a view, on the next turn of the event loop)."""
        if self.painted_then is not None:
            self.painted_then(callback)
        else:
            QTimer.singleShot(0, self, callback)

    def first_page(self) -> int:
        """Rows to fetch for a new query: a screenful and a few more (the view asks for more on scrolling)."""
        shown = self.rows_on_screen() if self.rows_on_screen is not None else 0
        wanted = shown + 3 if shown > 0 else FIRST_PAGE
        return min(self.page_size, max(MIN_FIRST_PAGE, min(wanted, FIRST_PAGE)))

    def refresh(self) -> None:
        """Reload the rows shown so far (after a change) without resetting the view."""
        wanted = min(max(len(self.rows), self.page_size), MAX_PAGE)
        self._generation += 1
        self._load(None, wanted, replace=True)

    def _request(self, after: tuple[Any, ...] | None, limit: int) -> PageRequest:
        return PageRequest(filters=dict(self.filters), sort=self.sort_key, descending=self.descending, after=after,
                           limit=limit)

    # The answers come back as bound methods (through ``partial``): the task manager drops them when the model
    # was deleted meanwhile (its list closed while the worker ran).
    def _load(self, after: tuple[Any, ...] | None, limit: int, *, replace: bool) -> None:
        request = self._request(after, limit)
        self._set_loading(True)
        self._tasks.run_db_first(partial(self._fetch, request), partial(self._loaded, self._generation, replace),
                                 partial(self._load_failed, self._generation))  # before counts and panels

    def _loaded(self, generation: int, replace: bool, page: Page[T]) -> None:
        if generation != self._generation:
            return  # a newer query or refresh superseded this answer
        self._set_loading(False)
        self._receive(page, replace)

    def _load_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._set_loading(False)
            self._exhausted = True
            self.load_failed.emit(exc)

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
        if page.follow_up is not None:
            # After the paint of these rows: the follow-up's Python work on the worker would otherwise hold the
            # interpreter while they are painted.
            self.after_paint(partial(self._follow, self._generation, page.follow_up))

    def _follow(self, generation: int, work: Callable[[], list[T]]) -> None:
        """Run a page's follow-up on the worker, first in line, and put the rows it returns in place."""
        if generation == self._generation:
            self._tasks.run_db_first(work, partial(self._followed, generation),
                                     partial(self._follow_failed, generation))

    def _followed(self, generation: int, rows: list[T]) -> None:
        if generation == self._generation:
            self.update_rows(rows)

    def _follow_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self.load_failed.emit(exc)

    def update_rows(self, rows: Sequence[T]) -> None:
        """Show new versions of loaded rows (matched by key); rows not loaded are ignored."""
        where = {self._key(r): i for i, r in enumerate(self.rows)}
        for row in rows:
            i = where.get(self._key(row))
            if i is not None:
                self.rows[i] = row
                self._cells.pop(i, None)
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.columns) - 1))

    def _replace(self, rows: list[T]) -> None:
        """Swap in new rows, telling the view only what changed in size (no reset: scroll position stays)."""
        self.about_to_replace.emit()
        self._cells.clear()
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

    def cells(self, index: int) -> tuple[Cell, ...]:
        """Row ``index`` as painted: each column's text, alignment, colours and font, computed once per row."""
        cells = self._cells.get(index)
        if cells is None:
            row = self.rows[index]
            cells = self._cells[index] = tuple(
                (c.text(row).replace("\n", " "), int(c.align.value), c.foreground(row) if c.foreground else None,
                 c.background(row) if c.background else None, c.font(row) if c.font else None)
                for c in self.columns)
        return cells

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
        self._cells.clear()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns) - 1)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.columns) - 1))


_PANEL = QStyle.PrimitiveElement.PE_PanelItemViewItem
_SPECIAL = int((QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus).value)
_ENABLED = int(QStyle.StateFlag.State_Enabled.value)
_ACTIVE = int(QStyle.StateFlag.State_Active.value)
_HOVER = int(QStyle.StateFlag.State_MouseOver.value)
_NO_BRUSH = QBrush()
_TEXT = QPalette.ColorRole.Text
_GROUPS = {True: QPalette.ColorGroup.Active, False: QPalette.ColorGroup.Inactive}
_STALE = (QEvent.Type.StyleChange, QEvent.Type.FontChange, QEvent.Type.PaletteChange)
_TEXT_CACHE = 4096
_FONT_COVERS = "\u1fff"  # Latin, Vietnamese included, and the other alphabets the list fonts all have
_RIGHT = int(Qt.AlignmentFlag.AlignRight.value)
_HCENTER = int(Qt.AlignmentFlag.AlignHCenter.value)


class CellDelegate(QStyledItemDelegate):
    """Paints a ``PagedTableModel``'s ordinary cells from ``model.cells(row)``, pixel for pixel as
    ``QStyledItemDelegate`` does (a test compares the two).

    ``QStyledItemDelegate`` asks the model seven roles per cell on every paint, each a call from C++ into
    Python, and lays the text out twice; this delegate makes one call per cell: the cell's background (through
    the style when the mouse is over it, for the platform's hover look), then the text, elided and measured once
    per text and width (statuses, types and names repeat down a list), in the cell's colour and font. Selected and
    focused cells and disabled views take the standard path, so selection and focus look as the style draws them.
    """

    def __init__(self, model: PagedTableModel[Any], parent: QWidget) -> None:
        super().__init__(parent)
        self.model = model
        self._view = parent
        self._look: tuple[QStyle, int, dict[bool, Any]] | None = None  # style, text margin, text colours
        self._fonts: dict[str, tuple[QFontMetricsF, int, float]] = {}  # metrics, line height, ascent
        # (text, width, font) -> elided text, its width, line height, ascent
        self._texts: dict[tuple[str, int, str], tuple[str, float, int, float]] = {}
        parent.installEventFilter(self)  # a new style, font or palette makes what is kept stale

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _STALE:
            self._look = None
            self._fonts.clear()
            self._texts.clear()
        return super().eventFilter(watched, event)

    def _current_look(self) -> tuple[QStyle, int, dict[bool, Any]]:
        view = self._view
        style = view.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
        palette = view.palette()
        colours = {active: palette.color(group, _TEXT) for active, group in _GROUPS.items()}
        self._look = (style, margin, colours)
        return self._look

    def _measure(self, text: str, width: int, font_key: str, font: QFont, align: int,
                 elide: Qt.TextElideMode) -> tuple[str, float, int, float]:
        """``text`` as shown in ``width`` pixels: elided text, its width (for centred and right-aligned text
        only: measuring lays the text out once more), the line's height rounded up and its ascent."""
        measures = self._fonts.get(font_key)
        if measures is None:
            metrics = QFontMetricsF(font)
            measures = self._fonts[font_key] = (metrics, math.ceil(metrics.height()), metrics.ascent())
        metrics, line_height, ascent = measures
        shown = metrics.elidedText(text, elide, width)
        advance = metrics.horizontalAdvance(shown) if align & (_RIGHT | _HCENTER) else 0.0
        if shown and max(shown) > _FONT_COVERS:
            # A symbol (⚠, ✓) may come from a fallback font with a taller line: lay the line out as Qt does.
            layout = QTextLayout(shown, font)
            layout.beginLayout()
            line = layout.createLine()
            layout.endLayout()
            line_height, ascent, advance = math.ceil(line.height()), line.ascent(), line.naturalTextWidth()
        if len(self._texts) >= _TEXT_CACHE:
            self._texts.clear()
        known = self._texts[(text, width, font_key)] = (shown, advance, line_height, ascent)
        return known

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        state = option.state.value  # type: ignore[attr-defined]
        row = index.row()
        if state & _SPECIAL or not state & _ENABLED or row >= len(self.model.rows):
            super().paint(painter, option, index)
            return
        text, align, foreground, background, font = self.model.cells(row)[index.column()]
        style, margin, colours = self._look or self._current_look()
        cell = option.rect  # type: ignore[attr-defined]
        if state & _HOVER:
            option.backgroundBrush = _NO_BRUSH if background is None else QBrush(background)  # type: ignore[attr-defined]
            style.drawPrimitive(_PANEL, option, painter, self._view)
        elif background is not None:
            painter.fillRect(cell, background)  # what the style's item panel draws for an unselected cell
        if font is None:
            font_key = ""
        else:
            font = font.resolve(option.font)  # type: ignore[attr-defined]  # what it leaves unset is the view's
            font_key = font.key()
            painter.setFont(font)
        left, y, width, height = cast(tuple[int, int, int, int], cell.getRect())
        width -= 2 * margin
        known = self._texts.get((text, width, font_key))
        if known is None:
            known = self._measure(text, width, font_key, font or option.font, align, option.textElideMode)  # type: ignore[attr-defined]
        shown, advance, line_height, ascent = known
        x: float = left + margin
        if align & _RIGHT:
            x += width - advance
        elif align & _HCENTER:
            x += (width - advance) / 2
        painter.setPen(colours[bool(state & _ACTIVE)] if foreground is None else foreground)
        # QStyledItemDelegate's text layout: a line of ceil(height) centred in whole pixels, drawn at its ascent.
        painter.drawText(QPointF(x, y + (height - line_height) // 2 + ascent), shown)
        if font is not None:
            painter.setFont(option.font)  # type: ignore[attr-defined]


class _AfterPaint(QObject):
    """Runs callbacks once a viewport has painted: a paint event is seen on its way in, and a zero timer set
    then fires after that paint. A viewport that does not paint (hidden) runs them after ``FALLBACK_MS``."""

    FALLBACK_MS = 100

    def __init__(self, viewport: QWidget) -> None:
        super().__init__(viewport)
        self.viewport = viewport
        self.waiting: list[Callable[[], None]] = []
        self.fallback = QTimer(self)
        self.fallback.setSingleShot(True)
        self.fallback.setInterval(self.FALLBACK_MS)
        self.fallback.timeout.connect(self._run)
        viewport.installEventFilter(self)

    def call(self, callback: Callable[[], None]) -> None:
        self.waiting.append(callback)
        if not self.fallback.isActive():
            self.fallback.start()
        self.viewport.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.waiting:
            QTimer.singleShot(0, self, self._run)
        return False

    def _run(self) -> None:
        self.fallback.stop()
        waiting, self.waiting = self.waiting, []
        for callback in waiting:
            callback()


def paged_table(model: PagedTableModel[Any], parent: QWidget, *, row_height: int = 24) -> QTableView:
    """A read-only table over ``model``: whole-row single selection, fixed row height, no row numbers, painted
    by a ``CellDelegate``, and the model's first page sized to the rows it shows."""
    table = QTableView(parent)
    table.setModel(model)
    table.setItemDelegate(CellDelegate(model, table))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(row_height)
    model.rows_on_screen = lambda: table.viewport().height() // max(row_height, 1)
    model.painted_then = _AfterPaint(table.viewport()).call
    return table


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
