"""The persons named in a tip: a tab of the tip detail view, and the picker to link one.

``LinkedPersonsWidget(ctx)`` has ``show_tip(tip_id)`` (the tips detail view's extension hook). It lists
the linked persons as the user's role may see them (the service masks identity and audits reads),
links an existing person ("Link a person…", Alt+the underlined letter) or removes a link, and opens a person's file
(Enter or double-click) on the Persons page.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain.roles import Perm
from tipdesk.events import Changes
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext
from tipdesk.i18n import _
from tipdesk.services.persons import PersonService
from tipdesk.services.persons_links import LinkService
from tipdesk.services.persons_types import LinkedPerson, LinkRole, PersonRow

SEARCH_DELAY_MS = 250


def may_link(ctx: PageContext) -> bool:
    return ctx.desk.can(Perm.TIP_EDIT) or ctx.desk.can(Perm.PERSON_EDIT)


def open_person(ctx: PageContext, person_id: str) -> None:
    """Show a person's file on the Persons page."""
    if ctx.window is not None:
        ctx.window.open_record("person", person_id)  # type: ignore[attr-defined]


class PersonPickerDialog(QDialog):
    """Search persons (accents optional; names only where the role may see them) and pick one with a role."""

    picked = Signal(str, str)  # person id, LinkRole value

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = PersonService(ctx.desk)
        self.rows: list[PersonRow] = []
        self.setWindowTitle(_("Link a person"))
        self.resize(760, 460)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(_("Name, record code or ID number (accents optional)"))
        self.search.setClearButtonEnabled(True)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _t: self.timer.start())
        self.search.returnPressed.connect(self.run_search)
        self.results = QTableWidget(0, 4, self)
        self.results.setHorizontalHeaderLabels([_("Code"), _("Name"), _("Born"), _("Status")])
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.verticalHeader().hide()
        self.results.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.results.activated.connect(lambda _i: self.accept_pick())
        self.role = QComboBox(self)
        for role in LinkRole:
            self.role.addItem(role.label(), role.value)
        self.message = common.MessageLabel(self)
        buttons = QDialogButtonBox(self)
        self.link_button = buttons.addButton(_("&Link"), QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.link_button.clicked.connect(self.accept_pick)
        cancel.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow(_("&Search:"), self.search)
        form.addRow(_("&Role in the tip:"), self.role)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.search.setFocus()
        self.run_search()

    def run_search(self) -> None:
        self.timer.stop()
        query = self.search.text()
        self.ctx.tasks.run_db(lambda: self.service.search(query, 30), self._show, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.message.set_error(common.error_text(exc))

    def _show(self, rows: list[PersonRow]) -> None:
        self.rows = rows
        self.results.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for column, text in enumerate((r.pseudonym, r.display_name, str(r.birth_year or ""), r.status.label())):
                self.results.setItem(i, column, QTableWidgetItem(text))
        if rows:
            self.results.selectRow(0)
        self.message.set_hint("" if rows else _("No person matches."))

    def accept_pick(self) -> None:
        row = self.results.currentRow()
        if not 0 <= row < len(self.rows):
            self.message.set_error(_("Choose a person in the list."))
            return
        self.picked.emit(self.rows[row].id, str(self.role.currentData()))
        self.accept()


class LinkedPersonsWidget(Retranslatable, QWidget):
    """The tips detail view's tab "Related persons" (see the module docstring)."""

    changed = Signal()

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.links = LinkService(ctx.desk)
        self.tip_id: str | None = None
        self.persons: list[LinkedPerson] = []
        self.table = QTableWidget(0, 5, self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(common.HINT_STYLE)
        self.link_button, self.unlink_button, self.open_button = QPushButton(self), QPushButton(self), QPushButton(self)
        self.link_button.clicked.connect(self.pick)
        self.unlink_button.clicked.connect(self.unlink_current)
        self.open_button.clicked.connect(lambda: self.open_row(self.table.currentRow()))
        for button in (self.link_button, self.unlink_button):
            button.setVisible(may_link(ctx))
        for button in (self.link_button, self.unlink_button, self.open_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        for button in (self.link_button, self.unlink_button, self.open_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        ctx.bridge.changed.connect(self._on_changes)
        self.retranslate()

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([_("Code"), _("Name"), _("Role in the tip"), _("Status"), _("Born")])
        self.link_button.setText(_("&Link a person…"))
        self.unlink_button.setText(_("&Remove the link"))
        self.open_button.setText(_("&Open the person's file"))
        self.note.setText(_("Names are shown only to the roles that may see them; other roles see the record code. "
                            "Every view of a name is logged."))
        self._show(self.persons)

    def show_tip(self, tip_id: str) -> None:
        self.tip_id = tip_id
        if not self.ctx.desk.can(Perm.PERSON_VIEW):
            self._show([])
            return
        self.ctx.tasks.run_db(lambda: self.links.persons_of_tip(tip_id), self._show, self._error)

    def _error(self, exc: BaseException) -> None:
        common.show_error(self, exc)

    def _show(self, persons: list[LinkedPerson]) -> None:
        self.persons = persons
        self.table.setRowCount(len(persons))
        for row, p in enumerate(persons):
            values = (p.pseudonym, p.display_name if p.identity_visible else _("(identity not shown)"), p.role.label(),
                      p.status.label(), str(p.birth_year or ""))
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                if column == 1 and not p.identity_visible:
                    item.setForeground(Qt.GlobalColor.darkGray)
                self.table.setItem(row, column, item)
        self.unlink_button.setEnabled(bool(persons))
        self.open_button.setEnabled(bool(persons))

    def _on_changes(self, changes: Changes) -> None:
        if self.tip_id is not None and changes.touches("tip_person"):
            self.show_tip(self.tip_id)

    def pick(self) -> None:
        if self.tip_id is None or not may_link(self.ctx):
            return
        dialog = PersonPickerDialog(self.ctx, self)
        dialog.picked.connect(self.link)
        dialog.open()

    def link(self, person_id: str, role: str) -> None:
        tip_id = self.tip_id
        if tip_id is None:
            return
        self.ctx.tasks.run_db(lambda: self.links.link(tip_id, person_id, role), lambda _r: self._linked(),
                              self._error)

    def _linked(self) -> None:
        if self.tip_id is not None:
            self.show_tip(self.tip_id)
        self.changed.emit()

    def unlink_current(self) -> None:
        row, tip_id = self.table.currentRow(), self.tip_id
        if tip_id is None or not 0 <= row < len(self.persons):
            return
        person = self.persons[row]
        if not common.ask_yes_no(self, _("Remove {code} from this tip?").format(code=person.pseudonym),
                                 yes=_("Remove the link")):
            return
        self.ctx.tasks.run_db(lambda: self.links.unlink(tip_id, person.person_id), lambda _r: self._linked(),
                              self._error)

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.persons):
            open_person(self.ctx, self.persons[row].person_id)
