"""Choosing an administrative unit: a province combo, then a commune combo, both with type-ahead search.

Typing filters the list accent-insensitively with the core's ``fold`` (``thuong lam``
finds "Xã Thượng Lâm"); a word may match anywhere in the name. Only an item picked
from the list counts: free text never becomes a unit code.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QCompleter, QFormLayout, QLabel, QLineEdit, QWidget

from tipdesk.domain import units
from tipdesk.domain.roles import Profile
from tipdesk.domain.text import fold
from tipdesk.gui.language import Retranslatable
from tipdesk.i18n import _

FOLDED_ROLE = Qt.ItemDataRole.UserRole + 1
CODE_ROLE = Qt.ItemDataRole.UserRole


class FoldFilterProxy(QSortFilterProxyModel):
    """Keeps the rows whose folded name contains every folded word of the query."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []

    def set_query(self, text: str) -> None:
        self.beginFilterChange()
        self._words = fold(text).split()
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self._words:
            return True
        index = self.sourceModel().index(source_row, 0, source_parent)
        name = str(index.data(FOLDED_ROLE) or "")
        return all(word in name for word in self._words)


class SearchCombo(QComboBox):
    """An editable combo whose popup shows the items matching what was typed, accents optional."""

    picked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(15)
        self.proxy = FoldFilterProxy(self)
        self.proxy.setSourceModel(self.model())
        completer = QCompleter(self.proxy, self)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setMaxVisibleItems(12)
        self.setCompleter(completer)
        self.searching = False  # the user typed since the last choice
        self.edit().textEdited.connect(self._on_text_edited)
        completer.activated[str].connect(self._on_completer_activated)  # type: ignore[index]
        self.edit().editingFinished.connect(self._on_editing_finished)
        self.currentIndexChanged.connect(lambda _i: self.picked.emit())

    def edit(self) -> QLineEdit:
        line = self.lineEdit()
        assert line is not None  # the combo is editable
        return line

    def set_items(self, items: Sequence[tuple[str, str]]) -> None:
        """``items``: (display name, code) pairs; nothing is selected afterwards."""
        self.blockSignals(True)
        self.clear()
        for name, code in items:
            self.addItem(name, code)
            self.setItemData(self.count() - 1, fold(name), FOLDED_ROLE)
        self.setCurrentIndex(-1)
        self.proxy.set_query("")
        self.blockSignals(False)
        self.picked.emit()

    def current_code(self) -> str | None:
        """The code of the chosen item, or None while the text is not exactly an item."""
        index = self.currentIndex()
        if index < 0 or self.edit().text() != self.itemText(index):
            return None
        return str(self.itemData(index, CODE_ROLE))

    def select_code(self, code: str) -> bool:
        index = self.findData(code, CODE_ROLE)
        if index >= 0:
            self.setCurrentIndex(index)
        return index >= 0

    def matches(self) -> list[int]:
        """Rows of the items that match the typed text."""
        return [self.proxy.mapToSource(self.proxy.index(r, 0)).row() for r in range(self.proxy.rowCount())]

    def _on_text_edited(self, text: str) -> None:
        self.searching = True
        self.proxy.set_query(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter while searching only confirms the choice; Enter on a chosen item goes on to the dialog."""
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.searching:
            self.searching = False
            self._on_editing_finished()
            event.accept()

    def _on_completer_activated(self, text: str) -> None:
        index = self.findText(text, Qt.MatchFlag.MatchExactly)
        if index >= 0:
            self.setCurrentIndex(index)
            self.picked.emit()

    def _on_editing_finished(self) -> None:
        """Leaving the field with a query that matches one item alone picks that item."""
        if self.current_code() is not None:
            return
        rows = self.matches()
        if len(rows) == 1 and self.edit().text().strip():
            self.setCurrentIndex(rows[0])
        self.picked.emit()


class UnitPicker(Retranslatable, QWidget):
    """Province, then (for a commune installation) commune or ward."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile = Profile.COMMUNE
        self.province = SearchCombo(self)
        self.commune = SearchCombo(self)
        self.province_label = QLabel(self)
        self.province_label.setBuddy(self.province)
        self.commune_label = QLabel(self)
        self.commune_label.setBuddy(self.commune)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.province_label, self.province)
        form.addRow(self.commune_label, self.commune)
        self.province.set_items([(p.name, p.code) for p in units.provinces()])
        self.province.picked.connect(self._on_province)
        self.commune.picked.connect(self.changed.emit)
        self.commune.setEnabled(False)
        self.retranslate()

    def retranslate(self) -> None:
        self.province_label.setText(_("&Province or city:"))
        self.commune_label.setText(_("C&ommune, ward or special zone:"))
        self.province.edit().setPlaceholderText(_("Type a few letters, e.g. tuyen quang"))
        self.commune.edit().setPlaceholderText(
            _("Type a few letters, e.g. thuong lam") if self.commune.isEnabled() else _("Choose the province first")
        )

    def set_profile(self, profile: Profile) -> None:
        self.profile = profile
        is_commune = profile is Profile.COMMUNE
        self.commune.setVisible(is_commune)
        self.commune_label.setVisible(is_commune)
        self.changed.emit()

    def _on_province(self) -> None:
        code = self.province.current_code()
        if code == getattr(self, "_loaded_province", None):
            self.changed.emit()
            return
        self._loaded_province = code
        items = [(c.name, c.code) for c in units.communes(code)] if code else []
        self.commune.set_items(items)
        self.commune.setEnabled(bool(items))
        self.retranslate()
        self.changed.emit()

    def unit_code(self) -> str | None:
        """The chosen province (provincial office) or commune code, or None while incomplete."""
        if self.profile is Profile.PROVINCE:
            return self.province.current_code()
        return self.commune.current_code() if self.province.current_code() else None

    def unit_name(self) -> str:
        combo = self.province if self.profile is Profile.PROVINCE else self.commune
        return combo.currentText() if self.unit_code() else ""
