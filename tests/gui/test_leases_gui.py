"""Edit forms on a shared database: the "being edited by" banner, and a stale save that offers Reload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.conftest import Installed
from tests.gui.tips_helpers import page_context, vietnamese  # noqa: F401  (the fixture is used by name)
from tests.unit.persons_helpers import desk_for, draft
from tests.unit.tips_support import POLICE_NAME, police_desk, tip_input
from tipdesk.clock import FixedClock
from tipdesk.gui.pages.person_form import PersonFormDialog
from tipdesk.gui.pages.tip_form import TipFormDialog
from tipdesk.gui.tasks import FakeTaskManager
from tipdesk.services.context import Desk
from tipdesk.services.leases import PERSON, TIP, LeaseService
from tipdesk.services.persons import PersonService
from tipdesk.services.tips import TipService

OTHER_NAME = "Nguyễn Văn An"
SHOTS = Path("/work/shots")


@pytest.fixture
def binh(admin_desk: Any, installed: Installed, clock: FixedClock) -> Iterator[Desk]:
    desk = police_desk(admin_desk, installed, clock)
    yield desk
    desk.close()


@pytest.fixture
def an(admin_desk: Any, installed: Installed, clock: FixedClock) -> Iterator[Desk]:
    desk = police_desk(admin_desk, installed, clock, username="canbo2", full_name=OTHER_NAME)
    yield desk
    desk.close()


def _shot(widget: Any, name: str) -> None:
    if SHOTS.is_dir():
        widget.resize(1366, 768)
        widget.grab().save(str(SHOTS / name))


def _tip_form(desk: Desk, tasks: FakeTaskManager, qtbot: Any, tip_id: str) -> TipFormDialog:
    form = TipFormDialog(page_context(desk, tasks), TipService(desk).get(tip_id))
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    return form


def test_tip_form_shows_who_else_is_editing(binh: Desk, an: Desk, tasks: FakeTaskManager, clock: FixedClock,
                                           qtbot: Any, vietnamese: None) -> None:  # noqa: F811
    tip = TipService(binh).create(tip_input(clock))
    LeaseService(an, "PC-02").acquire(TIP, tip.id)
    form = _tip_form(binh, tasks, qtbot, tip.id)
    assert form.guard is not None and form.guard.isVisible()
    text = form.guard.label.text()
    assert OTHER_NAME in text and "PC-02" in text and not form.guard.reload_button.isVisible()
    assert form.summary.isEnabled() and form.save_button.isEnabled()  # still editable: the version check guards
    _shot(form, "leases_banner.png")

    LeaseService(an, "PC-02").release(TIP, tip.id)  # the other user closed the form
    form.guard.renew()
    assert not form.guard.isVisible()
    held = LeaseService(an, "PC-02").holder(TIP, tip.id)
    assert held is not None and held.user_name == POLICE_NAME
    form.reject()
    assert LeaseService(an, "PC-02").holder(TIP, tip.id) is None  # closing gives the lease back


def test_own_lease_shows_no_banner(binh: Desk, tasks: FakeTaskManager, clock: FixedClock, qtbot: Any) -> None:
    tip = TipService(binh).create(tip_input(clock))
    form = _tip_form(binh, tasks, qtbot, tip.id)
    assert form.guard is not None and not form.guard.isVisible()
    assert form.guard.holder is not None and form.guard.holder.mine
    new = TipFormDialog(page_context(binh, tasks))
    qtbot.addWidget(new)
    assert new.guard is None  # a new tip has nothing to lease


def test_stale_tip_save_offers_reload(binh: Desk, an: Desk, tasks: FakeTaskManager, clock: FixedClock,
                                      qtbot: Any, vietnamese: None) -> None:  # noqa: F811
    tip = TipService(binh).create(tip_input(clock))
    form = _tip_form(binh, tasks, qtbot, tip.id)
    clock.advance(minutes=4)
    TipService(an).update(tip.id, tip_input(clock, summary="Anh An đã sửa tóm tắt"), expected_version=tip.version)

    form.summary.setText("Anh Bình sửa cùng lúc")
    form.save()
    assert form.isVisible() and form.guard is not None and form.guard.isVisible()
    assert OTHER_NAME in form.guard.label.text() and form.guard.reload_button.isVisible()
    assert TipService(binh).get(tip.id).summary == "Anh An đã sửa tóm tắt"  # nothing written
    _shot(form, "leases_stale.png")

    qtbot.mouseClick(form.guard.reload_button, Qt.MouseButton.LeftButton)
    current = TipService(binh).get(tip.id)
    assert form.summary.text() == "Anh An đã sửa tóm tắt"
    assert form.tip is not None and form.tip.version == current.version
    assert not form.guard.reload_button.isVisible() and form.message.isVisible()

    saved: list[Any] = []
    form.saved.connect(saved.append)
    form.summary.setText("Anh Bình sửa sau khi tải lại")
    form.save()
    assert not form.isVisible() and saved and saved[0].summary == "Anh Bình sửa sau khi tải lại"


def test_person_form_banner_and_stale_reload(admin_desk: Any, installed: Installed, clock: FixedClock,
                                             tasks: FakeTaskManager, qtbot: Any) -> None:
    hang = desk_for(admin_desk, installed, clock, "social_worker", username="hang", full_name="Lý Thị Hằng")
    lan = desk_for(admin_desk, installed, clock, "social_worker", username="lan", full_name="Hoàng Thị Lan")
    try:
        person = PersonService(hang).create(draft()).person
        LeaseService(lan, "PC-07").acquire(PERSON, person.id)
        form = PersonFormDialog(page_context(hang, tasks), PersonService(hang).get(person.id))
        qtbot.addWidget(form)
        form.show()
        assert form.guard is not None and form.guard.isVisible()
        assert "Hoàng Thị Lan" in form.guard.label.text() and "PC-07" in form.guard.label.text()

        PersonService(lan).update(person.id, draft(phone="0987 654 321"), expected_version=person.version)
        form.phone.setText("0911 111 111")
        form.save()
        assert form.isVisible() and form.guard.reload_button.isVisible()
        assert "Hoàng Thị Lan" in form.guard.label.text() and "PC-07" not in form.guard.label.text()
        assert PersonService(hang).get(person.id).phone == "0987 654 321"
        form.guard.reload_button.click()
        assert form.phone.text() == "0987 654 321" and form.person is not None
        assert form.person.version == PersonService(hang).get(person.id).version
        form.reject()
        assert LeaseService(lan, "PC-07").holder(PERSON, person.id) is not None  # only her own lease is released
    finally:
        hang.close()
        lan.close()
