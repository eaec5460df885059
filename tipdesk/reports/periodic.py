"""The periodic report (quarter, six months, year or a date range) in the Decree 30/2020 layout.

Sections: I. results against the five targets (table, a bar chart of actual against target, one
footnote per target giving its formula); II. tips; III. victims, persons being identified and
support; IV. trend over the last periods; V. (province) figures by commune, with the communes that
sent no batch in the period. Then the signature block and the recipients.

The report prints aggregates only: it is built from a ``ReportData``, which holds no name, no
identity number and no free text of any record.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from typing import IO

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, TableStyle

from tipdesk import i18n
from tipdesk.domain import units
from tipdesk.domain.deadlines import local_date
from tipdesk.domain.kpi import KpiTargets
from tipdesk.domain.report_periods import short_date
from tipdesk.errors import NotFound
from tipdesk.i18n import _
from tipdesk.reports.charts import bar_chart_targets, trend_chart
from tipdesk.reports.decree30 import (
    Column,
    DocumentHeader,
    SignatureBlock,
    build_pdf,
    data_table,
    default_styles,
    heading,
    paragraph,
)
from tipdesk.reports.flowables import CELL_PADDING, GRID_WIDTH, HEADER_BACKGROUND, FitTable, markup
from tipdesk.reports.tip_docs import IssuingUnit
from tipdesk.services.reports_types import KpiResult, ReportData, StatTable, rate_text, vn_time

Target = str | os.PathLike[str] | IO[bytes]
ANNEX_SIZE = 8.5
ANNEX_MAX_COLUMNS = 7  # category columns of a by-commune table; the rest are summed under "Other"
ROMAN = ("I", "II", "III", "IV", "V", "VI")


# --- issuing unit -----------------------------------------------------------------------------------------


def issuing_unit(data: ReportData, targets: KpiTargets, lang: str | None = None) -> IssuingUnit:
    """The header's parent agency and unit: the commune police, or the provincial police."""
    if data.profile.value == "commune":
        return IssuingUnit.for_commune(data.unit_code, data.unit_name)
    parent = targets.report.parent_agency.get("province")
    try:
        province = units.province(data.province_code or data.unit_code)
        phrase = province.name if province.division_type is units.DivisionType.CITY else \
            f"{units.DivisionType.PROVINCE.label} {province.name}"
        phrase = phrase[0].lower() + phrase[1:]
        place = province.name
    except NotFound:
        phrase = place = data.unit_name
    return IssuingUnit(parent.text(lang) if parent else "", _("Police of {unit}").format(unit=phrase), place)


# --- small pieces -----------------------------------------------------------------------------------------


def _number(value: int | None) -> str:
    return "" if value is None else i18n.format_number(value)


def _share(count: int, total: int) -> str:
    return rate_text(100.0 * count / total) if total else "–"


def _styles(size: float) -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    st = default_styles()
    base = ParagraphStyle("annex", fontName=st.fonts.regular, fontSize=size, leading=size * 1.2, splitLongWords=True)
    head = ParagraphStyle("annex_head", parent=base, fontName=st.fonts.bold, alignment=1)
    right = ParagraphStyle("annex_right", parent=base, alignment=2)
    return base, head, right


def compact_table(titles: Sequence[str], widths_mm: Sequence[float], rows: Sequence[Sequence[str]],
                  size: float = ANNEX_SIZE, numeric_from: int = 1) -> FitTable:
    """A small-print gridded table repeating its heading row; columns from ``numeric_from`` align right."""
    base, head, right = _styles(size)
    data: list[list[Flowable]] = [[Paragraph(markup(t), head) for t in titles]]
    for row in rows:
        data.append([Paragraph(markup(v), right if i >= numeric_from else base) for i, v in enumerate(row)])
    table = FitTable(data, colWidths=[w * mm for w in widths_mm], repeatRows=1, splitInRow=1, hAlign="CENTER")
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), GRID_WIDTH, "black"),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING - 1),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING - 1),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def _note(text: str) -> Paragraph:
    st = default_styles()
    style = ParagraphStyle("note", fontName=st.fonts.italic, fontSize=11, leading=13.5, spaceBefore=2,
                           spaceAfter=4)
    return Paragraph(markup(text), style)


def _caption(text: str) -> Paragraph:
    st = default_styles()
    style = ParagraphStyle("caption", fontName=st.fonts.italic, fontSize=11, leading=13.5, alignment=1,
                           spaceBefore=2, spaceAfter=6)
    return Paragraph(markup(text), style)


