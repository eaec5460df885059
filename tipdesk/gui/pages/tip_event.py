"""Recording one workflow step of a tip: only the fields that step needs are shown."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain.tips import NoCaseGround, SuspensionReason, TipEventKind
from tipdesk.errors import UserError, ValidationError
from tipdesk.gui import common
from tipdesk.gui.pages import PageContext
from tipdesk.gui.pages.tip_form import from_qdatetime, to_qdatetime
from tipdesk.i18n import _
from tipdesk.services.tips import TipService
from tipdesk.services.tips_format import ground_label, reason_label
from tipdesk.services.tips_types import TipEventInput, TipView, VerificationActivity

K = TipEventKind
TRANSFERS = (K.TRANSFERRED, K.TRANSFERRED_OTHER)
WITH_DECISION_NO = (K.DECISION_PROSECUTE, K.DECISION_NOT_PROSECUTE, K.SUSPENDED, K.RESUMED, K.EXTENSION,
                    K.PROCURACY_EXTENSION)
WITH_DAYS = (K.EXTENSION, K.PROCURACY_EXTENSION)
METHODS = ("Trực tiếp bàn giao hồ sơ", "Gửi qua bưu điện", "Chuyển qua cán bộ điều tra tại xã", "Giao liên")


class TipEventDialog(QDialog):
    saved = Signal(object)  # TipView

    def __init__(self, ctx: PageContext, tip: TipView, kind: TipEventKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = TipService(ctx.desk)
        self.tip = tip
        self.kind = kind
        self.setWindowTitle(_("Tip {number}: {step}").format(number=tip.register_label, step=kind.label()))
        self.setMinimumWidth(620)
        self.fields: dict[str, QWidget] = {}
        form = QFormLayout()
        self.when = QDateTimeEdit(self)
        self.when.setDisplayFormat("HH:mm dd/MM/yyyy")
        self.when.setCalendarPopup(True)
        self.when.setDateTime(to_qdatetime(ctx.desk.now()))
        self._add(form, "occurred_at", _("&Date and time:"), self.when)
        self.officer = QLineEdit(self.service.default_officer_name(), self)
        self._add(form, "officer_name", _("&Officer:"), self.officer)
        self._kind_fields(form)
        self.note = QPlainTextEdit(self)
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(self.note.fontMetrics().lineSpacing() * 4 + 12)
        note_label = _("&Findings:") if kind is K.VERIFICATION_ACTIVITY else _("&Notes:")
        self._add(form, "note", note_label, self.note)
        self.message = common.MessageLabel(self)
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(_("&Record (Ctrl+S)"), QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+S"), self, self.save)
        layout = QVBoxLayout(self)
        title = QLabel(kind.label(), self)
        title.setFont(common.title_font(self.font(), 1.2))
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.when.setFocus()

    def _add(self, form: QFormLayout, name: str, label: str, widget: QWidget) -> None:
        self.fields[name] = widget
        form.addRow(label, widget)

    def _kind_fields(self, form: QFormLayout) -> None:
        kind = self.kind
        self.recipient = QComboBox(self)
        self.recipient.setEditable(True)
        self.method = QComboBox(self)
        self.method.setEditable(True)
        self.activity, self.ground, self.reason = QComboBox(self), QComboBox(self), QComboBox(self)
        self.decision_no = QLineEdit(self)
        self.days = QSpinBox(self)
        self.days.setRange(0, 400)
        if kind in TRANSFERS or kind is K.PROCURACY_NOTIFIED:
            suggestions = [self.service.default_transfer_recipient()] if kind is K.TRANSFERRED else []
            if kind is K.PROCURACY_NOTIFIED:
                suggestions = [_("People's Procuracy of the province")]
            self.recipient.addItems(suggestions)
            label = _("&Sent to:") if kind is K.PROCURACY_NOTIFIED else _("&Transferred to:")
            self._add(form, "recipient", label, self.recipient)
        if kind in TRANSFERS:
            self.method.addItems(METHODS)
            self.method.setEditText("")
            self._add(form, "method", _("&How:"), self.method)
        if kind is K.VERIFICATION_ACTIVITY:
            for a in VerificationActivity:
                self.activity.addItem(a.label(), a.value)
            self._add(form, "activity", _("&Activity:"), self.activity)
        if kind is K.DECISION_NOT_PROSECUTE:
            self.ground.addItem("", "")
            for g in NoCaseGround:
                self.ground.addItem(ground_label(g.value), g.value)
            self._add(form, "ground", _("&Ground (Art 157):"), self.ground)
        if kind is K.SUSPENDED:
            self.reason.addItem("", "")
            for r in SuspensionReason:
                self.reason.addItem(reason_label(r.value), r.value)
            self._add(form, "reason", _("&Reason (Art 148):"), self.reason)
        if kind in WITH_DECISION_NO:
            self._add(form, "decision_no", _("Decision &number:"), self.decision_no)
        if kind in WITH_DAYS:
            self._add(form, "days", _("Extended by (&days):"), self.days)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl+S / Ctrl+Enter save even when the shortcut map is not active (embedded or tested dialogs)."""
        ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if ctrl and event.key() in (Qt.Key.Key_S, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.save()
            return
        super().keyPressEvent(event)

    def value(self) -> TipEventInput:
        return TipEventInput(
            kind=self.kind, occurred_at=from_qdatetime(self.when.dateTime()), officer_name=self.officer.text(),
            recipient=self.recipient.currentText(), method=self.method.currentText(),
            activity=str(self.activity.currentData() or ""), ground=str(self.ground.currentData() or ""),
            reason=str(self.reason.currentData() or ""), decision_no=self.decision_no.text(),
            days=self.days.value() or None, note=self.note.toPlainText(),
        )

    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        event = self.value()
        self.save_button.setEnabled(False)
        tip_id = self.tip.id
        self.ctx.tasks.run_db(lambda: self.service.record_event(tip_id, event), self._done, self._failed)

    def _done(self, view: TipView) -> None:
        self.saved.emit(view)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if not isinstance(exc, UserError):
            raise exc
        self.message.set_error(exc.message)
        if isinstance(exc, ValidationError):
            widget = self.fields.get(next(iter(exc.fields), ""))
            if widget is not None:
                widget.setFocus()
