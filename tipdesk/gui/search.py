"""Search as you type across tips and persons (Ctrl+F in the main window).

Typing is debounced (``DEBOUNCE_MS``); each query runs on the DB worker and answers that arrive after a
newer query was sent are dropped. Results are ranked by the search service (exact, then prefix, then
fuzzy); the matching words are shown in bold. Up/Down move through the results while typing, Enter or a
double click opens the chosen record: ``record_chosen(kind, id)`` is emitted and the dialog closes.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tipdesk.gui.tasks import BaseTaskManager
from tipdesk.i18n import _, ngettext
from tipdesk.services import search as search_service
from tipdesk.services.context import Desk
from tipdesk.services.search import SearchHit, Span

if TYPE_CHECKING:
    from tipdesk.gui.main_window import MainWindow

DEBOUNCE_MS = 180
RESULT_LIMIT = 20
_KIND_COLOURS = {"tip": "#1f5fa8", "person": "#2e7d32"}


def marked_html(value: str, spans: Sequence[Span]) -> str:
    """``value`` as escaped HTML with the ``spans`` in bold."""
    out: list[str] = []
    last = 0
    for start, end in spans:
        out += [html.escape(value[last:start]), "<b>", html.escape(value[start:end]), "</b>"]
        last = end
    out.append(html.escape(value[last:]))
    return "".join(out)


def kind_label(kind: str) -> str:
    return _("Tip") if kind == "tip" else _("Person")


def hit_html(hit: SearchHit) -> str:
    colour = _KIND_COLOURS.get(hit.kind, "#555555")
    title = marked_html(hit.title, hit.title_spans)
    snippet = marked_html(hit.snippet, hit.snippet_spans)
    tag = html.escape(kind_label(hit.kind))
    line = f'<span style="color:{colour}">{tag}</span>&nbsp;&nbsp;{title}'
    if snippet:
        line += f'<br><span style="color:#555555">{snippet}</span>'
    return line


class SearchDialog(QDialog):
    """A search box with ranked, highlighted results; emits ``record_chosen(kind, id)``."""

    record_chosen = Signal(str, str)
    results_shown = Signal(int)  # number of hits shown (tests and the status line)

    def __init__(self, desk: Desk, tasks: BaseTaskManager, parent: QWidget | None = None,
                 limit: int = RESULT_LIMIT) -> None:
        super().__init__(parent)
        self.desk, self.tasks, self.limit = desk, tasks, limit
        self.hits: list[SearchHit] = []
        self._sent = 0  # number of the newest query sent
        self._open_when_shown = False
        self.setWindowTitle(_("Search"))
        self.resize(760, 500)
        self.box = QLineEdit(self)
        self.box.setPlaceholderText(_("Name, register number, ID or phone number, place…"))
        self.box.setClearButtonEnabled(True)
        self.box.installEventFilter(self)
        self.results = QListWidget(self)
        self.results.setAlternatingRowColors(True)
        self.results.setWordWrap(True)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.itemActivated.connect(lambda _item: self.open_current())
        self.status = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.box)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.run_query)
        self.box.textChanged.connect(lambda _text: self.timer.start())
        self.box.returnPressed.connect(self.open_current)

    # -- querying -----------------------------------------------------------------
    def run_query(self) -> None:
        """Send the current text to the worker now (the debounce timer calls this)."""
        self.timer.stop()
        query = self.box.text()
        self._sent += 1
        number = self._sent
        if not query.strip():
            self._show(number, [])
            return
        self.status.setText(_("Searching…"))
        desk, limit = self.desk, self.limit
        self.tasks.run_db(lambda: search_service.search(desk, query, limit=limit),
                          partial(self._show, number), partial(self._failed, number))

    def _failed(self, number: int, exc: BaseException) -> None:
        if number == self._sent:
            self.status.setText(str(exc))

    def _show(self, number: int, hits: list[SearchHit]) -> None:
        if number != self._sent:
            return  # an older answer: a newer query is on its way
        self.hits = list(hits)
        self.results.clear()
        for hit in self.hits:
            item = QListWidgetItem(self.results)
            label = QLabel(hit_html(hit))
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setContentsMargins(6, 4, 6, 4)
            label.setWordWrap(True)
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            self.results.setItemWidget(item, label)
        self._fit_rows()
        if self.hits:
            self.results.setCurrentRow(0)
        self._set_status()
        self.results_shown.emit(len(self.hits))
        if self._open_when_shown:
            self._open_when_shown = False
            self.open_current()

    def _fit_rows(self) -> None:
        """Row heights for the wrapped labels at the list's current width."""
        width = max(200, self.results.viewport().width() - 2)
        for row in range(self.results.count()):
            item = self.results.item(row)
            label = self.results.itemWidget(item)
            if label is not None:
                item.setSizeHint(QSize(width, label.heightForWidth(width)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_rows()

    def _set_status(self) -> None:
        if not self.box.text().strip():
            self.status.setText(_("Type to search tips and persons."))
        elif not self.hits:
            self.status.setText(_("Nothing found."))
        else:
            self.status.setText(ngettext("{n} result", "{n} results", len(self.hits)).format(n=len(self.hits)))

    # -- choosing -----------------------------------------------------------------
    def open_current(self) -> None:
        if self.timer.isActive():  # Enter before the debounce fired: search first, open the best hit then
            self._open_when_shown = True
            self.run_query()
            return
        row = self.results.currentRow()
        if 0 <= row < len(self.hits):
            hit = self.hits[row]
            self.record_chosen.emit(hit.kind, hit.id)
            self.accept()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.box and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(Qt.Key(event.key()))
            if step is not None and self.hits:
                row = max(0, min(len(self.hits) - 1, self.results.currentRow() + step))
                self.results.setCurrentRow(row)
                return True
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.box.setFocus()
        self.box.selectAll()
        self._set_status()


# -- main window hook -----------------------------------------------------------------------------------------


def open_record(window: MainWindow, kind: str, record_id: str) -> None:
    """Show the tips or persons page of the main window with the record open."""
    window.open_record(kind, record_id)


def show_search(window: MainWindow) -> SearchDialog:
    """Open (or bring back) the search dialog of ``window``; a chosen record opens on its page."""
    dialog = window.findChild(SearchDialog)
    if not isinstance(dialog, SearchDialog):
        dialog = SearchDialog(window.desk, window.tasks, window)
        dialog.record_chosen.connect(partial(open_record, window))
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


def install_search(window: MainWindow, shortcut: str = "Ctrl+F") -> QAction:
    """The window-wide search action (returned so the window can disable it while locked)."""
    action = QAction(window)
    action.setShortcut(QKeySequence(shortcut))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda _checked=False: show_search(window))
    window.addAction(action)
    return action