def _subheading(text: str) -> Paragraph:
    return paragraph(text, "heading")


# --- sections ---------------------------------------------------------------------------------------------


def as_of_text(data: ReportData) -> str:
    """"Figures up to the end of 31/03/2026." or, for a running period, up to the moment of the report."""
    if data.as_of >= data.period.bounds()[1]:
        return _("Figures as recorded up to the end of {day}.").format(day=short_date(data.period.end))
    return _("Figures as recorded up to {moment}.").format(moment=vn_time(data.as_of))


def _intro(data: ReportData, unit: IssuingUnit) -> list[Flowable]:
    rule = data.rule.name() if data.rule else _("a date range chosen by the user")
    scope = ""
    if data.scope_unit:
        scope = " " + _("(figures of {unit} only)").format(unit=units.unit_name(data.scope_unit))
    return [
        paragraph(_("Pursuant to {plan}, {unit} reports the results of the fight against human trafficking in "
                    "{period}{scope} as follows.").format(plan=data.plan_ref, unit=unit.unit_name,
                                                          period=data.period.label(), scope=scope)),
        paragraph(_("Reporting period: {dates}; cut-off rule: {rule}. {as_of}").format(
            dates=data.period.dates_label(), rule=rule, as_of=as_of_text(data))),
    ]


def _kpi_section(kpis: Sequence[KpiResult], number: str) -> list[Flowable]:
    columns = [Column(_("No."), 12, "center"), Column(_("Target"), 55), Column(_("Numerator"), 18, "right"),
               Column(_("Denominator"), 18, "right"), Column(_("Rate"), 19, "right"), Column(_("Goal"), 20, "center"),
               Column(_("Assessment"), 23, "center")]
    rows = [[str(i), f"{k.name} ({i})", _number(k.numerator), _number(k.denominator), k.rate_text, k.target_text,
             k.verdict] for i, k in enumerate(kpis, start=1)]
    no_data = _("no data")
    labels = [k.short_name if k.rate is not None else f"{k.short_name} ({no_data})" for k in kpis]
    chart = bar_chart_targets(labels, [k.rate or 0.0 for k in kpis], [k.target_pct for k in kpis])
    story: list[Flowable] = [heading(_("{number}. Results against the targets").format(number=number)),
                             data_table(columns, rows), Spacer(1, 2 * mm)]
    story += [_note(f"({i}) {k.footnote}") for i, k in enumerate(kpis, start=1)]
    story.append(KeepTogether([Spacer(1, 2 * mm), chart, _caption(_("Chart: rate achieved against each target"))]))
    return story


def stat_table_flowables(index: int, table: StatTable) -> list[Flowable]:
    """One statistics table with its numbered title, a total row and its note."""
    if table.money:
        columns = [Column(_("No."), 12, "center"), Column(table.category_title, 80),
                   Column(_("Entries"), 20, "right"), Column(_("Persons"), 20, "right"),
                   Column(_("Amount (VND)"), 35, "right")]
        rows = [[str(i), r.label, _number(r.count), _number(r.persons), _number(r.amount_vnd)]
                for i, r in enumerate(table.rows, start=1)]
        rows.append(["", _("Total"), _number(sum(r.count for r in table.rows)), "",
                     _number(sum(r.amount_vnd or 0 for r in table.rows))])
    else:
        columns = [Column(_("No."), 12, "center"), Column(table.category_title, 105),
                   Column(_("Number"), 25, "right"), Column(_("Share"), 25, "right")]
        rows = [[str(i), r.label, _number(r.count), _share(r.count, table.total)]
                for i, r in enumerate(table.rows, start=1)]
        rows.append(["", _("Total"), _number(table.total), "100%" if table.total else "–"])
    story: list[Flowable] = [_subheading(f"{index}. {table.title}"), data_table(columns, rows)]
    if table.note:
        story.append(_note(table.note))
    return story


def _tables_section(number: str, title: str, tables: Sequence[StatTable]) -> list[Flowable]:
    story: list[Flowable] = [heading(f"{number}. {title}")]
    for index, table in enumerate(tables, start=1):
        story += stat_table_flowables(index, table)
    return story


