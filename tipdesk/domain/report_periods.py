"""Reporting periods: quarter, half-year, year or any date range, under an editable cut-off rule.

The cut-off rules are data (``resources/data/report_periods.json``, or an edited copy in the
installation's data folder): calendar periods by default, and the "15th to 14th" statistical
periods attributed to Decree 09/2019/NĐ-CP Art 12 (UNCONFIRMED, hence data, not code).

A rule moves the first day of a period to ``start_day`` of its first month shifted by
``start_month_offset`` months, and its last day to ``end_day`` of its last month (``None``: the
month's last day). Under the 15th-to-14th rule, quarter I of 2026 runs from 15/12/2025 to
14/03/2026 and the year 2026 from 15/12/2025 to 14/12/2026.

Dates are Vietnam local calendar dates; both ends are included. ``Period.bounds()`` gives the
half-open UTC instants ``[start 00:00, day after end 00:00)`` in Vietnam local time.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from tipdesk.domain import refdata
from tipdesk.domain.deadlines import VN_TZ, add_months
from tipdesk.errors import UserError
from tipdesk.i18n import _, language

FILE_NAME = "report_periods.json"
FORMAT = 1
ROMAN = ("I", "II", "III", "IV")
MAX_RANGE_DAYS = 3660


class PeriodKind(StrEnum):
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"
    RANGE = "range"


_MONTHS: Mapping[PeriodKind, int] = {PeriodKind.QUARTER: 3, PeriodKind.HALF: 6, PeriodKind.YEAR: 12}


@dataclass(frozen=True)
class CutoffRule:
    code: str
    name_vi: str
    name_en: str
    start_day: int
    start_month_offset: int
    end_day: int | None  # None: the last day of the month
    legal_ref: str = ""
    unconfirmed: bool = False

    def name(self, lang: str | None = None) -> str:
        return self.name_vi if (lang or language()) == "vi" else self.name_en

    def span(self, year: int, first_month: int, months: int) -> tuple[dt.date, dt.date]:
        """First and last day of the period made of ``months`` months from ``first_month`` of ``year``."""
        first = add_months(dt.date(year, first_month, 1), self.start_month_offset)
        start = first.replace(day=self.start_day)
        last = add_months(dt.date(year, first_month, 1), months - 1)
        end_day = self.end_day or calendar.monthrange(last.year, last.month)[1]
        return start, last.replace(day=end_day)


@dataclass(frozen=True)
class PeriodRules:
    default: str
    rules: tuple[CutoffRule, ...]

    def rule(self, code: str | None = None) -> CutoffRule:
        wanted = code or self.default
        for rule in self.rules:
            if rule.code == wanted:
                return rule
        raise UserError(_("Unknown cut-off rule “{code}”; known: {known}.").format(
            code=wanted, known=", ".join(r.code for r in self.rules)), code="cutoff_unknown")


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: dt.date
    end: dt.date
    year: int = 0
    index: int = 0  # quarter 1-4 or half 1-2
    rule_code: str = ""  # the cut-off rule ("" for a date range)

    @property
    def code(self) -> str:
        """The text ``parse_period`` reads back: 2026-Q1, 2026-H2, 2026 or 2026-01-01:2026-03-31."""
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year}-Q{self.index}"
        if self.kind is PeriodKind.HALF:
            return f"{self.year}-H{self.index}"
        if self.kind is PeriodKind.YEAR:
            return str(self.year)
        return f"{self.start.isoformat()}:{self.end.isoformat()}"

    def label(self) -> str:
        """"quý I năm 2026", "6 tháng đầu năm 2026", "năm 2026", "từ 01/01/2026 đến 31/03/2026"."""
        if self.kind is PeriodKind.QUARTER:
            return _("quarter {roman} of {year}").format(roman=ROMAN[self.index - 1], year=self.year)
        if self.kind is PeriodKind.HALF:
            text = _("first six months of {year}") if self.index == 1 else _("last six months of {year}")
            return text.format(year=self.year)
        if self.kind is PeriodKind.YEAR:
            return _("the year {year}").format(year=self.year)
        return _("from {start} to {end}").format(start=short_date(self.start), end=short_date(self.end))

    def short_label(self) -> str:
        """For chart axes: "Q1/2026", "H1/2026", "2026", "01/01–31/03/2026"."""
        if self.kind is PeriodKind.QUARTER:
            return _("Q{index}/{year}").format(index=self.index, year=self.year)
        if self.kind is PeriodKind.HALF:
            return _("H{index}/{year}").format(index=self.index, year=self.year)
        if self.kind is PeriodKind.YEAR:
            return str(self.year)
        return f"{self.start:%d/%m}–{self.end:%d/%m/%Y}"

    def dates_label(self) -> str:
        return _("from {start} to {end}").format(start=short_date(self.start), end=short_date(self.end))

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """``[start, end)`` as aware instants: local midnight of the first day and of the day after the last."""
        return local_midnight(self.start), local_midnight(self.end + dt.timedelta(days=1))

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def short_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=VN_TZ)


# --- building periods -------------------------------------------------------------------------------------


def make_period(kind: PeriodKind, year: int, index: int, rule: CutoffRule) -> Period:
    """Quarter ``index`` (1-4), half ``index`` (1-2) or the year (``index`` ignored) under ``rule``."""
    if kind is PeriodKind.RANGE:
        raise ValueError("a date range is not built from a year")
    months = _MONTHS[kind]
    count = 12 // months
    if kind is PeriodKind.YEAR:
        index = 1
    if not 1 <= index <= count or not 1900 < year < 9999:
        raise UserError(_("There is no such period."), code="period_invalid")
    start, end = rule.span(year, (index - 1) * months + 1, months)
    return Period(kind, start, end, year, index if kind is not PeriodKind.YEAR else 0, rule.code)


def date_range(start: dt.date, end: dt.date) -> Period:
    if end < start:
        raise UserError(_("The period ends before it starts."), code="period_invalid")
    if (end - start).days > MAX_RANGE_DAYS:
        raise UserError(_("A report covers at most ten years."), code="period_invalid")
    return Period(PeriodKind.RANGE, start, end)


_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])")
_HALF = re.compile(r"(\d{4})-[Hh]([12])")
_YEAR = re.compile(r"(\d{4})")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2}):(\d{4}-\d{2}-\d{2})")


def parse_period(text: str, rule: CutoffRule) -> Period:
    """Read ``2026-Q1``, ``2026-H1``, ``2026`` or ``FROM:TO`` (ISO dates, both included)."""
    value = text.strip()
    if m := _QUARTER.fullmatch(value):
        return make_period(PeriodKind.QUARTER, int(m[1]), int(m[2]), rule)
    if m := _HALF.fullmatch(value):
        return make_period(PeriodKind.HALF, int(m[1]), int(m[2]), rule)
    if m := _YEAR.fullmatch(value):
        return make_period(PeriodKind.YEAR, int(m[1]), 1, rule)
    if m := _RANGE.fullmatch(value):
        try:
            start, end = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
        except ValueError:
            raise _bad_period(value) from None
        return date_range(start, end)
    raise _bad_period(value)


def _bad_period(value: str) -> UserError:
    return UserError(_("“{value}” is not a period: write 2026-Q1, 2026-H1, 2026 or 2026-01-01:2026-03-31.")
                     .format(value=value), code="period_invalid")


def period_containing(day: dt.date, kind: PeriodKind, rule: CutoffRule) -> Period:
    """The quarter, half-year or year (under ``rule``) that ``day`` falls in."""
    count = 12 // _MONTHS[kind]
    for year in (day.year - 1, day.year, day.year + 1):
        for index in range(1, count + 1):
            period = make_period(kind, year, index, rule)
            if period.contains(day):
                return period
    raise UserError(_("The cut-off rule leaves {day} outside every period.").format(day=short_date(day)),
                    code="cutoff_gap")


def previous(period: Period, rule: CutoffRule) -> Period:
    """The period just before ``period``: same kind, or a date range of the same length."""
    if period.kind is PeriodKind.RANGE:
        length = period.end - period.start
        end = period.start - dt.timedelta(days=1)
        return Period(PeriodKind.RANGE, end - length, end)
    if period.kind is PeriodKind.YEAR:
        return make_period(PeriodKind.YEAR, period.year - 1, 1, rule)
    count = 12 // _MONTHS[period.kind]
    if period.index == 1:
        return make_period(period.kind, period.year - 1, count, rule)
    return make_period(period.kind, period.year, period.index - 1, rule)


def trend_periods(period: Period, rule: CutoffRule, count: int = 4) -> list[Period]:
    """``count`` consecutive periods ending with ``period``, oldest first."""
    result = [period]
    while len(result) < count:
        result.append(previous(result[-1], rule))
    return list(reversed(result))


# --- loading the rules ------------------------------------------------------------------------------------


def load_period_rules(path: Path | None = None) -> PeriodRules:
    """The shipped rules, or those of ``path`` (an edited copy). Malformed files raise ``UserError``."""
    if path is None:
        return parse_period_rules(refdata.load(FILE_NAME), FILE_NAME)
    return parse_period_rules(refdata.read_json(path), str(path))


def rules_for(data_dir: Path | None) -> PeriodRules:
    """The installation's edited copy (``<data dir>/report_periods.json``) if any, else the shipped rules."""
    override = data_dir / FILE_NAME if data_dir is not None else None
    return load_period_rules(override if override is not None and override.exists() else None)


