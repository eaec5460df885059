"""Dialogs for the steps of a person's file: identification, hand-over and verification, plan items."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QLineEdit, QListWidget, QListWidgetItem, QWidget

from tipdesk.domain.persons import IDENTIFICATION_TRANSITIONS, IdentificationStatus, evidence_items
from tipdesk.domain.units import province
from tipdesk.errors import NotFound, ValidationError
from tipdesk.gui.pages import PageContext
from tipdesk.gui.pages.person_common import DateLine, FormDialog, date_edit, date_of, today_of
from tipdesk.gui.pages.tip_form import from_qdatetime, to_qdatetime
from tipdesk.i18n import _
from tipdesk.services.persons import PersonService
from tipdesk.services.persons_support import SupportService
from tipdesk.services.persons_types import PersonView, PlanKind


class IdentificationDialog(FormDialog):
    """The evidence checklist (Law 53/2024 Art 32) and, when the status changes, the decision."""

    def __init__(self, ctx: PageContext, person: PersonView, parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Identification of {name}").format(name=person.display_name), parent)
        self.person = person
        self.service = PersonService(ctx.desk)
        self.resize(720, 560)
        current = person.status
        self.status = QComboBox(self)
        self.status.addItem(_("{status} (unchanged)").format(status=current.label()), current.value)
        for target in sorted(IDENTIFICATION_TRANSITIONS[current]):
            self.status.addItem(target.label(), target.value)
        self.agency = QLineEdit(self)
        self.agency.setText(person.identified_by or self._default_agency())
        self.on = DateLine("on", self)
        self.on.set_value(person.identified_on or today_of(ctx.desk.now()))
        self.evidence = QListWidget(self)
        for item in evidence_items():
            row = QListWidgetItem(item.name(), self.evidence)
            row.setData(Qt.ItemDataRole.UserRole, item.code)
            row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            ticked = item.code in person.evidence
            row.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        self.evidence.setToolTip(_("Space ticks or unticks the highlighted item"))
        self.note = QLineEdit(self)
        self.add("status", _("&Status:"), self.status)
        self.add("agency", _("Identifying &agency:"), self.agency)
        self.add("on", _("&Date of the decision:"), self.on)
        self.add("evidence", _("&Evidence (Art 32):"), self.evidence)
        self.add("note", _("&Note:"), self.note)
        self.status.setFocus()

    def _default_agency(self) -> str:
        try:
            name = province(self.ctx.desk.installation.province_code).name
        except NotFound:
            return ""
        return _("{province} Provincial Police").format(province=name)

    def save(self) -> None:
        try:
            on = self.on.value()
        except ValidationError as exc:  # a malformed date: shown like any refusal
            self.failed(exc)
            return
        codes = [str(self.evidence.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.evidence.count())
                 if self.evidence.item(i).checkState() == Qt.CheckState.Checked]
        ref, status, agency, note = self.person.id, IdentificationStatus(self.status.currentData()), \
            self.agency.text(), self.note.text()
        self.submit(lambda: self.service.record_identification(ref, status, agency=agency, on=on, evidence=codes,
                                                               note=note))


class StepDialog(FormDialog):
    """Hand-over to the provincial health department (starts the 3-day timer), or its initial verification."""

    def __init__(self, ctx: PageContext, person: PersonView, verification: bool,
                 parent: QWidget | None = None) -> None:
        title = _("Initial verification done") if verification else _("Hand-over to the provincial health department")
        super().__init__(ctx, title, parent)
        self.person, self.verification = person, verification
        self.service = PersonService(ctx.desk)
        self.resize(600, 220)
        self.at = QDateTimeEdit(self)
        self.at.setDisplayFormat("HH:mm dd/MM/yyyy")
        self.at.setCalendarPopup(True)
        self.at.setDateTime(to_qdatetime(ctx.desk.now()))
        self.agency = QLineEdit(self)
        if not verification:
            self.agency.setText(self._department())
        self.note = QLineEdit(self)
        self.add("at", _("&Time:"), self.at)
        self.add("agency", _("&Department:") if not verification else _("&Verified by:"), self.agency)
        self.add("note", _("&Note:"), self.note)

    def _department(self) -> str:
        try:
            name = province(self.ctx.desk.installation.province_code).name
        except NotFound:
            return ""
        return _("{province} Department of Health").format(province=name)

    def save(self) -> None:
        at = from_qdatetime(self.at.dateTime())  # the computer's time zone, as shown
        ref, agency, note = self.person.id, self.agency.text(), self.note.text()
        if self.verification:
            self.submit(lambda: self.service.record_initial_verification(ref, at, agency, note))
        else:
            self.submit(lambda: self.service.hand_over(ref, at, agency, note))


class PlanItemDialog(FormDialog):
    """A follow-up or reintegration step with its due date."""

    def __init__(self, ctx: PageContext, person: PersonView, parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Add a plan step"), parent)
        self.person = person
        self.service = SupportService(ctx.desk)
        self.resize(600, 220)
        self.kind = QComboBox(self)
        for kind in PlanKind:
            self.kind.addItem(kind.label(), kind.value)
        self.title = QLineEdit(self)
        self.title.setPlaceholderText(_("e.g. Home visit, vocational training enrolment"))
        self.due = date_edit(self, today_of(ctx.desk.now()) + dt.timedelta(days=30))
        self.note = QLineEdit(self)
        self.add("kind", _("&Type of step:"), self.kind)
        self.add("title", _("&Step:"), self.title)
        self.add("due_on", _("&Due on:"), self.due)
        self.add("note", _("&Note:"), self.note)
        self.title.setFocus()

    def save(self) -> None:
        ref, kind, title, due, note = self.person.id, PlanKind(self.kind.currentData()), self.title.text(), \
            date_of(self.due), self.note.text()
        self.submit(lambda: self.service.add_plan_item(ref, kind, title, due, note))
