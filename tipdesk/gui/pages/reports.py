"""The Reports page (Ctrl+4): the dashboard, and the periodic report with preview, drill-down and exports.

Choose a period (quarter, six months, year or a date range) and a cut-off rule, then "Show the
report": every table appears in the preview; Enter or a double click on a figure lists the
records behind it (masked for the role). Exports write PDF (Decree 30 layout), .xlsx or .csv.
All database work runs on the worker; file choosers are module functions so tests can replace
them.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain import units
from tipdesk.domain.deadlines import local_date
from tipdesk.domain.report_periods import Period, PeriodKind, date_range, make_period
from tipdesk.domain.roles import Perm, Profile
from tipdesk.errors import NotFound, UserError
from tipdesk.gui import common
from tipdesk.gui.common import choose_save_path
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext, PageSpec
from tipdesk.gui.pages.dashboard import DashboardView
from tipdesk.gui.pages.reports_dialogs import CutoffDialog, DrillDialog
from tipdesk.gui.tasks import run_with_progress
from tipdesk.i18n import N_, _, format_number
from tipdesk.services.context import Desk
from tipdesk.services.reports import ReportService
from tipdesk.services.reports_export import Sheet, figure_at, report_sheets
from tipdesk.services.reports_types import ExportResult, FigureRef, ReportData

FILTERS = {"pdf": N_("PDF documents (*.pdf)"), "xlsx": N_("Excel workbooks (*.xlsx)"),
           "csv": N_("CSV files, UTF-8 (*.csv)")}
MAX_COLUMN_WIDTH = 360
KINDS = (PeriodKind.QUARTER, PeriodKind.HALF, PeriodKind.YEAR, PeriodKind.RANGE)


def _number_item(value: object) -> QTableWidgetItem:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(value, float):
        text = format_number(round(value, 1))
    elif isinstance(value, int) and numeric:
        text = format_number(value)
    else:
        text = "" if value is None else str(value)
    item = QTableWidgetItem(text)
    if numeric:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


class PeriodChooser(Retranslatable, QWidget):
    """Kind, year and quarter/half, or a date range; and the cut-off rule."""

    def __init__(self, service: ReportService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.kind = QComboBox(self)
        self.year = QSpinBox(self)
        self.year.setRange(2015, 2100)
        self.index = QComboBox(self)
        self.start = QDateEdit(self)
        self.end = QDateEdit(self)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
        self.cutoff = QComboBox(self)
        self.cutoff.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.cutoff.setMinimumContentsLength(28)
        self.cutoff.view().setMinimumWidth(640)
        self.labels = [QLabel(self) for _ in range(3)]
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.labels[0], self.kind, self.year, self.index, self.start, self.end, self.labels[1],
                       self.cutoff):
            row.addWidget(widget)
        self.labels[0].setBuddy(self.kind)
        self.labels[1].setBuddy(self.cutoff)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._set_defaults()
        self.retranslate()

    def _set_defaults(self) -> None:
        today = local_date(self.service.desk.now())
        current = self.service.current_period()
        self.year.setValue(current.year)
        self.start.setDate(QDate(today.year, today.month, 1))
        self.end.setDate(QDate(today.year, today.month, today.day))
        self._current_index = current.index

    def retranslate(self) -> None:
        self.labels[0].setText(_("&Period:"))
        self.labels[1].setText(_("C&ut-off:"))
        kind = self.kind.currentIndex()
        self.kind.blockSignals(True)
        self.kind.clear()
        for text in (_("Quarter"), _("Six months"), _("Year"), _("Date range")):
            self.kind.addItem(text)
        self.kind.setCurrentIndex(max(kind, 0))
        self.kind.blockSignals(False)
        self.load_rules()
        self._kind_changed()

    def load_rules(self) -> None:
        chosen = self.cutoff.currentData()
        rules = self.service.period_rules()
        self.cutoff.clear()
        for rule in rules.rules:
            self.cutoff.addItem(rule.name(), rule.code)
            self.cutoff.setItemData(self.cutoff.count() - 1, rule.name(), Qt.ItemDataRole.ToolTipRole)
        index = self.cutoff.findData(chosen or rules.default)
        self.cutoff.setCurrentIndex(max(index, 0))

    def _kind_changed(self) -> None:
        kind = KINDS[max(self.kind.currentIndex(), 0)]
        ranged = kind is PeriodKind.RANGE
        for widget in (self.start, self.end):
            widget.setVisible(ranged)
        self.year.setVisible(not ranged)
        self.index.setVisible(kind in (PeriodKind.QUARTER, PeriodKind.HALF))
        self.cutoff.setEnabled(not ranged)
        previous = self.index.currentIndex() if self.index.count() else self._current_index - 1
        self.index.clear()
        if kind is PeriodKind.QUARTER:
            self.index.addItems([_("Quarter {roman}").format(roman=r) for r in ("I", "II", "III", "IV")])
        elif kind is PeriodKind.HALF:
            self.index.addItems([_("First six months"), _("Last six months")])
        self.index.setCurrentIndex(min(max(previous, 0), max(self.index.count() - 1, 0)))

    def period(self) -> Period:
        kind = KINDS[max(self.kind.currentIndex(), 0)]
        if kind is PeriodKind.RANGE:
            start, end = self.start.date(), self.end.date()
            return date_range(dt.date(start.year(), start.month(), start.day()),
                              dt.date(end.year(), end.month(), end.day()))
        rule = self.service.period_rules().rule(self.cutoff.currentData())
        return make_period(kind, self.year.value(), self.index.currentIndex() + 1, rule)


class ReportView(Retranslatable, QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = ReportService(ctx.desk)
        self.data: ReportData | None = None
        self.sheets: list[Sheet] = []
        self.chooser = PeriodChooser(self.service, self)
        self.commune = QComboBox(self)
        self.commune.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.commune.setMinimumContentsLength(16)
        self.commune.setVisible(ctx.desk.installation.profile is Profile.PROVINCE)
        self.show_button = QPushButton(self)
        self.show_button.setDefault(True)
        self.show_button.setShortcut("Ctrl+Return")
        self.show_button.clicked.connect(self.build)
        self.cutoff_button = QPushButton(self)
        self.cutoff_button.setVisible(ctx.desk.can(Perm.SETTINGS_MANAGE))
        self.cutoff_button.clicked.connect(self.edit_cutoffs)
        self.export_buttons = {fmt: QPushButton(self) for fmt in FILTERS}
        for fmt, button in self.export_buttons.items():
            button.setEnabled(False)
            button.setVisible(ctx.desk.can(Perm.REPORT_EXPORT))
            button.clicked.connect(lambda _c=False, f=fmt: self.export(f))
        self.info = common.hint_label("", self)
        self.message = common.MessageLabel(self)
        self.sheet_list = QListWidget(self)
        self.sheet_list.currentRowChanged.connect(self._show_sheet)
        self.table = QTableWidget(self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setWordWrap(True)
        self.table.cellActivated.connect(self.drill)
        self.table.currentCellChanged.connect(self._cell_changed)
        self.table.cellDoubleClicked.connect(self.drill)
        self.hint = common.hint_label("", self)
        self._layout()
        self._fill_communes()
        self.retranslate()

    def _layout(self) -> None:
        controls = QHBoxLayout()
        controls.addWidget(self.chooser)
        controls.addWidget(self.commune)
        controls.addWidget(self.show_button)
        controls.addStretch(1)
        controls.addWidget(self.cutoff_button)
        exports = QHBoxLayout()
        exports.addWidget(self.info, 1)
        for button in self.export_buttons.values():
            exports.addWidget(button)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.sheet_list)
        right = QWidget(self)
        right_box = QVBoxLayout(right)
        right_box.setContentsMargins(0, 0, 0, 0)
        right_box.addWidget(self.table, 1)
        right_box.addWidget(self.hint)
        splitter.addWidget(right)
        splitter.setSizes([300, 850])
        box = QVBoxLayout(self)
        box.addLayout(controls)
        box.addLayout(exports)
        box.addWidget(self.message)
        box.addWidget(splitter, 1)

    def _fill_communes(self) -> None:
        if self.ctx.desk.installation.profile is not Profile.PROVINCE:
            return
        self.commune.clear()
        self.commune.addItem(_("Whole province"), "")
        try:
            for c in units.communes(self.ctx.desk.installation.province_code):
                self.commune.addItem(c.name, c.code)
        except NotFound:
            pass

    def retranslate(self) -> None:
        self.show_button.setText(_("&Show the report"))
        self.show_button.setToolTip(_("Ctrl+Enter"))
        self.cutoff_button.setText(_("Cut-off &dates…"))
        texts = {"pdf": _("Export &PDF…"), "xlsx": _("Export &Excel…"), "csv": _("Export CS&V…")}
        for fmt, button in self.export_buttons.items():
            button.setText(texts[fmt])
        self.hint.setText(_("Enter or double click on a figure lists the records behind it."))
        if self.commune.count():
            self.commune.setItemText(0, _("Whole province"))
        if self.data is None:
            self.info.setText(_("Choose a period and press “Show the report”."))
        else:
            self.build()  # the tables come translated from the service: build them again

    # -- building -------------------------------------------------------------------------------------------
    def build(self) -> None:
        try:
            period = self.chooser.period()
        except UserError as exc:  # dates in the wrong order, a broken cut-off table
            self.message.set_error(exc.message)
            return
        unit = self.commune.currentData() or ""
        self.message.clear_message()
        self.show_button.setEnabled(False)
        common.set_busy(True)
        self.ctx.tasks.run_db(lambda: self.service.build(period, unit), self._built, self._failed)

    def _built(self, data: ReportData) -> None:
        common.set_busy(False)
        self.show_button.setEnabled(True)
        self.data = data
        self.sheets = report_sheets(data)
        rule = data.rule.name() if data.rule else _("Date range chosen by the user")
        self.info.setText(f"{data.period.label()} ({data.period.dates_label()}) · {rule}")
        self.sheet_list.clear()
        self.sheet_list.addItems([s.title for s in self.sheets])
        for row, sheet in enumerate(self.sheets):
            self.sheet_list.item(row).setToolTip(sheet.title)
        self.sheet_list.setCurrentRow(1 if len(self.sheets) > 1 else 0)
        for button in self.export_buttons.values():
            button.setEnabled(True)
        self.table.setFocus()

    def _failed(self, exc: BaseException) -> None:
        common.set_busy(False)
        self.show_button.setEnabled(True)
        self.message.set_error(common.error_text(exc))

    def _show_sheet(self, index: int) -> None:
        self.table.clear()
        if not 0 <= index < len(self.sheets):
            self.table.setRowCount(0)
            return
        sheet = self.sheets[index]
        self.table.setColumnCount(len(sheet.header))
        self.table.setHorizontalHeaderLabels(list(sheet.header))
        self.table.setRowCount(len(sheet.rows))
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                item = _number_item(value)
                if self.data is not None and figure_at(self.data, sheet, r, c) is not None:
                    item.setToolTip(_("Enter or double click: list the records"))
                self.table.setItem(r, c, item)
        formula = sheet.kind == "kpi"  # the formulas show as tooltips and under the table, not as a column
        self.table.setColumnHidden(len(sheet.header) - 1, formula)
        if formula:
            for r, row in enumerate(sheet.rows):
                for c in range(len(row) - 1):
                    cell = self.table.item(r, c)
                    if cell is not None:
                        cell.setToolTip(str(row[-1]))
        self.table.resizeColumnsToContents()
        for column in range(self.table.columnCount()):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), MAX_COLUMN_WIDTH))
        self.table.resizeRowsToContents()

    def _cell_changed(self, row: int, _column: int, _old_row: int, _old_column: int) -> None:
        index = self.sheet_list.currentRow()
        sheet = self.sheets[index] if 0 <= index < len(self.sheets) else None
        line = self.hint.fontMetrics().lineSpacing()
        if sheet is not None and sheet.kind == "kpi" and 0 <= row < len(sheet.rows):
            self.hint.setText(f"{sheet.rows[row][1]}: {sheet.rows[row][-1]}")
            self.hint.setMinimumHeight(6 * line)
        else:
            self.hint.setText(_("Enter or double click on a figure lists the records behind it."))
            self.hint.setMinimumHeight(line)

    # -- drill-down and exports ---------------------------------------------------------------------------------
    def drill(self, row: int, column: int) -> None:
        index = self.sheet_list.currentRow()
        if self.data is None or not 0 <= index < len(self.sheets):
            return
        figure = figure_at(self.data, self.sheets[index], row, column)
        if figure is not None:
            self.open_drill(self.data.period, figure)

    def open_drill(self, period: Period, figure: FigureRef) -> DrillDialog:
        dialog = DrillDialog(self.service, self.ctx.tasks, period, figure, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def export(self, fmt: str) -> None:
        if self.data is None:
            return
        data = self.data
        suggested = f"bao-cao-{data.period.code.replace(':', '_')}.{fmt}"
        path = choose_save_path(self, _("Export the report"), suggested, _(FILTERS[fmt]))
        if not path:
            return
        if not path.lower().endswith(f".{fmt}"):
            path += f".{fmt}"
        run_with_progress(self.ctx.tasks, self, _("Writing the report…"),
                          lambda _ctx: self.service.export(data, path), self._exported, self._failed,
                          cancellable=False)

    def _exported(self, result: ExportResult) -> None:
        self.message.set_ok(_("The report was written to {path}.").format(path=result.path))

    def edit_cutoffs(self) -> None:
        dialog = CutoffDialog(self.service.period_rules(), self)
        if dialog.exec():
            rules = dialog.edited()
            self.ctx.tasks.run_db(lambda: self.service.save_period_rules(rules),
                                  lambda _r: self.chooser.load_rules(), self._failed)


class ReportsPage(Retranslatable, QTabWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dashboard = DashboardView(ctx, self)
        self.report = ReportView(ctx, self)
        self.addTab(self.dashboard, "")
        self.addTab(self.report, "")
        self.dashboard.drill_requested.connect(lambda pair: self.report.open_drill(*pair))
        self.currentChanged.connect(lambda _i: self.page_shown())
        self.retranslate()

    def retranslate(self) -> None:
        self.setTabText(0, _("Dashboard"))
        self.setTabText(1, _("Periodic report"))

    def page_shown(self) -> None:
        if self.currentWidget() is self.dashboard:
            self.dashboard.page_shown()


def may_view_reports(desk: Desk) -> bool:
    return desk.can(Perm.REPORT_VIEW)


PAGE = PageSpec(
    key="reports",
    slot=4,
    title=N_("Reports"),
    factory=ReportsPage,
    visible=may_view_reports,
    description=N_("Targets, statistics, periodic reports and the dashboard"),
)
