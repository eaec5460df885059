"""Possible duplicates across communes (province): the candidate pairs and a side-by-side review.

The upper table lists the pairs (score, why, both records with their communes), best first; the
lower panel shows the selected pair field by field, the differing fields highlighted, with the
decisions "Same person", "Different persons" and "Undo". Nothing is merged: a decision links the
two origin records, which stay as their communes sent them. Every database call goes through
``ctx.tasks``; names appear only where the role may see them (``CrossDuplicates`` masks them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain.roles import Perm, Profile
from tipdesk.events import Changes
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext
from tipdesk.i18n import N_, _, format_date, format_datetime, format_number
from tipdesk.services.context import Desk
from tipdesk.services.persons_xdupes import CrossDuplicates, DupPair, DupReview, DupSide

LIST_LIMIT = 500
SCORES = ((N_("All scores"), 0), (N_("Score 50 or more"), 50), (N_("Score 70 or more"), 70),
          (N_("Score 90 or more"), 90))
DIFFERS = QColor("#fff1c2")
MASKED = QColor("#555555")
SAME = QColor("#1b5e20")
DIFFERENT = QColor("#6d4c41")
SCORE_COLOURS = ((90, QColor("#b00020")), (70, QColor("#e65100")), (0, QColor("#555555")))


def may_review_duplicates(desk: Desk) -> bool:
    """The screen exists at the provincial office, for roles that view persons."""
    return desk.installation.profile is Profile.PROVINCE and desk.can(Perm.PERSON_VIEW)


def _score_colour(score: int) -> QColor:
    return next(colour for floor, colour in SCORE_COLOURS if score >= floor)


def _side_text(side: DupSide) -> str:
    if side.identity_visible:
        return f"{side.display_name} ({side.pseudonym})"
    return side.pseudonym


def _item(text: str, *, tooltip: str = "", colour: QColor | None = None, bold: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if tooltip:
        item.setToolTip(tooltip)
    if colour is not None:
        item.setForeground(QBrush(colour))
    if bold:
        font = QFont(item.font())
        font.setBold(True)
        item.setFont(font)
    return item


class DuplicatesButton(Retranslatable, QPushButton):
    """The persons list's way in: "Possible duplicates across communes…"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAutoDefault(False)
        self.retranslate()

    def retranslate(self) -> None:
        self.setText(_("Possible &duplicates across communes…"))
        self.setToolTip(_("Persons that two communes may both have recorded: review and link them"))


def install_button(list_view: QWidget, anchor: QWidget, callback: Callable[[], None]) -> DuplicatesButton:
    """Put the button after ``anchor`` in the row of buttons that holds it (the persons list's Open button)."""
    button = DuplicatesButton(list_view)
    button.clicked.connect(callback)
    layout = _layout_with(list_view.layout(), anchor)
    if layout is not None:
        layout.insertWidget(layout.indexOf(anchor) + 1, button)  # type: ignore[attr-defined]
    return button


def _layout_with(layout: QLayout | None, widget: QWidget) -> QLayout | None:
    if layout is None:
        return None
    if layout.indexOf(widget) >= 0:
        return layout
    for index in range(layout.count()):
        item = layout.itemAt(index)
        found = _layout_with(item.layout() if item is not None else None, widget)
        if found is not None:
            return found
    return None


