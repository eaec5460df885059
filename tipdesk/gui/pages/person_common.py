"""Small pieces shared by the persons views: date and amount fields, colours, reference-list texts."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain import reference, units
from tipdesk.domain.deadlines import DeadlineState, local_date
from tipdesk.domain.persons import IdentificationStatus, validate_amount_vnd
from tipdesk.errors import NotFound, UserError, ValidationError
from tipdesk.gui import common
from tipdesk.i18n import _, format_number

if TYPE_CHECKING:
    from tipdesk.gui.pages import PageContext

STATUS_COLOURS = {
    IdentificationStatus.BEING_IDENTIFIED: QColor("#8a5a00"),
    IdentificationStatus.IDENTIFIED_VICTIM: QColor("#1b5e20"),
    IdentificationStatus.NOT_VICTIM: QColor("#555555"),
}
STATE_COLOURS = {DeadlineState.OVERDUE: QColor("#b00020"), DeadlineState.DUE_SOON: QColor("#b35c00"),
                 DeadlineState.MET: QColor("#1b5e20"), DeadlineState.MET_LATE: QColor("#6d4c41")}
MASKED_STYLE = "color: #555555; font-style: italic;"
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")


def parse_day(text: str, field: str) -> dt.date | None:
    """A typed date (dd/mm/yyyy); empty text is None; anything else a ``ValidationError`` on ``field``."""
    value = text.strip()
    if not value:
        return None
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValidationError(_("“{value}” is not a date (dd/mm/yyyy).").format(value=value), {field: "format"})


def parse_birth(text: str) -> tuple[dt.date | None, int | None]:
    """"2006" is a birth year, "05/03/2006" a birth date, "" unknown."""
    value = text.strip()
    if value.isdigit() and len(value) == 4:
        return None, int(value)
    day = parse_day(value, "birth_date")
    return day, None


def day_text(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


class DateLine(QLineEdit):
    """An optional date typed as dd/mm/yyyy (empty: no date)."""

    def __init__(self, field: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.setPlaceholderText(_("dd/mm/yyyy"))
        self.setMaxLength(10)

    def value(self) -> dt.date | None:
        return parse_day(self.text(), self.field)

    def set_value(self, value: dt.date | None) -> None:
        self.setText(day_text(value))


def date_edit(parent: QWidget, value: dt.date) -> QDateEdit:
    """A required date with a calendar popup (Alt+Down opens it)."""
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setDate(QDate(value.year, value.month, value.day))
    return edit


def date_of(edit: QDateEdit) -> dt.date:
    value = edit.date()
    return dt.date(value.year(), value.month(), value.day())


def today_of(now: dt.datetime) -> dt.date:
    return local_date(now)


class AmountEdit(QLineEdit):
    """An amount in đồng: digits with thousands separators added when leaving the field (1.500.000)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("0")
        self.setMaxLength(20)
        self.editingFinished.connect(self._tidy)

    def _tidy(self) -> None:
        with contextlib.suppress(ValidationError):  # left as typed otherwise: saving reports it
            self.setText(format_number(validate_amount_vnd(self.text() or "0")))

    def value(self) -> int:
        return validate_amount_vnd(self.text().strip() or "0")


def country_text(code: str) -> str:
    return reference.country_or_code(code)


def ethnic_text(code: str) -> str:
    return reference.ethnic_or_code(code)


def unit_text(code: str) -> str:
    """"Xã Thượng Lâm, Tuyên Quang" for a commune code, the name for a province code."""
    if not code:
        return ""
    try:
        if len(code) == 5:
            commune = units.commune(code)
            return f"{commune.name}, {units.province(commune.province_code).name}"
        return units.unit_name(code)
    except NotFound:
        return code


@functools.lru_cache(maxsize=1)
def unit_items() -> tuple[tuple[str, str], ...]:
    """Every province and commune as (label, code) for a type-ahead combo (the 2025 list)."""
    provinces = {p.code: p.name for p in units.provinces()}
    items = [("", "")]
    for code, name in provinces.items():
        items.append((name, code))
        items.extend((f"{c.name}, {name}", c.code) for c in units.communes(code))
    return tuple(items)


def place_line(unit: str, detail: str, old: str) -> str:
    parts = [p for p in (detail, unit_text(unit)) if p]
    text = ", ".join(parts)
    if old:
        text += (" · " if text else "") + _("before 2025: {address}").format(address=old)
    return text


class FormDialog(QDialog):
    """A small form dialog: rows added with ``add``; ``save`` calls ``submit(job)``, which runs ``job`` on the
    worker, emits ``saved(result)`` and closes, or shows the refusal under the form and focuses its field."""

    saved = Signal(object)

    def __init__(self, ctx: PageContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.message = common.MessageLabel(self)
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(_("&Save (Ctrl+S)"), QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        for keys in ("Ctrl+S", "Ctrl+Return"):
            QShortcut(QKeySequence(keys), self, self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.fields: dict[str, QWidget] = {}

    def add(self, name: str, label: str, widget: QWidget) -> None:
        self.fields[name] = widget
        self.form.addRow(label, widget)

    def save(self) -> None:
        raise NotImplementedError

    def submit(self, job: Callable[[], object]) -> None:
        if not self.save_button.isEnabled():
            return
        self.save_button.setEnabled(False)
        self.message.set_hint(_("Saving…"))
        self.ctx.tasks.run_db(job, self._done, self.failed)

    def _done(self, result: object) -> None:
        self.message.clear_message()
        self.saved.emit(result)
        self.accept()

    def failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if not isinstance(exc, UserError):
            self.message.clear_message()
            raise exc
        self.message.set_error(exc.message)
        if isinstance(exc, ValidationError):
            widget = self.fields.get(next(iter(exc.fields), ""))
            if widget is not None:
                widget.setFocus()
