"""Importing an old register from Excel/CSV: choose the file, map the columns, preview, import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
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

from tipdesk.domain.tips import Channel, SourceType
from tipdesk.gui import common
from tipdesk.gui.pages import PageContext
from tipdesk.i18n import _
from tipdesk.services.tips import TipService
from tipdesk.services.tips_import import FIELDS, ColumnMapping, ImportPreview, ImportResult, TipImporter
from tipdesk.services.tips_import_read import RawTable, read_table

ERROR_COLOUR = QColor("#b00020")
PREVIEW_LIMIT = 2000


class ImportDialog(QDialog):
    imported = Signal(int)

    def __init__(self, ctx: PageContext, choose_file: Callable[[QWidget], str | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.choose_file = choose_file
        self.importer = TipImporter(TipService(ctx.desk))
        self.table_data: RawTable | None = None
        self.preview_data: ImportPreview | None = None
        self.setWindowTitle(_("Import an old register (Excel or CSV)"))
        self.resize(1180, 680)
        self._build()

    def _build(self) -> None:
        self.path = QLineEdit(self)
        self.path.setReadOnly(True)
        browse = QPushButton(_("&Choose file…"), self)
        browse.clicked.connect(self.browse)
        self.mapping = QTableWidget(len(FIELDS), 2, self)
        self.mapping.setHorizontalHeaderLabels([_("Field"), _("Column in the file")])
        self.mapping.verticalHeader().hide()
        self.mapping.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.combos: dict[str, QComboBox] = {}
        for row, f in enumerate(FIELDS):
            item = QTableWidgetItem(_(f.label) + (" *" if f.required else ""))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.mapping.setItem(row, 0, item)
            combo = QComboBox(self.mapping)
            self.combos[f.name] = combo
            self.mapping.setCellWidget(row, 1, combo)
        self.mapping.resizeColumnToContents(0)
        self.default_source, self.default_channel = QComboBox(self), QComboBox(self)
        for s in SourceType:
            self.default_source.addItem(s.label(), s.value)
        for c in Channel:
            self.default_channel.addItem(c.label(), c.value)
        defaults = QFormLayout()
        defaults.addRow(_("Type when the column is empty:"), self.default_source)
        defaults.addRow(_("Channel when the column is empty:"), self.default_channel)
        self.preview = QTableWidget(0, 3, self)
        self.preview.setHorizontalHeaderLabels([_("Line"), _("Result"), _("Summary or errors")])
        self.preview.verticalHeader().hide()
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.check_button = QPushButton(_("Chec&k (preview)"), self)
        self.check_button.clicked.connect(self.check)
        self.skip = QCheckBox(_("Leave out the rows with errors and write them to an error file"), self)
        self.skip.toggled.connect(lambda _on: self._update_buttons())
        self.import_button = QPushButton(_("&Import"), self)
        self.import_button.clicked.connect(self.run_import)
        close = QPushButton(_("Close"), self)
        close.clicked.connect(self.reject)
        for button in (browse, self.check_button, self.import_button, close):
            button.setAutoDefault(False)
        self.summary = QLabel(self)
        self.message = common.MessageLabel(self)
        self._layout(browse, defaults, close)
        self._update_buttons()

    def _layout(self, browse: QPushButton, defaults: QFormLayout, close: QPushButton) -> None:
        file_row = QHBoxLayout()
        file_row.addWidget(QLabel(_("File:"), self))
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        left = QVBoxLayout()
        left.addWidget(QLabel(_("1. Which column holds each field (* required):"), self))
        left.addWidget(self.mapping, 1)
        left.addLayout(defaults)
        right = QVBoxLayout()
        right.addWidget(QLabel(_("2. Preview: every row is checked before anything is written."), self))
        right.addWidget(self.preview, 1)
        right.addWidget(self.summary)
        middle = QHBoxLayout()
        middle.addLayout(left, 2)
        middle.addLayout(right, 3)
        buttons = QHBoxLayout()
        for widget in (self.check_button, self.skip, self.import_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(file_row)
        layout.addLayout(middle, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    # -- steps -----------------------------------------------------------------------------------------------
    def browse(self) -> None:
        path = self.choose_file(self)
        if path:
            self.open_file(path)

    def open_file(self, path: str) -> None:
        self.path.setText(path)
        self.message.set_hint(_("Reading the file…"))
        self.ctx.tasks.run_db(lambda: read_table(Path(path)), self._show_table, self._failed)

    def _show_table(self, table: RawTable) -> None:
        self.table_data = table
        self.preview_data = None
        self.preview.setRowCount(0)
        guess = ColumnMapping.guess(table.headers)
        for name, combo in self.combos.items():
            combo.clear()
            combo.addItem(_("— not in the file —"), "")
            for header in table.headers:
                combo.addItem(header, header)
            combo.setCurrentIndex(max(combo.findData(guess.columns.get(name, "")), 0))
        self.message.set_hint(_("{rows} rows read. Check the columns, then press Check.").format(
            rows=len(table.rows)))
        self._update_buttons()

    def current_mapping(self) -> ColumnMapping:
        columns = {name: str(combo.currentData()) for name, combo in self.combos.items() if combo.currentData()}
        return ColumnMapping(columns, {"source_type": str(self.default_source.currentData()),
                                       "channel": str(self.default_channel.currentData())})

    def check(self) -> None:
        table = self.table_data
        if table is None:
            return
        mapping = self.current_mapping()
        self.message.set_hint(_("Checking…"))
        self.ctx.tasks.run_db(lambda: self.importer.preview(table, mapping), self._show_preview, self._failed)

    def _show_preview(self, preview: ImportPreview) -> None:
        self.preview_data = preview
        rows = sorted(preview.rows, key=lambda r: r.ok)[:PREVIEW_LIMIT]  # errors first
        self.preview.setRowCount(len(rows))
        for i, r in enumerate(rows):
            text = "; ".join(r.errors) if r.errors else str(r.clean.values["summary"]) if r.clean else ""
            cells = (str(r.line), _("Valid") if r.ok else _("Error"), text)
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                if not r.ok:
                    item.setForeground(ERROR_COLOUR)
                self.preview.setItem(i, col, item)
        self.preview.resizeColumnToContents(0)
        self.preview.resizeColumnToContents(1)
        self.summary.setText(_("{valid} valid rows, {invalid} rows with errors.").format(
            valid=preview.valid, invalid=preview.invalid))
        self.message.clear_message()
        self._update_buttons()

    def run_import(self) -> None:
        table, preview = self.table_data, self.preview_data
        if table is None or preview is None:
            return
        mapping, skip = self.current_mapping(), self.skip.isChecked()
        self.import_button.setEnabled(False)
        self.message.set_hint(_("Importing…"))
        self.ctx.tasks.run_db(lambda: self.importer.run(table, mapping, skip_invalid=skip), self._done,
                              self._failed)

    def _done(self, result: ImportResult) -> None:
        text = _("{count} tips imported.").format(count=result.imported)
        if result.error_file is not None:
            text += " " + _("{count} rows were left out and written to {path}; fix them there and import that "
                            "file.").format(count=result.rejected, path=result.error_file)
        self.message.set_ok(text)
        self.preview_data = None
        self._update_buttons()
        self.imported.emit(result.imported)

    def _failed(self, exc: BaseException) -> None:
        self.message.set_error(common.error_text(exc))
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.check_button.setEnabled(self.table_data is not None)
        preview = self.preview_data
        self.skip.setEnabled(preview is not None and preview.invalid > 0)
        self.import_button.setEnabled(preview is not None and preview.valid > 0
                                      and (preview.invalid == 0 or self.skip.isChecked()))
        if preview is not None:
            self.import_button.setText(_("&Import {count} rows").format(count=preview.valid))

