"""The Tips page (Ctrl+1): the list with its deadline panel, and one tip's detail, in one stack.

File choosers are module functions (``choose_save_path``, ``choose_open_path``) so tests can
replace them; everything that touches the database goes through ``ctx.tasks``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QStackedWidget, QWidget

from tipdesk.domain.roles import Perm
from tipdesk.domain.tips import TipEventKind
from tipdesk.events import Changes
from tipdesk.gui import common
from tipdesk.gui.common import PDF_FILTER, choose_open_path, choose_save_path
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext, PageSpec
from tipdesk.gui.pages.tip_detail import TipDetailView
from tipdesk.gui.pages.tip_event import TipEventDialog
from tipdesk.gui.pages.tip_form import TipFormDialog
from tipdesk.gui.pages.tip_import import ImportDialog
from tipdesk.gui.pages.tip_register import RegisterDialog
from tipdesk.gui.pages.tips_list import TipsListView
from tipdesk.i18n import N_, _
from tipdesk.services.context import Desk
from tipdesk.services.tips import TipService
from tipdesk.services.tips_types import AttachmentView, TipView


class TipsPage(Retranslatable, QStackedWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = TipService(ctx.desk)
        self.list = TipsListView(ctx, self)
        self.detail = TipDetailView(ctx, self)
        self.addWidget(self.list)
        self.addWidget(self.detail)
        self.list.open_requested.connect(self.open_tip)
        self.list.new_requested.connect(self.new_tip)
        self.list.register_requested.connect(self.show_register)
        self.list.import_requested.connect(self.show_import)
        self.detail.back_requested.connect(self.show_list)
        self.detail.edit_requested.connect(self.edit_tip)
        self.detail.event_requested.connect(self.record_event)
        self.detail.print_requested.connect(self.print_record)
        self.detail.attach_requested.connect(self.attach_file)
        self.detail.save_attachment_requested.connect(self.save_attachment)
        ctx.bridge.changed.connect(self._on_changes)

    def retranslate(self) -> None:
        """The child views retranslate themselves."""

    def page_shown(self) -> None:
        self.list.page_shown()

    def _error(self, exc: BaseException) -> None:
        common.show_error(self, exc)

    def _info(self, text: str) -> None:
        common.show_message(self, text)

    # -- navigation ------------------------------------------------------------------------------------------
    def open_tip(self, tip_id: str) -> None:
        self.detail.load(tip_id)
        self.setCurrentWidget(self.detail)
        self.detail.tabs.setFocus()

    def show_list(self) -> None:
        if self.detail.tip is not None:
            self.list.select_tip(self.detail.tip.id)
        self.setCurrentWidget(self.list)
        self.list.table.setFocus()

    def _on_changes(self, changes: Changes) -> None:
        """Another window or the worker changed tips: reload the one shown if it may be among them."""
        tip = self.detail.tip
        if tip is None or self.currentWidget() is not self.detail or not changes.touches("tip"):
            return
        if not changes.ids or tip.id in changes.ids:
            self.detail.load(tip.id)

    # -- dialogs -----------------------------------------------------------------------------------------------
    def new_tip(self) -> None:
        dialog = TipFormDialog(self.ctx, None, self)
        dialog.saved.connect(lambda view: self.open_tip(view.id))
        dialog.open()

    def edit_tip(self, tip: TipView) -> None:
        dialog = TipFormDialog(self.ctx, tip, self)
        dialog.saved.connect(self.detail.show_tip)
        dialog.open()

    def record_event(self, tip: TipView, kind: TipEventKind) -> None:
        dialog = TipEventDialog(self.ctx, tip, kind, self)
        dialog.saved.connect(self.detail.show_tip)
        dialog.open()

    def show_register(self) -> None:
        def choose(parent: QWidget, year: int) -> str | None:
            return choose_save_path(parent, _("Save the register book"), f"so-tiep-nhan-{year}.pdf", _(PDF_FILTER))

        dialog = RegisterDialog(self.ctx, choose, self)
        def open_from_register(tip_id: str) -> None:
            dialog.accept()
            self.open_tip(tip_id)

        dialog.open_requested.connect(open_from_register)
        dialog.open()

    def show_import(self) -> None:
        def choose(parent: QWidget) -> str | None:
            return choose_open_path(parent, _("Choose the register to import"),
                                    _("Spreadsheets (*.xlsx *.csv)"))

        ImportDialog(self.ctx, choose, self).open()

    # -- actions on the shown tip --------------------------------------------------------------------------------
    def print_record(self, tip: TipView) -> None:
        first = tip.printed_at is None
        if first and not common.ask_yes_no(
                self, _("Printing the reception record makes the register number {number} final. Print now?").format(
                    number=tip.register_label), yes=_("Print"), default_yes=True):
            return
        suggested = f"bien-ban-tiep-nhan-{tip.register_no:02d}-{tip.register_year}.pdf"
        path = choose_save_path(self, _("Save the reception record"), suggested, _(PDF_FILTER))
        if not path:
            return
        self.ctx.tasks.run_db(
            lambda: self.service.printing.reception_record(tip.id, path),
            lambda pages: self._info(_("Written {path} ({pages} pages).").format(path=path, pages=pages)),
            self._error)

    def attach_file(self, tip: TipView) -> None:
        path = choose_open_path(self, _("Choose the file to attach"),
                                _("Scans, photos and recordings (*.pdf *.jpg *.jpeg *.png *.tif *.mp3 *.m4a *.wav "
                                  "*.ogg *.mp4);;All files (*)"))
        if not path:
            return
        attachments = self.service.attachments
        file = Path(path)

        def work() -> AttachmentView:
            attachments.check(file.name, file.stat().st_size)  # refuse an oversized file before reading it
            return attachments.add(tip.id, file.name, file.read_bytes())

        self.ctx.tasks.run_db(work, lambda _view: self.detail.load(tip.id), self._error)

    def save_attachment(self, attachment_id: str) -> None:
        tip = self.detail.tip
        known = {a.id: a for a in tip.attachments} if tip is not None else {}
        if attachment_id not in known:
            return
        path = choose_save_path(self, _("Save the attachment"), known[attachment_id].filename, _("All files (*)"))
        if not path:
            return
        attachments = self.service.attachments

        def work() -> None:
            _view, data = attachments.data(attachment_id)
            Path(path).write_bytes(data)

        self.ctx.tasks.run_db(work, lambda _none: self._info(_("Saved to {path}.").format(path=path)),
                              self._error)


def may_see_tips(desk: Desk) -> bool:
    return desk.can(Perm.TIP_VIEW)


PAGE = PageSpec(
    key="tips",
    slot=1,
    title=N_("Tips"),
    factory=TipsPage,
    visible=may_see_tips,
    description=N_("Tips received, their deadlines and the register book"),
)
