"""The persons list: the follow-up panel, filters, accent-insensitive search and the lazy table (100,000 rows).

Rows come a page at a time from ``PersonService.list`` on the worker; names appear only where the
role may see them (the service masks the others and logs every page that shows names).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
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

from tipdesk.domain import reference
from tipdesk.domain.persons import AgeGroup, IdentificationStatus, Sex, support_types
from tipdesk.domain.roles import Perm
from tipdesk.events import Changes
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.models.paged import KeepSelection, PagedColumn, PagedTableModel, paged_table
from tipdesk.gui.pages import PageContext
from tipdesk.gui.pages.person_common import STATUS_COLOURS, country_text, ethnic_text
from tipdesk.gui.pages.province_filter import CommuneFilter, commune_column
from tipdesk.i18n import N_, _, format_date, format_number, format_vnd
from tipdesk.services.persons import PersonService
from tipdesk.services.persons_types import DueFilter, PersonRow, PersonSort
from tipdesk.services.province_views import is_province

SEARCH_DELAY_MS = 250
MASKED = QColor("#555555")
DUE_COLOUR = QColor("#b00020")
LIST_COUNTRIES = ("CN", "KH", "MM", "LA", "TH", "MY", "KR", "JP", "TW")


def person_columns(now: Any, province: bool = False) -> list[PagedColumn[PersonRow]]:
    """The list's columns; the provincial office also sees the commune that recorded each person."""
    def name_colour(r: PersonRow) -> QColor | None:
        return None if r.identity_visible else MASKED

    def due_colour(r: PersonRow) -> QColor | None:
        return DUE_COLOUR if r.next_due_at is not None and r.next_due_at < now() else None

    return [
        PagedColumn(N_("Code"), lambda r: r.pseudonym, PersonSort.PSEUDONYM.value),
        PagedColumn(N_("Name"), lambda r: r.display_name if r.identity_visible else _("(identity not shown)"),
                    PersonSort.NAME.value, foreground=name_colour,
                    tooltip=lambda r: "" if r.identity_visible else _("Identity not shown to your role")),
        *([commune_column()] if province else []),
        PagedColumn(N_("Sex"), lambda r: r.sex.label()),
        PagedColumn(N_("Born"), lambda r: str(r.birth_year or ""), tooltip=lambda r: r.age_group.label()),
        PagedColumn(N_("Ethnic group"), lambda r: ethnic_text(r.ethnic_code)),
        PagedColumn(N_("Status"), lambda r: r.status.label(), foreground=lambda r: STATUS_COLOURS.get(r.status)),
        PagedColumn(N_("Returned from"), lambda r: country_text(r.from_country)),
        PagedColumn(N_("Received"), lambda r: r.received_on.strftime("%d/%m/%Y"), PersonSort.RECEIVED.value),
        PagedColumn(N_("Support"), lambda r: format_vnd(r.support_total) if r.support_count else "",
                    align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                    tooltip=lambda r: _("{n} entries").format(n=r.support_count)),
        PagedColumn(N_("Next follow-up"), lambda r: format_date(r.next_due_at), PersonSort.DUE.value,
                    foreground=due_colour, tooltip=lambda r: r.next_due_label),
    ]


class FollowUpPanel(Retranslatable, QFrame):
    """"3 overdue · 5 due within 7 days" with a button that filters the list to them."""

    show_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.counts: tuple[int, int] | None = None
        self.text = QLabel(self)
        self.button = QPushButton(self)
        self.button.setAutoDefault(False)
        self.button.clicked.connect(self.show_requested.emit)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.text, 1)
        row.addWidget(self.button)
        self.retranslate()

    def set_counts(self, counts: tuple[int, int]) -> None:
        self.counts = counts
        self.retranslate()

    def retranslate(self) -> None:
        self.button.setText(_("Show the persons needing follow-up (Ctrl+D)"))
        if self.counts is None:
            self.text.setText(_("Checking follow-ups…"))
            return
        overdue, attention = self.counts
        self.button.setVisible(attention > 0)
        if attention == 0:
            self.text.setText(_("No follow-up is overdue or due within 7 days."))
            self.setStyleSheet("QFrame { background: #e8f5e9; }")
            return
        self.text.setText(_("Follow-ups: {overdue} overdue, {soon} due within 7 days.").format(
            overdue=overdue, soon=attention - overdue))
        self.setStyleSheet("QFrame { background: #fdecea; }" if overdue else "QFrame { background: #fff4e0; }")


