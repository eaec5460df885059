"""The filter bar of the audit log: action, user, text and a date range."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QComboBox, QDateEdit, QGridLayout, QLabel, QLineEdit, QPushButton, QWidget

from tipdesk.gui.language import Retranslatable
from tipdesk.i18n import _
from tipdesk.services.audit import action_label

ANY_DATE = QDate(2000, 1, 1)


def qdate_to_local(date: QDate, next_day: bool = False) -> dt.datetime:
    """Local midnight at the start of ``date`` (or of the day after), timezone-aware."""
    day = dt.date(date.year(), date.month(), date.day()) + dt.timedelta(days=1 if next_day else 0)
    return dt.datetime.combine(day, dt.time()).astimezone()


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    username: str = ""
    text: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def kwargs(self) -> dict[str, Any]:
        return {"action": self.action or None, "username": self.username or None, "text": self.text or None,
                "since": self.since, "until": self.until}


class DateFilterEdit(QDateEdit):
    """A date field whose lowest value means "any date"; its calendar then opens on this month."""

    def _show_this_month(self) -> None:
        calendar = self.calendarWidget()
        if self.date() == ANY_DATE and calendar is not None:
            today = QDate.currentDate()
            calendar.setCurrentPage(today.year(), today.month())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        self._show_this_month()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        super().keyPressEvent(event)
        self._show_this_month()


def date_edit(parent: QWidget) -> QDateEdit:
    """A date field whose lowest value means "any date"."""
    edit = DateFilterEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setMinimumDate(ANY_DATE)
    edit.setDate(ANY_DATE)
    return edit


class AuditFilterBar(Retranslatable, QWidget):
    apply = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.action_codes: list[str] = []
        self.action = QComboBox(self)
        self.action.addItem("", "")
        self.username = QLineEdit(self)
        self.text = QLineEdit(self)
        self.since = date_edit(self)
        self.until = date_edit(self)
        self.labels = [QLabel(self) for _i in range(5)]
        for label, buddy in zip(self.labels, (self.action, self.username, self.text, self.since, self.until),
                                strict=True):
            label.setBuddy(buddy)
        self.search_button = QPushButton(self)
        self.search_button.setAutoDefault(False)
        self.search_button.clicked.connect(lambda: self.apply.emit())
        self.clear_button = QPushButton(self)
        self.clear_button.setAutoDefault(False)
        self.clear_button.clicked.connect(self._clear_and_apply)
        for edit in (self.username, self.text):
            edit.returnPressed.connect(self.apply.emit)
        self.action.activated.connect(lambda _i: self.apply.emit())
        self._layout()
        self.retranslate()

    def _layout(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        fields = (self.action, self.username, self.text, self.since, self.until)
        for column, (label, field) in enumerate(zip(self.labels, fields, strict=True)):
            grid.addWidget(label, 0, column)
            grid.addWidget(field, 1, column)
        grid.addWidget(self.search_button, 1, 5)
        grid.addWidget(self.clear_button, 1, 6)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 3)

    def retranslate(self) -> None:
        texts = (_("&Action:"), _("&User:"), _("Te&xt:"), _("F&rom:"), _("&To:"))
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        self.action.setItemText(0, _("All actions"))
        for index, action in enumerate(self.action_codes, start=1):
            self.action.setItemText(index, action_label(action))
        self.username.setPlaceholderText(_("any user"))
        self.text.setPlaceholderText(_("record number or detail"))
        for edit in (self.since, self.until):
            edit.setSpecialValueText(_("any date"))
        self.search_button.setText(_("S&earch"))
        self.clear_button.setText(_("C&lear"))

    def set_actions(self, actions: list[str]) -> None:
        current = self.action.currentData()
        self.action_codes = list(actions)
        while self.action.count() > 1:
            self.action.removeItem(1)
        for action in self.action_codes:
            self.action.addItem(action_label(action), action)
        self.action.setCurrentIndex(max(0, self.action.findData(current)))

    def current(self) -> AuditFilter:
        since = self.since.date()
        until = self.until.date()
        return AuditFilter(
            action=str(self.action.currentData() or ""),
            username=self.username.text().strip().casefold(),
            text=self.text.text().strip(),
            since=None if since == ANY_DATE else qdate_to_local(since),
            until=None if until == ANY_DATE else qdate_to_local(until, next_day=True),
        )

    def clear(self) -> None:
        self.action.setCurrentIndex(0)
        self.username.clear()
        self.text.clear()
        self.since.setDate(ANY_DATE)
        self.until.setDate(ANY_DATE)

    def _clear_and_apply(self) -> None:
        self.clear()
        self.apply.emit()
