"""The Exchange page (Ctrl+3): the commune sends batches, the province receives them.

Which side is shown depends on the installation: ``exchange_commune.CommuneExchangePage`` (export,
batches sent and their receipts, enrolment file, fingerprint and QR, trust bundle) or
``exchange_province.ProvinceExchangePage`` (import many files with preview, progress and Cancel,
per-commune status, enrolment, revocation, trust bundle, conflicts, import log). File choosers are
module functions here so tests can replace them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QFileDialog, QHeaderView, QPushButton, QTableWidget, QTableWidgetItem, QWidget

from tipdesk.domain.roles import Perm, Profile
from tipdesk.gui.pages import PageContext, PageSpec
from tipdesk.gui.pyside_fixes import emit_native
from tipdesk.i18n import N_, _
from tipdesk.services.context import Desk

Index = QModelIndex | QPersistentModelIndex

RECORD_TYPE_LABELS = {
    "tip": N_("Tips"),
    "tip_event": N_("Tip steps"),
    "tip_attachment": N_("Tip attachments"),
    "tip_person": N_("Tip–person links"),
    "person": N_("Person records"),
    "person_event": N_("Person steps"),
    "support_entry": N_("Support given"),
    "person_plan_item": N_("Plan items"),
    "person_match": N_("Duplicate decisions"),
}
STATUS_LABELS = {
    "accepted": N_("Accepted"),
    "duplicate": N_("Already imported"),
    "refused": N_("Refused"),
    "quarantined": N_("Kept aside (newer version)"),
    "": N_("Waiting for a receipt"),
}
ACTION_LABELS = {
    "new": N_("New"),
    "updated": N_("Updated"),
    "unchanged": N_("Unchanged"),
    "older": N_("Older, skipped"),
    "conflicting": N_("Conflict"),
    "waiting": N_("Waiting for a missing batch"),
}
BATCH_FILTER = N_("tipdesk batches (*.tdb)")
RECEIPT_FILTER = N_("tipdesk receipts (*.tdr)")
ENROLMENT_FILTER = N_("tipdesk enrolment files (*.tde)")
TRUST_FILTER = N_("tipdesk trust bundles (*.tdt)")
ROTATION_FILTER = N_("tipdesk key change records (*.tdk)")


def type_label(record_type: str) -> str:
    label = RECORD_TYPE_LABELS.get(record_type)
    return _(label) if label else record_type


def status_label(status: str, code: str = "") -> str:
    label = STATUS_LABELS.get(status)
    text = _(label) if label else status
    return f"{text} ({code})" if code else text


# ---------------------------------------------------------------- file choosers (tests replace them)


def choose_folder(parent: QWidget, title: str, start: Path | None = None) -> Path | None:
    path = QFileDialog.getExistingDirectory(parent, title, str(start or Path.home()))
    return Path(path) if path else None


def choose_files(parent: QWidget, title: str, file_filter: str) -> list[Path]:
    paths, _selected = QFileDialog.getOpenFileNames(parent, title, str(Path.home()), file_filter)
    return [Path(p) for p in paths]


def choose_file(parent: QWidget, title: str, file_filter: str) -> Path | None:
    path, _selected = QFileDialog.getOpenFileName(parent, title, str(Path.home()), file_filter)
    return Path(path) if path else None


# ---------------------------------------------------------------- small widgets


def button(parent: QWidget, slot: Any, default: bool = False) -> QPushButton:
    b = QPushButton(parent)
    b.setAutoDefault(default)
    b.setDefault(default)
    b.clicked.connect(lambda _checked=False: slot())
    return b


def table(parent: QWidget, columns: int) -> QTableWidget:
    t = QTableWidget(0, columns, parent)
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    t.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    t.verticalHeader().hide()
    t.setWordWrap(False)
    t.setAlternatingRowColors(True)
    header = t.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    header.setHighlightSections(False)  # a bold header would no longer fit its column
    return t


def fit_rows(t: QTableWidget, most: int) -> None:
    """Make ``t`` exactly as tall as its header and rows, up to ``most`` rows (then it scrolls)."""
    rows = min(max(t.rowCount(), 1), most)
    row_height = t.verticalHeader().defaultSectionSize()
    t.setFixedHeight(t.horizontalHeader().sizeHint().height() + rows * row_height + 2 * t.frameWidth() + 2)


def fill(t: QTableWidget, rows: Sequence[Sequence[object]], keys: Sequence[object] | None = None) -> None:
    """Replace the rows of ``t``; ``keys[i]`` is stored as the user data of row i's first cell."""
    t.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem("" if value is None else str(value))
            if isinstance(value, int) and not isinstance(value, bool):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if c == 0 and keys is not None:
                item.setData(Qt.ItemDataRole.UserRole, keys[r])
            t.setItem(r, c, item)


def selected_key(t: QTableWidget) -> Any:
    row = t.currentRow()
    item = t.item(row, 0) if row >= 0 else None
    return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


class RowsModel(QAbstractTableModel):
    """Read-only rows of text for large lists (the import preview may list 100,000 records)."""

    def __init__(self, headers: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headers = list(headers)  # N_() msgids
        self.rows: list[tuple[str, ...]] = []

    def set_rows(self, rows: Sequence[tuple[str, ...]]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(self.headers[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        return None

    def retranslate(self) -> None:
        emit_native(self.headerDataChanged, Qt.Orientation.Horizontal, 0, len(self.headers) - 1)


# ---------------------------------------------------------------- the page


def build_page(ctx: PageContext) -> QWidget:
    if ctx.desk.installation.profile is Profile.PROVINCE:
        from tipdesk.gui.pages.exchange_province import ProvinceExchangePage

        return ProvinceExchangePage(ctx)
    from tipdesk.gui.pages.exchange_commune import CommuneExchangePage

    return CommuneExchangePage(ctx)


def may_exchange(desk: Desk) -> bool:
    return desk.can(Perm.EXCHANGE) or desk.can(Perm.KEYS_MANAGE)


PAGE = PageSpec(
    key="exchange",
    slot=3,
    title=N_("Exchange"),
    factory=build_page,
    visible=may_exchange,
    description=N_("Send batches to the province, receive them, keys and receipts"),
)
