"""Plain results of the reports service: targets, statistics tables, trends, drill-down pages, dashboard.

Every text in them is already translated; figures are plain numbers. None carries identity data
except a drill-down page shown to a role that may see it (``DrillPage.identity_shown``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from tipdesk import i18n
from tipdesk.domain.deadlines import VN_TZ
from tipdesk.domain.report_periods import CutoffRule, Period
from tipdesk.domain.roles import Profile
from tipdesk.i18n import _


class Subject(StrEnum):
    TIP = "tip"
    PERSON = "person"
    SUPPORT = "support"


class KpiPart(StrEnum):
    NUMERATOR = "numerator"
    DENOMINATOR = "denominator"


def vn_time(value: dt.datetime | None, with_time: bool = True) -> str:
    """An instant in Vietnam local time: "09:30 05/03/2026" (or the date only); "" for None."""
    if value is None:
        return ""
    local = value.astimezone(VN_TZ)
    return local.strftime("%H:%M %d/%m/%Y") if with_time else local.strftime("%d/%m/%Y")


def rate_text(rate: float | None) -> str:
    """"95,2%" (one decimal) or "no data"."""
    if rate is None:
        return _("no data")
    return f"{i18n.format_number(round(rate, 1))}%"


@dataclass(frozen=True)
class KpiResult:
    code: str
    name: str
    short_name: str
    numerator: int
    denominator: int
    rate: float | None  # percent; None: no data (denominator 0)
    target_pct: float
    target_text: str  # "≥ 100%", "> 90%"
    met: bool | None  # None: no data
    footnote: str

    @property
    def rate_text(self) -> str:
        return rate_text(self.rate)

    @property
    def verdict(self) -> str:
        if self.met is None:
            return _("No data")
        return _("Target met") if self.met else _("Target not met")


@dataclass(frozen=True)
class UnitKpis:
    unit_code: str
    unit_name: str
    kpis: tuple[KpiResult, ...]


@dataclass(frozen=True)
class StatRow:
    code: str
    label: str
    count: int
    persons: int | None = None  # support: distinct persons
    amount_vnd: int | None = None  # support: total in VND


@dataclass(frozen=True)
class UnitRow:
    """One commune's figures of a table (province): counts (and VND amounts) by row code."""

    unit_code: str
    unit_name: str
    counts: Mapping[str, int]
    amounts: Mapping[str, int] = field(default_factory=dict)
    no_batch: bool = False  # the commune sent no batch in the period

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class StatTable:
    key: str
    title: str
    subject: Subject
    category_title: str
    rows: tuple[StatRow, ...]
    total: int  # records in the population (a tip with two forms counts once here)
    note: str = ""
    money: bool = False  # rows carry persons and VND amounts
    by_unit: tuple[UnitRow, ...] = ()

    def row(self, code: str) -> StatRow | None:
        return next((r for r in self.rows if r.code == code), None)


@dataclass(frozen=True)
class Trend:
    periods: tuple[str, ...]  # short labels, oldest first
    counts: Mapping[str, tuple[int, ...]]  # series name -> count per period
    rates: Mapping[str, tuple[float | None, ...]]  # target short name -> rate per period


@dataclass(frozen=True)
class CommuneStatus:
    unit_code: str
    unit_name: str
    has_data: bool  # records of the commune counted or changed in the period
    sent_batch: bool  # the province received a batch the commune made in the period (import log)


@dataclass(frozen=True)
class ReportData:
    period: Period
    rule: CutoffRule | None  # None for a date range
    as_of: dt.datetime  # figures count events before this instant
    generated_at: dt.datetime
    profile: Profile
    unit_code: str
    unit_name: str
    province_code: str
    plan_ref: str
    kpis: tuple[KpiResult, ...]
    tables: tuple[StatTable, ...]
    trend: Trend
    kpi_by_unit: tuple[UnitKpis, ...] = ()
    communes: tuple[CommuneStatus, ...] = ()  # province: every commune, with or without data
    scope_unit: str = ""  # province: the one commune the report is limited to

    def table(self, key: str) -> StatTable:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)

    @property
    def silent_communes(self) -> tuple[CommuneStatus, ...]:
        """Communes that sent no batch in the period."""
        return tuple(c for c in self.communes if not c.sent_batch)


@dataclass(frozen=True)
class FigureRef:
    """A figure to drill into: a target (``table`` = its code, ``part``) or a table row (``category``)."""

    table: str
    category: str = ""
    part: KpiPart = KpiPart.NUMERATOR
    unit_code: str = ""  # province: one commune's share of the figure

    def __post_init__(self) -> None:
        object.__setattr__(self, "part", KpiPart(self.part))


@dataclass(frozen=True)
class DrillRow:
    id: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class DrillPage:
    subject: Subject
    title: str
    columns: tuple[str, ...]
    rows: list[DrillRow]
    next_cursor: tuple[object, ...] | None
    total: int
    identity_shown: bool = False


@dataclass(frozen=True)
class DashboardData:
    period: Period
    as_of: dt.datetime
    kpis: tuple[KpiResult, ...]
    tips_overdue: int
    tips_due_soon: int
    persons_overdue: int
    persons_being_identified: int
    persons_follow_up: int  # open follow-up / reintegration items due within the alarm window or late
    essential_needs_over: int  # essential-needs periods past their end and not closed
    trend: Trend


@dataclass(frozen=True)
class ExportResult:
    path: str
    format: str
    pages: int = 0
    tables: int = 0
    number: str = ""
