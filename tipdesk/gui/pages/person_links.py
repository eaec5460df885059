"""A person's side of the tip links (the tips naming the person), and the possible duplicates."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain.roles import Perm
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext
from tipdesk.gui.widgets.linked_persons import may_link, open_person
from tipdesk.i18n import _, format_datetime
from tipdesk.services.persons import PersonService
from tipdesk.services.persons_links import LinkService
from tipdesk.services.persons_types import LinkedTip, LinkRole, MatchDecision, MatchView, PersonView


def _table(parent: QWidget, columns: int, stretch: int) -> QTableWidget:
    table = QTableWidget(0, columns, parent)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def open_tip(ctx: PageContext, tip_id: str) -> None:
    """Show a tip on the Tips page."""
    if ctx.window is not None:
        ctx.window.open_record("tip", tip_id)  # type: ignore[attr-defined]


class TipPickerDialog(QDialog):
    picked = Signal(str, str)  # tip id, LinkRole value

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.links = LinkService(ctx.desk)
        self.tips: list[LinkedTip] = []
        self.setWindowTitle(_("Link to a tip"))
        self.resize(820, 460)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(_("Register number or words of the content (accents optional)"))
        self.search.returnPressed.connect(self.run_search)
        self.results = _table(self, 3, 2)
        self.results.setHorizontalHeaderLabels([_("Reg. no."), _("Received at"), _("Summary")])
        self.results.activated.connect(lambda _i: self.accept_pick())
        self.role = QComboBox(self)
        for role in LinkRole:
            self.role.addItem(role.label(), role.value)
        self.message = common.MessageLabel(self)
        buttons = QDialogButtonBox(self)
        link = buttons.addButton(_("&Link"), QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        link.clicked.connect(self.accept_pick)
        cancel.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow(_("&Search (Enter):"), self.search)
        form.addRow(_("&Role in the tip:"), self.role)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.search.setFocus()
        self.run_search()

    def run_search(self) -> None:
        query = self.search.text()
        self.ctx.tasks.run_db(lambda: self.links.linkable_tips(query, 40), self._show,
                              lambda exc: self.message.set_error(common.error_text(exc)))

    def _show(self, tips: list[LinkedTip]) -> None:
        self.tips = tips
        self.results.setRowCount(len(tips))
        for row, t in enumerate(tips):
            for column, text in enumerate((t.register_label, format_datetime(t.received_at), t.summary)):
                self.results.setItem(row, column, QTableWidgetItem(text))
        if tips:
            self.results.selectRow(0)

    def accept_pick(self) -> None:
        row = self.results.currentRow()
        if not 0 <= row < len(self.tips):
            self.message.set_error(_("Choose a tip in the list."))
            return
        self.picked.emit(self.tips[row].tip_id, str(self.role.currentData()))
        self.accept()


class LinkedTipsWidget(Retranslatable, QWidget):
    """The tips that name this person; link to another tip, remove a link, open a tip."""

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.links = LinkService(ctx.desk)
        self.person: PersonView | None = None
        self.tips: list[LinkedTip] = []
        self.table = _table(self, 5, 4)
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        self.link_button, self.unlink_button, self.open_button = QPushButton(self), QPushButton(self), QPushButton(self)
        self.link_button.clicked.connect(self.pick)
        self.unlink_button.clicked.connect(self.unlink_current)
        self.open_button.clicked.connect(lambda: self.open_row(self.table.currentRow()))
        for button in (self.link_button, self.unlink_button):
            button.setVisible(may_link(ctx) and ctx.desk.can(Perm.TIP_VIEW))
        row = QHBoxLayout()
        for button in (self.link_button, self.unlink_button, self.open_button):
            button.setAutoDefault(False)
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([_("Reg. no."), _("Received at"), _("Status"), _("Role"), _("Summary")])
        self.link_button.setText(_("&Link to a tip…"))
        self.unlink_button.setText(_("&Remove the link"))
        self.open_button.setText(_("&Open the tip"))
        self._show(self.tips)

    def show_person(self, person: PersonView) -> None:
        self.person = person
        self.ctx.tasks.run_db(lambda: self.links.tips_of_person(person.id), self._show, self._error)

    def _error(self, exc: BaseException) -> None:
        common.show_error(self, exc)

    def _show(self, tips: list[LinkedTip]) -> None:
        self.tips = tips
        self.table.setRowCount(len(tips))
        for row, t in enumerate(tips):
            values = (t.register_label, format_datetime(t.received_at), t.status_label, t.role.label(), t.summary)
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.unlink_button.setEnabled(bool(tips))
        self.open_button.setEnabled(bool(tips) and self.ctx.desk.can(Perm.TIP_VIEW))

    def pick(self) -> None:
        if self.person is None:
            return
        dialog = TipPickerDialog(self.ctx, self)
        dialog.picked.connect(self.link)
        dialog.open()

    def link(self, tip_id: str, role: str) -> None:
        person = self.person
        if person is not None:
            self.ctx.tasks.run_db(lambda: self.links.link(tip_id, person.id, role),
                                  lambda _r: self.show_person(person), self._error)

    def unlink_current(self) -> None:
        row, person = self.table.currentRow(), self.person
        if person is None or not 0 <= row < len(self.tips):
            return
        tip = self.tips[row]
        if not common.ask_yes_no(self, _("Remove the link to tip {number}?").format(number=tip.register_label),
                                 yes=_("Remove the link")):
            return
        self.ctx.tasks.run_db(lambda: self.links.unlink(tip.tip_id, person.id), lambda _r: self.show_person(person),
                              self._error)

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.tips):
            open_tip(self.ctx, self.tips[row].tip_id)


class MatchesWidget(Retranslatable, QWidget):
    """Records decided to be possibly the same person, or not (never merged); a decision can be changed."""

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = PersonService(ctx.desk)
        self.person: PersonView | None = None
        self.matches: list[MatchView] = []
        self.table = _table(self, 4, 1)
        self.table.activated.connect(lambda index: self._open(index.row()))
        self.toggle_button = QPushButton(self)
        self.toggle_button.clicked.connect(self.toggle)
        self.toggle_button.setVisible(ctx.desk.can(Perm.PERSON_EDIT))
        self.toggle_button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        row = QHBoxLayout()
        row.addWidget(self.toggle_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([_("Code"), _("Name"), _("Same person?"), _("Decided by")])
        self.toggle_button.setText(_("&Change the decision"))
        self._show(self.matches)

    def show_person(self, person: PersonView) -> None:
        self.person = person
        self.ctx.tasks.run_db(lambda: self.service.matches(person.id), self._show, self._error)

    def _error(self, exc: BaseException) -> None:
        common.show_error(self, exc)

    def _show(self, matches: list[MatchView]) -> None:
        self.matches = matches
        self.table.setRowCount(len(matches))
        for row, m in enumerate(matches):
            for column, text in enumerate((m.pseudonym, m.display_name, m.decision.label(), m.decided_by)):
                item = QTableWidgetItem(text)
                if column == 2 and m.decision is MatchDecision.SAME:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(row, column, item)
        self.toggle_button.setEnabled(bool(matches))

    def toggle(self) -> None:
        row, person = self.table.currentRow(), self.person
        if person is None or not 0 <= row < len(self.matches):
            return
        m = self.matches[row]
        new = MatchDecision.DIFFERENT if m.decision is MatchDecision.SAME else MatchDecision.SAME
        self.ctx.tasks.run_db(lambda: self.service.decide_match(person.id, m.other_id, new),
                              lambda _r: self.show_person(person), self._error)

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.matches):
            open_person(self.ctx, self.matches[row].other_id)
