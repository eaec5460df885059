"""The register book (sổ tiếp nhận) of a year as a table, in number order, printable as PDF."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tipdesk.domain.roles import Perm
from tipdesk.gui import common
from tipdesk.gui.models.paged import PagedColumn, PagedTableModel, paged_table
from tipdesk.gui.pages import PageContext
from tipdesk.i18n import N_, _, format_datetime
from tipdesk.services.tips import TipService
from tipdesk.services.tips_types import TipRow, TipSort


def register_columns() -> list[PagedColumn[TipRow]]:
    def transfer(r: TipRow) -> str:
        return " — ".join(x for x in (format_datetime(r.transferred_at), r.transferred_to) if x)

    def decision(r: TipRow) -> str:
        return " — ".join(x for x in (r.decision_ref, format_datetime(r.decision_at)) if x)

    return [
        PagedColumn(N_("Reg. no."), lambda r: r.register_label, align=Qt.AlignmentFlag.AlignCenter),
        PagedColumn(N_("Received on"), lambda r: format_datetime(r.received_at)),
        PagedColumn(N_("Source"), lambda r: r.source_type.label()),
        PagedColumn(N_("Via"), lambda r: r.channel.label()),
        PagedColumn(N_("Reported by"), lambda r: r.reporter.display()),
        PagedColumn(N_("Summary"), lambda r: r.summary.replace("\n", " "), tooltip=lambda r: r.summary),
        PagedColumn(N_("Officer"), lambda r: r.officer_name),
        PagedColumn(N_("Status"), lambda r: r.status.label()),
        PagedColumn(N_("Transferred (date, to)"), transfer),
        PagedColumn(N_("Decision (no., date)"), decision),
    ]


class RegisterDialog(QDialog):
    print_requested = Signal(int)  # year
    open_requested = Signal(str)

    def __init__(self, ctx: PageContext, choose_path: Callable[[QWidget, int], str | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.choose_path = choose_path
        self.service = TipService(ctx.desk)
        self.setWindowTitle(_("Register book"))
        self.resize(1340, 680)
        self.year = QSpinBox(self)
        self.year.setRange(2000, 2100)
        self.year.setValue(ctx.desk.now().year)
        self.year.valueChanged.connect(lambda _v: self.load())
        year_label = QLabel(_("&Year:"), self)
        year_label.setBuddy(self.year)
        self.print_button = QPushButton(_("&Print register book to PDF…"), self)
        self.print_button.clicked.connect(self.print_book)
        self.print_button.setVisible(ctx.desk.can(Perm.TIP_PRINT))
        close = QPushButton(_("Close"), self)
        close.clicked.connect(self.reject)
        for button in (self.print_button, close):
            button.setAutoDefault(False)
        self.model: PagedTableModel[TipRow] = PagedTableModel(
            register_columns(), lambda request: self.service.list(request, reveal_later=True), lambda r: r.id,
            ctx.tasks, parent=self)
        self.model.load_failed.connect(lambda exc: common.show_error(self, exc))
        self.table = paged_table(self.model, self)
        for column, width in enumerate((62, 112, 80, 95, 120, 300, 110, 125, 170, 130)):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda index: self.open_requested.emit(self.model.key_at(index.row())))
        self.message = common.MessageLabel(self)
        top = QHBoxLayout()
        for widget in (year_label, self.year, self.print_button):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        QShortcut(QKeySequence("Ctrl+P"), self, self.print_book)
        self.load()

    def load(self) -> None:
        self.model.set_query(filters={"year": self.year.value(), "urgent_first": False}, sort=TipSort.REGISTER.value,
                             descending=False)

    def print_book(self) -> None:
        year = self.year.value()
        path = self.choose_path(self, year)
        if not path:
            return
        self.print_button.setEnabled(False)
        self.message.set_hint(_("Printing…"))

        def done(pages: int) -> None:
            self.print_button.setEnabled(True)
            self.message.set_ok(_("Written {path} ({pages} pages).").format(path=path, pages=pages))

        def failed(exc: BaseException) -> None:
            self.print_button.setEnabled(True)
            self.message.set_error(common.error_text(exc))

        self.ctx.tasks.run_db(lambda: self.service.printing.register_book(year, path), done, failed)
