"""One tip: particulars, timeline, deadlines, attachments, and the actions on it.

Hook for other features (the victims issue links persons to tips): call
``register_tip_extension(key, title_msgid, factory)`` at import time of your page module.
``factory(ctx)`` returns a QWidget with ``show_tip(tip_id: str) -> None``; it appears as an extra
tab of every tip's detail view ("Potential victims", ...), is told which tip is shown, and does its
own loading through ``ctx.tasks``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain.deadlines import DeadlineState
from tipdesk.domain.roles import Perm
from tipdesk.domain.tips import TipEventKind
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext
from tipdesk.gui.pages.province_notes import ProvinceNotesWidget, may_see_notes
from tipdesk.gui.pages.tips_list import STATE_COLOURS
from tipdesk.i18n import _, format_datetime
from tipdesk.services.province_views import commune_name, is_province
from tipdesk.services.tips import TipService
from tipdesk.services.tips_format import country_label, event_details, form_label, place_label
from tipdesk.services.tips_types import TipView


@dataclass(frozen=True)
class TipExtension:
    key: str
    title: str  # msgid
    factory: Callable[[PageContext], QWidget]


_EXTENSIONS: dict[str, TipExtension] = {}


def register_tip_extension(key: str, title: str, factory: Callable[[PageContext], QWidget]) -> None:
    """Add a tab to the tip detail view (e.g. the potential victims linked to the tip)."""
    _EXTENSIONS[key] = TipExtension(key, title, factory)


def tip_extensions() -> list[TipExtension]:
    return list(_EXTENSIONS.values())


def _table(parent: QWidget, columns: int) -> QTableWidget:
    table = QTableWidget(0, columns, parent)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(True)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(text)
    return item


class TipDetailView(Retranslatable, QWidget):
    back_requested = Signal()
    edit_requested = Signal(object)  # TipView
    event_requested = Signal(object, object)  # TipView, TipEventKind
    print_requested = Signal(object)
    attach_requested = Signal(object)
    save_attachment_requested = Signal(str)  # attachment id

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = TipService(ctx.desk)
        self.tip: TipView | None = None
        self.title = QLabel(self)
        self.title.setFont(common.title_font(self.font(), 1.25))
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.next_label = QLabel(self)
        self.next_label.setWordWrap(True)
        self._build_buttons()
        self._build_tabs()
        self._layout()
        QShortcut(QKeySequence("Esc"), self, self.back_requested.emit)
        QShortcut(QKeySequence("Alt+Left"), self, self.back_requested.emit)
        self.retranslate()

    def _build_buttons(self) -> None:
        desk = self.ctx.desk
        self.back_button = QPushButton(self)
        self.back_button.clicked.connect(self.back_requested.emit)
        self.step_button = QToolButton(self)
        self.step_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.step_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.step_menu = QMenu(self.step_button)
        self.step_button.setMenu(self.step_menu)
        self.step_button.setVisible(desk.can(Perm.TIP_EDIT))
        QShortcut(QKeySequence("Ctrl+E"), self, self.step_button.showMenu)
        self.edit_button = QPushButton(self)
        self.edit_button.clicked.connect(lambda: self._emit_with_tip(self.edit_requested))
        self.edit_button.setVisible(desk.can(Perm.TIP_EDIT))
        self.print_button = QPushButton(self)
        self.print_button.setShortcut(QKeySequence("Ctrl+P"))
        self.print_button.clicked.connect(lambda: self._emit_with_tip(self.print_requested))
        self.print_button.setVisible(desk.can(Perm.TIP_PRINT))
        self.attach_button = QPushButton(self)
        self.attach_button.clicked.connect(lambda: self._emit_with_tip(self.attach_requested))
        self.attach_button.setVisible(desk.can(Perm.TIP_EDIT))
        for button in (self.back_button, self.edit_button, self.print_button, self.attach_button):
            button.setAutoDefault(False)

    def _emit_with_tip(self, signal: SignalInstance) -> None:
        if self.tip is not None:
            signal.emit(self.tip)

    def _build_tabs(self) -> None:
        self.tabs = QTabWidget(self)
        self.particulars = QWidget(self)
        self.form = QFormLayout(self.particulars)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.particulars)
        self.timeline = _table(self, 4)
        self.deadlines = _table(self, 4)
        self.attachments = _table(self, 4)
        self.attachments.activated.connect(self._save_attachment)
        self.save_button = QPushButton(self)
        self.save_button.clicked.connect(lambda: self._save_attachment(self.attachments.currentIndex()))
        files = QWidget(self)
        files_layout = QVBoxLayout(files)
        files_layout.addWidget(self.attachments)
        files_layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.tab_widgets: list[QWidget] = [scroll, self.timeline, self.deadlines, files]
        for widget in self.tab_widgets:
            self.tabs.addTab(widget, "")
        self.notes: ProvinceNotesWidget | None = None
        if may_see_notes(self.ctx):  # provincial office: its own notes beside the commune's tip
            self.notes = ProvinceNotesWidget(self.ctx, "tip", self)
            self.tab_widgets.append(self.notes)
            self.tabs.addTab(self.notes, "")
        self.extensions: list[tuple[TipExtension, QWidget]] = []
        for ext in tip_extensions():
            widget = ext.factory(self.ctx)
            self.extensions.append((ext, widget))
            self.tabs.addTab(widget, _(ext.title))

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        for widget in (self.back_button, self.step_button, self.edit_button, self.print_button, self.attach_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.title)
        layout.addWidget(self.next_label)
        layout.addWidget(self.tabs, 1)

    def retranslate(self) -> None:
        self.back_button.setText(_("← Back to the list (Esc)"))
        self.step_button.setText(_("Record next &step… (Ctrl+E)"))
        self.edit_button.setText(_("&Edit particulars…"))
        self.print_button.setText(_("&Print reception record (Ctrl+P)"))
        self.attach_button.setText(_("&Attach file…"))
        self.save_button.setText(_("&Save the file to disk…"))
        for i, title in enumerate((_("&Particulars"), _("&Timeline"), _("&Deadlines"), _("&Attachments"),
                                   _("Pro&vince notes"))[:len(self.tab_widgets)]):
            self.tabs.setTabText(i, title)
        for ext, widget in self.extensions:
            self.tabs.setTabText(self.tabs.indexOf(widget), _(ext.title))
        self.timeline.setHorizontalHeaderLabels([_("Date and time"), _("Step"), _("Details"), _("Officer")])
        self.deadlines.setHorizontalHeaderLabels([_("Deadline"), _("Due"), _("State"), _("Legal basis")])
        self.attachments.setHorizontalHeaderLabels([_("File"), _("Size"), _("Added"), _("Description")])
        if self.tip is not None:
            self.show_tip(self.tip)

    # -- showing ---------------------------------------------------------------------------------------------
    def load(self, tip_id: str) -> None:
        self.ctx.tasks.run_db(lambda: self.service.get(tip_id), self.show_tip, self._failed)

    def _failed(self, exc: BaseException) -> None:
        common.show_error(self, exc)

    def show_tip(self, tip: TipView) -> None:
        self.tip = tip
        urgent = "⚠ " + _("URGENT") + " · " if tip.urgent else ""
        title = _("{urgent}Tip {number} · {status}").format(urgent=urgent, number=tip.register_label,
                                                            status=tip.status.label())
        if is_province(self.ctx.desk):  # the register number is the commune's: say whose
            title += " · " + commune_name(tip.unit_code)
        self.title.setText(title)
        self.title.setStyleSheet("color: #b00020;" if tip.urgent else "")
        self._show_next(tip)
        self._fill_particulars(tip)
        self._fill_timeline(tip)
        self._fill_deadlines(tip)
        self._fill_attachments(tip)
        self._fill_steps(tip)
        if self.notes is not None and self.notes.record_id != tip.id:
            self.notes.show_record(tip.id)
        for _ext, widget in self.extensions:
            show = getattr(widget, "show_tip", None)
            if show is not None:
                show(tip.id)

    def _show_next(self, tip: TipView) -> None:
        nxt = tip.next_deadline
        if nxt is None:
            self.next_label.setText(_("No open deadline."))
            self.next_label.setStyleSheet("")
            return
        self.next_label.setText(_("Next deadline: {label} — {when} ({state}). Set by: {ref}.").format(
            label=nxt.label, when=format_datetime(nxt.due_at), state=nxt.state.label(), ref=nxt.legal_ref))
        colour = STATE_COLOURS.get(nxt.state)
        self.next_label.setStyleSheet(f"color: {colour.name()}; font-weight: bold;" if colour else "")

    def _fill_particulars(self, tip: TipView) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        r = tip.reporter
        rows = [
            (_("Register number:"), tip.register_label + (_(" (printed, final)") if tip.printed_at else "")),
            (_("Received:"), format_datetime(tip.received_at)), (_("Type of source:"), tip.source_type.label()),
            (_("Channel:"), tip.channel.label()), (_("Receiving officer:"), tip.officer_name),
            (_("Reporter:"), r.display() + (" · " + _("secrecy requested") if r.secret else "")),
            (_("ID number:"), r.id_number), (_("Contact:"), r.contact), (_("Address:"), r.address),
            (_("Summary:"), tip.summary), (_("Full account:"), tip.account),
            (_("Place of the events:"), place_label(tip.place_unit_code, tip.place_detail)),
            (_("Suspected persons:"), tip.suspects),
            (_("Trafficking forms:"), ", ".join(form_label(c) for c in tip.forms)),
            (_("Destination country:"), country_label(tip.destination_country)),
            (_("Border route:"), tip.border_route),
        ]
        for label, value in rows:
            if value:
                field = QLabel(value, self.particulars)
                field.setWordWrap(True)
                field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.form.addRow(label, field)

    def _fill_timeline(self, tip: TipView) -> None:
        self.timeline.setRowCount(len(tip.events))
        for row, event in enumerate(tip.events):
            for col, text in enumerate((format_datetime(event.occurred_at), event.kind.label(), event_details(event),
                                        event.officer_name)):
                self.timeline.setItem(row, col, _cell(text))
        self.timeline.resizeColumnsToContents()
        header = self.timeline.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.timeline.resizeRowsToContents()

    def _fill_deadlines(self, tip: TipView) -> None:
        self.deadlines.setRowCount(len(tip.deadlines))
        for row, d in enumerate(tip.deadlines):
            state = d.state.label()
            if d.met_at is not None:
                state += " — " + format_datetime(d.met_at)
            for col, text in enumerate((d.label, format_datetime(d.due_at), state, d.legal_ref)):
                item = _cell(text)
                colour = STATE_COLOURS.get(d.state)
                if colour is not None:
                    item.setForeground(colour)
                if d.state is DeadlineState.NOT_APPLICABLE:
                    item.setForeground(Qt.GlobalColor.gray)
                self.deadlines.setItem(row, col, item)
        self.deadlines.resizeColumnsToContents()
        self.deadlines.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)

    def _fill_attachments(self, tip: TipView) -> None:
        self.attachments.setRowCount(len(tip.attachments))
        for row, a in enumerate(tip.attachments):
            for col, text in enumerate((a.filename, _("{kb} KB").format(kb=max(1, a.size // 1024)),
                                        format_datetime(a.created_at), a.description)):
                item = _cell(text)
                item.setData(Qt.ItemDataRole.UserRole, a.id)
                self.attachments.setItem(row, col, item)
        self.attachments.resizeColumnsToContents()
        self.save_button.setEnabled(bool(tip.attachments))

    def _fill_steps(self, tip: TipView) -> None:
        self.step_menu.clear()
        for kind in tip.allowed_events:
            action = self.step_menu.addAction(kind.label())
            action.triggered.connect(lambda _c=False, k=kind: self._request_event(k))
        self.step_button.setEnabled(bool(tip.allowed_events))

    def _request_event(self, kind: TipEventKind) -> None:
        if self.tip is not None:
            self.event_requested.emit(self.tip, kind)

    def _save_attachment(self, index: object) -> None:
        row = self.attachments.currentRow()
        item = self.attachments.item(row, 0) if row >= 0 else None
        if item is not None:
            self.save_attachment_requested.emit(str(item.data(Qt.ItemDataRole.UserRole)))
