"""Recording a person (or correcting the particulars): one dialog, three tabs, keyboard first.

Tab moves through the fields in reading order, Ctrl+Tab / Ctrl+PgDn to the next tab; Ctrl+S saves,
Esc cancels. The ID number is checked as it is typed (a mismatch only warns). Before saving, records
that may be the same person are offered (link or dismiss); a refused value is shown under the form,
its tab opened and its field focused.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain import reference
from tipdesk.domain.ids import check_id_number, normalise_id_number
from tipdesk.domain.persons import Sex, trafficking_forms
from tipdesk.errors import UserError, ValidationError
from tipdesk.gui import common
from tipdesk.gui.pages import PageContext
from tipdesk.gui.pages.edit_lease import EditGuard
from tipdesk.gui.pages.person_common import DateLine, date_edit, date_of, parse_birth, today_of, unit_items
from tipdesk.gui.pages.person_dupes import DuplicatesDialog
from tipdesk.gui.unit_picker import SearchCombo
from tipdesk.i18n import _
from tipdesk.services.leases import PERSON
from tipdesk.services.persons import PersonService
from tipdesk.services.persons_types import (
    Confidentiality,
    DuplicateCandidate,
    Intake,
    MatchDecision,
    PersonDraft,
    PersonView,
    SaveResult,
)

DIALOG_SIZE = (1120, 640)
WARN_STYLE = "color: #8a5a00;"


def _text_box(parent: QWidget, lines: int) -> QPlainTextEdit:
    box = QPlainTextEdit(parent)
    box.setTabChangesFocus(True)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 12)
    return box


def _combo(parent: QWidget, items: list[tuple[str, str]]) -> QComboBox:
    combo = QComboBox(parent)
    for text, value in items:
        combo.addItem(text, value)
    return combo


class PersonFormDialog(QDialog):
    saved = Signal(object)  # SaveResult

    def __init__(self, ctx: PageContext, person: PersonView | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = PersonService(ctx.desk)
        self.person = person
        self.setWindowTitle(_("Correct the record {code}").format(code=person.pseudonym) if person
                            else _("New person"))
        self.resize(*DIALOG_SIZE)
        self.fields: dict[str, QWidget] = {}
        self.field_tab: dict[str, int] = {}
        self._pending: list[str] = []  # fields added since the last tab was made
        self._build()
        self._fill(person)
        if self.guard is not None:
            self.guard.start()

    # -- construction -------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.tabs = QTabWidget(self)
        self._tab(_("&1 Person"), [self._identity_box()], [self._residence_box(), self._guardian_box()])
        self._tab(_("&2 Intake and return"), [self._intake_box()], [self._forms_box(), self._circumstances_box()])
        self._tab(_("&3 Consent and confidentiality"), [self._consent_box()], [self._notes_box()])
        self.message = common.MessageLabel(self)
        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton(_("&Save (Ctrl+S)"), QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        self.save_button.setAutoDefault(False)
        for keys in ("Ctrl+S", "Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.save)
        QShortcut(QKeySequence("Ctrl+PgDown"), self, lambda: self._step_tab(1))
        QShortcut(QKeySequence("Ctrl+PgUp"), self, lambda: self._step_tab(-1))
        self.guard = EditGuard(self.ctx, PERSON, self.person.id, self) if self.person else None
        if self.guard is not None:
            self.guard.reload_requested.connect(self.reload)
        layout = QVBoxLayout(self)
        if self.guard is not None:
            layout.addWidget(self.guard)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _step_tab(self, step: int) -> None:
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % self.tabs.count())

    def _tab(self, title: str, left: list[QWidget], right: list[QWidget]) -> None:
        page = QWidget(self.tabs)
        row = QHBoxLayout(page)
        for boxes in (left, right):
            column = QVBoxLayout()
            for box in boxes:
                column.addWidget(box)
            column.addStretch(1)
            row.addLayout(column, 1)
        index = self.tabs.addTab(page, title)
        for name in self._pending:
            self.field_tab[name] = index
        self._pending = []

    def _add(self, form: QFormLayout, name: str, label: str, widget: QWidget) -> None:
        self.fields[name] = widget
        self._pending.append(name)
        form.addRow(label, widget)

    def _identity_box(self) -> QGroupBox:
        box = QGroupBox(_("Identity"), self)
        form = QFormLayout(box)
        self.full_name, self.other_names = QLineEdit(box), QLineEdit(box)
        self.full_name.setPlaceholderText(_("With accents, e.g. Sùng Thị Mỷ"))
        self.sex = _combo(box, [(s.label(), s.value) for s in (Sex.FEMALE, Sex.MALE, Sex.UNKNOWN)])
        self.birth = QLineEdit(box)
        self.birth.setPlaceholderText(_("Year (2006) or date (05/03/2006)"))
        self.ethnic = SearchCombo(box)
        self.ethnic.set_items([("", "")] + [(g.name(), g.code) for g in reference.ethnic_groups()])
        self.nationality = SearchCombo(box)
        self.nationality.set_items([("", "")] + [(c.name, c.code) for c in reference.countries()])
        self.id_number = QLineEdit(box)
        self.id_number.setPlaceholderText(_("12 digits"))
        self.id_hint = QLabel(box)
        self.id_hint.setWordWrap(True)
        self.phone = QLineEdit(box)
        for widget in (self.id_number, self.birth):
            widget.textChanged.connect(lambda _t: self._check_id())
        self.sex.currentIndexChanged.connect(lambda _i: self._check_id())
        self._add(form, "full_name", _("&Full name:"), self.full_name)
        self._add(form, "other_names", _("&Other names:"), self.other_names)
        self._add(form, "sex", _("Se&x:"), self.sex)
        self._add(form, "birth_date", _("&Born:"), self.birth)
        self.fields["birth_year"] = self.birth
        self._pending.append("birth_year")
        self._add(form, "ethnic_code", _("&Ethnic group:"), self.ethnic)
        self._add(form, "nationality", _("N&ationality:"), self.nationality)
        self._add(form, "id_number", _("&ID number:"), self.id_number)
        form.addRow("", self.id_hint)
        self._add(form, "phone", _("&Telephone:"), self.phone)
        return box

    def _residence_box(self) -> QGroupBox:
        box = QGroupBox(_("Residence and place of origin (2025 units)"), self)
        form = QFormLayout(box)
        self.address_unit, self.origin_unit = SearchCombo(box), SearchCombo(box)
        for combo in (self.address_unit, self.origin_unit):
            combo.set_items(unit_items())
            combo.edit().setPlaceholderText(_("Commune or ward (type to search)"))
        self.address_detail, self.address_old = QLineEdit(box), QLineEdit(box)
        self.address_detail.setPlaceholderText(_("Village, street, house…"))
        self.address_old.setPlaceholderText(_("As written before the 2025 mergers (free text)"))
        self.origin_detail = QLineEdit(box)
        self._add(form, "address_unit_code", _("&Residence:"), self.address_unit)
        self._add(form, "address_detail", _("Address &details:"), self.address_detail)
        self._add(form, "address_old", _("Old address:"), self.address_old)
        self._add(form, "origin_unit_code", _("&Place of origin:"), self.origin_unit)
        self._add(form, "origin_detail", _("Origin details:"), self.origin_detail)
        return box

    def _guardian_box(self) -> QGroupBox:
        box = QGroupBox(_("Guardian (for a child)"), self)
        form = QFormLayout(box)
        self.guardian_name, self.guardian_relation = QLineEdit(box), QLineEdit(box)
        self.guardian_contact = QLineEdit(box)
        self._add(form, "guardian_name", _("&Guardian:"), self.guardian_name)
        self._add(form, "guardian_relation", _("Relation:"), self.guardian_relation)
        self._add(form, "guardian_contact", _("Contact:"), self.guardian_contact)
        return box

    def _intake_box(self) -> QGroupBox:
        box = QGroupBox(_("Intake, rescue and return"), self)
        form = QFormLayout(box)
        self.intake = _combo(box, [(i.label(), i.value) for i in Intake])
        self.received = date_edit(box, today_of(self.ctx.desk.now()))
        self.from_country = SearchCombo(box)
        self.from_country.set_items([("", "")] + [(c.name, c.code) for c in reference.countries()])
        self.from_place, self.border_gate = QLineEdit(box), QLineEdit(box)
        self.returned = DateLine("returned_on", box)
        self.agency, self.route = QLineEdit(box), QLineEdit(box)
        self.from_place.setPlaceholderText(_("City, province or compound"))
        self._add(form, "intake", _("How the person &came:"), self.intake)
        self._add(form, "received_on", _("&Received on:"), self.received)
        self._add(form, "from_country", _("Returned &from (country):"), self.from_country)
        self._add(form, "from_place", _("P&lace:"), self.from_place)
        self._add(form, "returned_on", _("&Date of return:"), self.returned)
        self._add(form, "border_gate", _("&Border gate:"), self.border_gate)
        self._add(form, "receiving_agency", _("Rescuing or receiving a&gency:"), self.agency)
        self._add(form, "repatriation_route", _("Repatriation &route:"), self.route)
        return box

    def _forms_box(self) -> QGroupBox:
        box = QGroupBox(_("Trafficking form and purpose"), self)
        form = QFormLayout(box)
        self.forms = QListWidget(box)
        for f in trafficking_forms():
            item = QListWidgetItem(f.name(), self.forms)
            item.setData(Qt.ItemDataRole.UserRole, f.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.forms.setFixedHeight(self.forms.sizeHintForRow(0) * self.forms.count() + 8)
        self.forms.setToolTip(_("Space ticks or unticks the highlighted form"))
        self._add(form, "forms", _("F&orms:"), self.forms)
        return box

    def _circumstances_box(self) -> QGroupBox:
        box = QGroupBox(_("Circumstances"), self)
        form = QFormLayout(box)
        self.languages, self.disability = QLineEdit(box), QLineEdit(box)
        self.pregnant = QCheckBox(_("&Pregnant"), box)
        self.children_spin = QSpinBox(box)
        self.children_spin.setRange(0, 30)
        self._add(form, "languages", _("&Languages:"), self.languages)
        self._add(form, "disability", _("Disa&bility:"), self.disability)
        self._add(form, "pregnant", "", self.pregnant)
        self._add(form, "accompanying_children", _("Accompanying c&hildren:"), self.children_spin)
        return box

    def _consent_box(self) -> QGroupBox:
        box = QGroupBox(_("Consent and confidentiality"), self)
        form = QFormLayout(box)
        self.consent = QCheckBox(_("&Consents to sharing the record with the provincial office"), box)
        self.consent_on = DateLine("consent_on", box)
        self.consent_guardian = QCheckBox(_("Consent given by the &guardian (required for a child)"), box)
        self.confidentiality = _combo(box, [(c.label(), c.value) for c in Confidentiality])
        note = common.hint_label(_("Identity fields are shown only to social workers, provincial officers and, "
                                   "for persons named in a tip, commune police. Every view is logged."), box)
        self._add(form, "consent_share", "", self.consent)
        self._add(form, "consent_on", _("Consent &date:"), self.consent_on)
        self._add(form, "consent_by_guardian", "", self.consent_guardian)
        self._add(form, "confidentiality", _("Confidentialit&y:"), self.confidentiality)
        form.addRow(note)
        return box

    def _notes_box(self) -> QGroupBox:
        box = QGroupBox(_("Notes"), self)
        form = QFormLayout(box)
        self.notes = _text_box(box, 6)
        self._add(form, "notes", _("&Notes:"), self.notes)
        return box

    # -- values ----------------------------------------------------------------------------------------------
    def _fill(self, p: PersonView | None) -> None:
        if p is None:
            self.nationality.select_code("VN")
            self.address_unit.select_code(self.ctx.desk.installation.unit_code)
            self.confidentiality.setCurrentIndex(self.confidentiality.findData(Confidentiality.HIGH.value))
            self.tabs.setCurrentIndex(0)
            self.full_name.setFocus()
            self._check_id()
            return
        for edit, value in ((self.full_name, p.full_name), (self.other_names, p.other_names),
                            (self.id_number, p.id_number), (self.phone, p.phone),
                            (self.address_detail, p.address_detail), (self.address_old, p.address_old),
                            (self.origin_detail, p.origin_detail), (self.guardian_name, p.guardian_name),
                            (self.guardian_relation, p.guardian_relation), (self.guardian_contact, p.guardian_contact),
                            (self.from_place, p.from_place), (self.border_gate, p.border_gate),
                            (self.agency, p.receiving_agency), (self.route, p.repatriation_route),
                            (self.languages, p.languages), (self.disability, p.disability)):
            edit.setText(value)
        self.birth.setText(p.birth_date.strftime("%d/%m/%Y") if p.birth_date else str(p.birth_year or ""))
        self.sex.setCurrentIndex(max(self.sex.findData(p.sex.value), 0))
        for combo, code in ((self.ethnic, p.ethnic_code), (self.nationality, p.nationality),
                            (self.address_unit, p.address_unit_code), (self.origin_unit, p.origin_unit_code),
                            (self.from_country, p.from_country)):
            combo.select_code(code)
        self.intake.setCurrentIndex(max(self.intake.findData(p.intake.value), 0))
        self.received.setDate(date_edit(self, p.received_on).date())
        self.returned.set_value(p.returned_on)
        for i in range(self.forms.count()):
            item = self.forms.item(i)
            ticked = item.data(Qt.ItemDataRole.UserRole) in p.forms
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        self.pregnant.setChecked(p.pregnant)
        self.children_spin.setValue(p.accompanying_children)
        self.consent.setChecked(p.consent_share)
        self.consent_on.set_value(p.consent_on)
        self.consent_guardian.setChecked(p.consent_by_guardian)
        self.confidentiality.setCurrentIndex(max(self.confidentiality.findData(p.confidentiality.value), 0))
        self.notes.setPlainText(p.notes)
        self.full_name.setFocus()
        self._check_id()

    def _check_id(self) -> None:
        """The soft check as the number is typed: format errors in red, mismatches in amber, never blocking."""
        number = normalise_id_number(self.id_number.text())
        if not number:
            self.id_hint.setText(_("Optional. Checked against the sex and the year of birth."))
            self.id_hint.setStyleSheet(common.HINT_STYLE)
            return
        try:
            born, year = parse_birth(self.birth.text())
        except UserError:
            born, year = None, None
        year = born.year if born else year
        result = check_id_number(number, str(self.sex.currentData()), year, today_of(self.ctx.desk.now()))
        if result.errors:
            self.id_hint.setText(" ".join(result.errors))
            self.id_hint.setStyleSheet(common.ERROR_STYLE)
        elif result.warnings:
            self.id_hint.setText(" ".join(result.warnings) + " " + _("(A warning only: you can still save.)"))
            self.id_hint.setStyleSheet(WARN_STYLE)
        else:
            self.id_hint.setText(_("The number agrees with the sex and the year of birth."))
            self.id_hint.setStyleSheet(common.OK_STYLE)

    def value(self) -> PersonDraft:
        """The draft as typed; a malformed date raises ``ValidationError`` naming its field."""
        born, year = parse_birth(self.birth.text())
        forms = tuple(str(self.forms.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.forms.count())
                      if self.forms.item(i).checkState() == Qt.CheckState.Checked)
        return PersonDraft(
            full_name=self.full_name.text(), other_names=self.other_names.text(), sex=str(self.sex.currentData()),
            birth_date=born, birth_year=year, ethnic_code=self.ethnic.current_code() or "",
            nationality=self.nationality.current_code() or "", id_number=self.id_number.text(),
            address_unit_code=self.address_unit.current_code() or "", address_detail=self.address_detail.text(),
            address_old=self.address_old.text(), origin_unit_code=self.origin_unit.current_code() or "",
            origin_detail=self.origin_detail.text(), phone=self.phone.text(), guardian_name=self.guardian_name.text(),
            guardian_relation=self.guardian_relation.text(), guardian_contact=self.guardian_contact.text(),
            languages=self.languages.text(), disability=self.disability.text(), pregnant=self.pregnant.isChecked(),
            accompanying_children=self.children_spin.value(), intake=str(self.intake.currentData()),
            received_on=date_of(self.received), from_country=self.from_country.current_code() or "",
            from_place=self.from_place.text(), returned_on=self.returned.value(), border_gate=self.border_gate.text(),
            receiving_agency=self.agency.text(), repatriation_route=self.route.text(), forms=forms,
            consent_share=self.consent.isChecked(), consent_on=self.consent_on.value(),
            consent_by_guardian=self.consent_guardian.isChecked(),
            confidentiality=str(self.confidentiality.currentData()), notes=self.notes.toPlainText(),
        )

    # -- saving ----------------------------------------------------------------------------------------------
    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        try:
            draft = self.value()
        except ValidationError as exc:
            self._failed(exc)
            return
        exclude = self.person.id if self.person else None
        self.save_button.setEnabled(False)
        self.message.set_hint(_("Checking for records of the same person…"))
        self.ctx.tasks.run_db(lambda: self.service.find_duplicates(draft, exclude),
                              lambda found: self._offer(draft, found), self._failed)

    def _offer(self, draft: PersonDraft, found: list[DuplicateCandidate]) -> None:
        if not found:
            self._store(draft, {})
            return
        self.message.clear_message()
        self.dupes = DuplicatesDialog(found, self)
        self.dupes.decided.connect(lambda decisions: self._store(draft, decisions))
        self.dupes.rejected.connect(lambda: self.save_button.setEnabled(True))
        self.dupes.open()

    def _store(self, draft: PersonDraft, decisions: dict[str, MatchDecision]) -> None:
        self.message.set_hint(_("Saving…"))
        person = self.person
        if person is None:
            self.ctx.tasks.run_db(lambda: self.service.create(draft, decisions), self._done, self._failed)
        else:
            self.ctx.tasks.run_db(lambda: self.service.update(person.id, draft, expected_version=person.version,
                                                              decisions=decisions), self._done, self._failed)

    def _done(self, result: SaveResult) -> None:
        self.message.clear_message()
        self.saved.emit(result)
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
                self.tabs.setCurrentIndex(self.field_tab.get(name, self.tabs.currentIndex()))
                widget.setFocus()

    # -- several users ---------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Load the record as it is saved now (after "changed by X meanwhile"); the typed changes are dropped."""
        if self.person is None:
            return
        person_id = self.person.id
        self.message.set_hint(_("Loading…"))
        self.ctx.tasks.run_db(lambda: self.service.get(person_id), self._reloaded, self._failed)

    def _reloaded(self, view: PersonView) -> None:
        self.person = view
        self.setWindowTitle(_("Correct the record {code}").format(code=view.pseudonym))
        self._fill(view)
        if self.guard is not None:
            self.guard.clear_stale()
        self.message.set_ok(_("This is the record as saved now. Make your change again, then save."))

    def done(self, result: int) -> None:
        """Closing the form (saved, cancelled or closed) gives the edit lease back."""
        if self.guard is not None:
            self.guard.stop()
        super().done(result)
