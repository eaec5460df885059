"""Decree 30/2020/NĐ-CP PDF foundation: fonts, layout, page numbers, tables, dates, charts."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from reportlab.lib.units import mm

from tipdesk import i18n, paths
from tipdesk.errors import UserError
from tipdesk.reports import charts, fonts
from tipdesk.reports.decree30 import (
    NATIONAL_MOTTO,
    NATIONAL_NAME,
    Column,
    DocumentHeader,
    SignatureBlock,
    build_pdf,
    data_table,
    format_doc_number,
    heading,
    key_value_table,
    official_date_line,
    page_geometry,
    paragraph,
)
from tipdesk.reports.styles import MARGIN_RANGES_MM, MARGINS_MM

PO_PART = Path(__file__).resolve().parents[2] / "i18n" / "vi_parts" / "reports_base.po"
PO_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: vi\\n"\n\n'
TONES = (
    "aàáảãạ ăằắẳẵặ âầấẩẫậ eèéẻẽẹ êềếểễệ iìíỉĩị oòóỏõọ ôồốổỗộ ơờớởỡợ uùúủũụ ưừứửữự yỳýỷỹỵ đ "
    "AÀÁẢÃẠ ĂẰẮẲẴẶ ÂẦẤẨẪẬ EÈÉẺẼẸ ÊỀẾỂỄỆ IÌÍỈĨỊ OÒÓỎÕỌ ÔỒỐỔỖỘ ƠỜỚỞỠỢ UÙÚỦŨỤ ƯỪỨỬỮỰ YỲÝỶỸỴ Đ"
)
NAME = "Nguyễn Thị Ánh Tuyết"
COLUMNS = [
    Column("Mã hồ sơ", 22, "center"),
    Column("Họ và tên", 40),
    Column("Nội dung tóm tắt", 75),
    Column("Số tiền", 28, "right"),
]
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


@pytest.fixture(scope="module")
def vi_catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Activate Vietnamese with a catalog compiled from this area's PO part."""
    root = tmp_path_factory.mktemp("i18n")
    po = root / "vi" / "LC_MESSAGES" / "tipdesk.po"
    po.parent.mkdir(parents=True)
    po.write_text(PO_HEADER + PO_PART.read_text(encoding="utf-8"), encoding="utf-8")
    previous = i18n.language()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "i18n_dir", lambda: root)
        i18n.set_language("vi")
        yield
    i18n.set_language(previous)


def _header(number: str = "01/2026/BB-CAX", date: dt.date = dt.date(2026, 2, 5)) -> DocumentHeader:
    return DocumentHeader(
        parent_agency="Công an tỉnh Tuyên Quang",
        unit_name="Công an xã Tân Lập",
        number=number,
        place="Xã Tân Lập",
        date=date,
        title="Biên bản",
        subtitle="Tiếp nhận tin báo về tội phạm mua bán người",
    )


def _rows(count: int) -> list[list[str]]:
    rows = []
    for i in range(1, count + 1):
        summary = (
            f"{NAME} trình bày: {TONES}" if i % 10 == 0 else "Dụ dỗ đi làm việc nhẹ lương cao ở nước ngoài"
        )
        rows.append([f"HS-{i:03d}", f"{NAME} {i}", summary, f"{i * 1000:,}".replace(",", ".")])
    return rows


def _signature() -> SignatureBlock:
    return SignatureBlock("Trưởng Công an xã", "Trần Văn Hùng", recipients=("Công an tỉnh", "Lưu: VT"))


@dataclass
class Rendered:
    path: Path
    data: bytes
    pages: int


