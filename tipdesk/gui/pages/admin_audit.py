"""Administration → Audit log: filter, page back with "Load more" (keyset on seq), verify the chain."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain.roles import Profile, Role
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext
from tipdesk.gui.pages.audit_filter import AuditFilter, AuditFilterBar
from tipdesk.gui.tasks import run_with_progress
from tipdesk.i18n import N_, _, format_datetime, ngettext
from tipdesk.services.audit import AuditRow, VerifyResult, action_label

PAGE_SIZE = 200
COLUMNS = (N_("No."), N_("Time"), N_("User"), N_("Action"), N_("Record"), N_("Details"))
ENTITY_LABELS = {"user": N_("user"), "setting": N_("setting"), "installation": N_("installation")}
BROKEN = QColor("#ffcdd2")
Index = QModelIndex | QPersistentModelIndex


def entity_text(row: AuditRow) -> str:
    kind = ENTITY_LABELS.get(row.entity_type)
    label = _(kind) if kind else row.entity_type
    return f"{label} {row.entity_id}".strip()


DETAIL_KEYS = {
    "role": N_("role"), "active": N_("active"), "ok": N_("intact"), "rows": N_("rows"),
    "first_bad_seq": N_("first broken row"), "profile": N_("kind"), "unit": N_("unit"),
    "version": N_("version"), "old": N_("before"), "new": N_("after"), "idle_unlock": N_("screen unlock"),
    "unknown_user": N_("unknown user name"),
}


def detail_value(key: str, value: Any) -> str:
    """A detail value for people: yes/no, role and profile names; other values as they are."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return "–"
    if isinstance(value, list):
        return " → ".join(detail_value(key, item) for item in value)
    if key == "role" and value in Role.__members__.values():
        return Role(value).label()
    if key == "profile" and value in Profile.__members__.values():
        return Profile(value).label()
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def detail_text(detail: dict[str, Any]) -> str:
    parts = []
    for key, value in sorted(detail.items()):
        label = DETAIL_KEYS.get(key)
        parts.append(f"{_(label) if label else key}: {detail_value(key, value)}")
    return "; ".join(parts)


class AuditModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[AuditRow] = []
        self.bad_seq: int | None = None

    def set_rows(self, rows: Sequence[AuditRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def append_rows(self, rows: Sequence[AuditRow]) -> None:
        if not rows:
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(row, index.column())
        if role == Qt.ItemDataRole.BackgroundRole and row.seq == self.bad_seq:
            return BROKEN
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(row: AuditRow, column: int) -> str:
        values = (str(row.seq), format_datetime(row.at), row.username, action_label(row.action), entity_text(row),
                  detail_text(row.detail))
        return values[column]

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(COLUMNS) - 1))


class AuditTab(Retranslatable, QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.loaded = False
        self.has_more = False
        self.last_result: VerifyResult | None = None
        self.filters = AuditFilterBar(self)
        self.filters.apply.connect(self.reload)
        self.model = AuditModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.count_label = QLabel(self)
        self.verify_label = common.MessageLabel(self)
        self.more_button = QPushButton(self)
        self.more_button.setAutoDefault(False)
        self.more_button.clicked.connect(self.load_more)
        self.verify_button = QPushButton(self)
        self.verify_button.setAutoDefault(False)
        self.verify_button.clicked.connect(self.verify)
        self._layout()
        self.retranslate()

    def _layout(self) -> None:
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label)
        bottom.addWidget(self.more_button)
        bottom.addStretch(1)
        bottom.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.verify_label)
        layout.addLayout(bottom)

    def retranslate(self) -> None:
        self.more_button.setText(_("Load &more"))
        self.verify_button.setText(_("&Verify the chain"))
        self.verify_button.setToolTip(_("Recompute the hash chain and name the first row that was changed."))
        self.model.retranslate()
        self._update_count()
        if self.last_result is not None:
            self._show_verify_label(self.last_result)

    # -- loading ---------------------------------------------------------------------
    def page_shown(self) -> None:
        if not self.loaded:
            self.loaded = True
            self.ctx.tasks.run_db(self.ctx.desk.audit.actions, self.filters.set_actions, self._failed)
            self.reload()

    def reload(self, before_seq: int | None = None) -> None:
        query = self.filters.current()
        self.ctx.tasks.run_db(lambda: self._browse(query, before_seq), self._show, self._failed)

    def load_more(self) -> None:
        if self.model.rows and self.has_more:
            query = self.filters.current()
            before = self.model.rows[-1].seq
            self.ctx.tasks.run_db(lambda: self._browse(query, before), self._append, self._failed)

    def _browse(self, query: AuditFilter, before_seq: int | None) -> list[AuditRow]:
        return self.ctx.desk.audit.browse(before_seq=before_seq, limit=PAGE_SIZE, **query.kwargs())

    def _show(self, rows: list[AuditRow]) -> None:
        self.model.set_rows(rows)
        self._after_load(rows)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(5, max(self.table.columnWidth(5), 200))

    def _append(self, rows: list[AuditRow]) -> None:
        self.model.append_rows(rows)
        self._after_load(rows)

    def _after_load(self, rows: list[AuditRow]) -> None:
        self.has_more = len(rows) >= PAGE_SIZE
        self.more_button.setEnabled(self.has_more)
        self._update_count()

    def _update_count(self) -> None:
        n = len(self.model.rows)
        self.count_label.setText(ngettext("{n} row shown", "{n} rows shown", n).format(n=n))

    def _failed(self, exc: BaseException) -> None:
        common.show_error(self, exc)

    # -- verification -------------------------------------------------------------------
    def verify(self) -> None:
        self.verify_button.setEnabled(False)
        run_with_progress(self.ctx.tasks, self, _("Checking the audit log…"), lambda _ctx: self.ctx.desk.audit.verify(),
                          self._verified, self._verify_failed, cancellable=False)

    def _verify_failed(self, exc: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self._failed(exc)

    def _verified(self, result: VerifyResult) -> None:
        self.verify_button.setEnabled(True)
        self.last_result = result
        self.model.bad_seq = result.first_bad_seq
        self._show_verify_label(result)
        if result.ok:
            self.reload()
            return
        assert result.first_bad_seq is not None
        self.filters.clear()
        self.reload(before_seq=result.first_bad_seq + 1)  # the broken row at the top, highlighted
        common.show_message(self, self.verify_label.text(), title=_("Audit log"), error=True)

    def _show_verify_label(self, result: VerifyResult) -> None:
        if result.ok:
            self.verify_label.set_ok(ngettext("The audit log is intact: {n} row checked.",
                                              "The audit log is intact: {n} rows checked.", result.rows)
                                     .format(n=result.rows))
        else:
            self.verify_label.set_error(_("The audit log is BROKEN at row {seq}: {reason}").format(
                seq=result.first_bad_seq, reason=result.reason))

