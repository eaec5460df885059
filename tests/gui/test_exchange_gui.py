"""The Exchange page at both ends: export to a folder, receipts, preview, import with progress and Cancel,
communes, conflicts; screenshots at 1366x768 in Vietnamese (saved to /work/screens when it exists)."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QGroupBox, QLabel, QMainWindow, QWidget

from tests.gui.tips_helpers import grab, vietnamese  # noqa: F401 (fixture)
from tests.unit.exchange_db_support import Pair, Records, full_dump, record_dump
from tipdesk import i18n
from tipdesk.db.models import InstallKey
from tipdesk.db.models.exchange import TrustInstalled
from tipdesk.exchange import keys as xkeys
from tipdesk.exchange.batchfile import BatchMeta, build_batch
from tipdesk.gui.main_window import MainWindow
from tipdesk.gui.pages import exchange as ui
from tipdesk.gui.pages import exchange_province as province_page
from tipdesk.gui.pages.exchange_commune import CommuneExchangePage
from tipdesk.gui.pages.exchange_dialogs import EnrolDialog, PreviewDialog, RevokeDialog, TrustImportDialog
from tipdesk.gui.pages.exchange_province import ProvinceExchangePage
from tipdesk.gui.tasks import FakeTaskManager, TaskContext
from tipdesk.services.exchange_schema import registry, row_to_json

SCREEN = (1366, 768)


def fits(widget: QWidget) -> None:
    hint = widget.minimumSizeHint()
    assert hint.width() <= SCREEN[0] and hint.height() <= SCREEN[1] - 40, hint


@pytest.fixture(scope="session")
def template_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("exchange-template")


@pytest.fixture
def pair(tmp_path: Path, template_root: Path, vietnamese: None) -> Iterator[Pair]:  # noqa: F811
    p = Pair.make(tmp_path, template_root)
    yield p
    p.close()


def _natural(dialog: QWidget) -> tuple[int, int]:
    hint = dialog.sizeHint()
    return max(hint.width(), 700), hint.height()


def _window(desk: Any, tasks: FakeTaskManager, qtbot: Any) -> MainWindow:
    win = MainWindow(desk, tasks, idle_minutes=30)
    qtbot.addWidget(win)
    win.resize(*SCREEN)
    win.show()
    qtbot.waitExposed(win)
    assert win.show_page("exchange")
    return win


def _seed(pair: Pair) -> Records:
    rec = Records(pair.commune)
    for n in range(6):
        tip = rec.tip(summary=f"Tin báo {n}: nghi vấn môi giới lao động sang biên giới")
        rec.event(tip)
        rec.link(tip, rec.person(name=f"Lò Thị Mai {n}"))
    return rec


def _commune_page(win: MainWindow) -> CommuneExchangePage:
    page = win.page("exchange")
    assert isinstance(page, CommuneExchangePage)
    return page


def _province_page(win: MainWindow) -> ProvinceExchangePage:
    page = win.page("exchange")
    assert isinstance(page, ProvinceExchangePage)
    return page


# ---------------------------------------------------------------- commune


def test_commune_exports_to_a_folder_and_records_the_receipt(pair: Pair, tasks: FakeTaskManager, qtbot: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(pair)
    win = _window(pair.commune, tasks, qtbot)
    page = _commune_page(win)
    fits(win)
    assert "30" in page.send.title.text()  # 6 x (tip, event, person, person step, link)
    usb = pair.root / "usb"
    usb.mkdir()
    monkeypatch.setattr(ui, "choose_folder", lambda *a, **k: usb)
    page.export()
    QApplication.processEvents()
    assert [p.suffix for p in usb.iterdir()] == [".tdb"]
    assert "USB" in page.send.message.text()
    assert page.send.batches.rowCount() == 1
    assert page.send.batches.item(0, 3).text() == ui.status_label("")
    grab(win, "exchange_commune_send.png", SCREEN)

    receipt = pair.px.imports.import_paths([usb], receipts_dir=pair.root / "receipts").outcomes[0].receipt_path
    assert receipt is not None
    monkeypatch.setattr(ui, "choose_files", lambda *a, **k: [receipt])
    page.import_receipts()
    QApplication.processEvents()
    assert page.send.batches.item(0, 3).text() == ui.status_label("accepted")
    page.setCurrentWidget(page.keys)
    QApplication.processEvents()
    assert page.keys.fingerprint.text() == pair.cx.keys.fingerprint()
    assert not page.keys.qr.pixmap().isNull()
    grab(win, "exchange_commune_keys.png", SCREEN)


def test_commune_trust_dialog_needs_a_well_formed_fingerprint(pair: Pair, tasks: FakeTaskManager, qtbot: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = pair.px.keys.write_trust_bundle(pair.root)
    win = _window(pair.commune, tasks, qtbot)
    page = _commune_page(win)
    dialog = TrustImportDialog(page.ctx, page.ex, page)
    qtbot.addWidget(dialog)
    monkeypatch.setattr(ui, "choose_file", lambda *a, **k: bundle.path)
    dialog.choose_file()
    dialog.fp_edit.setText(bundle.fingerprint[:-1] + ("A" if bundle.fingerprint[-1] != "A" else "B"))
    assert not dialog.ok.isEnabled()
    dialog.fp_edit.setText(bundle.fingerprint)
    assert dialog.ok.isEnabled()
    dialog.show()
    grab(dialog, "exchange_trust_import.png", _natural(dialog))
    dialog.submit()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert pair.cx.keys.trust() is not None and pair.cx.keys.trust().version == 2  # type: ignore[union-attr]


# ---------------------------------------------------------------- province


def _batch_with(pair: Pair, seq: int, records: dict[str, list[dict[str, object]]]) -> bytes:
    with pair.commune.read() as s:
        key = s.query(InstallKey).filter(InstallKey.kind == "sign", InstallKey.retired_at.is_(None)).one()
        trust = s.query(TrustInstalled).one()
        sign, recipient = xkeys.load_signing_key(xkeys.b64decode(key.private_key)), xkeys.b64decode(
            trust.province_enc_pub)
    meta = BatchMeta(batch_id=str(uuid.uuid4()), install_id=pair.commune_install,
                     commune=pair.commune.installation.unit_code, epoch=1, seq=seq, created_at=pair.clock.now())
    return build_batch(records, {}, meta, sign, recipient)


def _conflicting(pair: Pair, tip_id: str, seq: int) -> Path:
    rt = registry().get("tip")
    assert rt is not None
    with pair.commune.engine.connect() as conn:
        row = conn.execute(rt.table.select().where(rt.table.c.id == tip_id)).mappings().one()
        forms = conn.execute(rt.children[0].table.select().where(rt.children[0].table.c.tip_id == tip_id)).mappings()
        record = row_to_json(rt, dict(row), {"tip_forms": list(forms)})
    record["summary"] = "Bản khác cùng phiên bản: người báo tin bổ sung địa chỉ"
    path = pair.root / f"conflict-{seq}.tdb"
    path.write_bytes(_batch_with(pair, seq, {"tip": [record]}))
    return path


def test_province_previews_imports_and_decides_a_conflict(pair: Pair, tasks: FakeTaskManager, qtbot: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(pair)
    first = pair.export_one(pair.root / "usb")
    rec = Records(pair.commune, counter=100)
    extra_tip = rec.tip(summary="Tin báo mới trong lô 2")
    second = pair.export_one(pair.root / "usb")
    win = _window(pair.province, tasks, qtbot)
    page = _province_page(win)
    fits(win)
    monkeypatch.setattr(ui, "choose_files", lambda *a, **k: [second, first])
    page.receive.choose_files()
    assert page.receive.file_table.rowCount() == 2
    assert page.receive.file_table.item(0, 1).text().startswith("02269")
    grab(win, "exchange_province_files.png", SCREEN)
    page.preview()
    QApplication.processEvents()
    dialog = page.preview_dialog
    assert isinstance(dialog, PreviewDialog)
    assert dialog.items_model.rowCount() == 31
    assert record_dump(pair.province)["tips"] == []  # the preview changed nothing
    grab(dialog, "exchange_preview.png", (1100, 640))
    dialog.accept()
    QApplication.processEvents()
    assert page.receive.results.rowCount() == 2
    assert page.receive.results.item(0, 1).text() == ui.status_label("accepted")
    assert record_dump(pair.province) == record_dump(pair.commune)
    assert (pair.root / "usb" / "receipts").is_dir()
    grab(win, "exchange_province_receive.png", SCREEN)

    page.receive.add([_conflicting(pair, extra_tip, 3)])
    page.run_import()
    QApplication.processEvents()
    page.setCurrentWidget(page.communes)
    QApplication.processEvents()
    assert page.communes.table.rowCount() == 1
    grab(win, "exchange_province_communes.png", SCREEN)
    page.setCurrentWidget(page.conflicts)
    QApplication.processEvents()
    assert page.conflicts.table.rowCount() == 1
    assert page.conflicts.detail.item(0, 0).text() == "summary"
    grab(win, "exchange_conflicts.png", SCREEN)
    page.resolve(take_incoming=False)
    QApplication.processEvents()
    assert page.conflicts.table.rowCount() == 0
    page.setCurrentWidget(page.log)
    QApplication.processEvents()
    assert page.log.table.rowCount() == 3
    grab(win, "exchange_log.png", SCREEN)


def test_a_cancelled_import_in_the_gui_changes_nothing(pair: Pair, tasks: FakeTaskManager, qtbot: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(pair)
    batch = pair.export_one(pair.root / "usb")
    win = _window(pair.province, tasks, qtbot)
    page = _province_page(win)
    before = full_dump(pair.province)
    original = province_page.run_with_progress

    def cancel_at_once(tasks_: Any, parent: Any, label: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        def cancelled(context: TaskContext) -> Any:
            context.cancelled.set()  # the user pressed Cancel
            return fn(context)

        return original(tasks_, parent, label, cancelled, *args, **kwargs)

    monkeypatch.setattr(province_page, "run_with_progress", cancel_at_once)
    page.receive.add([batch])
    page.run_import()
    QApplication.processEvents()
    assert "Nothing was changed" in page.receive.message.text() or "Không có gì" in page.receive.message.text()
    assert full_dump(pair.province) == before


def test_province_enrol_dialog_checks_the_typed_fingerprint(pair: Pair, tasks: FakeTaskManager, qtbot: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    enrolment = pair.cx.keys.write_enrolment(pair.root)
    win = _window(pair.province, tasks, qtbot)
    page = _province_page(win)
    page.setCurrentWidget(page.communes)
    monkeypatch.setattr(ui, "choose_file", lambda *a, **k: enrolment.path)
    page.enrol()
    dialog = page.enrol_dialog
    assert isinstance(dialog, EnrolDialog)
    dialog.choose_file()
    assert "02269" in dialog.commune_value.text()
    dialog.fp_edit.setText(enrolment.fingerprint.lower())
    assert dialog.ok.isEnabled()
    grab(dialog, "exchange_enrol.png", _natural(dialog))
    dialog.submit()  # already enrolled with the same key: harmless
    assert dialog.result() == dialog.DialogCode.Accepted


# ---------------------------------------------------------------- keyboard


MNEMONIC = re.compile(r"&([^&])")


def _mnemonic_clashes(root: QWidget, menus: QMainWindow | None = None) -> dict[str, list[str]]:
    """Visible controls of ``root`` (and the window's menu bar) that share an Alt+letter."""
    texts = []
    for widget in [root, *root.findChildren(QWidget)]:
        if widget is not root and not widget.isVisibleTo(root):
            continue
        if (isinstance(widget, QLabel) and widget.buddy() is not None) or isinstance(widget, QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
    if menus is not None:
        texts += [action.text() for action in menus.menuBar().actions() if action.isVisible()]
    by_letter: dict[str, list[str]] = defaultdict(list)
    for text in texts:
        found = MNEMONIC.search(text.replace("&&", ""))
        if found:
            by_letter[found.group(1).casefold()].append(text)
    return {letter: group for letter, group in by_letter.items() if len(group) > 1}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_two_controls_share_a_mnemonic(pair: Pair, tasks: FakeTaskManager, qtbot: Any, lang: str) -> None:
    i18n.set_language(lang)
    commune = _window(pair.commune, tasks, qtbot)
    page = _commune_page(commune)
    for tab in (page.send, page.keys):
        page.setCurrentWidget(tab)
        assert _mnemonic_clashes(commune, commune) == {}, tab
    dialog = TrustImportDialog(page.ctx, page.ex, page)
    qtbot.addWidget(dialog)
    dialog.show()
    assert _mnemonic_clashes(dialog) == {}
    province = _window(pair.province, tasks, qtbot)
    ppage = _province_page(province)
    for ptab in (ppage.receive, ppage.communes, ppage.conflicts, ppage.log):
        ppage.setCurrentWidget(ptab)
        assert _mnemonic_clashes(province, province) == {}, ptab
    for made in (EnrolDialog(ppage.ctx, ppage.ex, ppage),
                 RevokeDialog(ppage.ctx, ppage.ex, "AAAAAAAAAAAAA", "02269", 1, 1, ppage)):
        qtbot.addWidget(made)
        made.show()
        assert _mnemonic_clashes(made) == {}, made