@pytest.fixture(scope="module")
def long_doc(vi_catalog: None, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    path = tmp_path_factory.mktemp("pdf") / "long.pdf"
    flowables = [
        heading("I. Thông tin người báo tin"),
        key_value_table([("Họ và tên:", NAME), ("Địa chỉ:", "Thôn Đồng Bèn, xã Tân Lập")]),
        paragraph("Hôm nay, tại trụ sở Công an xã, chúng tôi đã tiếp nhận tin báo về tội phạm. " * 4),
        heading("II. Danh sách hồ sơ"),
        data_table(COLUMNS, _rows(150)),
    ]
    pages = build_pdf(path, _header(), flowables, _signature(), footer_note="Tài liệu mật")
    return Rendered(path, path.read_bytes(), pages)


def _page_text(path: Path, page: int) -> str:
    out = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return " ".join(out.stdout.split())


def _pdf_page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page(?![a-zA-Z])", data))


# --- checks that need no external tool -------------------------------------------------------------


def test_margins_are_inside_the_decree_ranges() -> None:
    for side, (low, high) in MARGIN_RANGES_MM.items():
        assert low <= MARGINS_MM[side] <= high, side
    geo = page_geometry()
    assert round(geo.width / mm) == 210 and round(geo.height / mm) == 297
    assert geo.left == MARGINS_MM["left"] * mm and geo.right == MARGINS_MM["right"] * mm
    wide = page_geometry(landscape=True)
    assert wide.width > wide.height and wide.top == geo.top


def test_pdf_is_a4_and_embeds_the_bundled_font(long_doc: Rendered) -> None:
    assert long_doc.pages >= 3
    assert _pdf_page_count(long_doc.data) == long_doc.pages
    boxes = re.findall(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", long_doc.data)
    assert len(boxes) == long_doc.pages
    assert all(abs(float(w) - 595.28) < 0.1 and abs(float(h) - 841.89) < 0.1 for w, h in boxes)
    assert b"/FontFile2" in long_doc.data  # embedded TrueType programs
    assert re.search(rb"/BaseFont /[A-Z]{6}\+LiberationSerif\b", long_doc.data)
    assert re.search(rb"/BaseFont /[A-Z]{6}\+LiberationSerif-Bold\b", long_doc.data)
    assert b"/Times-Roman" not in long_doc.data  # no built-in font without Vietnamese glyphs


def test_landscape_page_size(tmp_path: Path) -> None:
    pages = build_pdf(tmp_path / "l.pdf", _header(), [paragraph("Nội dung")], None, landscape=True)
    data = (tmp_path / "l.pdf").read_bytes()
    width, height = (float(v) for v in re.findall(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", data)[0])
    assert pages == 1 and width > height and abs(width - 841.89) < 0.1


def test_build_into_buffer_returns_page_count() -> None:
    import io

    buf = io.BytesIO()
    pages = build_pdf(buf, _header(), [paragraph("Một trang")], _signature())
    assert pages == 1 and buf.getvalue().startswith(b"%PDF") and _pdf_page_count(buf.getvalue()) == 1


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (dt.date(2026, 2, 5), "Xã X, ngày 05 tháng 02 năm 2026"),
        (dt.date(2026, 1, 31), "Xã X, ngày 31 tháng 01 năm 2026"),
        (dt.date(2026, 3, 9), "Xã X, ngày 09 tháng 3 năm 2026"),
        (dt.date(2026, 11, 10), "Xã X, ngày 10 tháng 11 năm 2026"),
    ],
)
def test_official_date_line_vi_zero_pads_days_and_early_months(date: dt.date, expected: str) -> None:
    assert official_date_line("Xã X", date, "vi") == expected


def test_official_date_line_en() -> None:
    assert official_date_line("Xã X", dt.date(2026, 2, 5), "en") == "Xã X, 5 February 2026"
    assert official_date_line("", dt.date(2026, 12, 25), "vi") == "ngày 25 tháng 12 năm 2026"


def test_format_doc_number() -> None:
    assert format_doc_number(1, 2026, "BB-CAX") == "01/2026/BB-CAX"
    assert format_doc_number(9, 2026, "/BC-CAX/") == "09/2026/BC-CAX"
    assert format_doc_number(12, None, "BB-CAX") == "12/BB-CAX"
    assert format_doc_number(123, 2026, "BB-CAX") == "123/2026/BB-CAX"
    with pytest.raises(ValueError):
        format_doc_number(0, 2026, "BB-CAX")


def test_register_fonts_is_idempotent_and_reports_missing_files(tmp_path: Path) -> None:
    first = fonts.register_fonts()
    assert fonts.register_fonts() == first
    with pytest.raises(UserError) as info:
        fonts.register_fonts(tmp_path)
    assert info.value.code == "font_missing" and str(tmp_path) in str(info.value)


def test_table_rejects_ragged_rows_and_shrinks_to_frame() -> None:
    with pytest.raises(ValueError):
        data_table(COLUMNS, [["a", "b"]])
    wide = data_table([Column("A", 150), Column("B", 150)], [["x", "y"]])
    width, _height = wide.wrap(page_geometry().content_width, 10_000)
    assert width <= page_geometry().content_width + 0.01


def test_charts_fit_the_text_width_and_validate_lengths() -> None:
    bar = charts.bar_chart_targets(["Tiếp nhận", "Giải quyết"], [100.0, 87.5], [100.0, 90.0])
    trend = charts.trend_chart(["Q1", "Q2", "Q3"], {"Tin báo": [3, 5, 2]})
    for drawing in (bar, trend):
        assert drawing.width <= page_geometry().content_width + 0.01
    with pytest.raises(ValueError):
        charts.bar_chart_targets(["a"], [1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        charts.trend_chart(["Q1"], {"s": [1, 2]})
    assert charts.nice_scale(105, (1, 2, 2.5, 5, 10)) == (125.0, 25.0)
    assert charts.nice_scale(7) == (8.0, 2.0)


# --- checks on the extracted text (poppler) -------------------------------------------------------


@needs_poppler
def test_every_page_has_national_header_only_on_first_and_numbered_footer(long_doc: Rendered) -> None:
    total = long_doc.pages
    for page in range(1, total + 1):
        text = _page_text(long_doc.path, page)
        assert f"Trang {page}/{total}" in text
        assert "Tài liệu mật" in text
        assert (NATIONAL_NAME in text) == (page == 1)
    first = _page_text(long_doc.path, 1)
    assert NATIONAL_MOTTO in first
    assert "CÔNG AN TỈNH TUYÊN QUANG" in first and "CÔNG AN XÃ TÂN LẬP" in first
    assert "Số: 01/2026/BB-CAX" in first
    assert "Xã Tân Lập, ngày 05 tháng 02 năm 2026" in first
    assert "BIÊN BẢN" in first
    last = _page_text(long_doc.path, total)
    assert "TRƯỞNG CÔNG AN XÃ" in last and "(Ký, ghi rõ họ tên)" in last and "Trần Văn Hùng" in last
    assert "Nơi nhận:" in last


@needs_poppler
def test_table_header_repeats_and_no_row_is_lost(long_doc: Rendered) -> None:
    texts = [_page_text(long_doc.path, p) for p in range(1, long_doc.pages + 1)]
    table_pages = [i for i, text in enumerate(texts) if "HS-" in text]
    assert len(table_pages) >= 3
    for index in table_pages:
        for column in COLUMNS:
            assert column.title in texts[index], (index + 1, column.title)
    everything = " ".join(texts)
    for i in range(1, 151):
        assert everything.count(f"HS-{i:03d}") == 1, i


@needs_poppler
def test_vietnamese_text_survives_extraction(long_doc: Rendered) -> None:
    everything = " ".join(_page_text(long_doc.path, p) for p in range(1, long_doc.pages + 1))
    assert NAME in everything
    assert f"{NAME} 150" in everything
    words = set(everything.split())
    missing = [word for word in TONES.split() if word not in words]
    assert not missing


def _word_boxes(path: Path) -> list[tuple[float, float, float, float, float, float, str]]:
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True)
    boxes = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out.stdout, re.S):
        width, height = float(page.group(1)), float(page.group(2))
        for w in re.finditer(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', page.group(3)
        ):
            x0, y0, x1, y1 = (float(w.group(i)) for i in range(1, 5))
            boxes.append((width, height, x0, y0, x1, y1, w.group(5)))
    return boxes


@needs_poppler
def test_printed_text_stays_inside_the_margins(long_doc: Rendered) -> None:
    boxes = _word_boxes(long_doc.path)
    width, height = boxes[0][0], boxes[0][1]
    body = [b for b in boxes if b[5] <= height - MARGINS_MM["bottom"] * mm]
    footer = [b for b in boxes if b[3] > height - MARGINS_MM["bottom"] * mm]
    tol = 0.5 * mm
    left = min(b[2] for b in body) / mm
    right = (width - max(b[4] for b in body)) / mm
    top = min(b[3] for b in body) / mm
    assert MARGIN_RANGES_MM["left"][0] - 0.5 <= left <= MARGIN_RANGES_MM["left"][1]
    assert MARGIN_RANGES_MM["right"][0] - 0.5 <= right <= MARGIN_RANGES_MM["right"][1]
    assert MARGIN_RANGES_MM["top"][0] - 0.5 <= top <= MARGIN_RANGES_MM["top"][1]
    assert all(b[5] <= height - MARGINS_MM["bottom"] * mm + tol for b in body)
    assert {b[6] for b in footer} >= {"Trang"}
    assert all(b[5] <= height - 5 * mm for b in footer)  # the footer is not at the paper's edge


@needs_poppler
def test_motto_stays_vietnamese_in_english(tmp_path: Path) -> None:
    previous = i18n.language()
    i18n.set_language("en")
    try:
        header = DocumentHeader(
            "Parent", "Commune police", "01/2026/BB-CAX", "Tân Lập", dt.date(2026, 2, 5), "Record"
        )
        build_pdf(tmp_path / "en.pdf", header, [paragraph("Body")], SignatureBlock("Chief", "A. Name"))
    finally:
        i18n.set_language(previous)
    text = _page_text(tmp_path / "en.pdf", 1)
    assert NATIONAL_NAME in text and NATIONAL_MOTTO in text
    assert "Page 1/1" in text and "Tân Lập, 5 February 2026" in text
    assert "(Sign and write full name)" in text


@needs_poppler
def test_charts_render_vietnamese_labels_and_values(vi_catalog: None, tmp_path: Path) -> None:
    labels = ["Tỷ lệ tiếp nhận, xử lý tố giác", "Tỷ lệ phát hiện"]
    flowables = [
        charts.bar_chart_targets(labels, [100.0, 92.3], [100.0, 90.0]),
        charts.trend_chart(["Quý I", "Quý II"], {"Nạn nhân được hỗ trợ": [1, 4]}),
    ]
    build_pdf(tmp_path / "c.pdf", _header(), flowables, None)
    text = _page_text(tmp_path / "c.pdf", 1)
    for expected in ("Tỷ lệ phát hiện", "92,3%", "90%", "Chỉ tiêu", "Kết quả đạt được", "Quý II", "Nạn nhân"):
        assert expected in text, expected
