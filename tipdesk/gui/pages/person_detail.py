"""One person's file: particulars, support ledger, deadlines and plan, history, tips, possible duplicates.

Everything shown comes from the services, which have already masked identity fields for roles
without access (a banner says so). Esc or Alt+Left goes back to the list.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain.persons import PersonEventKind, evidence_items
from tipdesk.domain.roles import Perm
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext
from tipdesk.gui.pages.person_common import (
    MASKED_STYLE,
    STATE_COLOURS,
    STATUS_COLOURS,
    country_text,
    day_text,
    ethnic_text,
    place_line,
)
from tipdesk.gui.pages.person_ledger import SupportLedgerWidget
from tipdesk.gui.pages.person_links import LinkedTipsWidget, MatchesWidget
from tipdesk.gui.pages.person_steps import IdentificationDialog, PlanItemDialog, StepDialog
from tipdesk.gui.pages.province_notes import ProvinceNotesWidget, may_see_notes
from tipdesk.i18n import _, format_datetime
from tipdesk.services.persons import PersonService
from tipdesk.services.persons_support import SupportService
from tipdesk.services.persons_types import DeadlineItem, PersonEventView, PersonView, PlanItemView
from tipdesk.services.tips_format import form_label

PHOTO_HEIGHT = 140
TAB_PARTICULARS, TAB_SUPPORT, TAB_DEADLINES, TAB_HISTORY, TAB_TIPS, TAB_MATCHES = range(6)


def _table(parent: QWidget, columns: int, stretch: int) -> QTableWidget:
    table = QTableWidget(0, columns, parent)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(True)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def particulars(p: PersonView) -> list[tuple[str, str]]:
    """The label/value lines of the particulars tab (identity lines only when visible)."""
    evidence = {item.code: item.name() for item in evidence_items()}
    born = day_text(p.birth_date) if p.birth_date else str(p.birth_year or "")
    pairs = [
        (_("Record code:"), p.pseudonym), (_("Full name:"), p.full_name if p.identity_visible else ""),
        (_("Other names:"), p.other_names), (_("Sex:"), p.sex.label()),
        (_("Born:"), f"{born} ({p.age_group.label()})" if born else p.age_group.label()),
        (_("Ethnic group:"), ethnic_text(p.ethnic_code)), (_("Nationality:"), country_text(p.nationality)),
        (_("ID number:"), p.id_number), (_("Telephone:"), p.phone),
        (_("Residence:"), place_line(p.address_unit_code, p.address_detail, p.address_old)),
        (_("Place of origin:"), place_line(p.origin_unit_code, p.origin_detail, p.origin_old)),
        (_("Guardian:"), ", ".join(x for x in (p.guardian_name, p.guardian_relation, p.guardian_contact) if x)),
        (_("Languages:"), p.languages), (_("Disability:"), p.disability),
        (_("Pregnant:"), _("yes") if p.pregnant else ""),
        (_("Accompanying children:"), str(p.accompanying_children) if p.accompanying_children else ""),
        (_("How the person came:"), f"{p.intake.label()}, {day_text(p.received_on)}"),
        (_("Returned from:"), ", ".join(x for x in (p.from_place, country_text(p.from_country)) if x)),
        (_("Date of return:"), day_text(p.returned_on)), (_("Border gate:"), p.border_gate),
        (_("Rescuing or receiving agency:"), p.receiving_agency), (_("Repatriation route:"), p.repatriation_route),
        (_("Trafficking forms:"), ", ".join(form_label(c) for c in p.forms)),
        (_("Identification:"), ", ".join(x for x in (p.status.label(), p.identified_by, day_text(p.identified_on))
                                         if x)),
        (_("Evidence:"), "\n".join(evidence.get(c, c) for c in p.evidence)),
        (_("Consent to share:"), (_("given on {date}").format(date=day_text(p.consent_on))
                                  + (" " + _("by the guardian") if p.consent_by_guardian else ""))
         if p.consent_share else _("not given")),
        (_("Confidentiality:"), p.confidentiality.label()), (_("Notes:"), p.notes),
    ]
    return [(k, v) for k, v in pairs if v]


class PersonDetailView(Retranslatable, QWidget):
    back_requested = Signal()
    edit_requested = Signal(object)  # PersonView
    print_requested = Signal(object)
    photo_requested = Signal(object)

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = PersonService(ctx.desk)
        self.support = SupportService(ctx.desk)
        self.person: PersonView | None = None
        self.title = QLabel(self)
        self.title.setFont(common.title_font(self.font(), 1.25))
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel(self)
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #eeeeee; padding: 4px; " + MASKED_STYLE)
        self.warnings = QLabel(self)
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #8a5a00;")
        self._build_buttons()
        self._build_tabs()
        self._layout()
        QShortcut(QKeySequence("Esc"), self, self.back_requested.emit)
        QShortcut(QKeySequence("Alt+Left"), self, self.back_requested.emit)
        self.retranslate()

    # -- construction ------------------------------------------------------------------------------------------
    def _button(self, perm: Perm | None, slot: object, shortcut: str = "") -> QPushButton:
        button = QPushButton(self)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        if shortcut:
            button.setShortcut(QKeySequence(shortcut))
        button.setVisible(perm is None or self.ctx.desk.can(perm))
        return button

    def _build_buttons(self) -> None:
        self.back_button = self._button(None, self.back_requested.emit)
        self.edit_button = self._button(Perm.PERSON_EDIT, lambda: self._emit(self.edit_requested), "Ctrl+E")
        self.identify_button = self._button(Perm.PERSON_EDIT, self.identify, "Ctrl+I")
        self.handover_button = self._button(Perm.PERSON_EDIT, lambda: self.step(False))
        self.verified_button = self._button(Perm.PERSON_EDIT, lambda: self.step(True))
        self.photo_button = self._button(Perm.PERSON_EDIT, lambda: self._emit(self.photo_requested))
        self.print_button = self._button(Perm.PERSON_PRINT, lambda: self._emit(self.print_requested), "Ctrl+P")

    def _emit(self, signal: SignalInstance) -> None:
        if self.person is not None:
            signal.emit(self.person)

    def _build_tabs(self) -> None:
        self.tabs = QTabWidget(self)
        self.particulars = QWidget(self)
        self.form = QFormLayout(self.particulars)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.particulars)
        self.ledger = SupportLedgerWidget(self.ctx, self)
        self.ledger.changed.connect(self.reload)
        self.deadlines_tab = QWidget(self)
        self.deadlines = _table(self.deadlines_tab, 4, 0)
        self.plan = _table(self.deadlines_tab, 4, 1)
        self.plan_add, self.plan_done = QPushButton(self), QPushButton(self)
        self.plan_add.clicked.connect(self.add_plan_item)
        self.plan_done.clicked.connect(self.complete_plan_item)
        for button in (self.plan_add, self.plan_done):
            button.setVisible(self.ctx.desk.can(Perm.PERSON_EDIT))
            button.setAutoDefault(False)
        self.deadlines_title, self.plan_title = QLabel(self), QLabel(self)
        box = QVBoxLayout(self.deadlines_tab)
        box.addWidget(self.deadlines_title)
        box.addWidget(self.deadlines, 1)
        row = QHBoxLayout()
        row.addWidget(self.plan_title)
        row.addStretch(1)
        row.addWidget(self.plan_add)
        row.addWidget(self.plan_done)
        box.addLayout(row)
        box.addWidget(self.plan, 1)
        self.history = _table(self, 4, 3)
        self.tips = LinkedTipsWidget(self.ctx, self)
        self.matches = MatchesWidget(self.ctx, self)
        for widget in (scroll, self.ledger, self.deadlines_tab, self.history, self.tips, self.matches):
            self.tabs.addTab(widget, "")
        self.notes: ProvinceNotesWidget | None = None
        if may_see_notes(self.ctx):  # provincial office: its own notes beside the commune's record
            self.notes = ProvinceNotesWidget(self.ctx, "person", self)
            self.tabs.addTab(self.notes, "")
        self.plan_items: list[PlanItemView] = []

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        top.addWidget(self.status_label)
        buttons = QHBoxLayout()
        for button in (self.edit_button, self.identify_button, self.handover_button, self.verified_button,
                       self.photo_button, self.print_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.warnings)
        layout.addLayout(buttons)
        layout.addWidget(self.tabs, 1)

    def retranslate(self) -> None:
        self.back_button.setText(_("← &List (Esc)"))
        self.edit_button.setText(_("&Edit… (Ctrl+E)"))
        self.identify_button.setText(_("&Identification… (Ctrl+I)"))
        self.handover_button.setText(_("&Hand-over…"))
        self.verified_button.setText(_("&Verification done…"))
        self.photo_button.setText(_("P&hoto…"))
        self.print_button.setText(_("&Print support history… (Ctrl+P)"))
        titles = (_("Particulars"), _("Support"), _("Deadlines and plan"), _("History"), _("Tips"),
                  _("Possibly the same person"))
        for index, title in enumerate(titles):
            self.tabs.setTabText(index, title)
        if self.notes is not None:
            self.tabs.setTabText(self.tabs.indexOf(self.notes), _("Pro&vince notes"))
        self.deadlines.setHorizontalHeaderLabels([_("Deadline"), _("Due"), _("State"), _("Legal basis")])
        self.plan.setHorizontalHeaderLabels([_("Kind"), _("Step"), _("Due on"), _("Done on")])
        self.history.setHorizontalHeaderLabels([_("Time"), _("Step"), _("By"), _("Details")])
        self.deadlines_title.setText(_("Legal deadlines and plan steps, the earliest first:"))
        self.plan_title.setText(_("Follow-up and reintegration plan:"))
        self.plan_add.setText(_("&Add a step…"))
        self.plan_done.setText(_("&Mark done"))
        self.banner.setText(_("Your role does not see this person's identity: the record code stands for the name, "
                              "and identity fields are left out."))
        if self.person is not None:
            self.show_person(self.person)

    # -- loading ----------------------------------------------------------------------------------------------
    def load(self, person_id: str) -> None:
        self.ctx.tasks.run_db(lambda: self.service.get(person_id), self.show_person, self._error)

    def reload(self) -> None:
        if self.person is not None:
            self.load(self.person.id)

    def _error(self, exc: BaseException) -> None:
        common.show_error(self, exc)

    def show_person(self, p: PersonView) -> None:
        self.person = p
        self.title.setText(f"{p.full_name}  ·  {p.pseudonym}" if p.identity_visible else p.pseudonym)
        self.status_label.setText(p.status.label())
        colour = STATUS_COLOURS.get(p.status)
        self.status_label.setStyleSheet(f"color: {colour.name()}; font-weight: bold;" if colour else "")
        self.banner.setVisible(not p.identity_visible)
        self.warnings.setText("\n".join(_("ID number: {warning}").format(warning=w) for w in p.id_warnings))
        self.warnings.setVisible(bool(p.id_warnings))
        self._fill_particulars(p)
        self.ledger.show_person(p)
        self.tips.show_person(p)
        self.matches.show_person(p)
        if self.notes is not None and self.notes.record_id != p.id:
            self.notes.show_record(p.id)
        self._load_side(p)

    def _fill_particulars(self, p: PersonView) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        if p.has_photo:  # shown only where identity is visible; the read is audited by the service
            self.photo = QLabel(self.particulars)
            self.form.addRow(_("Photo:"), self.photo)
            self.ctx.tasks.run_db(lambda: self.service.photo(p.id), self._show_photo, self._error)
        for label, value in particulars(p):
            text = QLabel(value, self.particulars)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.form.addRow(label, text)

    def _show_photo(self, data: bytes | None) -> None:
        pixmap = QPixmap()
        if data and pixmap.loadFromData(data):
            self.photo.setPixmap(pixmap.scaledToHeight(PHOTO_HEIGHT, Qt.TransformationMode.SmoothTransformation))

    def _load_side(self, p: PersonView) -> None:
        tasks = self.ctx.tasks
        tasks.run_db(lambda: self.support.deadlines(p.id), self._show_deadlines, self._error)
        tasks.run_db(lambda: self.support.plan_items(p.id), self._show_plan, self._error)
        tasks.run_db(lambda: self.service.events(p.id), self._show_history, self._error)

    def _show_deadlines(self, items: list[DeadlineItem]) -> None:
        self.deadlines.setRowCount(len(items))
        for row, d in enumerate(items):
            state = d.state.label() + (f" ({format_datetime(d.met_at)})" if d.met_at else "")
            values = (d.label, format_datetime(d.due_at), state, d.legal_ref or _("Plan step"))
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                colour = STATE_COLOURS.get(d.state)
                if column == 2 and colour is not None:
                    item.setForeground(colour)
                self.deadlines.setItem(row, column, item)
        self.deadlines.resizeColumnsToContents()
        self.deadlines.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def _show_plan(self, items: list[PlanItemView]) -> None:
        self.plan_items = items
        self.plan.setRowCount(len(items))
        for row, i in enumerate(items):
            for column, text in enumerate((i.kind.label(), i.title, day_text(i.due_on), day_text(i.done_on))):
                self.plan.setItem(row, column, QTableWidgetItem(text))
        self.plan_done.setEnabled(any(i.done_on is None for i in items))

    def _show_history(self, events: list[PersonEventView]) -> None:
        kinds = {e.kind for e in events}
        handed, verified = PersonEventKind.HANDED_OVER.value in kinds, \
            PersonEventKind.INITIAL_VERIFICATION_DONE.value in kinds
        self.verified_button.setEnabled(handed and not verified)
        self.verified_button.setToolTip("" if handed else _("Record the hand-over to the provincial health "
                                                            "department first."))
        self.history.setRowCount(len(events))
        for row, e in enumerate(reversed(events)):
            details = "; ".join(x for x in (e.agency, _("{n} days").format(n=e.days) if e.days else "", e.note) if x)
            for column, text in enumerate((format_datetime(e.occurred_at), e.label, e.officer_name, details)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.history.setItem(row, column, item)

    # -- actions ------------------------------------------------------------------------------------------------
    def identify(self) -> None:
        if self.person is not None:
            dialog = IdentificationDialog(self.ctx, self.person, self)
            dialog.saved.connect(self.show_person)
            dialog.open()

    def step(self, verification: bool) -> None:
        if self.person is not None:
            dialog = StepDialog(self.ctx, self.person, verification, self)
            dialog.saved.connect(self.show_person)
            dialog.open()

    def add_plan_item(self) -> None:
        if self.person is not None:
            dialog = PlanItemDialog(self.ctx, self.person, self)
            dialog.saved.connect(lambda _item: self.reload())
            dialog.open()

    def complete_plan_item(self) -> None:
        row = self.plan.currentRow()
        open_items = [i for i in self.plan_items if i.done_on is None]
        item = self.plan_items[row] if 0 <= row < len(self.plan_items) else (open_items[0] if open_items else None)
        if item is None or item.done_on is not None:
            return
        self.ctx.tasks.run_db(lambda: self.support.complete_plan_item(item.id), lambda _v: self.reload(), self._error)

    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)