def _day(item: Mapping[str, Any], name: str, where: str, source: str, allow_last: bool) -> int | None:
    value = item.get(name)
    if allow_last and value == "last":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 28:
        return value
    hint = _("a day from 1 to 28, or “last”") if allow_last else _("a day from 1 to 28")
    raise refdata.invalid(source, _("{where}: “{field}” must be {hint}").format(where=where, field=name, hint=hint))


def _parse_rule(item: Mapping[str, Any], index: int, source: str) -> CutoffRule:
    where = _("rule {index}").format(index=index)
    offset = refdata.field(item, "start_month_offset", int, where, source)
    if not -11 <= offset <= 0:
        raise refdata.invalid(source, _("{where}: “start_month_offset” must be between -11 and 0").format(
            where=where))
    start_day = _day(item, "start_day", where, source, allow_last=False)
    assert start_day is not None
    return CutoffRule(
        code=refdata.text(item, "code", where, source),
        name_vi=refdata.text(item, "vi", where, source),
        name_en=refdata.text(item, "en", where, source),
        start_day=start_day,
        start_month_offset=offset,
        end_day=_day(item, "end_day", where, source, allow_last=True),
        legal_ref=refdata.optional(item, "legal_ref", str, where, source, ""),
        unconfirmed=refdata.optional(item, "unconfirmed", bool, where, source, False),
    )


