"""The support ledger of one person: the 120-day essential-needs counter, the entries and their total.

``SupportLedgerWidget.show_person(view)`` loads through the worker; "Record support…" (Ctrl+R) opens
``SupportEntryDialog``; "Extend…" and "End the period…" change the essential-needs period.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain.persons import SupportPeriodState
from tipdesk.domain.roles import Perm
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext
from tipdesk.gui.pages.person_common import AmountEdit, FormDialog, date_edit, date_of, day_text, today_of
from tipdesk.i18n import _, format_vnd, ngettext
from tipdesk.services.persons_support import SupportService
from tipdesk.services.persons_types import EssentialNeedsView, PersonView, SupportSummary

PERIOD_STYLES = {
    SupportPeriodState.ACTIVE: "QFrame#period { background: #e8f5e9; }",
    SupportPeriodState.ENDING_SOON: "QFrame#period { background: #fff4e0; }",
    SupportPeriodState.ENDED: "QFrame#period { background: #eeeeee; }",
    SupportPeriodState.NOT_STARTED: "QFrame#period { background: #f5f5f5; }",
}


def period_text(e: EssentialNeedsView) -> str:
    if e.start is None or e.end is None:
        return _("Essential-needs support (120 days) has not started: it starts with the first essential-needs "
                 "entry.")
    span = _("from {start} to {end}").format(start=day_text(e.start), end=day_text(e.end))
    if e.extensions:
        span += " " + _("(extended by {days} days)").format(days=sum(e.extensions))
    if e.state is SupportPeriodState.ENDED:
        ended = day_text(e.ended_on) if e.ended_on else day_text(e.end)
        return _("Essential-needs support {span}: ended on {date}.").format(span=span, date=ended)
    left = e.days_left or 0
    return _("Essential-needs support {span}: {days} left.").format(
        span=span, days=ngettext("{n} day", "{n} days", left).format(n=left))


class SupportEntryDialog(FormDialog):
    """One support entry: type, date, provider, amount in đồng, note."""

    def __init__(self, ctx: PageContext, person: PersonView, parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Record support for {name}").format(name=person.display_name), parent)
        self.person = person
        self.service = SupportService(ctx.desk)
        self.resize(620, 300)
        self.type = QComboBox(self)
        for t in self.service.types():
            self.type.addItem(t.name() + (" ★" if t.essential_needs else ""), t.code)
        self.type.setToolTip(_("★ counts toward the 120-day essential-needs period"))
        self.date = date_edit(self, today_of(ctx.desk.now()))
        self.provider = QLineEdit(self)
        self.provider.setPlaceholderText(_("Agency or organisation that gave the support"))
        self.amount = AmountEdit(self)
        self.note = QLineEdit(self)
        self.add("type", _("&Type of support:"), self.type)
        self.add("given_on", _("&Date:"), self.date)
        self.add("provider", _("&Provided by:"), self.provider)
        self.add("amount", _("&Amount (đồng):"), self.amount)
        self.add("note", _("&Note:"), self.note)
        self.type.setFocus()

    def save(self) -> None:
        person, code, day = self.person.id, str(self.type.currentData()), date_of(self.date)
        amount, provider, note = self.amount.text().strip() or "0", self.provider.text(), self.note.text()
        self.submit(lambda: self.service.add_entry(person, code, day, amount, provider=provider, note=note))


class ExtendDialog(FormDialog):
    def __init__(self, ctx: PageContext, person: PersonView, end: bool, parent: QWidget | None = None) -> None:
        title = _("End the essential-needs period") if end else _("Extend the essential-needs period")
        super().__init__(ctx, title, parent)
        self.person, self.end = person, end
        self.service = SupportService(ctx.desk)
        self.days = QSpinBox(self)
        self.days.setRange(1, 365)
        self.days.setValue(30)
        self.date = date_edit(self, today_of(ctx.desk.now()))
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(_("Decision number, reason…"))
        if not end:
            self.add("days", _("Extend &by (days):"), self.days)
        self.add("on", _("&Date:"), self.date)
        self.add("note", _("&Note:"), self.note)

    def save(self) -> None:
        person, day, note, days = self.person.id, date_of(self.date), self.note.text(), self.days.value()
        if self.end:
            self.submit(lambda: self.service.end_essential(person, on=day, note=note))
        else:
            self.submit(lambda: self.service.extend_essential(person, days, on=day, note=note))


class SupportLedgerWidget(Retranslatable, QWidget):
    changed = Signal()

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = SupportService(ctx.desk)
        self.person: PersonView | None = None
        self.summary: SupportSummary | None = None
        self._build()
        self.retranslate()

    def _build(self) -> None:
        may_record = self.ctx.desk.can(Perm.SUPPORT_RECORD)
        self.period = QFrame(self)
        self.period.setObjectName("period")
        self.period.setFrameShape(QFrame.Shape.StyledPanel)
        self.period_label = QLabel(self.period)
        self.period_label.setWordWrap(True)
        self.period_bar = QProgressBar(self.period)
        self.period_bar.setTextVisible(False)
        self.period_bar.setFixedHeight(10)
        self.extend_button, self.end_button = QPushButton(self.period), QPushButton(self.period)
        self.extend_button.clicked.connect(lambda: self._period_dialog(end=False))
        self.end_button.clicked.connect(lambda: self._period_dialog(end=True))
        period_row = QHBoxLayout(self.period)
        text_column = QVBoxLayout()
        text_column.addWidget(self.period_label)
        text_column.addWidget(self.period_bar)
        period_row.addLayout(text_column, 1)
        period_row.addWidget(self.extend_button)
        period_row.addWidget(self.end_button)
        self.table = QTableWidget(0, 6, self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((90, 330, 230, 120, 200, 100)):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.total_label = QLabel(self)
        self.total_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.add_button = QPushButton(self)
        self.add_button.clicked.connect(self.record)
        for button in (self.add_button, self.extend_button, self.end_button):
            button.setVisible(may_record)
            button.setAutoDefault(False)
        QShortcut(QKeySequence("Ctrl+R"), self, self.record)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(self.total_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.period)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([_("Date"), _("Type of support"), _("Provided by"), _("Amount"),
                                              _("Note"), _("Recorded by")])
        self.add_button.setText(_("&Record support… (Ctrl+R)"))
        self.extend_button.setText(_("E&xtend…"))
        self.end_button.setText(_("End the &period…"))
        if self.summary is not None:
            self._show(self.summary)

    def show_person(self, person: PersonView) -> None:
        self.person = person
        self.ctx.tasks.run_db(lambda: self.service.summary(person.id), self._show, self._error)

    def _error(self, exc: BaseException) -> None:
        common.show_error(self, exc)

    def _show(self, summary: SupportSummary) -> None:
        self.summary = summary
        self.table.setRowCount(len(summary.entries))
        for row, e in enumerate(reversed(summary.entries)):  # the newest first
            values = (day_text(e.given_on), e.type_name, e.provider, format_vnd(e.amount_vnd), e.note, e.recorded_by)
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if column == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        n = len(summary.entries)
        self.total_label.setText(ngettext("Total: {amount} in {n} entry", "Total: {amount} in {n} entries", n).format(
            amount=format_vnd(summary.total_vnd), n=n))
        self.total_label.setToolTip("\n".join(f"{name}: {count} · {format_vnd(total)}"
                                              for name, count, total in summary.by_type))
        self._show_period(summary.essential)

    def _show_period(self, e: EssentialNeedsView) -> None:
        self.period_label.setText(period_text(e))
        self.period.setStyleSheet(PERIOD_STYLES[e.state])
        running = e.state in (SupportPeriodState.ACTIVE, SupportPeriodState.ENDING_SOON)
        self.period_bar.setVisible(e.start is not None and e.end is not None)
        if e.start is not None and e.end is not None:
            total = max((e.end - e.start).days, 1)
            used = total - (e.days_left or 0) if running else total
            self.period_bar.setRange(0, total)
            self.period_bar.setValue(max(0, min(total, used)))
        may = self.ctx.desk.can(Perm.SUPPORT_RECORD)
        self.extend_button.setVisible(may and running)
        self.end_button.setVisible(may and running)

    def record(self) -> None:
        if self.person is None or not self.ctx.desk.can(Perm.SUPPORT_RECORD):
            return
        dialog = SupportEntryDialog(self.ctx, self.person, self)
        dialog.saved.connect(lambda _entry: self._after_change())
        dialog.open()

    def _period_dialog(self, end: bool) -> None:
        if self.person is None:
            return
        dialog = ExtendDialog(self.ctx, self.person, end, self)
        dialog.saved.connect(lambda _view: self._after_change())
        dialog.open()

    def _after_change(self) -> None:
        if self.person is not None:
            self.show_person(self.person)
        self.changed.emit()
