"""The Persons page (Ctrl+2): victims and persons being identified, the list and one person's file.

Also plugs the "Persons" tab into every tip's detail view (``register_tip_extension``), so the
links show from both sides. The PDF chooser is a module function (``choose_save_path``) so tests
can replace it; everything that touches the database goes through ``ctx.tasks``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QStackedWidget, QWidget

from tipdesk.domain.roles import Perm
from tipdesk.events import Changes
from tipdesk.gui import common
from tipdesk.gui.common import PDF_FILTER, choose_open_path, choose_save_path
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext, PageSpec
from tipdesk.gui.pages.person_detail import PersonDetailView
from tipdesk.gui.pages.person_form import PersonFormDialog
from tipdesk.gui.pages.person_xdupes import CrossDuplicatesView, install_button, may_review_duplicates
from tipdesk.gui.pages.persons_list import PersonsListView
from tipdesk.gui.widgets.linked_persons import LinkedPersonsWidget
from tipdesk.i18n import N_, _
from tipdesk.services.context import Desk
from tipdesk.services.persons import PersonService
from tipdesk.services.persons_store import check_photo_size
from tipdesk.services.persons_types import PersonView, SaveResult

PHOTO_FILTER = N_("Photos (*.jpg *.jpeg *.png)")


class PersonsPage(Retranslatable, QStackedWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.list = PersonsListView(ctx, self)
        self.detail = PersonDetailView(ctx, self)
        self.addWidget(self.list)
        self.addWidget(self.detail)
        self.list.open_requested.connect(self.open_person)
        self.list.new_requested.connect(self.new_person)
        self.detail.back_requested.connect(self.show_list)
        self.detail.edit_requested.connect(self.edit_person)
        self.detail.print_requested.connect(self.print_history)
        self.detail.photo_requested.connect(self.choose_photo)
        ctx.bridge.changed.connect(self._on_changes)
        self.xdupes: CrossDuplicatesView | None = None
        if may_review_duplicates(ctx.desk):  # province: persons two communes may both have recorded
            self.xdupes = CrossDuplicatesView(ctx, self)
            self.addWidget(self.xdupes)
            self.xdupes.back_requested.connect(self.show_list)
            self.xdupes.open_requested.connect(self.open_person)
            self.xdupes_button = install_button(self.list, self.list.open_button, self.show_duplicates)

    def show_duplicates(self) -> None:
        if self.xdupes is not None:
            self.setCurrentWidget(self.xdupes)
            self.xdupes.page_shown()
            self.xdupes.table.setFocus()

    def retranslate(self) -> None:
        """The child views retranslate themselves."""

    def page_shown(self) -> None:
        self.list.page_shown()

    # -- navigation ------------------------------------------------------------------------------------------
    def open_person(self, person_id: str) -> None:
        self.list.page_shown()
        self.detail.load(person_id)
        self.setCurrentWidget(self.detail)
        self.detail.tabs.setFocus()

    def show_list(self) -> None:
        if self.detail.person is not None:
            self.list.select_person(self.detail.person.id)
        self.setCurrentWidget(self.list)
        self.list.table.setFocus()

    def _on_changes(self, changes: Changes) -> None:
        person = self.detail.person
        if person is not None and self.currentWidget() is self.detail and changes.touches("tip_person"):
            self.detail.tips.show_person(person)

    # -- dialogs -----------------------------------------------------------------------------------------------
    def new_person(self) -> None:
        dialog = PersonFormDialog(self.ctx, None, self)
        dialog.saved.connect(self._saved)
        dialog.open()

    def edit_person(self, person: PersonView) -> None:
        dialog = PersonFormDialog(self.ctx, person, self)
        dialog.saved.connect(self._saved)
        dialog.open()

    def _saved(self, result: SaveResult) -> None:
        self.open_person(result.person.id)
        if result.warnings:
            common.show_message(self, _("Saved, with warnings to check:") + "\n" + "\n".join(result.warnings))

    def print_history(self, person: PersonView) -> None:
        from tipdesk.services.persons_print import PrintResult, print_support_history  # reportlab: when used

        path = choose_save_path(self, _("Save the support history"), f"ho-tro-{person.pseudonym}.pdf", _(PDF_FILTER))
        if not path:
            return
        desk = self.ctx.desk

        def done(result: PrintResult) -> None:
            common.show_message(self, _("Written {path} ({pages} pages, no. {number}).").format(
                path=path, pages=result.pages, number=result.number))

        self.ctx.tasks.run_db(lambda: print_support_history(desk, person.id, path), done, self._error)

    def _error(self, exc: BaseException) -> None:
        common.show_error(self, exc)


    def choose_photo(self, person: PersonView) -> None:
        path = choose_open_path(self, _("Choose the photo (JPEG or PNG, at most 2 MB)"), _(PHOTO_FILTER))
        if not path:
            return
        service = PersonService(self.ctx.desk)
        file = Path(path)

        def work() -> None:
            check_photo_size(file.stat().st_size)  # refuse before reading a large file
            service.set_photo(person.id, file.read_bytes())

        self.ctx.tasks.run_db(work, lambda _r: self.detail.reload(), self._error)


def may_see_persons(desk: Desk) -> bool:
    return desk.can(Perm.PERSON_VIEW)


def _register_tip_tab() -> None:
    """The persons named in a tip, as a tab of the tip detail view (if the tips page is installed)."""
    try:
        from tipdesk.gui.pages.tip_detail import register_tip_extension
    except ImportError:
        return
    register_tip_extension("persons", N_("Related persons"), LinkedPersonsWidget)


_register_tip_tab()

PAGE = PageSpec(
    key="persons",
    slot=2,
    title=N_("Victims"),
    factory=PersonsPage,
    visible=may_see_persons,
    description=N_("Victims and persons being identified: records, support and follow-up"),
)
