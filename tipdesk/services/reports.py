"""Periodic reports: the five targets, the statistics tables, trends, the dashboard and exports.

``ReportService(desk)`` is the facade the GUI and the CLI use. Everything is counted with SQL
aggregates over the tips and persons tables (``reports_kpi``, ``reports_stats``); no report ever
carries a name or an identity number. The records behind a figure are listed by
``ReportService.drill`` (``reports_drill``), masked for the role.

Periods (quarter, half-year, year or a date range) and cut-off rules come from
:mod:`tipdesk.domain.report_periods`; the targets from :mod:`tipdesk.domain.kpi`. Figures count
what was recorded before the end of the period, or before the moment of the report when the
period is still running (``ReportData.as_of``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tipdesk.db.models.persons import NO_DUE as PERSON_NO_DUE
from tipdesk.db.models.persons import Person, PersonPlanItem
from tipdesk.db.models.tips import NO_DUE, Tip
from tipdesk.domain import units
from tipdesk.domain.deadlines import local_date
from tipdesk.domain.kpi import KpiTargets, targets_for
from tipdesk.domain.persons import ESSENTIAL_NEEDS_RULE, IdentificationStatus
from tipdesk.domain.report_periods import (
    FILE_NAME as PERIODS_FILE,
)
from tipdesk.domain.report_periods import (
    CutoffRule,
    Period,
    PeriodKind,
    PeriodRules,
    parse_period,
    parse_period_rules,
    period_containing,
    rules_for,
    rules_to_json,
    trend_periods,
)
from tipdesk.domain.roles import Perm, Profile
from tipdesk.errors import BugError, NotFound, UserError
from tipdesk.i18n import _, language
from tipdesk.services import reports_kpi as kq
from tipdesk.services import reports_stats as sq
from tipdesk.services.paging import PageRequest
from tipdesk.services.reports_tables import ALL_TABLES, build_table, unit_label
from tipdesk.services.reports_types import (
    CommuneStatus,
    DashboardData,
    DrillPage,
    ExportResult,
    FigureRef,
    KpiResult,
    ReportData,
    Trend,
    UnitKpis,
)
from tipdesk.services.tips_deadlines import rules_for as deadline_rules_for

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

PLAN_ALARM_DAYS = 3
# Page cache while a report reads (KiB): its queries scan the same tables several times, and every page
# read from the encrypted file is decrypted again once evicted from SQLCipher's small default cache.
REPORT_CACHE_KIB = 65536
TREND_LENGTH = 4
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _kpi_results(targets: KpiTargets, counts: kq.Counts) -> tuple[KpiResult, ...]:
    results = []
    for t in targets.targets:
        numerator, denominator = counts.get(t.code, (0, 0))
        outcome = t.evaluate(numerator, denominator)
        results.append(KpiResult(t.code, t.name.text(), t.short.text(), numerator, denominator, outcome.rate,
                                 t.target_pct, t.target_text(), outcome.met, t.footnote()))
    return tuple(results)


class ReportService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # -- configuration ---------------------------------------------------------------------------------------
    @cached_property
    def targets(self) -> KpiTargets:
        return targets_for(self.desk.data_dir)

    def period_rules(self) -> PeriodRules:
        return rules_for(self.desk.data_dir)

    def save_period_rules(self, rules: PeriodRules) -> None:
        """Store an edited cut-off table in the data folder (validated first; audited)."""
        self.desk.require(Perm.SETTINGS_MANAGE)
        data = rules_to_json(rules)
        parse_period_rules(data, PERIODS_FILE)
        path = self.desk.data_dir / PERIODS_FILE
        tmp = path.with_suffix(".json.tmp")
        try:
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            raise UserError(_("The cut-off table could not be saved: {error}").format(error=exc.strerror or exc),
                            code="save_failed") from exc
        with self.desk.write() as session:
            self.desk.audit.append(session, "settings_change", "report_periods", "", {"rules": data["rules"]})

    def resolve_period(self, text: str, cutoff: str | None = None) -> tuple[Period, CutoffRule]:
        rule = self.period_rules().rule(cutoff)
        return parse_period(text, rule), rule

    def current_period(self, kind: PeriodKind = PeriodKind.QUARTER, cutoff: str | None = None) -> Period:
        rule = self.period_rules().rule(cutoff)
        return period_containing(local_date(self.desk.now()), kind, rule)

    def rule_of(self, period: Period) -> CutoffRule | None:
        return self.period_rules().rule(period.rule_code) if period.rule_code else None

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        """A read session with a larger page cache for the time of the report (restored after)."""
        with self.desk.read() as session:
            conn = session.connection()
            if conn.dialect.name != "sqlite":
                yield session
                return
            before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
            conn.exec_driver_sql(f"PRAGMA cache_size = -{REPORT_CACHE_KIB}")
            try:
                yield session
            finally:
                conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")

    # -- bounds and scope ---------------------------------------------------------------------------------------
    def _bounds(self, period: Period) -> kq.Bounds:
        start, end = period.bounds()
        now = self.desk.now()
        if start > now:
            raise UserError(_("The period {period} has not started yet.").format(period=period.label()),
                            code="period_future")
        return start, min(end, now)

    def _scope(self, unit_code: str = "") -> list[str] | None:
        if not unit_code:
            return None
        if self.desk.installation.profile is not Profile.PROVINCE:
            raise UserError(_("Only the provincial office reports on a chosen commune."), code="scope_invalid")
        return [unit_code]

    def _context(self, period: Period, scope: Sequence[str] | None) -> sq.Context:
        start, upper = self._bounds(period)
        rules = deadline_rules_for(self.desk.data_dir)
        try:
            deadline_rule = rules.rule(self.targets.deadline_rule)
        except BugError as exc:  # the configured rule is not in the rule set
            raise UserError(_("The deadline rule “{code}” named in kpi_targets.json does not exist.").format(
                code=self.targets.deadline_rule), code="rule_unknown") from exc
        essential = rules.rule(ESSENTIAL_NEEDS_RULE).duration.amount
        last_day = min(period.end, local_date(upper - dt.timedelta(microseconds=1)))
        return sq.Context(start, upper, period.start, last_day, scope, deadline_rule,
                          self.desk.installation.remote and self.desk.installation.profile is Profile.COMMUNE,
                          essential)

    # -- targets -------------------------------------------------------------------------------------------------
    def kpis(self, period: Period, unit_code: str = "") -> tuple[KpiResult, ...]:
        self.desk.require(Perm.REPORT_VIEW)
        with self._reading() as session:
            counts = kq.kpi_counts(session, self.targets, [self._bounds(period)], self._scope(unit_code))[0]
        return _kpi_results(self.targets, kq.total_counts(counts, self.targets))

    def _trend(self, session: Session, period: Period, scope: Sequence[str] | None
               ) -> tuple[Trend, list[dict[str, kq.Counts]]]:
        rule = self.rule_of(period) or self.period_rules().rule()
        periods = [p for p in trend_periods(period, rule, TREND_LENGTH) if p.start <= local_date(self.desk.now())]
        bounds = [self._bounds(p) for p in periods]
        by_period = kq.kpi_counts(session, self.targets, bounds, scope)
        tips, persons = sq.period_counts(
            session, [(b[0], b[1], p.start, p.end) for p, b in zip(periods, bounds, strict=True)], scope)
        results = [_kpi_results(self.targets, kq.total_counts(c, self.targets)) for c in by_period]
        rates = {t.short.text(): tuple(r[i].rate for r in results) for i, t in enumerate(self.targets.targets)}
        trend = Trend(tuple(p.short_label() for p in periods),
                      {_("Tips received"): tuple(tips), _("Persons received"): tuple(persons)}, rates)
        return trend, by_period

    # -- the whole report ----------------------------------------------------------------------------------------
    def build(self, period: Period, unit_code: str = "") -> ReportData:
        """Every figure of the periodic report for ``period`` (province: optionally one commune)."""
        self.desk.require(Perm.REPORT_VIEW)
        scope = self._scope(unit_code)
        ctx = self._context(period, scope)
        inst = self.desk.installation
        province = inst.profile is Profile.PROVINCE
        with self._reading() as session:
            trend, by_period = self._trend(session, period, scope)
            unit_kpis = by_period[-1]
            counted = {key: self._counts(session, key, ctx) for key in ALL_TABLES}
            communes = self._communes(session, ctx, unit_kpis, counted) if province and not unit_code else ()
        silent = frozenset(c.unit_code for c in communes if not c.sent_batch)
        codes = [c.unit_code for c in communes]
        tables = tuple(build_table(key, grid, total, unit_codes=codes, silent=silent,
                                   rule=_(ctx.deadline_rule.label), days=ctx.essential_days)
                       for key, (grid, total) in counted.items())
        kpis = _kpi_results(self.targets, kq.total_counts(unit_kpis, self.targets))
        kpi_by_unit = tuple(UnitKpis(code, unit_label(code), _kpi_results(self.targets, counts))
                            for code, counts in sorted(unit_kpis.items())) if province else ()
        return ReportData(
            period=period, rule=self.rule_of(period), as_of=ctx.upper, generated_at=self.desk.now(),
            profile=inst.profile, unit_code=inst.unit_code, unit_name=inst.unit_name,
            province_code=inst.province_code, plan_ref=self.targets.plan_ref.text(), kpis=kpis, tables=tables,
            trend=trend, kpi_by_unit=kpi_by_unit, communes=communes, scope_unit=unit_code,
        )

    @staticmethod
    def _counts(session: Session, key: str, ctx: sq.Context) -> tuple[sq.Grid, int]:
        shape = sq.SHAPES[key](ctx)
        grid = sq.counts(session, shape)
        total = sq.population_total(session, shape) if key == "tips_by_form" else sum(
            c.count for c in grid.values())
        return grid, total

    def _communes(self, session: Session, ctx: sq.Context, unit_kpis: dict[str, kq.Counts],
                  counted: dict[str, tuple[sq.Grid, int]]) -> tuple[CommuneStatus, ...]:
        """Every commune of the province, and whether it sent data for the period (province)."""
        try:
            listed = [c.code for c in units.communes(self.desk.installation.province_code)]
        except NotFound:
            listed = []
        active = sq.units_with_data(session, ctx.start, ctx.upper)
        active |= {code for code, counts in unit_kpis.items() if any(d for _n, d in counts.values())}
        active |= {unit for grid, _total in counted.values() for unit, _code in grid}
        sent = sq.units_with_batches(session, ctx.start, ctx.upper)
        codes = listed + sorted(c for c in active | sent if c not in listed)
        return tuple(CommuneStatus(code, unit_label(code), code in active, code in sent) for code in codes)

    # -- drill-down ----------------------------------------------------------------------------------------------
    def drill(self, period: Period, figure: FigureRef, request: PageRequest | None = None) -> DrillPage:
        """One page of the records behind a figure, masked for the role (identity reads are audited)."""
        from tipdesk.services.reports_drill import Drill

        self.desk.require(Perm.REPORT_VIEW)
        scope = self._scope(figure.unit_code)
        return Drill(self.desk, self.targets).page(self._context(period, scope), figure,
                                                   request or PageRequest(limit=100))

    # -- dashboard -----------------------------------------------------------------------------------------------
    def dashboard(self, cutoff: str | None = None) -> DashboardData:
        """The live figures: this quarter's targets, deadlines needing attention, persons awaiting action."""
        self.desk.require(Perm.REPORT_VIEW)
        period = self.current_period(PeriodKind.QUARTER, cutoff)
        now = self.desk.now()
        today = local_date(now)
        with self._reading() as session:
            trend, by_period = self._trend(session, period, None)
            ctx = self._context(period, None)
            ess_ctx = sq.Context(EPOCH, now, EPOCH.date(), today, None, ctx.deadline_rule, False, ctx.essential_days)
            essential = sq.counts(session, sq.SHAPES["essential_needs"](ess_ctx))
            data = DashboardData(
                period=period, as_of=now, kpis=_kpi_results(self.targets, kq.total_counts(by_period[-1], self.targets)),
                tips_overdue=_count(session, select(func.count()).select_from(Tip).where(
                    Tip.next_due_at < NO_DUE, Tip.next_due_at < now)),
                tips_due_soon=_count(session, select(func.count()).select_from(Tip).where(
                    Tip.next_due_at < NO_DUE, Tip.next_due_at >= now, Tip.next_alarm_at <= now)),
                persons_overdue=_count(session, select(func.count()).select_from(Person).where(
                    Person.next_due_at < PERSON_NO_DUE, Person.next_due_at < now)),
                persons_being_identified=_count(session, select(func.count()).select_from(Person).where(
                    Person.status == IdentificationStatus.BEING_IDENTIFIED.value)),
                persons_follow_up=_count(session, select(func.count(func.distinct(PersonPlanItem.person_id))).where(
                    PersonPlanItem.done_on.is_(None),
                    PersonPlanItem.due_on <= today + dt.timedelta(days=PLAN_ALARM_DAYS))),
                essential_needs_over=sum(c.count for (_u, code), c in essential.items() if code == "over_limit"),
                trend=trend,
            )
        return data

    # -- exports -------------------------------------------------------------------------------------------------
    def export(self, data: ReportData, path: str | os.PathLike[str], *, number: str | None = None,
               signer_name: str = "") -> ExportResult:
        """Write the report as PDF, .xlsx or .csv (by the file's suffix); the PDF takes the next report number."""
        from tipdesk.services import reports_export

        self.desk.require(Perm.REPORT_EXPORT)
        target = Path(path)
        fmt = target.suffix.lower().lstrip(".")
        if fmt not in reports_export.FORMATS:
            raise UserError(_("Export to .pdf, .xlsx or .csv; “{name}” has another extension.").format(
                name=target.name), code="export_format")
        if fmt == "pdf" and number is None:
            number = self._next_number(data)
        result = reports_export.write(data, target, fmt, targets=self.targets, number=number or "",
                                      signer_name=signer_name, lang=language())
        with self.desk.write() as session:
            self.desk.audit.append(session, "export", "report", data.period.code, {
                "format": fmt, "file": target.name, "period": data.period.code, "cutoff": data.period.rule_code,
                "number": result.number, "scope": data.scope_unit})
        return result

    def _next_number(self, data: ReportData) -> str:
        from tipdesk.reports.decree30 import format_doc_number
        from tipdesk.services.numbering import next_number

        year = local_date(self.desk.now()).year
        suffix = self.targets.report.number_suffix.get(data.profile.value, "BC")
        with self.desk.write() as session:
            seq = next_number(session, "periodic_report", self.desk.installation.unit_code, year)
        return format_doc_number(seq, None, suffix)


def _count(session: Session, stmt: object) -> int:
    return int(session.scalar(stmt) or 0)  # type: ignore[call-overload]

