"""Recording a tip (or correcting its particulars): one dialog, two columns, keyboard first.

Tab moves through the fields in reading order; Ctrl+S (or Ctrl+Enter) saves, Esc cancels.
Saving runs on the database worker; a refused value is shown under the form and its field focused.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain import reference, units
from tipdesk.domain.persons import trafficking_forms
from tipdesk.domain.tips import Channel, SourceType
from tipdesk.errors import UserError, ValidationError
from tipdesk.gui import common
from tipdesk.gui.pages import PageContext
from tipdesk.gui.pages.edit_lease import EditGuard
from tipdesk.gui.unit_picker import SearchCombo
from tipdesk.i18n import _
from tipdesk.services.leases import TIP
from tipdesk.services.tips import TipService
from tipdesk.services.tips_types import ReporterKind, TipInput, TipView

DIALOG_SIZE = (1120, 690)


def to_qdatetime(value: dt.datetime) -> QDateTime:
    """The computer's local time, to the minute (what the officer sees and types)."""
    local = value.astimezone()
    return QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))


def from_qdatetime(value: QDateTime) -> dt.datetime:
    naive = value.toPython()
    assert isinstance(naive, dt.datetime)
    return naive.astimezone()  # the computer's time zone, as shown


def _text_box(parent: QWidget, lines: int) -> QPlainTextEdit:
    box = QPlainTextEdit(parent)
    box.setTabChangesFocus(True)
    box.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 12)
    return box


