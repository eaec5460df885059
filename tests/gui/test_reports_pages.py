"""The Reports page: dashboard (live refresh, cards that drill down), report preview, drill-down masking, exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from tests.conftest import ADMIN_PASSWORD, Installed, install
from tests.unit.reports_support import PersonSpec, TipSpec, demo_data, insert, user_desk, vietnamese, vn
from tipdesk import paths
from tipdesk.clock import FixedClock
from tipdesk.events import Changes
from tipdesk.gui.bridge import EventBridge
from tipdesk.gui.pages import PageContext, discover_pages
from tipdesk.gui.pages import reports as reports_page
from tipdesk.gui.pages.reports_dialogs import DrillDialog
from tipdesk.gui.tasks import FakeTaskManager
from tipdesk.services.auth import open_desk
from tipdesk.services.context import Desk

NOW = dt.datetime(2026, 5, 20, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def police(admin_desk: Any, installed: Installed, clock: FixedClock, tmp_path: Path) -> Iterator[Desk]:
    clock.at = NOW
    desk = user_desk(admin_desk, installed, clock, "canbo", "commune_police", "Hoàng Văn Dũng")
    demo_data(desk, tips=90, persons=35)
    with vietnamese(tmp_path / "i18n"):
        yield desk
    desk.close()


def _context(desk: Desk) -> PageContext:
    window = QMainWindow()
    return PageContext(desk, FakeTaskManager(), EventBridge(desk.events, window), window)


def _grab(widget: QWidget, name: str) -> Path:
    folder = Path("/work/screens")
    path = (folder if folder.is_dir() else Path(paths.data_dir())) / name
    widget.grab().save(str(path))
    return path


def _page(desk: Desk, qtbot: Any) -> reports_page.ReportsPage:
    page = reports_page.ReportsPage(_context(desk))
    qtbot.addWidget(page)
    page.resize(1150, 680)
    page.show()
    page.page_shown()
    return page


def test_the_page_is_registered_for_report_roles(police: Desk, admin_desk: Desk) -> None:
    spec = next(s for s in discover_pages() if s.key == "reports")
    assert spec.slot == 4 and spec.visible(police) and spec.visible(admin_desk)


def test_dashboard_shows_the_targets_and_refreshes_on_changes(police: Desk, qtbot: Any) -> None:
    page = _page(police, qtbot)
    dashboard = page.dashboard
    assert dashboard.data is not None and len(dashboard.data.kpis) == 5
    assert "quý II năm 2026" in dashboard.heading.text()
    assert [c.code for c in dashboard.cards] == [k.code for k in dashboard.data.kpis]
    assert all(c.rate.text() for c in dashboard.cards)
    before = dashboard.data.persons_being_identified
    insert(police, persons=[PersonSpec(dt.date(2026, 5, 19))])
    with qtbot.waitSignal(dashboard.refreshed, timeout=5000):
        police.events.publish(Changes.of("person"))
    assert dashboard.data.persons_being_identified == before + 1
    # a card opens the tips behind its numerator
    dialogs: list[DrillDialog] = []
    page.report.open_drill = lambda period, figure: dialogs.append(  # type: ignore[method-assign]
        DrillDialog(page.report.service, page.ctx.tasks, period, figure))
    dashboard.cards[1].setFocus()
    qtbot.keyClick(dashboard.cards[1], Qt.Key.Key_Return)
    assert dialogs and dialogs[0].first is not None
    assert dialogs[0].first.total == dashboard.data.kpis[1].numerator


def test_report_preview_drill_down_and_export(police: Desk, qtbot: Any, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(police, qtbot)
    page.setCurrentWidget(page.report)
    view = page.report
    view.chooser.kind.setCurrentIndex(0)
    view.chooser.year.setValue(2026)
    view.chooser.index.setCurrentIndex(0)
    qtbot.mouseClick(view.show_button, Qt.MouseButton.LeftButton)
    assert view.data is not None and view.data.period.code == "2026-Q1"
    assert view.sheet_list.count() == len(view.sheets) and view.table.rowCount() == 5  # the targets
    # drill into the denominator of "tips resolved"
    shown: list[DrillDialog] = []
    monkeypatch.setattr(DrillDialog, "open", lambda self: shown.append(self))
    view.drill(1, 3)
    assert shown and shown[0].first is not None
    assert shown[0].first.total == view.data.kpis[1].denominator
    shown[0].resize(1100, 560)
    _grab(shown[0], "reports_drill.png")
    assert shown[0].model is not None and shown[0].model.rowCount() == min(100, view.data.kpis[1].denominator)
    # a statistics table: the row of a channel
    row = next(i for i, s in enumerate(view.sheets) if s.key == "tips_by_channel")
    view.sheet_list.setCurrentRow(row)
    assert view.table.item(0, 0).text() == view.data.table("tips_by_channel").rows[0].label
    target = tmp_path / "q1.pdf"
    monkeypatch.setattr(reports_page, "choose_save_path", lambda *a: str(target.with_suffix("")))
    qtbot.mouseClick(view.export_buttons["pdf"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: target.exists(), timeout=20000)
    assert "q1.pdf" in view.message.text()
    _grab(page, "reports_preview.png")


def test_analyst_drill_down_never_shows_identity(tmp_path: Path, clock: FixedClock, qtbot: Any) -> None:
    clock.at = NOW
    data_dir = tmp_path / "province"
    install(data_dir, clock, profile="province", unit="08")
    admin = open_desk("admin", ADMIN_PASSWORD, data_dir=data_dir, clock=clock)
    analyst = user_desk(admin, Installed(data_dir, "", "", ""), clock, "phantich", "province_analyst")
    insert(analyst, [TipSpec(vn(2026, 1, 5), unit_code="00700")],
           [PersonSpec(dt.date(2026, 2, 1), unit_code="00700", full_name="Vừ Thị Dợ", id_number="002301099999")])
    with vietnamese(tmp_path / "i18n"):
        page = _page(analyst, qtbot)
        view = page.report
        assert not view.commune.isHidden() and view.commune.count() > 100
        assert view.cutoff_button.isHidden()
        view.chooser.year.setValue(2026)
        view.chooser.index.setCurrentIndex(0)
        view.build()
        sex = next(i for i, s in enumerate(view.sheets) if s.key == "persons_by_sex")
        view.sheet_list.setCurrentRow(sex)
        female = next(i for i, r in enumerate(view.data.table("persons_by_sex").rows) if r.code == "female")
        view.drill(female, 1)
        dialog = view.findChild(DrillDialog)
        assert dialog is not None and dialog.first is not None and dialog.first.total == 1
        texts = [dialog.model.index(0, c).data() for c in range(dialog.model.columnCount())]
        assert "Vừ Thị Dợ" not in texts and "002301099999" not in " ".join(texts)
        assert "Họ và tên" not in dialog.first.columns
        assert "không được hiển thị" in dialog.privacy.text()
        dialog.close()
    analyst.close()
    admin.close()


def test_screenshot_dashboard_in_the_main_window(police: Desk, qtbot: Any) -> None:
    from tipdesk.gui.main_window import MainWindow

    window = MainWindow(police, FakeTaskManager())
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    assert window.show_page("reports")
    page = window.page("reports")
    assert isinstance(page, reports_page.ReportsPage)
    QApplication.processEvents()
    assert page.dashboard.data is not None
    # everything fits in 1366 x 768: nothing forced the window to grow
    assert (window.width(), window.height()) == (1366, 768)
    assert page.minimumSizeHint().width() <= page.width() and page.minimumSizeHint().height() <= page.height()
    assert _grab(window, "dashboard.png").exists()
    window.show_page("reports")
    page.setCurrentWidget(page.report)
    page.report.chooser.year.setValue(2026)
    page.report.chooser.index.setCurrentIndex(0)
    page.report.build()
    QApplication.processEvents()
    assert (window.width(), window.height()) == (1366, 768)
    assert _grab(window, "reports.png").exists()


def test_cutoff_dialog_edits_the_table(admin_desk: Desk, qtbot: Any, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QSpinBox

    from tipdesk.gui.pages.reports_dialogs import CutoffDialog

    with vietnamese(tmp_path / "i18n"):
        page = _page(admin_desk, qtbot)
        view = page.report
        assert not view.cutoff_button.isHidden()
        assert all(b.isHidden() for b in view.export_buttons.values())  # administrators do not export
        dialog = CutoffDialog(view.service.period_rules())
        qtbot.addWidget(dialog)
        assert "*" in dialog.table.item(1, 0).text()  # the unconfirmed rule is marked
        dialog._set_default(dialog.table.item(1, 4))
        assert dialog.edited().default == "decree09"
        end = dialog.table.cellWidget(1, 3)
        assert isinstance(end, QSpinBox)
        end.setValue(10)  # would leave a gap between quarters
        dialog._accept()
        assert dialog.result() == 0 and dialog.message.text()
        end.setValue(14)
        monkeypatch.setattr(CutoffDialog, "exec", lambda self: (self.table.cellWidget(1, 3).setValue(14),
                                                               self._set_default(self.table.item(1, 4)), 1)[-1])
        view.edit_cutoffs()
        assert view.service.period_rules().default == "decree09"
        assert view.chooser.cutoff.currentData() in ("calendar", "decree09")
