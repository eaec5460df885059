"""The tips list: the deadline panel, filters, accent-insensitive search and the lazy table."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain.deadlines import DeadlineState
from tipdesk.domain.persons import trafficking_forms
from tipdesk.domain.roles import Perm
from tipdesk.domain.tips import Channel, SourceType, TipStatus
from tipdesk.events import Changes
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.models.paged import KeepSelection, PagedColumn, PagedTableModel, paged_table
from tipdesk.gui.pages import PageContext
from tipdesk.gui.pages.province_filter import CommuneFilter, commune_column
from tipdesk.i18n import N_, _, format_datetime, format_number
from tipdesk.services.province_views import is_province
from tipdesk.services.tips import TipService
from tipdesk.services.tips_types import DeadlineFilter, DuePanel, TipRow, TipSort

URGENT_BACKGROUND = QColor("#fdecea")
STATE_COLOURS = {DeadlineState.OVERDUE: QColor("#b00020"), DeadlineState.DUE_SOON: QColor("#b35c00")}
SEARCH_DELAY_MS = 250


def _due_text(r: TipRow) -> str:
    if r.next_due_at is None:
        return ""
    return f"{format_datetime(r.next_due_at)} · {r.next_due_label}"


def _bold(r: TipRow) -> QFont | None:
    if not r.urgent:
        return None
    font = QFont()
    font.setBold(True)
    return font


def tip_columns(province: bool = False) -> list[PagedColumn[TipRow]]:
    """The list's columns; the provincial office also sees the commune each tip comes from."""
    def urgent_bg(r: TipRow) -> QColor | None:
        return URGENT_BACKGROUND if r.urgent else None

    commune = [dataclasses.replace(commune_column(), background=urgent_bg)] if province else []
    return [
        PagedColumn(N_("Reg. no."), lambda r: ("⚠ " if r.urgent else "") + r.register_label, TipSort.REGISTER.value,
                    font=_bold, background=urgent_bg,
                    tooltip=lambda r: _("Urgent: a person is in immediate danger") if r.urgent else ""),
        *commune,
        PagedColumn(N_("Received on"), lambda r: format_datetime(r.received_at), TipSort.RECEIVED.value,
                    background=urgent_bg),
        PagedColumn(N_("Source"), lambda r: r.source_type.label(), background=urgent_bg),
        PagedColumn(N_("Via"), lambda r: r.channel.label(), background=urgent_bg),
        PagedColumn(N_("Reported by"), lambda r: r.reporter.display(), background=urgent_bg),
        PagedColumn(N_("Summary"), lambda r: r.summary.replace("\n", " "), background=urgent_bg,
                    tooltip=lambda r: r.summary),
        PagedColumn(N_("Status"), lambda r: r.status.label(), background=urgent_bg),
        PagedColumn(N_("Next deadline"), _due_text, TipSort.DUE.value, background=urgent_bg,
                    foreground=lambda r: STATE_COLOURS.get(r.deadline_state) if r.deadline_state else None,
                    tooltip=lambda r: r.deadline_state.label() if r.deadline_state else ""),
        PagedColumn(N_("Officer"), lambda r: r.officer_name, background=urgent_bg),
    ]


class DuePanelWidget(Retranslatable, QFrame):
    """"3 overdue · 5 due soon" with a button that filters the list to them."""

    show_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.panel: DuePanel | None = None
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.button = QPushButton(self)
        self.button.setAutoDefault(False)
        self.button.clicked.connect(self.show_requested.emit)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.text, 1)
        row.addWidget(self.button)
        self.retranslate()

    def set_panel(self, panel: DuePanel) -> None:
        self.panel = panel
        self.retranslate()

    def retranslate(self) -> None:
        self.button.setText(_("Show the tips needing action (Ctrl+D)"))
        p = self.panel
        if p is None:
            self.text.setText(_("Checking deadlines…"))
            return
        attention = p.overdue + p.due_soon
        self.button.setVisible(attention > 0)
        if attention == 0:
            self.text.setText(_("No deadline is overdue or due soon."))
            self.setStyleSheet("QFrame { background: #e8f5e9; }")
            return
        first = p.rows[0] if p.rows else None
        text = _("Deadlines: {overdue} overdue, {soon} due soon.").format(overdue=p.overdue, soon=p.due_soon)
        if first is not None and first.next_due_at is not None:
            text += " " + _("First: tip {number}, {rule}, {when}.").format(
                number=first.register_label, rule=first.next_due_label, when=format_datetime(first.next_due_at))
        self.text.setText(text)
        self.setStyleSheet("QFrame { background: #fdecea; }" if p.overdue else "QFrame { background: #fff4e0; }")


