"""The province's "possible duplicates across communes" screen: pairs, side-by-side review, decisions, masking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from tests.gui.tips_helpers import vietnamese  # noqa: F401  (the fixture is used by name)
from tests.unit.xdupes_support import Province, person
from tipdesk.gui.main_window import MainWindow
from tipdesk.gui.pages.person_xdupes import DIFFERS, CrossDuplicatesView
from tipdesk.gui.pages.persons import PersonsPage
from tipdesk.gui.tasks import FakeTaskManager
from tipdesk.services.persons_xdupes import CrossDuplicates

SHOTS = Path("/work/shots")
SCREEN = (1366, 768)


@pytest.fixture(scope="session")
def template_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("xdupes-gui-template")


@pytest.fixture
def three(tmp_path: Path, template_root: Path, vietnamese: None) -> Iterator[Province]:  # noqa: F811
    p = Province.make(tmp_path, template_root)
    _seed(p)
    yield p
    p.close()


def _seed(p: Province) -> None:
    born = dt.date(2004, 5, 17)
    person(p.a, "Nguyễn Thị Đào", birth_date=born, id_number="008304012345", phone="0912 345 678",
           address_detail="Thôn Nà Khà", from_country="CN", support_vnd=1_500_000)
    person(p.b, "Nguyen Thi Dao", birth_date=born, received_on=dt.date(2026, 3, 4), from_country="CN")
    person(p.a, "Lò Văn Sơn", sex="male", birth_year=1999, id_number="008099001122")
    person(p.b, "Lò Văn Sơn Tùng", sex="male", birth_year=1999, id_number="008099001122",
           received_on=dt.date(2026, 3, 2))
    person(p.a, "Hà Thị Én", birth_date=dt.date(2000, 1, 1))
    person(p.b, "Ha Thi En", birth_date=dt.date(2000, 7, 9), received_on=dt.date(2026, 3, 5))
    person(p.a, "Đặng Văn Đức", sex="male", birth_year=1995)
    person(p.b, "Dang Van Duc", sex="male", birth_year=1995, received_on=dt.date(2026, 3, 6))
    person(p.a, "Sùng Thị Mỷ", birth_year=2006)  # alone: no pair
    p.sync()


def _window(desk: Any, tasks: FakeTaskManager, qtbot: Any) -> MainWindow:
    win = MainWindow(desk, tasks, idle_minutes=30)
    qtbot.addWidget(win)
    win.resize(*SCREEN)
    win.show()
    qtbot.waitExposed(win)
    assert win.show_page("persons")
    return win


def _open_screen(win: MainWindow, qtbot: Any) -> CrossDuplicatesView:
    page = win.page("persons")
    assert isinstance(page, PersonsPage) and page.xdupes is not None
    button = page.xdupes_button
    assert button.isVisible() and "trùng giữa các xã" in button.text()
    QApplication.processEvents()
    SHOTS.mkdir(parents=True, exist_ok=True)
    win.grab().save(str(SHOTS / "xdupes_list_button.png"))  # the persons list with its way in
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert page.currentWidget() is page.xdupes
    return page.xdupes


def _cells(view: CrossDuplicatesView, column: int) -> list[str]:
    return [view.table.item(r, column).text() for r in range(view.table.rowCount())]


def test_officer_reviews_and_links_a_pair(three: Province, tasks: FakeTaskManager, qtbot: Any) -> None:
    desk = three.user("province_officer", "canbo.tinh")
    try:
        win = _window(desk, tasks, qtbot)
        view = _open_screen(win, qtbot)
        assert _cells(view, 0) == ["100", "90", "70", "50"]
        assert view.count_label.text() == "Đang hiện 4 trên 4 cặp"
        assert "Nguyễn Thị Đào" in " ".join(_cells(view, 1) + _cells(view, 3))
        assert set(_cells(view, 2)) == {"Xã Thượng Lâm"} and set(_cells(view, 4)) == {"Xã Ngọc Đường"}
        row = next(r for r in range(4) if "Nguyễn Thị Đào" in view.table.item(r, 1).text())
        view.table.selectRow(row)
        panel = view.panel
        assert panel.review is not None and panel.review.pair.a.display_name == "Nguyễn Thị Đào"
        labels = [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())]
        phone = labels.index("Điện thoại")
        assert panel.table.item(phone, 1).text() == "0912 345 678" and panel.table.item(phone, 2).text() == ""
        assert panel.table.item(phone, 1).background().color() == DIFFERS
        birth = labels.index("Ngày sinh")
        assert panel.table.item(birth, 1).background().color() != QColor(DIFFERS)
        assert panel.same_button.isEnabled() and not panel.undo_button.isEnabled()
        QApplication.processEvents()  # pending layout requests, as the event loop would
        path = SHOTS / "xdupes.png"
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert win.grab().save(str(path))

        panel.note.setText("Cùng một người, đã đối chiếu ảnh")
        qtbot.mouseClick(panel.same_button, Qt.MouseButton.LeftButton)
        assert "là cùng một người" in panel.message.text()
        assert _cells(view, 0) == ["100", "70", "50"]  # the linked pair left the list
        assert CrossDuplicates(desk).clusters() and len(CrossDuplicates(desk).clusters()[0]) == 2

        view.decided.setChecked(True)  # show decided pairs too: the linked one is back, marked
        linked = next(r for r in range(view.table.rowCount()) if view.table.item(r, 6).text())
        assert view.table.item(linked, 6).text() == "Cùng một người"
        view.table.selectRow(linked)
        assert panel.undo_button.isEnabled() and not panel.same_button.isEnabled()
        assert "canbo.tinh" in panel.state.text()
        qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
        assert "hoàn tác" in panel.message.text()
        assert CrossDuplicates(desk).clusters() == []
        assert not view.table.item(linked, 6).text()

        qtbot.mouseClick(view.back_button, Qt.MouseButton.LeftButton)
        assert win.page("persons").currentWidget() is win.page("persons").list
        win.close()
    finally:
        desk.close()


def test_analyst_sees_pseudonyms_and_cannot_decide(three: Province, tasks: FakeTaskManager, qtbot: Any) -> None:
    desk = three.user("province_analyst", "phantich", "Vũ Thị Lan")
    try:
        win = _window(desk, tasks, qtbot)
        view = _open_screen(win, qtbot)
        shown = " ".join(_cells(view, 1) + _cells(view, 3))
        assert "Đào" not in shown and "P-02269-26-" in shown
        view.table.selectRow(0)
        panel = view.panel
        assert not panel.same_button.isEnabled() and not panel.different_button.isEnabled()
        assert "không được xem" in panel.state.text()
        texts = " ".join(panel.table.item(r, c).text() for r in range(panel.table.rowCount()) for c in range(3))
        assert "0912" not in texts and "Số định danh" not in texts
        win.close()
    finally:
        desk.close()


def test_commune_has_no_duplicates_screen(three: Province, tasks: FakeTaskManager, qtbot: Any) -> None:
    three.a.users.add("xahoi", "social_worker", "staple gun 2026 blue", "Lý Thị Hằng")
    from tipdesk.services.auth import open_desk

    desk = open_desk("xahoi", "staple gun 2026 blue", data_dir=three.root / "a", clock=three.clock)
    try:
        win = _window(desk, tasks, qtbot)
        page = win.page("persons")
        assert isinstance(page, PersonsPage) and page.xdupes is None
        win.close()
    finally:
        desk.close()