class TipFormDialog(QDialog):
    saved = Signal(object)  # TipView

    def __init__(self, ctx: PageContext, tip: TipView | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = TipService(ctx.desk)
        self.tip = tip
        self.setWindowTitle(_("Correct tip {number}").format(number=tip.register_label) if tip else _("New tip"))
        self.resize(*DIALOG_SIZE)
        self._build()
        self._fill(tip.as_input() if tip else None)
        self.ctx.tasks.run_db(self.service.officer_names, self._set_officers, lambda _e: None)
        if self.guard is not None:
            self.guard.start()

    # -- construction -------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.fields: dict[str, QWidget] = {}
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self._receipt_box())
        left.addWidget(self._reporter_box())
        left.addWidget(self._trafficking_box())
        left.addStretch(1)
        right.addWidget(self._content_box())
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        self.message = common.MessageLabel(self)
        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton(_("&Save (Ctrl+S)"), QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        for keys in ("Ctrl+S", "Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.save)
        self.guard = EditGuard(self.ctx, TIP, self.tip.id, self) if self.tip else None
        if self.guard is not None:
            self.guard.reload_requested.connect(self.reload)
        layout = QVBoxLayout(self)
        if self.guard is not None:
            layout.addWidget(self.guard)
        layout.addLayout(columns, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _add(self, form: QFormLayout, name: str, label: str, widget: QWidget) -> None:
        self.fields[name] = widget
        form.addRow(label, widget)

    def _receipt_box(self) -> QGroupBox:
        box = QGroupBox(_("Receipt"), self)
        form = QFormLayout(box)
        self.source = QComboBox(box)
        for s in SourceType:
            self.source.addItem(s.label(), s.value)
        self.channel = QComboBox(box)
        for c in Channel:
            self.channel.addItem(c.label(), c.value)
        self.received = QDateTimeEdit(box)
        self.received.setDisplayFormat("HH:mm dd/MM/yyyy")
        self.received.setCalendarPopup(True)
        self.officer = QComboBox(box)
        self.officer.setEditable(True)
        self.urgent = QCheckBox(_("A person is in immediate &danger (urgent: top of every list)"), box)
        self._add(form, "source_type", _("&Type of source:"), self.source)
        self._add(form, "channel", _("C&hannel:"), self.channel)
        self._add(form, "received_at", _("&Received at:"), self.received)
        self._add(form, "officer_name", _("Receiving o&fficer:"), self.officer)
        self._add(form, "urgent", "", self.urgent)
        return box

    def _reporter_box(self) -> QGroupBox:
        box = QGroupBox(_("Reporter"), self)
        form = QFormLayout(box)
        self.reporter_kind = QComboBox(box)
        for k in ReporterKind:
            self.reporter_kind.addItem(k.label(), k.value)
        self.reporter_kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.reporter_name, self.reporter_id = QLineEdit(box), QLineEdit(box)
        self.reporter_contact, self.reporter_address = QLineEdit(box), QLineEdit(box)
        self.secret = QCheckBox(_("The reporter asks for secrecy (identity &masked in lists and prints)"), box)
        self.masked_note = common.hint_label(_("The reporter asked for secrecy and your role may not see their "
                                               "identity; it stays as recorded."), box)
        self.masked_note.hide()
        self._add(form, "reporter_kind", _("&Kind:"), self.reporter_kind)
        self._add(form, "reporter_name", _("&Name:"), self.reporter_name)
        self._add(form, "reporter_id_number", _("I&D number:"), self.reporter_id)
        self._add(form, "reporter_contact", _("Contact (&phone):"), self.reporter_contact)
        self._add(form, "reporter_address", _("Addr&ess:"), self.reporter_address)
        self._add(form, "reporter_secret", "", self.secret)
        form.addRow(self.masked_note)
        return box

    def _content_box(self) -> QGroupBox:
        box = QGroupBox(_("Content"), self)
        form = QFormLayout(box)
        self.summary = QLineEdit(box)
        self.summary.setPlaceholderText(_("One sentence: who, what, where"))
        self.account = _text_box(box, 12)
        self.place = SearchCombo(box)
        inst = self.ctx.desk.installation
        communes = units.communes(inst.province_code) if len(inst.province_code) == 2 else []
        self.place.set_items([("", "")] + [(c.name, c.code) for c in communes])
        self.place.edit().setPlaceholderText(_("Commune or ward (type to search)"))
        self.place_detail = QLineEdit(box)
        self.place_detail.setPlaceholderText(_("Village, street, house…"))
        self.suspects = _text_box(box, 4)
        self._add(form, "summary", _("S&ummary:"), self.summary)
        self._add(form, "account", _("F&ull account:"), self.account)
        self._add(form, "place_unit_code", _("P&lace (commune):"), self.place)
        self._add(form, "place_detail", _("Place &details:"), self.place_detail)
        self._add(form, "suspects", _("Suspected &persons:"), self.suspects)
        return box

    def _trafficking_box(self) -> QGroupBox:
        box = QGroupBox(_("Trafficking"), self)
        form = QFormLayout(box)
        self.forms = QListWidget(box)
        for f in trafficking_forms():
            item = QListWidgetItem(f.name(), self.forms)
            item.setData(Qt.ItemDataRole.UserRole, f.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.forms.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.forms.setWordWrap(True)
        self.forms.setFixedHeight(self.forms.fontMetrics().lineSpacing() * 6 + 16)
        self.forms.setToolTip(_("Space ticks or unticks the highlighted form"))
        self.country = SearchCombo(box)
        self.country.set_items([("", "")] + [(c.name, c.code) for c in reference.countries()])
        self.route = QLineEdit(box)
        self._add(form, "forms", _("&Forms:"), self.forms)
        self._add(form, "destination_country", _("Destination &country:"), self.country)
        self._add(form, "border_route", _("&Border route:"), self.route)
        return box

    # -- values ----------------------------------------------------------------------------------------------
    def _fill(self, data: TipInput | None) -> None:
        if data is None:
            self.received.setDateTime(to_qdatetime(self.ctx.desk.now()))
            self.officer.setEditText(self.service.default_officer_name())
            self.place.select_code(self.ctx.desk.installation.unit_code)
            self._kind_changed()
            self.source.setFocus()
            return
        self.source.setCurrentIndex(self.source.findData(data.source_type.value))
        self.channel.setCurrentIndex(self.channel.findData(data.channel.value))
        self.received.setDateTime(to_qdatetime(data.received_at))
        self.officer.setEditText(data.officer_name)
        self.urgent.setChecked(data.urgent)
        self.reporter_kind.setCurrentIndex(self.reporter_kind.findData(data.reporter_kind.value))
        for edit, value in ((self.reporter_name, data.reporter_name), (self.reporter_id, data.reporter_id_number),
                            (self.reporter_contact, data.reporter_contact),
                            (self.reporter_address, data.reporter_address), (self.summary, data.summary),
                            (self.place_detail, data.place_detail), (self.route, data.border_route)):
            edit.setText(value)
        self.secret.setChecked(data.reporter_secret)
        self.account.setPlainText(data.account)
        self.suspects.setPlainText(data.suspects)
        self.place.select_code(data.place_unit_code)
        self.country.select_code(data.destination_country)
        for i in range(self.forms.count()):
            item = self.forms.item(i)
            checked = item.data(Qt.ItemDataRole.UserRole) in data.forms
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        masked = self.tip is not None and self.tip.reporter.masked
        for widget in (self.reporter_kind, self.reporter_name, self.reporter_id, self.reporter_contact,
                       self.reporter_address, self.secret):
            widget.setEnabled(not masked)
        self.masked_note.setVisible(masked)
        self._kind_changed()
        self.summary.setCursorPosition(0)
        self.summary.setFocus()

    def _kind_changed(self) -> None:
        anonymous = self.reporter_kind.currentData() == ReporterKind.ANONYMOUS.value
        masked = self.tip is not None and self.tip.reporter.masked
        for widget in (self.reporter_name, self.reporter_id, self.reporter_address):
            widget.setEnabled(not anonymous and not masked)

    def _set_officers(self, names: list[str]) -> None:
        text = self.officer.currentText()
        self.officer.clear()
        self.officer.addItems(names)
        self.officer.setEditText(text)

    def value(self) -> TipInput:
        forms = tuple(str(self.forms.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.forms.count())
                      if self.forms.item(i).checkState() == Qt.CheckState.Checked)
        anonymous = self.reporter_kind.currentData() == ReporterKind.ANONYMOUS.value
        return TipInput(
            source_type=SourceType(self.source.currentData()), channel=Channel(self.channel.currentData()),
            received_at=from_qdatetime(self.received.dateTime()), summary=self.summary.text(),
            account=self.account.toPlainText(), officer_name=self.officer.currentText(),
            reporter_kind=ReporterKind(self.reporter_kind.currentData()),
            reporter_name="" if anonymous else self.reporter_name.text(),
            reporter_contact=self.reporter_contact.text(), reporter_address=self.reporter_address.text(),
            reporter_id_number="" if anonymous else self.reporter_id.text(), reporter_secret=self.secret.isChecked(),
            place_unit_code=self.place.current_code() or "", place_detail=self.place_detail.text(),
            suspects=self.suspects.toPlainText(), forms=forms, destination_country=self.country.current_code() or "",
            border_route=self.route.text(), urgent=self.urgent.isChecked(),
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl+S / Ctrl+Enter save even when the shortcut map is not active (embedded or tested dialogs)."""
        ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if ctrl and event.key() in (Qt.Key.Key_S, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.save()
            return
        super().keyPressEvent(event)

    # -- saving ----------------------------------------------------------------------------------------------
    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        data = self.value()
        tip = self.tip
        self.save_button.setEnabled(False)
        self.message.set_hint(_("Saving…"))
        if tip is None:
            self.ctx.tasks.run_db(lambda: self.service.create(data), self._done, self._failed)
        else:
            self.ctx.tasks.run_db(lambda: self.service.update(tip.id, data, expected_version=tip.version),
                                  self._done, self._failed)

    def _done(self, view: TipView) -> None:
        self.message.clear_message()
        self.saved.emit(view)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if not isinstance(exc, UserError):
            self.message.clear_message()
            raise exc
        if self.guard is not None and self.guard.take_stale(exc):
            self.message.clear_message()
            return
        self.message.set_error(exc.message)
        if isinstance(exc, ValidationError):
            name = next(iter(exc.fields), "")
            widget = self.fields.get(name)
            if widget is not None:
                widget.setFocus()

    # -- several users ---------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Load the tip as it is saved now (after "changed by X meanwhile"); the typed changes are dropped."""
        if self.tip is None:
            return
        tip_id = self.tip.id
        self.message.set_hint(_("Loading…"))
        self.ctx.tasks.run_db(lambda: self.service.get(tip_id), self._reloaded, self._failed)

    def _reloaded(self, view: TipView) -> None:
        self.tip = view
        self.setWindowTitle(_("Correct tip {number}").format(number=view.register_label))
        self._fill(view.as_input())
        if self.guard is not None:
            self.guard.clear_stale()
        self.message.set_ok(_("This is the tip as saved now. Make your change again, then save."))

    def done(self, result: int) -> None:
        """Closing the form (saved, cancelled or closed) gives the edit lease back."""
        if self.guard is not None:
            self.guard.stop()
        super().done(result)