def _trend_section(data: ReportData, number: str) -> list[Flowable]:
    trend = data.trend
    story: list[Flowable] = [heading(_("{number}. Trend over the last periods").format(number=number))]
    counts = {name: [float(v) for v in values] for name, values in trend.counts.items()}
    story.append(KeepTogether([trend_chart(list(trend.periods), counts),
                               _caption(_("Chart: tips and persons received per period")), Spacer(1, 2 * mm)]))
    width = 165.0 - 55.0
    columns = [Column(_("Target"), 55)] + [Column(p, width / max(len(trend.periods), 1), "right")
                                            for p in trend.periods]
    rows = [[name, *(rate_text(v) for v in values)] for name, values in trend.rates.items()]
    story += [_subheading(_("Rates of the targets by period")), data_table(columns, rows)]
    return story


def _annex_table(table: StatTable) -> list[Flowable]:
    active = [u for u in table.by_unit if not u.no_batch or u.total]
    if not active:
        return []
    ranked = sorted((r for r in table.rows if any(u.counts.get(r.code) for u in active)), key=lambda r: -r.count)
    shown = ranked[:ANNEX_MAX_COLUMNS]
    rest = [r.code for r in ranked[ANNEX_MAX_COLUMNS:]]
    titles = [_("Commune"), *(r.label for r in shown)] + ([_("Other")] if rest else []) + [_("Total")]
    rows = []
    for u in active:
        cells = [u.unit_name, *(_number(u.counts.get(r.code, 0)) for r in shown)]
        if rest:
            cells.append(_number(sum(u.counts.get(c, 0) for c in rest)))
        cells.append(_number(u.total))
        rows.append(cells)
    numeric = len(titles) - 1
    widths = [40.0] + [125.0 / numeric] * numeric
    return [_subheading(_("{title} — by commune").format(title=table.title)), compact_table(titles, widths, rows)]


def _kpi_annex(data: ReportData) -> list[Flowable]:
    titles = [_("Commune"), *(k.short_name for k in data.kpis)]
    rows = [[u.unit_name, *(f"{k.rate_text} ({_number(k.numerator)}/{_number(k.denominator)})" for k in u.kpis)]
            for u in data.kpi_by_unit]
    widths = [40.0] + [125.0 / len(data.kpis)] * len(data.kpis)
    return [_subheading(_("Results against the targets — by commune")), compact_table(titles, widths, rows)]


def _communes_section(data: ReportData, number: str) -> list[Flowable]:
    silent = data.silent_communes
    total = len(data.communes)
    story: list[Flowable] = [
        heading(_("{number}. Figures by commune").format(number=number)),
        paragraph(_("{sent} of {total} communes, wards and special zones sent at least one batch made in the "
                    "period.").format(sent=total - len(silent), total=total)),
    ]
    if silent:
        story.append(paragraph(_("Communes that sent no batch in the period ({count}): {names}.").format(
            count=len(silent), names=", ".join(c.unit_name for c in silent))))
    if data.kpi_by_unit:
        story += _kpi_annex(data)
    for table in data.tables:
        story += _annex_table(table)
    return story


def report_story(data: ReportData, unit: IssuingUnit) -> list[Flowable]:
    tip_tables = [t for t in data.tables if t.subject.value == "tip"]
    person_tables = [t for t in data.tables if t.subject.value != "tip"]
    story = _intro(data, unit)
    story += _kpi_section(data.kpis, ROMAN[0])
    story += _tables_section(ROMAN[1], _("Receipt and resolution of tips"), tip_tables)
    story += _tables_section(ROMAN[2], _("Victims, persons being identified and support"), person_tables)
    story += _trend_section(data, ROMAN[3])
    if data.communes:
        story += _communes_section(data, ROMAN[4])
    return story


def render_report(data: ReportData, target: Target, *, targets: KpiTargets, number: str = "",
                  signer_name: str = "", lang: str | None = None, on_date: dt.date | None = None) -> int:
    """Write the PDF and return its page count."""
    unit = issuing_unit(data, targets, lang)
    settings = targets.report
    profile = data.profile.value
    suffix = settings.number_suffix.get(profile, "BC")
    header = DocumentHeader(
        parent_agency=unit.parent_agency, unit_name=unit.unit_name,
        number=number or f"{' ' * 8}/{suffix}", place=unit.place,
        date=on_date or local_date(data.generated_at), title=_("Report"),
        subtitle=settings.subject.text(lang).format(period=data.period.label()), lang=lang,
    )
    signer = settings.signer.get(profile)
    signature = SignatureBlock(signer.text(lang) if signer else "", signer_name,
                               recipients=[r.text(lang) for r in settings.recipients.get(profile, ())])
    return build_pdf(target, header, report_story(data, unit), signature)