class ReviewPanel(Retranslatable, QWidget):
    """One pair side by side, with the decision buttons."""

    decide = Signal(str)  # "same", "different" or "undo"
    open_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.review: DupReview | None = None
        self.heading = QLabel(self)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.heading.setMinimumWidth(1)  # a long "why" is cut before the decision state
        self.state = QLabel(self)
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        self.state.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        self.table = QTableWidget(0, 3, self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.note = QLineEdit(self)
        self.note.setMaxLength(500)
        self.same_button, self.different_button, self.undo_button = (QPushButton(self) for _n in range(3))
        self.open_a, self.open_b = QPushButton(self), QPushButton(self)
        for button, value in ((self.same_button, "same"), (self.different_button, "different"),
                              (self.undo_button, "undo")):
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, v=value: self.decide.emit(v))
        for button, first in ((self.open_a, True), (self.open_b, False)):
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, f=first: self._open(f))
        self.message = common.MessageLabel(self)
        self._layout()
        self.retranslate()
        self.show_review(None)

    def _layout(self) -> None:
        actions = QHBoxLayout()
        actions.addWidget(self.same_button)
        actions.addWidget(self.different_button)
        actions.addWidget(self.undo_button)
        actions.addWidget(self.note, 1)
        actions.addSpacing(12)
        actions.addWidget(self.open_a)
        actions.addWidget(self.open_b)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.state)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(actions)

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([_("Field"), _("Record 1"), _("Record 2")])
        self.same_button.setText(_("&Same person"))
        self.same_button.setToolTip(_("Link the two records as one person (both are kept; statistics count the "
                                      "person once)"))
        self.different_button.setText(_("Di&fferent persons"))
        self.undo_button.setText(_("&Undo the decision"))
        self.note.setPlaceholderText(_("Note for the audit log (optional)"))
        self.open_a.setText(_("Open record &1"))
        self.open_b.setText(_("Open record &2"))
        self.show_review(self.review)

    def show_review(self, review: DupReview | None) -> None:
        self.review = review
        self.table.setRowCount(0)
        for button in (self.same_button, self.different_button, self.undo_button, self.open_a, self.open_b):
            button.setEnabled(False)
        self.note.setEnabled(False)
        if review is None:
            self.heading.setText(_("Choose a pair above to compare the two records."))
            self.state.setText("")
            return
        pair = review.pair
        self.heading.setText(_("Score {score}: {why}").format(score=pair.score, why=pair.reason_text()))
        self._fill(review)
        self._show_state(review)
        may, decided = review.may_decide, bool(review.decision)
        self.same_button.setEnabled(may and review.decision != "same")
        self.different_button.setEnabled(may and review.decision != "different")
        self.undo_button.setEnabled(may and decided)
        self.note.setEnabled(may)
        self.open_a.setEnabled(True)
        self.open_b.setEnabled(True)

    def _fill(self, review: DupReview) -> None:
        rows = [r for r in review.rows if r.a or r.b]  # a field empty on both records says nothing
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            label = _item(row.label, bold=row.differs)
            cells = [label, _item(row.a, tooltip=row.a), _item(row.b, tooltip=row.b)]
            for column, cell in enumerate(cells):
                if row.differs:
                    cell.setBackground(QBrush(DIFFERS))
                    cell.setToolTip(_("The two records differ here"))
                self.table.setItem(index, column, cell)

    def _show_state(self, review: DupReview) -> None:
        notes = []
        if not review.identity_visible:
            notes.append(_("Identity not shown to your role."))
        if review.decision:
            notes.append(_("{decision}, by {user} on {when}").format(
                decision=review.pair.decision_text(), user=review.decided_by,
                when=format_datetime(review.decided_at) if review.decided_at else ""))
        else:
            notes.append(_("Not decided yet."))
        self.state.setText("  ".join(notes))
        colour = {"same": SAME, "different": DIFFERENT}.get(review.decision)
        self.state.setStyleSheet(f"color: {colour.name()}; font-weight: bold;" if colour else "")

    def _open(self, first: bool) -> None:
        if self.review is not None:
            pair = self.review.pair
            self.open_requested.emit(pair.a.id if first else pair.b.id)

    def take_note(self) -> str:
        text = self.note.text()
        self.note.clear()
        return text


