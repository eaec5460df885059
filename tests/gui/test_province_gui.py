"""Provincial office GUI: the commune column and filter of the tips and persons lists (and their absence
at a commune), the per-commune status table, and province notes on a tip. Screenshots at 1366x768 in
Vietnamese go to /work/shots when it exists."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from tests.gui.driver import pick
from tests.gui.tips_helpers import vietnamese  # noqa: F401 (fixture)
from tests.unit.exchange_db_support import Pair, Records, province_officer
from tipdesk import i18n, paths
from tipdesk.db.models.exchange import Peer, PeerKey
from tipdesk.db.models.persons import Person
from tipdesk.db.models.tips import Tip
from tipdesk.domain.roles import Role
from tipdesk.domain.tips import Channel, SourceType
from tipdesk.exchange import keys as xkeys
from tipdesk.gui.main_window import MainWindow
from tipdesk.gui.pages.exchange_communes import LATE_BACKGROUND, PEER_COLUMNS
from tipdesk.gui.pages.exchange_province import ProvinceExchangePage
from tipdesk.gui.pages.persons import PersonsPage
from tipdesk.gui.pages.province_notes import AnnotationDialog
from tipdesk.gui.pages.tips import TipsPage
from tipdesk.gui.tasks import FakeTaskManager
from tipdesk.services.auth import open_desk
from tipdesk.services.context import Desk
from tipdesk.services.exchange import Exchange
from tipdesk.services.tips import TipService
from tipdesk.services.tips_types import TipInput

SCREEN = (1366, 768)
THUONG_LAM, HA_GIANG_2, NGOC_DUONG, PHU_LINH = "02269", "00691", "00700", "00706"
SUMMARIES = (
    "Nghi vấn môi giới đưa lao động sang Campuchia làm việc nhẹ lương cao",
    "Gia đình báo con gái 16 tuổi mất liên lạc sau khi đi làm ở Trung Quốc",
    "Đối tượng lạ dụ dỗ phụ nữ sang biên giới kết hôn",
    "Tin báo qua đường dây nóng 111 về nhóm tuyển người đi Myanmar",
)
POLICE_PASSWORD = "police password 2026 green"


def shoot(widget: QWidget, name: str) -> Path:
    widget.resize(*SCREEN)
    QApplication.processEvents()
    folder = Path("/work/shots")
    folder = folder if folder.is_dir() else Path(paths.data_dir())
    path = folder / name
    assert widget.grab().save(str(path))
    return path


@pytest.fixture(scope="session")
def template_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("province-gui-template")


@pytest.fixture
def pair(tmp_path: Path, template_root: Path, vietnamese: None) -> Iterator[Pair]:  # noqa: F811
    p = Pair.make(tmp_path, template_root)
    yield p
    p.close()


@pytest.fixture
def officer(pair: Pair) -> Iterator[Desk]:
    desk = province_officer(pair)
    yield desk
    desk.close()


def _seed_records(desk: Desk) -> dict[str, list[str]]:
    """Tips and persons of four communes as if imported (direct rows: only the lists are under test)."""
    now, made = desk.now(), {}
    with desk.write() as s:
        for k, unit in enumerate((THUONG_LAM, HA_GIANG_2, NGOC_DUONG, PHU_LINH)):
            ids = []
            for n in range(1, 4 + k % 2):
                tip_id = str(uuid.uuid4())
                summary = SUMMARIES[(n + k) % len(SUMMARIES)]
                s.add(Tip(id=tip_id, unit_code=unit, register_year=2026, register_no=n, source_type="to_giac",
                          channel="phone", received_at=now - dt.timedelta(hours=7 * n + k), summary=summary,
                          officer_name="Hoàng Văn Dũng", reporter_name="Nguyễn Thị Hoa", status="received",
                          urgent=(n == 1 and k == 1), search_text=" " + summary.lower(),
                          origin_install_id=f"install-{unit}", created_at=now, updated_at=now))
                ids.append(tip_id)
                s.add(Person(id=str(uuid.uuid4()), pseudonym=f"NN-{unit}-26-{n:04d}", unit_code=unit,
                             received_on=dt.date(2026, 3, n), full_name=f"Lò Thị Mai {k}{n}", sex="female",
                             birth_year=2004, status="being_identified", origin_install_id=f"install-{unit}",
                             created_at=now, updated_at=now))
            made[unit] = ids
    return made


def _seed_peers(desk: Desk) -> None:
    now = desk.now()
    rows = [("hg2", HA_GIANG_2, 9, 6, []), ("nd", NGOC_DUONG, 4, 41, [2, 3]), ("pl", PHU_LINH, 0, None, [])]
    with desk.write() as s:
        for install, commune, seq, days, missing in rows:
            s.add(Peer(install_id=install, commune=commune, enrolled_at=now - dt.timedelta(days=90),
                       last_epoch=1 if seq else 0, last_seq=seq, contiguous_seq=seq - len(missing) - 1 if missing
                       else seq, missing=json.dumps(missing),
                       last_batch_at=None if days is None else now - dt.timedelta(days=days, hours=2),
                       last_status="accepted" if seq else ""))
            public = xkeys.public_bytes(xkeys.generate_signing_key())
            s.flush()
            s.add(PeerKey(key_id=xkeys.key_id(public), install_id=install, public_key=xkeys.b64encode(public),
                          source="enrolment", added_at=now - dt.timedelta(days=90)))


def _police(pair: Pair) -> Desk:
    """A commune police officer on the commune database (may record and view tips)."""
    pair.commune.users.add("canbo", Role.COMMUNE_POLICE, POLICE_PASSWORD, "Trần Văn Bình")
    return open_desk("canbo", POLICE_PASSWORD, data_dir=pair.root / "commune", clock=pair.clock)


def _window(desk: Desk, tasks: FakeTaskManager, qtbot: Any, page: str) -> MainWindow:
    win = MainWindow(desk, tasks, idle_minutes=30)
    qtbot.addWidget(win)
    win.resize(*SCREEN)
    win.show()
    qtbot.waitExposed(win)
    assert win.show_page(page)
    QApplication.processEvents()
    return win


def _titles(model: Any) -> list[str]:
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


# ---------------------------------------------------------------- lists


def test_province_tips_list_shows_and_filters_by_commune(pair: Pair, officer: Desk, tasks: FakeTaskManager,
                                                         qtbot: Any) -> None:
    made = _seed_records(officer)
    win = _window(officer, tasks, qtbot, "tips")
    page = win.page("tips")
    assert isinstance(page, TipsPage)
    view = page.list
    assert view.commune.isVisible()
    assert _titles(view.model)[1] == i18n._("Commune")
    assert view.model.rowCount() == sum(len(ids) for ids in made.values())
    names = {view.model.data(view.model.index(r, 1)) for r in range(view.model.rowCount())}
    assert names == {"Xã Thượng Lâm", "Phường Hà Giang 2", "Xã Ngọc Đường", "Xã Phú Linh"}
    qtbot.waitUntil(lambda: view.commune.count() > 1)  # the filters load once the first rows are painted
    offered = {view.commune.itemData(i) for i in range(view.commune.count())}
    assert offered == {"", THUONG_LAM, HA_GIANG_2, NGOC_DUONG, PHU_LINH}

    view.commune.edit().clear()
    pick(qtbot, view.commune, "ha giang")  # accents optional; Enter takes the single match
    assert [view.commune.itemData(r) for r in view.commune.matches()] == [HA_GIANG_2]
    assert view.filters()["unit_code"] == HA_GIANG_2
    assert sorted(view.model.row(r).id for r in range(view.model.rowCount())) == sorted(made[HA_GIANG_2])
    assert str(len(made[HA_GIANG_2])) in view.count_label.text()
    view.clear_filters()
    assert "unit_code" not in view.filters()
    assert view.model.rowCount() == sum(len(ids) for ids in made.values())
    shoot(win, "province_tips.png")


def test_province_persons_list_shows_and_filters_by_commune(pair: Pair, officer: Desk, tasks: FakeTaskManager,
                                                            qtbot: Any) -> None:
    _seed_records(officer)
    win = _window(officer, tasks, qtbot, "persons")
    page = win.page("persons")
    assert isinstance(page, PersonsPage)
    view = page.list
    column = _titles(view.model).index(i18n._("Commune"))
    qtbot.waitUntil(lambda: view.commune.count() > 1)  # the filters load once the first rows are painted
    view.commune.select_commune(NGOC_DUONG)
    rows = [view.model.row(r) for r in range(view.model.rowCount())]
    assert rows and {r.unit_code for r in rows} == {NGOC_DUONG}
    assert view.model.data(view.model.index(0, column)) == "Xã Ngọc Đường"
    shoot(win, "province_persons.png")


def test_a_commune_list_has_no_commune_column_or_filter(pair: Pair, tasks: FakeTaskManager, qtbot: Any) -> None:
    police = _police(pair)
    try:
        TipService(police).create(TipInput(SourceType.TO_GIAC, Channel.PHONE, police.now(), SUMMARIES[0]))
        win = _window(police, tasks, qtbot, "tips")
        page = win.page("tips")
        assert isinstance(page, TipsPage)
        assert i18n._("Commune") not in _titles(page.list.model)
        assert not page.list.commune.isVisible() and "unit_code" not in page.list.filters()
        assert page.list.model.rowCount() == 1
        persons = win.page("persons")
        assert isinstance(persons, PersonsPage)
        assert i18n._("Commune") not in _titles(persons.list.model)
        assert not persons.list.commune.isVisibleTo(persons.list)
    finally:
        police.close()


# ---------------------------------------------------------------- commune status


def test_commune_status_table_late_first_highlighted_with_summary_and_filter(pair: Pair, tasks: FakeTaskManager,
                                                                             qtbot: Any) -> None:
    rec = Records(pair.commune)
    rec.tip()
    pair.px.imports.import_paths([pair.export_one(pair.root / "b1")])
    _seed_peers(pair.province)
    win = _window(pair.province, tasks, qtbot, "exchange")
    page = win.page("exchange")
    assert isinstance(page, ProvinceExchangePage)
    page.setCurrentWidget(page.communes)
    QApplication.processEvents()
    tab = page.communes
    table = tab.table
    assert table.rowCount() == 4
    first = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert first[0].startswith("Xã Phú Linh") and first[1].startswith("Xã Ngọc Đường")  # never sent, then 41 days
    assert table.item(0, 3).text() == i18n._("never sent") and table.item(1, 3).text() == "41"
    assert table.item(1, 4).text() == "2, 3"
    assert table.item(1, 0).background().color() == LATE_BACKGROUND
    assert table.item(2, 0).background().color() != LATE_BACKGROUND
    ours = first.index("Xã Thượng Lâm")
    assert table.item(ours, PEER_COLUMNS.index("Receipts not confirmed")).text() == "1"
    assert table.item(ours, 1).text() == "1-1" and table.item(ours, 3).text() == "0"
    summary = tab.summary.text()
    assert summary.startswith("4 xã") and "2 đúng hạn" in summary and "2 chậm" in summary and "1 thiếu" in summary
    assert tab.late_days.value() == 35 and tab.late_days.isEnabled()
    shoot(win, "province_communes.png")

    tab.attention_only.setChecked(True)
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == first[:2]
    tab.attention_only.setChecked(False)
    tab.late_days.setValue(5)
    tab.late_days.editingFinished.emit()
    QApplication.processEvents()
    assert pair.px.status.late_days() == 5
    assert "3 chậm" in tab.summary.text()  # Hà Giang 2 (6 days) is now late too


# ---------------------------------------------------------------- province notes


def test_province_notes_on_a_tip_add_dialog(pair: Pair, officer: Desk, tasks: FakeTaskManager, qtbot: Any) -> None:
    police = _police(pair)
    try:
        tip = TipService(police).create(TipInput(SourceType.TIN_BAO, Channel.HOTLINE_111, police.now(), SUMMARIES[3])).id
    finally:
        police.close()
    Exchange(officer).imports.import_paths([pair.export_one(pair.root / "b1")])
    win = _window(officer, tasks, qtbot, "tips")
    page = win.page("tips")
    assert isinstance(page, TipsPage)
    page.open_tip(tip)
    QApplication.processEvents()
    notes = page.detail.notes
    assert notes is not None and notes.record_id == tip
    assert page.detail.title.text().endswith("· Xã Thượng Lâm")  # whose register number it is
    page.detail.tabs.setCurrentWidget(notes)
    assert notes.table.rowCount() == 0 and notes.add_button.isVisible()
    notes.add_note()
    dialog = notes.dialog
    assert isinstance(dialog, AnnotationDialog)
    dialog.save()
    assert "ghi chú" in dialog.message.text().lower() and dialog.isVisible()  # nothing written yet
    dialog.kind.setCurrentIndex(dialog.kind.findData("follow_up"))
    dialog.text.setPlainText("Yêu cầu xã bổ sung biên bản xác minh")
    dialog.due.setText("20/03/2026")
    dialog.grab().save(str(shoot(win, "province_tip_notes.png").with_name("province_note_dialog.png")))
    dialog.save()
    QApplication.processEvents()
    assert not dialog.isVisible()
    assert notes.table.rowCount() == 1
    assert notes.table.item(0, 2).text() == "Yêu cầu xã bổ sung biên bản xác minh"
    assert notes.table.item(0, 3).text() == "20/03/2026"
    stored = Exchange(officer).status.annotations("tip", tip)
    assert [(a.kind, a.due_on) for a in stored] == [("follow_up", dt.date(2026, 3, 20))]
    shoot(win, "province_tip_notes.png")


def test_a_commune_tip_has_no_province_notes(pair: Pair, tasks: FakeTaskManager, qtbot: Any) -> None:
    police = _police(pair)
    try:
        win = _window(police, tasks, qtbot, "tips")
        page = win.page("tips")
        assert isinstance(page, TipsPage)
        assert page.detail.notes is None
        assert page.detail.tabs.count() == 4 + len(page.detail.extensions)
    finally:
        police.close()
