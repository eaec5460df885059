"""Provincial office: "Province notes" beside a commune's tip or person (a tab of the detail views).

Notes, follow-up decisions with a due date and links to another record are stored at the province
beside the commune-owned record (``exchange_annotations``); importing a newer version of the record
never changes or removes them. Reading and writing go through ``StatusService`` on the worker.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain.roles import Perm
from tipdesk.errors import ValidationError
from tipdesk.events import Changes
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext
from tipdesk.gui.pages.person_common import DateLine, FormDialog, day_text
from tipdesk.i18n import N_, _, format_datetime
from tipdesk.services.exchange_status import (
    ANNOTATION_KINDS,
    MAX_ANNOTATION_CHARS,
    AnnotationView,
    StatusService,
)
from tipdesk.services.province_views import is_province

KIND_LABELS = {"note": N_("Note"), "follow_up": N_("Follow-up decision"), "link": N_("Link to another record")}
LINK_TYPES = {"person": N_("Person"), "tip": N_("Tip")}
COLUMNS = (N_("Written on"), N_("Kind"), N_("Text"), N_("Due on"), N_("By"))


def may_see_notes(ctx: PageContext) -> bool:
    """Only the provincial office has notes; roles that neither exchange nor annotate do not see them."""
    desk = ctx.desk
    return is_province(desk) and (desk.can(Perm.ANNOTATE) or desk.can(Perm.EXCHANGE))


def note_text(a: AnnotationView) -> str:
    if a.kind != "link":
        return a.text
    target = _(LINK_TYPES.get(a.link_type, a.link_type))
    link = _("→ {kind} {id}").format(kind=target, id=a.link_id)
    return f"{a.text} {link}".strip()


class AnnotationDialog(FormDialog):
    """Add a note, a follow-up decision (with its due date) or a link to another record."""

    def __init__(self, ctx: PageContext, record_type: str, record_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Add a province note"), parent)
        self.record_type, self.record_id = record_type, record_id
        self.service = StatusService(ctx.desk)
        self.resize(560, 340)
        self.kind = QComboBox(self)
        for kind in ANNOTATION_KINDS:
            self.kind.addItem(_(KIND_LABELS[kind]), kind)
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.text = QPlainTextEdit(self)
        self.text.setTabChangesFocus(True)
        self.due = DateLine("due_on", self)
        self.link_type = QComboBox(self)
        for code, label in LINK_TYPES.items():
            self.link_type.addItem(_(label), code)
        self.link_id = QLineEdit(self)
        self.link_id.setPlaceholderText(_("Person's record code, or the record id"))
        self.add("kind", _("Kind of &note:"), self.kind)
        self.add("text", _("&Text:"), self.text)
        self.add("due_on", _("&Due on:"), self.due)
        self.add("link_type", _("&Linked record:"), self.link_type)
        self.add("link_id", _("Record &code:"), self.link_id)
        self._kind_changed()
        self.text.setFocus()

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        for name, shown in (("due_on", kind == "follow_up"), ("link_type", kind == "link"),
                            ("link_id", kind == "link")):
            self.form.setRowVisible(self.fields[name], shown)

    def save(self) -> None:
        kind = str(self.kind.currentData())
        text = self.text.toPlainText().strip()
        try:
            due = self.due.value() if kind == "follow_up" else None
        except ValidationError as exc:
            self.failed(exc)
            return
        if kind != "link" and not text:
            self.failed(ValidationError(_("Write the note first."), {"text": "required"}))
            return
        if len(text) > MAX_ANNOTATION_CHARS:
            self.failed(ValidationError(_("A note has at most {n} characters.").format(n=MAX_ANNOTATION_CHARS),
                                        {"text": "too_long"}))
            return
        if kind == "link" and not self.link_id.text().strip():
            self.failed(ValidationError(_("Give the code of the linked record."), {"link_id": "required"}))
            return
        link_type = str(self.link_type.currentData()) if kind == "link" else ""
        link_id = self.link_id.text().strip() if kind == "link" else ""
        record_type, record_id = self.record_type, self.record_id
        self.submit(lambda: self.service.annotate(record_type, record_id, kind, text, due_on=due,
                                                  link_type=link_type, link_id=link_id))


class ProvinceNotesWidget(Retranslatable, QWidget):
    """The province notes of one record, newest last, with "Add a note…"."""

    added = Signal(object)  # AnnotationView

    def __init__(self, ctx: PageContext, record_type: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.record_type = record_type
        self.record_id = ""
        self.notes: list[AnnotationView] = []
        self.service = StatusService(ctx.desk)
        self.hint = common.hint_label("", self)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton(self)
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_note)
        self.add_button.setVisible(ctx.desk.can(Perm.ANNOTATE))
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        ctx.bridge.changed.connect(self._on_changes)
        self.retranslate()

    def retranslate(self) -> None:
        self.hint.setText(_("Notes of the provincial office, kept here beside the commune's record: importing a "
                            "newer version from the commune never changes or removes them."))
        self.add_button.setText(_("Add a &note…"))
        self.table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        self._fill()

    def show_record(self, record_id: str) -> None:
        self.record_id = record_id
        self.reload()

    def reload(self) -> None:
        if not self.record_id:
            return
        record_type, record_id = self.record_type, self.record_id
        self.ctx.tasks.run_db(lambda: self.service.annotations(record_type, record_id),
                              lambda notes: self._loaded(record_id, notes), self._failed)

    def _failed(self, exc: BaseException) -> None:
        common.show_error(self, exc)

    def _loaded(self, record_id: str, notes: list[AnnotationView]) -> None:
        if record_id == self.record_id:
            self.notes = notes
            self._fill()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.notes))
        for r, a in enumerate(self.notes):
            values = (format_datetime(a.created_at), _(KIND_LABELS.get(a.kind, a.kind)), note_text(a),
                      day_text(a.due_on), a.created_by)
            for c, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()

    def add_note(self) -> None:
        if not self.record_id:
            return
        dialog = AnnotationDialog(self.ctx, self.record_type, self.record_id, self)
        dialog.saved.connect(self._added)
        dialog.open()
        self.dialog = dialog

    def _added(self, view: AnnotationView) -> None:
        self.added.emit(view)
        self.reload()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches("annotation") and self.isVisible():
            self.reload()