class CrossDuplicatesView(Retranslatable, QWidget):
    """The screen: filters, the pairs table and the review panel."""

    back_requested = Signal()
    open_requested = Signal(str)

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = CrossDuplicates(ctx.desk)
        self.pairs: list[DupPair] = []
        self.total: int | None = None
        self.loaded = False
        self._want: tuple[str, str] | None = None
        self.title = QLabel(self)
        self.title.setFont(common.title_font(self.font(), 1.25))
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.score = QComboBox(self)
        self.score.activated.connect(lambda _i: self.reload())
        self.decided = QCheckBox(self)
        self.decided.toggled.connect(lambda _on: self.reload())
        self.refresh_button, self.back_button = QPushButton(self), QPushButton(self)
        self.refresh_button.clicked.connect(self.reload)
        self.back_button.clicked.connect(self.back_requested.emit)
        for button in (self.refresh_button, self.back_button):
            button.setAutoDefault(False)
        self.count_label = QLabel(self)
        self._build_table()
        self.panel = ReviewPanel(self)
        self.panel.decide.connect(self.decide)
        self.panel.open_requested.connect(self.open_requested.emit)
        self._layout()
        QShortcut(QKeySequence("F5"), self, self.reload)
        QShortcut(QKeySequence("Escape"), self, self.back_requested.emit)
        ctx.bridge.changed.connect(self._on_changes)
        self.retranslate()

    def _build_table(self) -> None:
        self.table = QTableWidget(0, 7, self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        for column, width in enumerate((52, 232, 112, 232, 112, 300, 100)):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._on_select)

    def _layout(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.title)
        bar.addStretch(1)
        bar.addWidget(self.score)
        bar.addWidget(self.decided)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.back_button)
        upper = QWidget(self)
        up = QVBoxLayout(upper)
        up.setContentsMargins(0, 0, 0, 0)
        up.addWidget(self.table, 1)
        up.addWidget(self.count_label)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(upper)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([190, 430])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(bar)
        layout.addWidget(self.intro)
        layout.addWidget(self.splitter, 1)

    def retranslate(self) -> None:
        self.title.setText(_("Possible duplicates across communes"))
        self.intro.setText(_("Records from different communes with the same ID number, or the same name (tones "
                             "ignored), date or year of birth and sex. Deciding never merges the records: both "
                             "stay as their communes sent them; linked records count as one person in the "
                             "province's statistics."))
        current = self.score.currentData()
        self.score.clear()
        for text, value in SCORES:
            self.score.addItem(_(text), value)
        self.score.setCurrentIndex(max(self.score.findData(current), 0))
        self.decided.setText(_("Show decided pairs"))
        self.refresh_button.setText(_("Refresh (F5)"))
        self.back_button.setText(_("&Back to the list (Esc)"))
        self.table.setHorizontalHeaderLabels([_("Score"), _("Record 1"), _("Commune"), _("Record 2"), _("Commune"),
                                              _("Why"), _("Decision on the pair")])
        self._fill()
        self._update_count()

    # -- data ---------------------------------------------------------------------------------------------
    def page_shown(self) -> None:
        if not self.loaded:
            self.loaded = True
            self.reload()

    def filters(self) -> dict[str, Any]:
        return {"min_score": int(self.score.currentData() or 0), "include_decided": self.decided.isChecked()}

    def reload(self) -> None:
        filters = self.filters()
        service = self.service
        selected = self.selected_pair()
        if selected is not None and self._want is None:
            self._want = selected.key
        self.ctx.tasks.run_db(lambda: (service.pairs(limit=LIST_LIMIT, **filters), service.count(**filters)),
                              self._loaded, self._failed)

    def _loaded(self, result: tuple[list[DupPair], int]) -> None:
        self.pairs, self.total = result
        self._fill()
        self._update_count()
        want, self._want = self._want, None
        keys = [p.key for p in self.pairs]
        if want in keys:
            self.table.selectRow(keys.index(want))
        elif self.pairs:
            self.table.selectRow(0)
        else:
            self.panel.show_review(None)

    def _failed(self, exc: BaseException) -> None:
        common.show_error(self, exc)

    def _fill(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.pairs))
        for row, pair in enumerate(self.pairs):
            cells = [
                _item(str(pair.score), colour=_score_colour(pair.score), bold=True),
                self._side_item(pair.a), _item(pair.a.commune, tooltip=pair.a.unit_code),
                self._side_item(pair.b), _item(pair.b.commune, tooltip=pair.b.unit_code),
                _item(pair.reason_text(), tooltip=pair.reason_text()),
                _item(pair.decision_text() if pair.decision else "",
                      colour={"same": SAME, "different": DIFFERENT}.get(pair.decision)),
            ]
            cells[0].setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            for column, cell in enumerate(cells):
                self.table.setItem(row, column, cell)
        self.table.blockSignals(False)

    @staticmethod
    def _side_item(side: DupSide) -> QTableWidgetItem:
        tip = _side_text(side) + "\n" + _("Received on {date}").format(date=format_date(side.received_on))
        if not side.identity_visible:
            tip += "\n" + _("Identity not shown to your role")
        return _item(_side_text(side), tooltip=tip, colour=None if side.identity_visible else MASKED)

    def _update_count(self) -> None:
        if self.total is None:
            self.count_label.setText("")
            return
        self.count_label.setText(_("{shown} of {total} pairs shown").format(
            shown=format_number(len(self.pairs)), total=format_number(self.total)))

    def selected_pair(self) -> DupPair | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or not 0 <= rows[0].row() < len(self.pairs):
            return None
        return self.pairs[rows[0].row()]

    def _on_select(self) -> None:
        pair = self.selected_pair()
        if pair is None:
            self.panel.show_review(None)
            return
        service = self.service
        self.ctx.tasks.run_db(lambda: service.pair(*pair.key), self._show, self._failed)

    def _show(self, review: DupReview) -> None:
        current = self.selected_pair()
        if current is not None and current.key == review.pair.key:
            self.panel.show_review(review)

    # -- decisions ------------------------------------------------------------------------------------------
    def decide(self, what: str) -> None:
        pair = self.selected_pair()
        if pair is None:
            return
        service, note = self.service, self.panel.take_note()
        a, b = pair.key
        work: dict[str, Callable[[], str]] = {
            "same": lambda: service.link_same(a, b, note),
            "different": lambda: service.mark_different(a, b, note),
            "undo": lambda: service.undo(a, b),
        }
        self._want = pair.key
        self.ctx.tasks.run_db(work[what], lambda result: self._decided(pair, result), self._decide_failed)

    def _decided(self, pair: DupPair, result: str) -> None:
        names = {"a": pair.a.pseudonym, "b": pair.b.pseudonym}
        text = {
            "same": _("{a} and {b} are linked as the same person. Both records are kept."),
            "different": _("{a} and {b} are recorded as different persons."),
            "": _("The decision on {a} and {b} was undone: the pair is undecided again."),
        }[result].format(**names)
        self.panel.message.set_ok(text)
        if result and not self.decided.isChecked():
            self._want = None  # the pair leaves the list: go to the next one
        self.reload()

    def _decide_failed(self, exc: BaseException) -> None:
        self.panel.message.set_error(common.error_text(exc))

    def _on_changes(self, changes: Changes) -> None:
        if self.loaded and self.isVisible() and changes.touches("person"):  # an import brought new records
            self.reload()
