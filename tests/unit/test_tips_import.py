"""Importing an old register from .xlsx / .csv: mapping, preview, all-or-nothing, error file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.conftest import Installed
from tests.unit.tips_support import police_desk, tip_input
from tipdesk.clock import FixedClock
from tipdesk.db.models import AuditEntry
from tipdesk.db.models.tips import Tip
from tipdesk.domain.tips import TipStatus
from tipdesk.errors import UserError
from tipdesk.services.context import Desk
from tipdesk.services.tips import TipService
from tipdesk.services.tips_import import ColumnMapping, TipImporter
from tipdesk.services.tips_import_read import read_table

HEADERS = ["STT", "Ngày tiếp nhận", "Loại nguồn tin", "Hình thức tiếp nhận", "Người tố giác", "Giữ bí mật",
           "Nội dung", "Cán bộ tiếp nhận", "Ngày chuyển", "Nơi nhận"]
GOOD = [
    [1, dt.datetime(2026, 1, 5, 8, 30), "Tố giác", "Trực tiếp", "Nguyễn Văn Đức", "", "Con gái mất liên lạc ở Trung Quốc",
     "Vàng A Páo", "05/01/2026 16:00", "CQCSĐT Công an tỉnh Tuyên Quang"],
    [2, "06/01/2026 10:15", "tin bao", "111", "Hội LHPN xã", "x", "Nghi tuyển lao động sang Campuchia", "Vàng A Páo",
     "", ""],
    [3, "2026-01-07", "Kiến nghị khởi tố", "Bưu điện", "UBND xã", "không", "Kiến nghị xác minh đường dây", "", "", ""],
]


@pytest.fixture
def police(admin_desk: Any, installed: Installed, clock: FixedClock) -> Desk:
    return police_desk(admin_desk, installed, clock)


def write_xlsx(path: Path, rows: list[list[Any]], headers: list[str] = HEADERS) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["SỔ TIẾP NHẬN NGUỒN TIN VỀ TỘI PHẠM"])  # a title line above the header row
    sheet.append([])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def tip_count(desk: Desk) -> int:
    with desk.read() as s:
        return int(s.scalar(select(func.count()).select_from(Tip)) or 0)


def test_guessed_mapping_preview_and_import(police: Desk, clock: FixedClock, tmp_path: Path) -> None:
    table = read_table(write_xlsx(tmp_path / "so.xlsx", GOOD))
    assert table.first_line == 4
    mapping = ColumnMapping.guess(table.headers)
    assert mapping.columns["received_at"] == "Ngày tiếp nhận" and mapping.columns["summary"] == "Nội dung"
    assert mapping.columns["register_no"] == "STT" and mapping.columns["reporter_secret"] == "Giữ bí mật"
    tips = TipService(police)
    importer = TipImporter(tips)
    preview = importer.preview(table, mapping)
    assert (preview.valid, preview.invalid) == (3, 0), [r.errors for r in preview.rows]
    result = importer.run(table, mapping)
    assert (result.imported, result.rejected, result.error_file) == (3, 0, None)
    first = tips.get(tips.find_id("01/2026"))
    assert first.status is TipStatus.TRANSFERRED and first.officer_name == "Vàng A Páo"
    assert first.received_at == dt.datetime(2026, 1, 5, 1, 30, tzinfo=dt.UTC)  # 08:30 Vietnam time
    second = tips.get(tips.find_id("02/2026"))
    assert second.channel.value == "hotline_111" and second.source_type.value == "tin_bao"
    assert second.reporter.secret
    third = tips.get(tips.find_id("03/2026"))
    assert third.officer_name == "Trần Văn Bình" and third.source_type.value == "kien_nghi_khoi_to"
    assert tips.create(tip_input(clock)).register_label == "04/2026"  # numbering continues after the import
    with police.read() as s:
        detail = s.scalar(select(AuditEntry.detail).where(AuditEntry.action == "import"))
    assert json.loads(detail or "{}") == {"file": "so.xlsx", "imported": 3, "rejected": 0}


def bad_rows() -> list[list[Any]]:
    future = dt.datetime(2030, 1, 1, 9, 0)
    return GOOD + [
        [4, future, "Tố giác", "Trực tiếp", "A", "", "Ngày trong tương lai", "", "", ""],
        [5, "06/01/2026", "Báo cáo", "Trực tiếp", "B", "", "Loại không hợp lệ", "", "", ""],
        [2, "06/01/2026", "Tố giác", "Trực tiếp", "C", "", "Trùng số 2 trong tệp", "", "", ""],
        [7, "32/01/2026", "Tố giác", "Trực tiếp", "D", "", "Ngày sai", "", "", ""],
        [8, "06/01/2026", "Tố giác", "Trực tiếp", "E", "", "", "", "", ""],
        [9, "06/01/2026", "Tố giác", "Trực tiếp", "F", "", "Chuyển thiếu nơi nhận", "", "07/01/2026", ""],
    ]


def test_rows_with_errors_stop_everything_or_go_to_an_error_file(police: Desk, tmp_path: Path) -> None:
    table = read_table(write_xlsx(tmp_path / "so.xlsx", bad_rows()))
    mapping = ColumnMapping.guess(table.headers)
    importer = TipImporter(TipService(police))
    preview = importer.preview(table, mapping)
    errors = {r.line: " ".join(r.errors) for r in preview.rows if not r.ok}
    assert sorted(errors) == [7, 8, 9, 10, 11, 12] and preview.valid == 3  # spreadsheet line numbers
    assert "2030" in errors[7] and "Báo cáo" in errors[8] and "02/2026" in errors[9]
    assert "32/01/2026" in errors[10]
    with pytest.raises(UserError) as err:
        importer.run(table, mapping)
    assert err.value.code == "import_rows_invalid" and "6" in err.value.message
    assert tip_count(police) == 0  # nothing written
    result = importer.run(table, mapping, skip_invalid=True)
    assert (result.imported, result.rejected) == (3, 6)
    assert result.error_file == tmp_path / "so_loi.xlsx" and tip_count(police) == 3
    again = read_table(result.error_file)
    assert again.headers[-1] == "Lỗi" or again.headers[-1] == "Errors"
    assert len([r for r in again.rows if any(r)]) == 6
    # importing the same register again: every number is now taken, so nothing is written
    with pytest.raises(UserError):
        importer.run(read_table(tmp_path / "so.xlsx"), mapping)
    assert tip_count(police) == 3


def test_csv_with_semicolons_and_a_saved_mapping(police: Desk, tmp_path: Path) -> None:
    csv_file = tmp_path / "so.csv"
    csv_file.write_text("So;Ngay;Noi dung\n1;05/01/2026 08:00;Tố giác thứ nhất\n2;06/01/2026;Tố giác thứ hai\n",
                        "utf-8-sig")
    mapping_file = tmp_path / "mapping.json"
    ColumnMapping({"register_no": "So", "received_at": "Ngay", "summary": "Noi dung"},
                  {"source_type": "tin_bao", "channel": "phone"}).save(mapping_file)
    mapping = ColumnMapping.load(mapping_file)
    result = TipImporter(TipService(police)).run(read_table(csv_file), mapping)
    assert result.imported == 2
    tip = TipService(police).get(TipService(police).find_id("02/2026"))
    assert (tip.source_type.value, tip.channel.value) == ("tin_bao", "phone")


@pytest.mark.parametrize("name,content,code", [
    ("so.xlsx", b"PK\x03\x04 this is not really a workbook", "import_file_invalid"),
    ("so.csv", "Ngày;Nội dung\n1;Tố giác\n".encode("utf-16"), "import_file_invalid"),
    ("so.csv", "Ngày;Nội dung\n".encode(), "import_file_invalid"),
    ("so.csv", b"", "import_file_invalid"),
    ("so.ods", b"whatever", "import_file_invalid"),
])
def test_malformed_files_are_refused(tmp_path: Path, name: str, content: bytes, code: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UserError) as err:
        read_table(path)
    assert err.value.code == code and name in err.value.message


def test_mapping_problems(police: Desk, tmp_path: Path) -> None:
    table = read_table(write_xlsx(tmp_path / "so.xlsx", GOOD))
    importer = TipImporter(TipService(police))
    with pytest.raises(UserError) as err:
        importer.preview(table, ColumnMapping({"summary": "Nội dung"}))
    assert err.value.code == "mapping_missing"
    with pytest.raises(UserError) as err:
        importer.preview(table, ColumnMapping({"summary": "Nội dung", "received_at": "Không có cột này"}))
    assert err.value.code == "mapping_invalid"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"columns": {"colour": "Màu"}}), "utf-8")
    with pytest.raises(UserError):
        ColumnMapping.load(bad)
    bad.write_text("{not json", "utf-8")
    with pytest.raises(UserError):
        ColumnMapping.load(bad)
    assert tip_count(police) == 0
