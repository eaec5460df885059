"""Screenshots of the tips screens at 1366x768 in Vietnamese (saved to /work/screens when it exists).

They also check that each screen fits the small laptop screen the communes use.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtWidgets import QApplication, QWidget

from tests.conftest import Installed
from tests.gui.tips_helpers import grab, vietnamese  # noqa: F401 (fixture)
from tests.unit.tips_support import police_desk, tip_input
from tipdesk.clock import FixedClock
from tipdesk.domain.tips import TipEventKind
from tipdesk.gui.main_window import MainWindow
from tipdesk.gui.pages.tip_form import TipFormDialog
from tipdesk.gui.pages.tip_import import ImportDialog
from tipdesk.gui.pages.tip_register import RegisterDialog
from tipdesk.gui.pages.tips import TipsPage
from tipdesk.gui.tasks import FakeTaskManager
from tipdesk.services import demo_tips
from tipdesk.services.tips import TipService
from tipdesk.services.tips_types import TipEventInput

SCREEN = (1366, 768)


def fits(widget: QWidget) -> None:
    hint = widget.minimumSizeHint()
    assert hint.width() <= SCREEN[0] and hint.height() <= SCREEN[1] - 40, hint


def saved(path: Path) -> None:
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    assert not image.isNull() and image.width() > 300


@pytest.fixture
def window(admin_desk: Any, installed: Installed, clock: FixedClock, tasks: FakeTaskManager, qtbot: Any,
           vietnamese: None) -> MainWindow:  # noqa: F811
    demo_tips.generate(admin_desk, random.Random(3), 400, lambda *_a: None)
    desk = police_desk(admin_desk, installed, clock)
    service = TipService(desk)
    view = service.create(tip_input(clock, urgent=True, reporter_secret=True))
    service.record_event(view.id, TipEventInput(TipEventKind.VERIFICATION_ACTIVITY, clock.now(),
                                                activity="interview", note="Đã lấy lời khai bà Lò Thị Đức"))
    win = MainWindow(desk, tasks, idle_minutes=30)
    qtbot.addWidget(win)
    win.resize(*SCREEN)
    win.show()
    qtbot.waitExposed(win)
    return win


def page_of(window: MainWindow) -> TipsPage:
    page = window.page("tips")
    assert isinstance(page, TipsPage)
    return page


def test_list_and_detail_screens(window: MainWindow) -> None:
    fits(window)
    page = page_of(window)
    assert window.current_key() == "tips"
    QApplication.processEvents()
    saved(grab(window, "tips_list.png", SCREEN))
    page.list.open_row(0)
    QApplication.processEvents()
    saved(grab(window, "tips_detail.png", SCREEN))
    page.detail.tabs.setCurrentIndex(1)
    saved(grab(window, "tips_timeline.png", SCREEN))
    page.detail.tabs.setCurrentIndex(2)
    saved(grab(window, "tips_deadlines.png", SCREEN))
    page.show_list()
    page.list.show_attention()
    saved(grab(window, "tips_list_attention.png", SCREEN))


def test_form_screen(window: MainWindow, clock: FixedClock) -> None:
    page = page_of(window)
    form = TipFormDialog(page.ctx, None, window)
    fits(form)
    form.summary.setText("Chị Lò Thị Mai, 17 tuổi, bị rủ sang Trung Quốc làm việc, gia đình mất liên lạc")
    form.reporter_name.setText("Lò Thị Đức")
    form.reporter_contact.setText("0912 345 678")
    form.account.setPlainText("Ngày 02/03/2026, bà Đức đến trụ sở trình báo con gái đi cùng một người lạ.")
    form.country.select_code("CN")
    form.forms.item(0).setCheckState(form.forms.item(0).checkState().Checked)
    form.show()
    saved(grab(form, "tips_form.png", (form.width(), form.height())))
    form.reject()


def test_register_and_import_screens(window: MainWindow, tmp_path: Path) -> None:
    page = page_of(window)
    register = RegisterDialog(page.ctx, lambda *_a: None, window)
    fits(register)
    register.show()
    saved(grab(register, "tips_register.png", (register.width(), register.height())))
    register.reject()
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["STT", "Ngày tiếp nhận", "Người tố giác", "Nội dung", "Cán bộ tiếp nhận"])
    sheet.append([9001, "05/01/2025 08:30", "Nguyễn Văn Đức", "Con gái mất liên lạc ở Trung Quốc", "Vàng A Páo"])
    sheet.append([9002, "40/01/2025", "Hội LHPN xã", "Tuyển lao động sang Campuchia", ""])
    sheet.append([9003, "07/01/2025", "", "", ""])
    path = tmp_path / "so-cu.xlsx"
    book.save(path)
    dialog = ImportDialog(page.ctx, lambda *_a: str(path), window)
    fits(dialog)
    dialog.show()
    dialog.browse()
    dialog.check()
    assert dialog.preview_data is not None and dialog.preview_data.invalid == 2
    saved(grab(dialog, "tips_import.png", (dialog.width(), dialog.height())))
    dialog.reject()


def test_pdf_pages(window: MainWindow, clock: FixedClock) -> None:
    """The reception record and the register book in Vietnamese, rendered to PNG for a look."""
    import shutil
    import subprocess

    page = page_of(window)
    service = TipService(page.ctx.desk)
    tip_id = service.find_id("01/2026")
    service.attachments.add(tip_id, "don-to-giac.jpg", b"\xff\xd8" + b"0" * 2000, "Đơn tố giác viết tay")
    folder = Path("/work/screens") if Path("/work/screens").is_dir() else Path(page.ctx.desk.data_dir)
    record, book = folder / "tips_reception.pdf", folder / "tips_register_book.pdf"
    assert service.printing.reception_record(tip_id, record) >= 1
    assert service.printing.register_book(2026, book) >= 1
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(record), str(folder / "tips_reception")], check=True)
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2", str(book),
                        str(folder / "tips_register_book")], check=True)
