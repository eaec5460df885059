"""Exports of the periodic report: the Decree 30 PDF, .xlsx and .csv; no identity data; permissions; audit; CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.conftest import USER_PASSWORD, Installed
from tests.unit.reports_support import PersonSpec, TipSpec, demo_data, insert, user_desk, vietnamese, vn
from tests.unit.test_cli import tipdesk
from tipdesk.clock import FixedClock
from tipdesk.errors import PermissionDenied, UserError
from tipdesk.services.context import Desk
from tipdesk.services.reports import ReportService
from tipdesk.services.reports_types import FigureRef

NOW = dt.datetime(2026, 4, 2, 3, 0, tzinfo=dt.UTC)
SECRET_NAMES = ("Hoàng Thị Xuân Mai", "Lò Thị Đức", "Vừ Mí Páo")
SECRET_NUMBERS = ("008301012345", "008180001234", "002095005678")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")


@pytest.fixture
def police(admin_desk: Any, installed: Installed, clock: FixedClock) -> Iterator[Desk]:
    clock.at = NOW
    desk = user_desk(admin_desk, installed, clock, "canbo", "commune_police", "Hoàng Văn Dũng")
    insert(desk, [
        TipSpec(vn(2026, 1, 5), [("transferred", vn(2026, 1, 5, 15))], reporter_name=SECRET_NAMES[1],
                reporter_id_number=SECRET_NUMBERS[1], summary=f"{SECRET_NAMES[0]} bị lừa sang Trung Quốc"),
        TipSpec(vn(2026, 2, 5), [("transferred", vn(2026, 2, 5, 15)), ("decision_prosecute", vn(2026, 3, 1))],
                reporter_name=SECRET_NAMES[2], reporter_id_number=SECRET_NUMBERS[2], country="KH"),
    ], [
        PersonSpec(dt.date(2026, 2, 1), full_name=SECRET_NAMES[0], id_number=SECRET_NUMBERS[0], birth_year=2009,
                   support=[("essential_needs", dt.date(2026, 2, 3), 1_500_000)]),
        PersonSpec(dt.date(2026, 3, 1), full_name=SECRET_NAMES[2], id_number=SECRET_NUMBERS[2],
                   status="identified_victim", sex="male", birth_year=1990),
    ])
    yield desk
    desk.close()


def _no_identity(text: str) -> None:
    for secret in (*SECRET_NAMES, *SECRET_NUMBERS):
        assert secret not in text


@needs_poppler
def test_pdf_is_a_decree30_report_without_identity(police: Desk, tmp_path: Path) -> None:
    with vietnamese(tmp_path / "i18n"):
        service = ReportService(police)
        data = service.build(service.resolve_period("2026-Q1")[0])
        result = service.export(data, tmp_path / "q1.pdf", signer_name="Hoàng Văn Dũng")
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "q1.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert result.pages >= 2 and result.number == "01/BC-CAX"
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "CÔNG AN XÃ THƯỢNG LÂM",
                     "Số: 01/BC-CAX", "BÁO CÁO", "quý I năm 2026", "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU",
                     "Kỳ dương lịch", "Tử số", "Mẫu số", f"Trang 1/{result.pages}", "TRƯỞNG CÔNG AN XÃ",
                     "Hoàng Văn Dũng", "Nơi nhận", "Kinh", "Campuchia", "1.500.000"):
        assert expected in text, expected
    _no_identity(text)


def test_spreadsheets_hold_every_table_with_the_same_figures(police: Desk, tmp_path: Path) -> None:
    service = ReportService(police)
    data = service.build(service.resolve_period("2026-Q1")[0])
    service.export(data, tmp_path / "q1.xlsx")
    service.export(data, tmp_path / "q1.csv")
    book = load_workbook(tmp_path / "q1.xlsx", read_only=True)
    cells = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert len(book.worksheets) == 2 + len(data.tables) + 1  # about, targets, every table, trend
    _no_identity(" ".join(str(c) for c in cells))
    kpi_rows = list(book.worksheets[1].iter_rows(min_row=3, values_only=True))
    assert [(r[2], r[3]) for r in kpi_rows] == [(k.numerator, k.denominator) for k in data.kpis]
    support = next(ws for ws in book.worksheets if ws["A1"].value == data.table("support_by_type").title)
    total = list(support.iter_rows(values_only=True))[-1]
    assert total[1] == 1 and total[3] == 1_500_000
    raw = (tmp_path / "q1.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    _no_identity(text)
    rows = list(csv.reader(io.StringIO(text)))
    titles = {r[0] for r in rows if len(r) == 1}
    assert {t.title for t in data.tables} <= titles
    channel = data.table("tips_by_channel")
    start = next(i for i, r in enumerate(rows) if r == [channel.title])
    assert rows[start + 2][:2] == [channel.rows[0].label, str(channel.rows[0].count)]


def test_export_is_audited_numbered_and_checked(police: Desk, tmp_path: Path) -> None:
    service = ReportService(police)
    data = service.build(service.resolve_period("2026-Q1")[0])
    first = service.export(data, tmp_path / "a.pdf")
    second = service.export(data, tmp_path / "b.pdf")
    assert (first.number, second.number) == ("01/BC-CAX", "02/BC-CAX")
    assert service.export(data, tmp_path / "c.pdf", number="15/BC-CAX").number == "15/BC-CAX"
    with pytest.raises(UserError) as info:
        service.export(data, tmp_path / "q1.docx")
    assert info.value.code == "export_format" and not (tmp_path / "q1.docx").exists()
    rows = _audit_rows(police)
    assert len(rows) == 3 and {r["number"] for r in rows} == {"01/BC-CAX", "02/BC-CAX", "15/BC-CAX"}


def _audit_rows(desk: Desk) -> list[Any]:
    from sqlalchemy import select

    from tipdesk.db.models import AuditEntry

    with desk.read() as session:
        return [json.loads(d) for d in session.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "export", AuditEntry.entity_type == "report"))]


def test_roles(police: Desk, admin_desk: Desk, installed: Installed, clock: FixedClock) -> None:
    period = ReportService(police).resolve_period("2026-Q1")[0]
    with pytest.raises(PermissionDenied):  # the administrator views reports but does not export them
        ReportService(admin_desk).export(ReportService(admin_desk).build(period), installed.data_dir / "x.pdf")
    other_police = user_desk(admin_desk, installed, clock, "canbo2", "commune_police")
    police_page = ReportService(other_police).drill(period, FigureRef("persons_by_sex", "female"))
    # commune police see names only of persons linked to a tip: none here
    assert police_page.total == 1 and not police_page.identity_shown
    _no_identity(json.dumps([r.values for r in police_page.rows], ensure_ascii=False))
    social = user_desk(admin_desk, installed, clock, "xahoi", "social_worker")
    before = len(_identity_audits(social))
    page = ReportService(social).drill(period, FigureRef("persons_by_sex", "female"))
    assert page.identity_shown and SECRET_NAMES[0] in page.rows[0].values
    assert len(_identity_audits(social)) == before + 1
    other_police.close()
    social.close()


def _identity_audits(desk: Desk) -> list[Any]:
    from sqlalchemy import select

    from tipdesk.db.models import AuditEntry

    with desk.read() as session:
        return list(session.scalars(select(AuditEntry.seq).where(AuditEntry.action == "view_identity")))


def test_cli_kpi_report_and_drill(police: Desk, tmp_path: Path) -> None:
    data_dir = police.data_dir
    common = ("--user", "canbo")
    r = tipdesk(data_dir, *common, "kpi", "--period", "2026-Q1", "--json", password=USER_PASSWORD)
    assert r.returncode == 0, r.stderr
    kpis = {k["code"]: k for k in json.loads(r.stdout)["kpis"]}
    assert (kpis["tips_handled"]["numerator"], kpis["tips_handled"]["denominator"]) == (2, 2)
    assert kpis["cases_tried"]["rate"] is None
    out = tmp_path / "bao-cao.xlsx"
    r = tipdesk(data_dir, *common, "report", "--period", "2026-Q1", "--cutoff", "decree09", "--out", str(out),
                password=USER_PASSWORD)
    assert r.returncode == 0 and out.exists(), r.stderr
    r = tipdesk(data_dir, *common, "kpi", "--period", "2026-Q1", "--drill", "tips_handled:numerator", "--json",
                password=USER_PASSWORD)
    assert r.returncode == 0 and json.loads(r.stdout)["total"] == 2
    r = tipdesk(data_dir, *common, "report", "--period", "2026-Q9", password=USER_PASSWORD)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "2026-Q9" in r.stderr


def test_demo_quarter_renders(police: Desk, tmp_path: Path) -> None:
    """A realistic quarter (80 tips, 30 persons over a year) renders with a chart on every section."""
    demo_data(police, tips=80, persons=30)
    with vietnamese(tmp_path / "i18n"):
        service = ReportService(police)
        data = service.build(service.resolve_period("2026-Q1")[0])
        result = service.export(data, tmp_path / "demo.pdf")
    assert result.pages >= 4
    assert sum(data.trend.counts[next(iter(data.trend.counts))]) > 0


def test_every_preview_cell_leads_to_its_figure(police: Desk) -> None:
    from tipdesk.services.reports_export import figure_at, report_sheets
    from tipdesk.services.reports_types import KpiPart

    service = ReportService(police)
    data = service.build(service.resolve_period("2026-Q1")[0])
    sheets = {s.kind + s.key: s for s in report_sheets(data)}
    kpi = sheets["kpi"]
    assert figure_at(data, kpi, 1, 2) == FigureRef("tips_resolved", part=KpiPart.NUMERATOR)
    assert figure_at(data, kpi, 1, 3) == FigureRef("tips_resolved", part=KpiPart.DENOMINATOR)
    channel = sheets["tabletips_by_channel"]
    assert figure_at(data, channel, 0, 1) == FigureRef("tips_by_channel", data.table("tips_by_channel").rows[0].code)
    assert figure_at(data, channel, len(channel.rows) - 1, 1) is None  # the total row
    assert figure_at(data, sheets["about"], 0, 1) is None
    for sheet in sheets.values():  # every figure found drills to exactly as many records as it says
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                figure = figure_at(data, sheet, r, c)
                counted = (sheet.kind == "kpi" and c in (2, 3)) or (sheet.kind == "table" and c == 1)
                if figure is not None and counted:
                    assert service.drill(data.period, figure).total == value, (sheet.title, r, c)
