"""The persons views driven by keyboard and mouse: form, duplicates, ledger, masking, tip links, screenshots."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from tests.gui.tips_helpers import page_context, vietnamese  # noqa: F401  (the fixture is used by name)
from tests.unit.persons_helpers import desk_for, draft, make_tip
from tipdesk.gui.main_window import MainWindow
from tipdesk.gui.pages.person_dupes import DuplicatesDialog
from tipdesk.gui.pages.person_form import PersonFormDialog
from tipdesk.gui.pages.person_ledger import SupportEntryDialog, SupportLedgerWidget
from tipdesk.gui.pages.persons import PersonsPage
from tipdesk.gui.widgets.linked_persons import LinkedPersonsWidget
from tipdesk.services import demo_persons
from tipdesk.services.paging import PageRequest
from tipdesk.services.persons import PersonService
from tipdesk.services.persons_links import LinkService
from tipdesk.services.persons_support import SupportService
from tipdesk.services.persons_types import MatchDecision

SCREENS = Path("/work/screens")


@pytest.fixture
def sw(admin_desk: Any, installed: Any, clock: Any) -> Any:
    desk = desk_for(admin_desk, installed, clock, "social_worker", "xahoi", "Lý Thị Hằng")
    yield desk
    desk.close()


@pytest.fixture
def police(admin_desk: Any, installed: Any, clock: Any) -> Any:
    desk = desk_for(admin_desk, installed, clock, "commune_police", "canbo", "Trần Văn Bình")
    yield desk
    desk.close()


def _save_screen(pixmap: QPixmap, name: str) -> None:
    if SCREENS.is_dir():
        pixmap.save(str(SCREENS / name))


def _with_dialog(window: QWidget, dialog: QWidget) -> QPixmap:
    """What the user sees: the window with the dialog centred on it."""
    base = window.grab()
    painter = QPainter(base)
    shot = dialog.grab()
    painter.drawPixmap(QPoint((base.width() - shot.width()) // 2, (base.height() - shot.height()) // 2), shot)
    painter.end()
    return base


def _type(qtbot: Any, edit: Any, text: str) -> None:
    """Key clicks for plain text; Vietnamese letters arrive as an input method commits them (QTest aborts on them)."""
    if text.isascii():
        qtbot.keyClicks(edit, text)
    else:
        edit.setFocus()
        edit.insert(text)


def _fill_form(qtbot: Any, dialog: PersonFormDialog, name: str, birth: str, id_number: str) -> None:
    _type(qtbot, dialog.full_name, name)
    dialog.sex.setCurrentIndex(dialog.sex.findData("female"))
    _type(qtbot, dialog.birth, birth)
    dialog.ethnic.select_code("08")
    _type(qtbot, dialog.id_number, id_number)
    _type(qtbot, dialog.phone, "0912 345 678")
    _type(qtbot, dialog.address_detail, "Thôn Nà Khà")


def test_form_saves_by_keyboard_and_offers_duplicates(qtbot: Any, tasks: Any, sw: Any) -> None:
    ctx = page_context(sw, tasks)
    dialog = PersonFormDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=3000)  # shortcuts need it
    _fill_form(qtbot, dialog, "Sùng Thị Mỷ", "2006", "008306012345")
    assert "khớp" in dialog.id_hint.text() or "agrees" in dialog.id_hint.text()
    with qtbot.waitSignal(dialog.saved) as saved:
        qtbot.keyClick(dialog.address_detail, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    first = saved.args[0].person
    assert first.full_name == "Sùng Thị Mỷ" and first.address_unit_code == "02269"  # the commune by default
    again = PersonFormDialog(ctx)
    qtbot.addWidget(again)
    _fill_form(qtbot, again, "SUNG THI MY", "2006", "")
    again.save()
    dupes = again.dupes
    assert isinstance(dupes, DuplicatesDialog) and [c.id for c in dupes.candidates] == [first.id]
    dupes.confirm()  # no decision chosen yet: refused
    assert dupes.isVisible() and dupes.message.text()
    dupes.choices[0].setCurrentIndex(dupes.choices[0].findData(MatchDecision.DIFFERENT.value))
    with qtbot.waitSignal(again.saved):
        dupes.confirm()
    assert PersonService(sw).count() == 2
    assert [m.decision for m in PersonService(sw).matches(first.id)] == [MatchDecision.DIFFERENT]


def test_form_refuses_a_bad_id_number_and_saves_nothing(qtbot: Any, tasks: Any, sw: Any) -> None:
    dialog = PersonFormDialog(page_context(sw, tasks))
    qtbot.addWidget(dialog)
    dialog.show()
    _fill_form(qtbot, dialog, "Giàng Thị Sua", "2001", "00830A")
    assert dialog.id_hint.styleSheet() and "12" in dialog.id_hint.text()
    dialog.save()
    assert dialog.message.isVisible() and dialog.isVisible()
    assert dialog.focusWidget() is dialog.id_number
    assert PersonService(sw).count() == 0
    dialog.birth.setText("31/02/2001")  # not a date
    dialog.id_number.setText("")
    dialog.save()
    assert dialog.message.isVisible() and dialog.focusWidget() is dialog.birth
    assert PersonService(sw).count() == 0


def test_ledger_refuses_bad_amounts_and_records_support(qtbot: Any, tasks: Any, sw: Any) -> None:
    person = PersonService(sw).create(draft()).person
    ledger = SupportLedgerWidget(page_context(sw, tasks))
    qtbot.addWidget(ledger)
    ledger.show_person(person)
    assert ledger.table.rowCount() == 0
    dialog = SupportEntryDialog(ledger.ctx, person, ledger)
    qtbot.addWidget(dialog)
    dialog.type.setCurrentIndex(dialog.type.findData("essential_needs"))
    qtbot.keyClicks(dialog.amount, "-500000")
    dialog.save()
    assert dialog.message.text() and SupportService(sw).summary(person.id).entries == ()
    dialog.amount.setText("")
    qtbot.keyClicks(dialog.amount, "1500000")
    dialog.amount.editingFinished.emit()
    assert dialog.amount.text() == "1.500.000"
    _type(qtbot, dialog.provider, "UBND xã Thượng Lâm")
    dialog.saved.connect(lambda _e: ledger.show_person(person))
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    assert ledger.table.rowCount() == 1 and ledger.table.item(0, 3).text().startswith("1.500.000")
    assert "120" in ledger.period_label.text() or ledger.period_bar.isVisible()


def test_police_sees_the_code_not_the_name(qtbot: Any, tasks: Any, sw: Any, police: Any) -> None:
    person = PersonService(sw).create(draft()).person
    page = PersonsPage(page_context(police, tasks))
    qtbot.addWidget(page)
    page.page_shown()
    assert page.list.model.rowCount() == 1
    assert page.list.model.row(0).display_name == person.pseudonym
    assert not page.list.new_button.isVisibleTo(page)
    page.open_person(person.id)
    assert page.detail.person is not None and not page.detail.person.identity_visible
    assert not page.detail.banner.isHidden()
    assert "Sùng" not in page.detail.title.text()
    assert not page.detail.edit_button.isVisibleTo(page) and not page.detail.print_button.isVisibleTo(page)


def test_linked_persons_tab_on_a_tip(qtbot: Any, tasks: Any, sw: Any, police: Any, clock: Any) -> None:
    person = PersonService(sw).create(draft()).person
    tip = make_tip(police, clock)
    widget = LinkedPersonsWidget(page_context(police, tasks))
    qtbot.addWidget(widget)
    widget.show_tip(tip)
    assert widget.table.rowCount() == 0
    widget.link(person.id, "victim")
    assert widget.table.rowCount() == 1
    assert widget.table.item(0, 1).text() == "Sùng Thị Mỷ"  # linked: the police may now see the identity
    assert [t.tip_id for t in LinkService(sw).tips_of_person(person.id)] == [tip]


def _demo_desk(admin_desk: Any, sw: Any, count: int) -> str:
    demo_persons.generate(admin_desk, random.Random(5), count, lambda *_a: None)
    rows = PersonService(sw).list(PageRequest(filters={"status": "identified_victim", "support_type": "any"},
                                              sort="received", descending=True, limit=20)).rows
    return next(r.id for r in rows if r.support_count >= 3)


def _window(desk: Any, tasks: Any, qtbot: Any) -> MainWindow:
    window = MainWindow(desk, tasks)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.show_page("persons")
    return window


@pytest.mark.usefixtures("vietnamese")
def test_screenshots(qtbot: Any, tasks: Any, admin_desk: Any, sw: Any, police: Any) -> None:
    busy = _demo_desk(admin_desk, sw, 400)
    window = _window(sw, tasks, qtbot)
    page = window.page("persons")
    assert isinstance(page, PersonsPage)
    QApplication.processEvents()
    _save_screen(window.grab(), "persons_list.png")
    dialog = PersonFormDialog(page.ctx, None, window)
    _fill_form(qtbot, dialog, "Sùng Thị Mỷ", "2006", "001098012345")  # sex and year disagree: amber warnings
    dialog.show()
    QApplication.processEvents()
    _save_screen(_with_dialog(window, dialog), "persons_form.png")
    dialog.tabs.setCurrentIndex(1)
    QApplication.processEvents()
    _save_screen(_with_dialog(window, dialog), "persons_form_intake.png")
    dialog.reject()
    twin = PersonService(sw).get(busy)
    dialog = PersonFormDialog(page.ctx, None, window)
    _fill_form(qtbot, dialog, twin.full_name.upper(), str(twin.birth_year), "")
    dialog.save()
    assert dialog.dupes.candidates[0].id == busy
    QApplication.processEvents()
    _save_screen(_with_dialog(window, dialog.dupes), "persons_duplicates.png")
    dialog.dupes.reject()
    dialog.reject()
    page.open_person(busy)
    page.detail.show_tab(1)
    QApplication.processEvents()
    _save_screen(window.grab(), "persons_ledger.png")
    page.detail.show_tab(2)
    QApplication.processEvents()
    _save_screen(window.grab(), "persons_deadlines.png")
    assert page.detail.ledger.table.rowCount() >= 3
    masked = _window(police, tasks, qtbot)
    masked_page = masked.page("persons")
    assert isinstance(masked_page, PersonsPage)
    masked_page.open_person(busy)
    QApplication.processEvents()
    _save_screen(masked.grab(), "persons_masked.png")
    assert masked_page.detail.person is not None and not masked_page.detail.person.identity_visible
    masked_page.show_list()
    QApplication.processEvents()
    _save_screen(masked.grab(), "persons_masked_list.png")
    tip = make_tip(police, police.clock)
    LinkService(police).link(tip, busy)
    masked.show_page("tips")
    tips_page = masked.page("tips")
    tips_page.open_tip(tip)  # type: ignore[union-attr]
    tabs = tips_page.detail.tabs  # type: ignore[union-attr]
    index = next(i for i in range(tabs.count()) if isinstance(tabs.widget(i), LinkedPersonsWidget))
    tabs.setCurrentIndex(index)
    QApplication.processEvents()
    _save_screen(masked.grab(), "persons_tip_tab.png")
    assert tabs.widget(index).table.item(0, 1).text() == PersonService(sw).get(busy).full_name
    if SCREENS.is_dir():  # the printed history, in Vietnamese, for pdftoppm
        from tipdesk.services.persons_print import print_support_history

        assert print_support_history(sw, busy, str(SCREENS / "persons_support_history.pdf")).pages >= 1
