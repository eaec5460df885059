""""Possibly the same person": the candidates found before saving, each linked or dismissed by the user.

Nothing is merged: linking records that the two records may be one person (shown on both),
dismissing records that they are not, and the pair is not offered again.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tipdesk.gui import common
from tipdesk.i18n import _, format_date
from tipdesk.services.persons_types import DuplicateCandidate, MatchDecision


class DuplicatesDialog(QDialog):
    decided = Signal(object)  # dict[candidate id, MatchDecision]

    def __init__(self, candidates: Sequence[DuplicateCandidate], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.candidates = list(candidates)
        self.setWindowTitle(_("Possibly the same person"))
        self.resize(1000, 320 + 28 * min(len(self.candidates), 8))
        intro = QLabel(_("These records have the same name and year of birth, or the same ID number. For each, "
                         "say whether it may be the same person (the records are linked, never merged) or "
                         "another person."), self)
        intro.setWordWrap(True)
        self.table = QTableWidget(len(self.candidates), 8, self)
        self.table.setHorizontalHeaderLabels([_("Code"), _("Full name"), _("Born"), _("Sex"), _("ID number"),
                                              _("Status"), _("Why"), _("Your decision")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.choices: list[QComboBox] = []
        for row, c in enumerate(self.candidates):
            values = (c.pseudonym, c.full_name, str(c.birth_year or ""), c.sex.label(), c.id_number, c.status.label(),
                      c.reason_text())
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(_("Received on {date}").format(date=format_date(c.received_on)))
                self.table.setItem(row, column, item)
            combo = QComboBox(self.table)
            combo.addItem(_("— choose —"), "")
            combo.addItem(MatchDecision.SAME.label(), MatchDecision.SAME.value)
            combo.addItem(MatchDecision.DIFFERENT.label(), MatchDecision.DIFFERENT.value)
            self.table.setCellWidget(row, 7, combo)
            self.choices.append(combo)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.message = common.MessageLabel(self)
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(_("&Save with these decisions"), QDialogButtonBox.ButtonRole.AcceptRole)
        back = buttons.addButton(_("&Back to the form"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.confirm)
        back.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+S"), self, self.confirm)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        if self.choices:
            self.choices[0].setFocus()

    def decisions(self) -> dict[str, MatchDecision] | None:
        """The decision per candidate, or None while one is missing."""
        result = {}
        for candidate, combo in zip(self.candidates, self.choices, strict=True):
            value = str(combo.currentData() or "")
            if not value:
                return None
            result[candidate.id] = MatchDecision(value)
        return result

    def confirm(self) -> None:
        chosen = self.decisions()
        if chosen is None:
            self.message.set_error(_("Choose a decision for every record."))
            return
        self.decided.emit(chosen)
        self.accept()
