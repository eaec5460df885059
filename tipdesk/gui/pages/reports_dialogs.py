"""Dialogs of the Reports page: the records behind a figure, and the editable cut-off table.

The drill-down list is a lazy ``PagedTableModel`` over ``ReportService.drill``: pages load on the
database worker as the user scrolls. Identity is masked by the service for the role; the dialog
says so.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain.report_periods import CutoffRule, Period, PeriodRules
from tipdesk.gui import common
from tipdesk.gui.models.paged import PagedColumn, PagedTableModel
from tipdesk.gui.tasks import BaseTaskManager
from tipdesk.i18n import _, format_number
from tipdesk.services.paging import Page, PageRequest
from tipdesk.services.reports import ReportService
from tipdesk.services.reports_types import DrillPage, DrillRow, FigureRef

DRILL_PAGE = 100


def _cell(index: int) -> Callable[[DrillRow], str]:
    return lambda row: row.values[index]


class DrillDialog(QDialog):
    """The records counted in one figure, loaded page by page."""

    def __init__(self, service: ReportService, tasks: BaseTaskManager, period: Period, figure: FigureRef,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service, self.period, self.figure = service, period, figure
        self.first: DrillPage | None = None
        self.setWindowTitle(_("Records behind the figure"))
        self.resize(1100, 560)
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.title.setFont(common.title_font(self.font(), 1.1))
        self.count = common.hint_label("", self)
        self.privacy = common.hint_label("", self)
        self.table = QTableView(self)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.message = common.MessageLabel(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        for widget in (self.title, self.count, self.privacy, self.message, self.table, buttons):
            box.addWidget(widget)
        self.model: PagedTableModel[DrillRow] | None = None
        tasks.run_db(lambda: service.drill(period, figure, PageRequest(limit=DRILL_PAGE)),
                     lambda page: self._first_page(page, tasks), self._failed)

    def _fetch(self, request: PageRequest) -> Page[DrillRow]:
        page = self.service.drill(self.period, self.figure, request)
        return Page(page.rows, page.next_cursor)

    def _first_page(self, page: DrillPage, tasks: BaseTaskManager) -> None:
        self.first = page
        self.title.setText(page.title)
        self.count.setText(_("{count} records").format(count=format_number(page.total)))
        if page.identity_shown:
            self.privacy.setText(_("Names are shown because your role may see them; this viewing is recorded in "
                                   "the audit log."))
        else:
            self.privacy.setText(_("Identity data is not shown to your role."))
        columns = [PagedColumn[DrillRow](title, _cell(index)) for index, title in enumerate(page.columns)]
        self.model = PagedTableModel(columns, self._fetch, lambda r: r.id, tasks, page_size=DRILL_PAGE, parent=self)
        self.model.load_failed.connect(self._failed)
        self.table.setModel(self.model)
        self.model.set_query()
        self.table.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self.message.set_error(common.error_text(exc))


class CutoffDialog(QDialog):
    """Edit the cut-off table: first day, month shift and last day of each rule, and the default rule."""

    COLUMNS = 5

    def __init__(self, rules: PeriodRules, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rules = rules
        self.setWindowTitle(_("Reporting cut-off dates"))
        self.resize(900, 300)
        hint = common.hint_label(_("A quarter, six months or year runs from the first day (in the month before when "
                                   "the shift is -1) to the last day of its last month. Marked rules (*) are not "
                                   "confirmed against the legal text."), self)
        self.table = QTableWidget(len(rules.rules), self.COLUMNS, self)
        self.table.setHorizontalHeaderLabels([_("Rule"), _("First day"), _("Month shift"), _("Last day"),
                                              _("Default")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        for row, rule in enumerate(rules.rules):
            self._row(row, rule)
        self.table.itemDoubleClicked.connect(self._set_default)
        self.message = common.MessageLabel(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        for widget in (hint, self.table, self.message, buttons):
            box.addWidget(widget)

    def _spin(self, low: int, high: int, value: int, special: str = "") -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(low, high)
        if special:
            spin.setSpecialValueText(special)
        spin.setValue(value)
        return spin

    def _row(self, row: int, rule: CutoffRule) -> None:
        name = QTableWidgetItem(rule.name() + (" *" if rule.unconfirmed else ""))
        name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
        name.setToolTip(rule.legal_ref)
        self.table.setItem(row, 0, name)
        self.table.setCellWidget(row, 1, self._spin(1, 28, rule.start_day))
        self.table.setCellWidget(row, 2, self._spin(-11, 0, rule.start_month_offset))
        self.table.setCellWidget(row, 3, self._spin(0, 28, rule.end_day or 0, _("last")))
        default = QTableWidgetItem("✓" if rule.code == self.rules.default else "")
        default.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        self.table.setItem(row, 4, default)

    def _set_default(self, item: QTableWidgetItem) -> None:
        if item.column() == 4:
            for row in range(self.table.rowCount()):
                cell = self.table.item(row, 4)
                if cell is not None:
                    cell.setText("✓" if row == item.row() else "")

    def _value(self, row: int, column: int) -> int:
        widget = self.table.cellWidget(row, column)
        return widget.value() if isinstance(widget, QSpinBox) else 0

    def edited(self) -> PeriodRules:
        rules = []
        default = self.rules.default
        for row, rule in enumerate(self.rules.rules):
            end = self._value(row, 3)
            rules.append(CutoffRule(rule.code, rule.name_vi, rule.name_en, self._value(row, 1), self._value(row, 2),
                                    end or None, rule.legal_ref, rule.unconfirmed))
            cell = self.table.item(row, 4)
            if cell is not None and cell.text():
                default = rule.code
        return PeriodRules(default, tuple(rules))

    def _accept(self) -> None:
        from tipdesk.domain.report_periods import parse_period_rules, rules_to_json
        from tipdesk.errors import UserError

        try:
            parse_period_rules(rules_to_json(self.edited()), _("the cut-off table"))
        except UserError as exc:
            self.message.set_error(exc.message)
            return
        self.accept()