def _combo(parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(9)
    return combo


def _date_edit(parent: QWidget) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setDate(QDate.currentDate())
    edit.setEnabled(False)
    return edit


class TipsListView(Retranslatable, QWidget):
    open_requested = Signal(str)
    new_requested = Signal()
    register_requested = Signal()
    import_requested = Signal()

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = TipService(ctx.desk)
        self.province = is_province(ctx.desk)
        self.loaded = False
        self.total: int | None = None
        self.due = DuePanelWidget(self)
        self.due.show_requested.connect(self.show_attention)
        self._build_filters()
        self._build_table()
        self._build_buttons()
        self._layout()
        ctx.bridge.changed.connect(self._on_changes)
        QShortcut(QKeySequence("Ctrl+D"), self, self.show_attention)
        QShortcut(QKeySequence("F5"), self, self.reload)
        self.retranslate()

    # -- construction ------------------------------------------------------------------------------------
    def _build_filters(self) -> None:
        self.search = QLineEdit(self)
        self.search.setClearButtonEnabled(True)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        self.search.returnPressed.connect(self.apply_filters)
        self.status, self.deadline, self.source = _combo(self), _combo(self), _combo(self)
        self.channel, self.form, self.officer = _combo(self), _combo(self), _combo(self)
        self.from_check, self.to_check = QCheckBox(self), QCheckBox(self)
        self.date_from, self.date_to = _date_edit(self), _date_edit(self)
        self.from_check.toggled.connect(self.date_from.setEnabled)
        self.to_check.toggled.connect(self.date_to.setEnabled)
        for combo in (self.status, self.deadline, self.source, self.channel, self.form, self.officer):
            combo.activated.connect(lambda _i: self.apply_filters())
        for check in (self.from_check, self.to_check):
            check.toggled.connect(lambda _b: self.apply_filters())
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(lambda _d: self.apply_filters())
        self.clear_button = QPushButton(self)
        self.clear_button.setAutoDefault(False)
        self.clear_button.clicked.connect(self.clear_filters)
        self.search_label = QLabel(self)
        self.search_label.setBuddy(self.search)
        self.commune = CommuneFilter(self.ctx, "tip", self)
        self.commune.changed.connect(self.apply_filters)
        self.commune.setVisible(self.province)

    def _build_table(self) -> None:
        self.model: PagedTableModel[TipRow] = PagedTableModel(
            tip_columns(self.province), lambda request: self.service.list(request, reveal_later=True),
            lambda r: r.id, self.ctx.tasks, parent=self)
        self.model.load_failed.connect(lambda exc: common.show_error(self, exc))
        self.model.replaced.connect(self._update_count)
        self.model.rowsInserted.connect(lambda *_a: self._update_count())
        self.table = paged_table(self.model, self)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.sectionClicked.connect(self._on_header)
        header.setStretchLastSection(False)
        widths = [80, 112, 85, 105, 125, 260, 130, 210, 115]
        if self.province:  # narrower columns leave the summary room beside the commune
            widths = [80, commune_column().width, 112, 70, 90, 110, 260, 110, 160, 110]
        for column, width in enumerate(widths):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(self._column_of_title("Summary"), QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        self.keeper = KeepSelection(self.table, self.model)
        self.count_label = QLabel(self)

    def _build_buttons(self) -> None:
        self.new_button = QPushButton(self)
        self.new_button.setShortcut(QKeySequence("Ctrl+N"))
        self.new_button.clicked.connect(self.new_requested.emit)
        self.new_button.setVisible(self.ctx.desk.can(Perm.TIP_CREATE))
        self.open_button = QPushButton(self)
        self.open_button.clicked.connect(lambda: self.open_row(self.table.currentIndex().row()))
        self.register_button = QPushButton(self)
        self.register_button.clicked.connect(self.register_requested.emit)
        self.import_button = QPushButton(self)
        self.import_button.clicked.connect(self.import_requested.emit)
        self.import_button.setVisible(self.ctx.desk.can(Perm.TIP_IMPORT))
        for button in (self.new_button, self.open_button, self.register_button, self.import_button):
            button.setAutoDefault(False)

    def _layout(self) -> None:
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.search_label, 0, 0)
        grid.addWidget(self.search, 0, 1, 1, 3)
        grid.addWidget(self.status, 0, 4)
        grid.addWidget(self.deadline, 0, 5)
        grid.addWidget(self.clear_button, 0, 6)
        row2 = QHBoxLayout()
        for widget in (self.commune, self.source, self.channel, self.form, self.officer, self.from_check,
                       self.date_from, self.to_check, self.date_to):
            row2.addWidget(widget)
        row2.addStretch(1)
        grid.addLayout(row2, 1, 0, 1, 7)
        grid.setColumnStretch(1, 1)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.open_button, self.register_button, self.import_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.due)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)

    def retranslate(self) -> None:
        self.search_label.setText(_("&Search:"))
        self.search.setPlaceholderText(_("Number, content, place, reporter, suspect… (accents optional)"))
        self._fill(self.status, _("All statuses"), [(s.label(), s.value) for s in TipStatus])
        self._fill(self.deadline, _("All deadlines"), [(d.label(), d.value) for d in DeadlineFilter])
        self._fill(self.source, _("All types"), [(s.label(), s.value) for s in SourceType])
        self._fill(self.channel, _("All channels"), [(c.label(), c.value) for c in Channel])
        self._fill(self.form, _("All trafficking forms"), [(f.name(), f.code) for f in trafficking_forms()])
        if self.officer.count() == 0:
            self._fill(self.officer, _("All officers"), [])
        else:
            self.officer.setItemText(0, _("All officers"))
        self.from_check.setText(_("From"))
        self.to_check.setText(_("to"))
        self.clear_button.setText(_("C&lear filters"))
        self.new_button.setText(_("&New tip… (Ctrl+N)"))
        self.open_button.setText(_("&Open (Enter)"))
        self.register_button.setText(_("&Register book…"))
        self.import_button.setText(_("&Import old register…"))
        self.commune.retranslate()
        self.model.retranslate()
        self.due.retranslate()
        self._update_count()

    @staticmethod
    def _fill(combo: QComboBox, all_text: str, items: list[tuple[str, str]]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(all_text, "")
        for text, value in items:
            combo.addItem(text, value)
        index = combo.findData(current)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    # -- data ---------------------------------------------------------------------------------------------
    def page_shown(self) -> None:
        if not self.loaded:
            self.loaded = True
            self.model.set_query(filters=self.filters(), sort=TipSort.RECEIVED.value, descending=True)
            self.table.horizontalHeader().setSortIndicator(self._column_of_sort(TipSort.RECEIVED),
                                                           Qt.SortOrder.DescendingOrder)
            self.model.after_first_page(self._load_side)  # counts and panels after the rows are on screen

    def reload(self) -> None:
        self.model.refresh()
        self._load_side()

    def _load_side(self) -> None:
        """The deadline panel, the officer list and the count (each one worker call)."""
        self.ctx.tasks.run_db(self.service.due_panel, self.due.set_panel, self._quiet_failure)
        self.ctx.tasks.run_db(self.service.officers, self._set_officers, self._quiet_failure)
        if self.province:
            self.commune.load()
        self._load_count()

    def _load_count(self) -> None:
        filters = self.filters()
        self.ctx.tasks.run_db(lambda: self.service.count(filters), self._set_total, self._quiet_failure)

    def _quiet_failure(self, exc: BaseException) -> None:
        common.show_error(self, exc)

    def _set_officers(self, names: list[str]) -> None:
        self._fill(self.officer, _("All officers"), [(n, n) for n in names])

    def _set_total(self, total: int) -> None:
        self.total = total
        self._update_count()

    def _update_count(self) -> None:
        shown = self.model.rowCount()
        if self.total is None:
            self.count_label.setText("")
        else:
            self.count_label.setText(_("{shown} of {total} tips shown").format(
                shown=format_number(shown), total=format_number(self.total)))

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches("tip") and self.loaded:
            self.reload()

    # -- filters --------------------------------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        def pick(combo: QComboBox) -> str:
            return str(combo.currentData() or "")

        result: dict[str, Any] = {
            "search": self.search.text().strip(), "status": pick(self.status), "deadline": pick(self.deadline),
            "source_type": pick(self.source), "channel": pick(self.channel), "form": pick(self.form),
            "officer": pick(self.officer), "unit_code": self.commune.value() if self.province else "",
        }
        if self.from_check.isChecked():
            result["date_from"] = _pydate(self.date_from.date())
        if self.to_check.isChecked():
            result["date_to"] = _pydate(self.date_to.date())
        return {k: v for k, v in result.items() if v}

    def apply_filters(self) -> None:
        self.search_timer.stop()
        self.model.set_query(filters=self.filters())
        self._load_count()

    def clear_filters(self) -> None:
        for widget in (self.status, self.deadline, self.source, self.channel, self.form, self.officer):
            widget.setCurrentIndex(0)
        self.from_check.setChecked(False)
        self.to_check.setChecked(False)
        self.commune.reset()
        self.search.clear()
        self.apply_filters()

    def show_attention(self) -> None:
        self.deadline.setCurrentIndex(max(self.deadline.findData(DeadlineFilter.ATTENTION.value), 0))
        self.model.set_query(filters=self.filters(), sort=TipSort.DUE.value, descending=False)
        self.table.horizontalHeader().setSortIndicator(self._column_of_sort(TipSort.DUE), Qt.SortOrder.AscendingOrder)
        self._load_count()
        self.table.setFocus()

    def _column_of_sort(self, sort: TipSort) -> int:
        return next(i for i, c in enumerate(self.model.columns) if c.sort_key == sort.value)

    def _column_of_title(self, title: str) -> int:
        return next(i for i, c in enumerate(self.model.columns) if c.title == title)

    def _on_header(self, column: int) -> None:
        self.model.sort_by_header(column, self.table.horizontalHeader(), newest_first=TipSort.RECEIVED.value)

    # -- actions --------------------------------------------------------------------------------------------
    def open_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.open_requested.emit(self.model.key_at(row))

    def select_tip(self, tip_id: str) -> None:
        self.keeper.select(tip_id)


def _pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())
