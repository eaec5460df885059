"""The Tips page driven like an officer would: keyboard first, against a real desk (inline worker)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.conftest import Installed
from tests.gui.tips_helpers import page_context
from tests.unit.tips_support import police_desk, tip_input
from tipdesk.clock import FixedClock
from tipdesk.domain.tips import TipEventKind, TipStatus
from tipdesk.gui.pages import tips as tips_page
from tipdesk.gui.pages.tip_event import TipEventDialog
from tipdesk.gui.pages.tip_form import TipFormDialog, to_qdatetime
from tipdesk.gui.tasks import FakeTaskManager
from tipdesk.services.context import Desk
from tipdesk.services.tips import TipService


@pytest.fixture
def police(admin_desk: Any, installed: Installed, clock: FixedClock) -> Desk:
    return police_desk(admin_desk, installed, clock)


@pytest.fixture
def page(police: Desk, tasks: FakeTaskManager, qtbot: Any) -> tips_page.TipsPage:
    widget = tips_page.TipsPage(page_context(police, tasks))
    qtbot.addWidget(widget)
    widget.resize(1160, 700)
    widget.show()
    widget.page_shown()
    return widget


def open_dialog(cls: type) -> Any:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, cls) and w.isVisible()]
    assert found, f"no {cls.__name__} open"
    return found[-1]


def test_record_a_tip_by_keyboard(page: tips_page.TipsPage, police: Desk, qtbot: Any) -> None:
    page.list.new_button.click()
    form = open_dialog(TipFormDialog)
    qtbot.keyClicks(form.summary, "Chi Mua Thi Do bi lua sang Trung Quoc")  # QTest types Latin-1 only
    form.summary.setFocus()
    qtbot.keyClick(form.summary, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not form.isVisible())
    assert page.currentWidget() is page.detail and page.detail.tip is not None
    tip = page.detail.tip
    assert tip.register_label == "01/2026" and tip.officer_name == "Trần Văn Bình"
    assert tip.place_unit_code == police.installation.unit_code  # the commune is pre-filled
    qtbot.keyClick(page.detail, Qt.Key.Key_Escape)
    assert page.currentWidget() is page.list
    assert page.list.model.rowCount() == 1 and page.list.total == 1


def test_a_refused_value_is_shown_and_focused(page: tips_page.TipsPage, clock: FixedClock, qtbot: Any) -> None:
    page.list.new_button.click()
    form = open_dialog(TipFormDialog)
    form.summary.setText("Tin báo")
    form.received.setDateTime(to_qdatetime(clock.now() + dt.timedelta(days=1)))
    form.save()
    assert form.isVisible() and form.message.isVisible()
    focused = form.focusWidget()
    assert focused is form.received or form.received.isAncestorOf(focused)
    assert page.list.model.rowCount() == 0
    form.reject()


def test_record_the_transfer_and_see_it_in_the_timeline(page: tips_page.TipsPage, police: Desk,
                                                         clock: FixedClock, qtbot: Any) -> None:
    view = TipService(police).create(tip_input(clock))
    page.open_tip(view.id)
    assert TipEventKind.TRANSFERRED in page.detail.tip.allowed_events  # type: ignore[union-attr]
    assert "reject" not in " ".join(a.text().lower() for a in page.detail.step_menu.actions())
    page.record_event(page.detail.tip, TipEventKind.TRANSFERRED)  # type: ignore[arg-type]
    dialog = open_dialog(TipEventDialog)
    assert dialog.recipient.currentText().startswith(TipService(police).default_transfer_recipient()[:10])
    dialog.save()
    assert page.detail.tip.status is TipStatus.TRANSFERRED  # type: ignore[union-attr]
    assert page.detail.timeline.rowCount() == 2
    assert page.detail.deadlines.rowCount() >= 2


def test_search_without_accents_and_urgent_on_top(page: tips_page.TipsPage, police: Desk,
                                                   clock: FixedClock, qtbot: Any) -> None:
    service = TipService(police)
    service.create(tip_input(clock, summary="Nghi vấn ở xã bên"))
    urgent = service.create(tip_input(clock, summary="Khẩn: Đức đang bị giữ", urgent=True,
                                      received_at=clock.now() - dt.timedelta(days=2)))
    page.list.reload()
    assert page.list.model.row(0).id == urgent.id  # older, but urgent
    page.list.search.setText("dang bi giu")
    page.list.apply_filters()
    assert [page.list.model.row(i).id for i in range(page.list.model.rowCount())] == [urgent.id]


def test_masked_reporter_in_the_list(admin_desk: Any, installed: Installed, clock: FixedClock,
                                     police: Desk, tasks: FakeTaskManager, qtbot: Any) -> None:
    TipService(police).create(tip_input(clock, reporter_secret=True, reporter_name="Người Giấu Tên"))
    worker = police_desk(admin_desk, installed, clock, "xahoi", "social_worker", "Lý Thị Hằng")
    page = tips_page.TipsPage(page_context(worker, tasks))
    qtbot.addWidget(page)
    page.page_shown()
    cells = [page.list.model.data(page.list.model.index(0, c)) for c in range(page.list.model.columnCount())]
    assert "Người Giấu Tên" not in " ".join(cells)
    assert not page.list.new_button.isVisible() or not page.list.new_button.isVisibleTo(page)


def test_print_asks_then_writes(page: tips_page.TipsPage, police: Desk, clock: FixedClock, tmp_path: Any,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    from tipdesk.gui import common

    view = TipService(police).create(tip_input(clock))
    page.open_tip(view.id)
    out = tmp_path / "bb.pdf"
    monkeypatch.setattr(common, "ask_yes_no", lambda *a, **k: True)
    monkeypatch.setattr(tips_page, "choose_save_path", lambda *a: str(out))
    page.print_record(page.detail.tip)  # type: ignore[arg-type]
    assert out.read_bytes().startswith(b"%PDF")
    assert page.detail.tip.printed_at is not None  # type: ignore[union-attr]


def test_oversized_attachment_message(page: tips_page.TipsPage, admin_desk: Any, police: Desk,
                                      clock: FixedClock, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tipdesk.gui import common

    admin_desk.settings.set("attachment_max_mb", 1)
    big = tmp_path / "ghi-am.wav"
    big.write_bytes(b"\0" * (1024 * 1024 + 1))
    view = TipService(police).create(tip_input(clock))
    page.open_tip(view.id)
    shown: list[str] = []
    monkeypatch.setattr(tips_page, "choose_open_path", lambda *a: str(big))
    monkeypatch.setattr(common, "show_error", lambda _p, exc, **k: shown.append(common.error_text(exc)))
    page.attach_file(page.detail.tip)  # type: ignore[arg-type]
    assert len(shown) == 1 and "ghi-am.wav" in shown[0]
    assert TipService(police).get(view.id).attachments == ()
