"""Search as you type: debounced queries on the worker, ranked highlighted results, Enter opens; screenshot."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from tests.gui.tips_helpers import vietnamese  # noqa: F401  (the fixture is used by name)
from tests.unit.persons_helpers import desk_for, draft, persons
from tipdesk.gui.main_window import MainWindow
from tipdesk.gui.search import SearchDialog, marked_html
from tipdesk.services import demo_persons, demo_tips
from tipdesk.services import search as search_service

SCREENS = Path("/work/screens")


@pytest.fixture
def sw(admin_desk: Any, installed: Any, clock: Any) -> Any:
    desk = desk_for(admin_desk, installed, clock, "social_worker", "xahoi", "Lý Thị Hằng")
    yield desk
    desk.close()


@pytest.fixture
def duc(sw: Any) -> str:
    return str(persons(sw).create(draft(full_name="Nguyễn Văn Đức", other_names="", sex="male",
                                        id_number="008090012345")).person.id)


def _dialog(qtbot: Any, desk: Any, tasks: Any) -> SearchDialog:
    dialog = SearchDialog(desk, tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _labels(dialog: SearchDialog) -> list[str]:
    out = []
    for row in range(dialog.results.count()):
        label = dialog.results.itemWidget(dialog.results.item(row))
        assert isinstance(label, QLabel)
        out.append(label.text())
    return out


def test_marked_html_escapes_and_bolds() -> None:
    assert marked_html("<Đức> & co", [(1, 4)]) == "&lt;<b>Đức</b>&gt; &amp; co"


def test_typing_searches_once_after_a_pause_and_highlights(qtbot: Any, tasks: Any, sw: Any, duc: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = search_service.search

    def counting(desk: Any, query: str, limit: int = 20, kinds: Any = search_service.KINDS) -> Any:
        calls.append(query)
        return real(desk, query, limit, kinds)

    monkeypatch.setattr(search_service, "search", counting)
    dialog = _dialog(qtbot, sw, tasks)
    with qtbot.waitSignal(dialog.results_shown, timeout=3000) as shown:
        qtbot.keyClicks(dialog.box, "nguyen duc")
    assert calls == ["nguyen duc"]  # debounced: one query for ten key presses
    assert shown.args[0] >= 1 and dialog.hits[0].id == duc
    assert "<b>Nguyễn</b>" in _labels(dialog)[0] and "<b>Đức</b>" in _labels(dialog)[0]
    assert dialog.status.text()


def test_enter_opens_the_chosen_record(qtbot: Any, tasks: Any, sw: Any, duc: str) -> None:
    other = persons(sw).create(draft(full_name="Nguyễn Văn Đạt", other_names="", sex="male",
                                     id_number="")).person.id
    dialog = _dialog(qtbot, sw, tasks)
    qtbot.keyClicks(dialog.box, "nguyen van")
    dialog.run_query()
    assert {h.id for h in dialog.hits} == {duc, other}
    qtbot.keyClick(dialog.box, Qt.Key.Key_Down)
    assert dialog.results.currentRow() == 1
    chosen = dialog.hits[1]
    with qtbot.waitSignal(dialog.record_chosen, timeout=1000) as opened:
        qtbot.keyClick(dialog.box, Qt.Key.Key_Return)
    assert opened.args == ["person", chosen.id]
    assert not dialog.isVisible()


def test_enter_before_the_pause_opens_the_best_hit(qtbot: Any, tasks: Any, sw: Any, duc: str) -> None:
    dialog = _dialog(qtbot, sw, tasks)
    qtbot.keyClicks(dialog.box, "Nguyeenx vawn dduwcs")  # Telex leftovers
    with qtbot.waitSignal(dialog.record_chosen, timeout=1000) as opened:
        qtbot.keyClick(dialog.box, Qt.Key.Key_Return)
    assert opened.args == ["person", duc]


def test_stale_answers_are_dropped_and_nothing_found_is_said(qtbot: Any, worker: Any, sw: Any, duc: str) -> None:
    dialog = _dialog(qtbot, sw, worker)  # the real DB worker thread
    dialog.box.setText("zzzzqqq")
    with qtbot.waitSignal(dialog.results_shown, timeout=5000):
        dialog.run_query()
    assert dialog.hits == [] and dialog.results.count() == 0
    number = dialog._sent
    dialog.box.setText("duc")
    with qtbot.waitSignal(dialog.results_shown, timeout=5000):
        dialog.run_query()
    hits = list(dialog.hits)
    dialog._show(number, [])  # an answer to the older query arrives late
    assert dialog.hits == hits and hits and hits[0].id == duc


def _with_dialog(window: QWidget, dialog: QWidget) -> QPixmap:
    base = window.grab()
    painter = QPainter(base)
    shot = dialog.grab()
    painter.drawPixmap(QPoint((base.width() - shot.width()) // 2, 70), shot)
    painter.end()
    return base


@pytest.mark.usefixtures("vietnamese")
def test_screenshot(qtbot: Any, tasks: Any, admin_desk: Any, sw: Any) -> None:
    demo_tips.generate(admin_desk, random.Random(3), 300, lambda *_a: None)
    demo_persons.generate(admin_desk, random.Random(5), 300, lambda *_a: None)
    persons(sw).create(draft(full_name="Nguyễn Thị Hương", other_names="Hương Nguyễn", sex="female",
                             id_number="001306012345", birth_year=2006))
    window = MainWindow(sw, tasks)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    dialog = SearchDialog(sw, tasks, window)
    dialog.show()
    with qtbot.waitSignal(dialog.results_shown, timeout=5000):
        qtbot.keyClicks(dialog.box, "nguyen thi huong")
    QApplication.processEvents()
    assert dialog.hits and "<b>" in _labels(dialog)[0]
    if SCREENS.is_dir():
        _with_dialog(window, dialog).save(str(SCREENS / "search.png"))


def test_main_window_hook_opens_the_chosen_person(qtbot: Any, tasks: Any, sw: Any, duc: str) -> None:
    from PySide6.QtGui import QAction

    from tipdesk.gui.pages.persons import PersonsPage
    from tipdesk.gui.search import show_search

    window = MainWindow(sw, tasks)
    qtbot.addWidget(window)
    (action,) = [a for a in window.findChildren(QAction) if a.shortcut().toString() == "Ctrl+F"]  # installed once
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    assert action.shortcut().toString() == "Ctrl+F"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    if window.show_page("reports"):  # a page without a Ctrl+F of its own: the key opens the search
        qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert window.findChild(SearchDialog) is not None
    dialog = show_search(window)
    assert show_search(window) is dialog  # one dialog per window
    qtbot.keyClicks(dialog.box, "duc nguyen")
    dialog.run_query()
    qtbot.keyClick(dialog.box, Qt.Key.Key_Return)
    page = window.page("persons")
    assert window.current_key() == "persons" and isinstance(page, PersonsPage)
    assert page.currentWidget() is page.detail and page.detail.person is not None and page.detail.person.id == duc