def parse_period_rules(data: Any, source: str) -> PeriodRules:
    if not isinstance(data, dict) or refdata.field(data, "format", int, source, source) != FORMAT:
        raise refdata.invalid(source, _("unsupported format version"))
    items = refdata.object_list(data, "rules", source)
    rules = tuple(_parse_rule(item, index, source) for index, item in enumerate(items, start=1))
    refdata.unique_codes([r.code for r in rules], source)
    for rule in rules:
        _check_contiguous(rule, source)
    default = refdata.text(data, "default", source, source)
    if default not in {r.code for r in rules}:
        raise refdata.invalid(source, _("the default rule “{code}” is not in the list").format(code=default))
    return PeriodRules(default, rules)


def _check_contiguous(rule: CutoffRule, source: str) -> None:
    """Consecutive quarters must neither overlap nor leave a gap (checked over one year)."""
    quarters = [make_period(PeriodKind.QUARTER, 2024, i, rule) for i in (1, 2, 3, 4)]
    quarters.append(make_period(PeriodKind.QUARTER, 2025, 1, rule))
    for before, after in zip(quarters, quarters[1:], strict=False):
        if after.start != before.end + dt.timedelta(days=1):
            raise refdata.invalid(source, _("rule “{code}”: consecutive periods overlap or leave a gap")
                                  .format(code=rule.code))


def rules_to_json(rules: PeriodRules) -> dict[str, Any]:
    """The JSON form of ``rules`` (what an edited copy contains)."""
    return {
        "format": FORMAT,
        "default": rules.default,
        "rules": [_rule_json(r) for r in rules.rules],
    }


def _rule_json(r: CutoffRule) -> dict[str, Any]:
    return {"code": r.code, "vi": r.name_vi, "en": r.name_en, "start_day": r.start_day,
            "start_month_offset": r.start_month_offset, "end_day": "last" if r.end_day is None else r.end_day,
            "legal_ref": r.legal_ref, "unconfirmed": r.unconfirmed}


def kinds() -> Sequence[PeriodKind]:
    return (PeriodKind.QUARTER, PeriodKind.HALF, PeriodKind.YEAR, PeriodKind.RANGE)
