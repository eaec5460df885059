"""Spreadsheet exports of every table of a report (.xlsx with openpyxl, .csv UTF-8 with BOM) and the PDF.

``report_sheets`` lays a ``ReportData`` out as plain sheets (title, heading row, rows of text and
numbers); the .xlsx writes one worksheet per sheet, the .csv writes them one after the other,
each under its title and separated by an empty line, in UTF-8 with a byte-order mark so that
Excel reads the Vietnamese text correctly. Numbers stay numbers (rates in percent, one decimal,
with a decimal point). Files are written atomically.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tipdesk.domain.kpi import KpiTargets
from tipdesk.i18n import _
from tipdesk.services.reports_types import (
    ExportResult,
    FigureRef,
    KpiPart,
    KpiResult,
    ReportData,
    StatTable,
    vn_time,
)

FORMATS = ("pdf", "xlsx", "csv")
Cell = str | int | float | None
SHEET_NAME_CHARS = 31


@dataclass(frozen=True)
class Sheet:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    kind: str = ""  # about, kpi, table, trend, kpi_units, units, communes
    key: str = ""  # the statistics table of a "table" or "units" sheet

    def name(self, index: int) -> str:
        clean = re.sub(r"[\[\]:*?/\\']", " ", self.title)
        return f"{index:02d} {clean}"[:SHEET_NAME_CHARS].rstrip()


def _rate(value: float | None) -> Cell:
    return None if value is None else round(value, 1)


def _kpi_sheet(kpis: Sequence[KpiResult]) -> Sheet:
    header = (_("No."), _("Target"), _("Numerator"), _("Denominator"), _("Rate (%)"), _("Goal"), _("Assessment"),
              _("How it is counted"))
    rows = tuple((i, k.name, k.numerator, k.denominator, _rate(k.rate), k.target_text, k.verdict, k.footnote)
                 for i, k in enumerate(kpis, start=1))
    return Sheet(_("Results against the targets"), header, rows, "kpi")


def _table_sheet(table: StatTable) -> Sheet:
    rows: list[tuple[Cell, ...]]
    if table.money:
        header: tuple[str, ...] = (table.category_title, _("Entries"), _("Persons"), _("Amount (VND)"))
        rows = [(r.label, r.count, r.persons, r.amount_vnd) for r in table.rows]
        rows.append((_("Total"), sum(r.count for r in table.rows), None, sum(r.amount_vnd or 0 for r in table.rows)))
    else:
        header = (table.category_title, _("Number"), _("Share (%)"))
        rows = [(r.label, r.count, _share(r.count, table.total)) for r in table.rows]
        rows.append((_("Total"), table.total, 100.0 if table.total else None))
    return Sheet(table.title, header, tuple(rows), "table", table.key)


def _share(count: int, total: int) -> Cell:
    return round(100.0 * count / total, 1) if total else None


def _by_unit_sheet(table: StatTable) -> Sheet:
    codes = [r.code for r in table.rows]
    header = (_("Commune code"), _("Commune"), *(r.label for r in table.rows), _("Total"), _("Note"))
    rows: list[tuple[Cell, ...]] = []
    for unit in table.by_unit:
        values = [unit.counts.get(code, 0) for code in codes]
        note = _("no batch sent in the period") if unit.no_batch else ""
        rows.append((unit.unit_code, unit.unit_name, *values, sum(values), note))
    if table.money:
        header += (_("Amount (VND)"),)
        rows = [(*row, sum(u.amounts.values())) for row, u in zip(rows, table.by_unit, strict=True)]
    return Sheet(_("{title} — by commune").format(title=table.title), header, tuple(rows), "units", table.key)


def _kpi_by_unit_sheet(data: ReportData) -> Sheet:
    parts = (_("numerator"), _("denominator"), _("rate (%)"))
    header: tuple[str, ...] = (_("Commune code"), _("Commune"))
    for k in data.kpis:
        header += tuple(f"{k.short_name}: {part}" for part in parts)
    rows = tuple((u.unit_code, u.unit_name, *(v for k in u.kpis for v in (k.numerator, k.denominator, _rate(k.rate))))
                 for u in data.kpi_by_unit)
    return Sheet(_("Results against the targets — by commune"), header, rows, "kpi_units")


def _trend_sheet(data: ReportData) -> Sheet:
    names = list(data.trend.counts) + [f"{n} (%)" for n in data.trend.rates]
    rows = []
    for i, label in enumerate(data.trend.periods):
        values: list[Cell] = [v[i] for v in data.trend.counts.values()]
        values += [_rate(v[i]) for v in data.trend.rates.values()]
        rows.append((label, *values))
    return Sheet(_("Trend over the last periods"), (_("Period"), *names), tuple(rows), "trend")


def _communes_sheet(data: ReportData) -> Sheet:
    rows = tuple((c.unit_code, c.unit_name, _("yes") if c.sent_batch else _("no batch sent in the period"),
                  _("yes") if c.has_data else _("no"))
                 for c in data.communes)
    header = (_("Commune code"), _("Commune"), _("Batch received for the period"), _("Records in the period"))
    return Sheet(_("Communes and data received"), header, rows, "communes")


def _about_sheet(data: ReportData, number: str) -> Sheet:
    rule = data.rule.name() if data.rule else _("Date range chosen by the user")
    rows: list[tuple[Cell, ...]] = [
        (_("Unit"), data.unit_name),
        (_("Period"), f"{data.period.label()} ({data.period.dates_label()})"),
        (_("Cut-off rule"), rule),
        (_("Figures as of"), vn_time(data.as_of)),
        (_("Plan"), data.plan_ref),
    ]
    if number:
        rows.append((_("Report number"), number))
    return Sheet(_("About this report"), (_("Item"), _("Value")), tuple(rows), "about")


def report_sheets(data: ReportData, number: str = "") -> list[Sheet]:
    """Every table of the report, in report order (province: then the by-commune tables)."""
    sheets = [_about_sheet(data, number), _kpi_sheet(data.kpis)]
    sheets += [_table_sheet(t) for t in data.tables]
    sheets.append(_trend_sheet(data))
    if data.kpi_by_unit:
        sheets.append(_kpi_by_unit_sheet(data))
    sheets += [_by_unit_sheet(t) for t in data.tables if t.by_unit]
    if data.communes:
        sheets.append(_communes_sheet(data))
    return sheets


def figure_at(data: ReportData, sheet: Sheet, row: int, column: int) -> FigureRef | None:
    """The figure behind a cell of ``sheet`` (as laid out by ``report_sheets``), or None (a label, a total)."""
    if sheet.kind == "kpi" and row < len(data.kpis):
        part = KpiPart.DENOMINATOR if column == 3 else KpiPart.NUMERATOR
        return FigureRef(data.kpis[row].code, part=part)
    if sheet.kind == "kpi_units" and row < len(data.kpi_by_unit) and column >= 2:
        unit = data.kpi_by_unit[row]
        index, offset = divmod(column - 2, 3)
        if index < len(unit.kpis):
            part = KpiPart.DENOMINATOR if offset == 1 else KpiPart.NUMERATOR
            return FigureRef(unit.kpis[index].code, part=part, unit_code=unit.unit_code)
    if sheet.kind == "table":
        table = data.table(sheet.key)
        if row < len(table.rows):
            return FigureRef(table.key, table.rows[row].code)
    if sheet.kind == "units":
        table = data.table(sheet.key)
        if row < len(table.by_unit) and 2 <= column < 2 + len(table.rows):
            return FigureRef(table.key, table.rows[column - 2].code, unit_code=table.by_unit[row].unit_code)
    return None


# --- writers ----------------------------------------------------------------------------------------------


def _atomic(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(sheets: Sequence[Sheet], path: Path) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    for index, sheet in enumerate(sheets):
        if index:
            writer.writerow([])
        writer.writerow([sheet.title])
        writer.writerow(sheet.header)
        writer.writerows([["" if v is None else v for v in row] for row in sheet.rows])
    _atomic(path, lambda fh: fh.write(text.getvalue().encode("utf-8-sig")))


def write_xlsx(sheets: Sequence[Sheet], path: Path, title: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    book.properties.title = title
    bold = Font(bold=True)
    for index, sheet in enumerate(sheets, start=1):
        ws = book.create_sheet(sheet.name(index))
        ws.append([sheet.title])
        ws["A1"].font = Font(bold=True, size=12)
        ws.append(list(sheet.header))
        for cell in ws[2]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in sheet.rows:
            ws.append(list(row))
        ws.freeze_panes = "A3"
        for col, head in enumerate(sheet.header, start=1):
            longest = max([len(str(head))] + [len(str(r[col - 1] or "")) for r in sheet.rows[:200]])
            ws.column_dimensions[get_column_letter(col)].width = min(max(10, longest + 2), 60)
    _atomic(path, book.save)


def write(data: ReportData, path: Path, fmt: str, *, targets: KpiTargets, number: str, signer_name: str,
          lang: str) -> ExportResult:
    if fmt == "pdf":
        from tipdesk.reports.periodic import render_report

        pages = render_report(data, path, targets=targets, number=number, signer_name=signer_name, lang=lang)
        return ExportResult(str(path), fmt, pages=pages, number=number)
    sheets = report_sheets(data, number)
    if fmt == "csv":
        write_csv(sheets, path)
    else:
        write_xlsx(sheets, path, _("Report {period}").format(period=data.period.label()))
    return ExportResult(str(path), fmt, tables=len(sheets), number=number)