def _combo(parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(10)
    return combo


class PersonsListView(Retranslatable, QWidget):
    open_requested = Signal(str)
    new_requested = Signal()

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = PersonService(ctx.desk)
        self.province = is_province(ctx.desk)
        self.loaded = False
        self.total: int | None = None
        self.panel = FollowUpPanel(self)
        self.panel.show_requested.connect(self.show_attention)
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
        self.search_label = QLabel(self)
        self.search_label.setBuddy(self.search)
        self.status, self.sex, self.age, self.ethnic = _combo(self), _combo(self), _combo(self), _combo(self)
        self.country, self.support, self.due = _combo(self), _combo(self), _combo(self)
        self.combos = {"status": self.status, "sex": self.sex, "age_group": self.age, "ethnic_code": self.ethnic,
                       "from_country": self.country, "support_type": self.support, "due": self.due}
        for combo in self.combos.values():
            combo.activated.connect(lambda _i: self.apply_filters())
        self.clear_button = QPushButton(self)
        self.clear_button.setAutoDefault(False)
        self.clear_button.clicked.connect(self.clear_filters)
        self.commune = CommuneFilter(self.ctx, "person", self)
        self.commune.changed.connect(self.apply_filters)
        self.commune.setVisible(self.province)

    def _build_table(self) -> None:
        self.model: PagedTableModel[PersonRow] = PagedTableModel(
            person_columns(self.ctx.desk.now, self.province), self.service.list, lambda r: r.id, self.ctx.tasks, parent=self)
        self.model.load_failed.connect(lambda exc: common.show_error(self, exc))
        self.model.replaced.connect(self._update_count)
        self.model.rowsInserted.connect(lambda *_a: self._update_count())
        self.table = paged_table(self.model, self)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.sectionClicked.connect(self._on_header)
        widths = [128, 190, 58, 72, 82, 188, 112, 98, 112, 128]
        if self.province:  # narrower columns leave the name room beside the commune
            widths = [128, 170, commune_column().width, 62, 66, 75, 180, 90, 95, 80, 105]
        for column, width in enumerate(widths):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        self.keeper = KeepSelection(self.table, self.model)
        self.count_label = QLabel(self)

    def _build_buttons(self) -> None:
        self.new_button = QPushButton(self)
        self.new_button.setShortcut(QKeySequence("Ctrl+N"))
        self.new_button.clicked.connect(self.new_requested.emit)
        self.new_button.setVisible(self.ctx.desk.can(Perm.PERSON_CREATE))
        self.open_button = QPushButton(self)
        self.open_button.clicked.connect(lambda: self.open_row(self.table.currentIndex().row()))
        for button in (self.new_button, self.open_button):
            button.setAutoDefault(False)

    def _layout(self) -> None:
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.search_label, 0, 0)
        grid.addWidget(self.search, 0, 1)
        grid.addWidget(self.status, 0, 2)
        grid.addWidget(self.due, 0, 3)
        grid.addWidget(self.clear_button, 0, 4)
        row2 = QHBoxLayout()
        for combo in (self.commune, self.sex, self.age, self.ethnic, self.country, self.support):
            row2.addWidget(combo)
        row2.addStretch(1)
        grid.addLayout(row2, 1, 0, 1, 5)
        grid.setColumnStretch(1, 1)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 8, 0)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.panel)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)

    def retranslate(self) -> None:
        self.search_label.setText(_("&Search:"))
        if self.service.sees_all_identities:
            self.search.setPlaceholderText(_("Name, record code, ID number, place… (accents optional)"))
        else:
            self.search.setPlaceholderText(_("Record code, place, agency… (names only where you may see them)"))
        self._fill(self.status, _("All statuses"), [(s.label(), s.value) for s in IdentificationStatus])
        self._fill(self.sex, _("Both sexes"), [(s.label(), s.value) for s in (Sex.FEMALE, Sex.MALE, Sex.UNKNOWN)])
        self._fill(self.age, _("All ages"), [(a.label(), a.value) for a in AgeGroup])
        self._fill(self.ethnic, _("All ethnic groups"), [(g.name(), g.code) for g in reference.ethnic_groups()])
        self._fill(self.country, _("All countries"), [(country_text(c), c) for c in LIST_COUNTRIES]
                   + [(c.name, c.code) for c in reference.countries() if c.code not in LIST_COUNTRIES])
        self._fill(self.support, _("Any support"), [(_("Some support received"), "any"),
                                                    (_("No support yet"), "none")]
                   + [(t.name(), t.code) for t in support_types()])
        self._fill(self.due, _("All follow-ups"), [(d.label(), d.value) for d in DueFilter])
        self.clear_button.setText(_("C&lear filters"))
        self.new_button.setText(_("&New person… (Ctrl+N)"))
        self.open_button.setText(_("&Open (Enter)"))
        self.commune.retranslate()
        self.model.retranslate()
        self.panel.retranslate()
        self._update_count()

    @staticmethod
    def _fill(combo: QComboBox, all_text: str, items: list[tuple[str, str]]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(all_text, "")
        for text, value in items:
            combo.addItem(text, value)
        combo.setCurrentIndex(max(combo.findData(current), 0))
        combo.blockSignals(False)

    # -- data ---------------------------------------------------------------------------------------------
    def page_shown(self) -> None:
        if not self.loaded:
            self.loaded = True
            self.model.set_query(filters=self.filters(), sort=PersonSort.RECEIVED.value, descending=True)
            self.table.horizontalHeader().setSortIndicator(self._column_of_sort(PersonSort.RECEIVED),
                                                           Qt.SortOrder.DescendingOrder)
            self.model.after_first_page(self._load_side)  # counts and panels after the rows are on screen

    def reload(self) -> None:
        self.model.refresh()
        self._load_side()

    def _load_side(self) -> None:
        service = self.service
        self.ctx.tasks.run_db(lambda: (service.count({"due": DueFilter.OVERDUE.value}),
                                       service.count({"due": DueFilter.ATTENTION.value})),
                              self.panel.set_counts, self._failure)
        if self.province:
            self.commune.load()
        self._load_count()

    def _load_count(self) -> None:
        filters = self.filters()
        self.ctx.tasks.run_db(lambda: self.service.count(filters), self._set_total, self._failure)

    def _failure(self, exc: BaseException) -> None:
        common.show_error(self, exc)

    def _set_total(self, total: int) -> None:
        self.total = total
        self._update_count()

    def _update_count(self) -> None:
        if self.total is None:
            self.count_label.setText("")
            return
        self.count_label.setText(_("{shown} of {total} persons shown").format(
            shown=format_number(self.model.rowCount()), total=format_number(self.total)))

    def _on_changes(self, changes: Changes) -> None:
        if self.loaded and (changes.touches("person") or changes.touches("support")):
            self.reload()

    # -- filters --------------------------------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        result = {key: str(combo.currentData() or "") for key, combo in self.combos.items()}
        result["query"] = self.search.text().strip()
        if self.province:
            result["unit_code"] = self.commune.value()
        return {k: v for k, v in result.items() if v}

    def apply_filters(self) -> None:
        self.search_timer.stop()
        self.model.set_query(filters=self.filters())
        self._load_count()

    def clear_filters(self) -> None:
        for combo in self.combos.values():
            combo.setCurrentIndex(0)
        self.commune.reset()
        self.search.clear()
        self.apply_filters()

    def show_attention(self) -> None:
        self.due.setCurrentIndex(max(self.due.findData(DueFilter.ATTENTION.value), 0))
        self.model.set_query(filters=self.filters(), sort=PersonSort.DUE.value, descending=False)
        self.table.horizontalHeader().setSortIndicator(self._column_of_sort(PersonSort.DUE),
                                                       Qt.SortOrder.AscendingOrder)
        self._load_count()
        self.table.setFocus()

    def _column_of_sort(self, sort: PersonSort) -> int:
        return next(i for i, c in enumerate(self.model.columns) if c.sort_key == sort.value)

    def _on_header(self, column: int) -> None:
        self.model.sort_by_header(column, self.table.horizontalHeader(), newest_first=PersonSort.RECEIVED.value)

    # -- actions --------------------------------------------------------------------------------------------
    def open_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.open_requested.emit(self.model.key_at(row))

    def select_person(self, person_id: str) -> None:
        self.keeper.select(person_id)


