"""SQL for the statistics tables: each table is a *dimension* (a category expression over a population).

Populations:

* tips received in the period (``received_at`` in ``[start, upper)``);
* persons received in the period (``received_on`` between the period's first and last day; records the
  province linked as the same person count once: ``persons_xdupes.counted_once``);
* support entries given in the period (``given_on``);
* persons whose essential-needs period ran during the period.

A dimension yields a SQL expression per record (its row code); the counts are one
``GROUP BY unit_code, code`` per table, and the records behind a figure are the same population
filtered on ``code = :row`` (drill-down). Tables:

* tips by source type, channel, trafficking form (a tip with several forms counts in each; "" =
  none recorded), destination country, status *at the end of the period* (the status after the
  last event before it), and deadline compliance of the rule named in ``kpi_targets.json``
  (``tip_transfer``: 24 h, 48 h for a remote commune), with the deadline engine's state codes:
  ``met`` (on time), ``met_late`` (late), ``overdue`` (not met and past due at the end of the
  period), ``pending`` and ``not_applicable``; the province counts every commune with 24 h (the
  remote flag of a commune is only known on its own installation);
* persons by identification status (current), sex, age group (age on the day received; a birth
  year alone means 31 December, as ``birth_sort`` stores it), ethnic group and the country
  returned from;
* support by type: entries, distinct persons and VND total;
* essential needs (rule ``person_essential_needs``, 120 days + extensions from the first
  "support started" event): ended in time, ended late, past the limit and not ended, running.

``units_with_batches`` reads the province's import log: the communes that sent a batch made in
the period (accepted, or a re-sent duplicate).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, case, func, literal, select
from sqlalchemy.orm import Session

from tipdesk.db import sqlfuncs
from tipdesk.db.models.exchange import ImportLog
from tipdesk.db.models.persons import Person, PersonEvent, SupportEntry
from tipdesk.db.models.tips import Tip, TipEvent, TipForm
from tipdesk.domain.deadlines import VN_TZ, DeadlineRule
from tipdesk.domain.persons import PersonEventKind
from tipdesk.errors import UserError
from tipdesk.i18n import _
from tipdesk.services.persons_xdupes import Population, counted_once
from tipdesk.services.reports_kpi import scan_key, scope_clause
from tipdesk.services.reports_types import Subject

EPSILON_DAYS = 1e-8  # under a millisecond: julianday rounding
SECOND_DAYS = 1.0 / 86400.0
UNIX_EPOCH_JD = 2440587.5
NO_VALUE = ""  # row code of records without a value (no form, no country...)


@dataclass(frozen=True)
class Context:
    start: dt.datetime
    upper: dt.datetime  # end of the period, or the moment of the report if earlier
    first_day: dt.date
    last_day: dt.date
    scope: Sequence[str] | None  # unit codes, or None for all
    deadline_rule: DeadlineRule
    remote: bool
    essential_days: int

    @property
    def as_of_jd(self) -> float:
        return (self.upper - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds() / 86400.0 + UNIX_EPOCH_JD


Join = tuple[Any, Any, bool]  # target, on-clause, outer


@dataclass(frozen=True)
class Shape:
    """How a table reads its population: base table, joins, population filter, unit column, row code."""

    subject: Subject
    base: Any
    joins: tuple[Join, ...]
    where: tuple[ColumnElement[bool], ...]
    unit: Any
    code: Any

    def select(self, *columns: Any) -> Select[Any]:
        stmt = select(*columns).select_from(self.base)
        for target, onclause, outer in self.joins:
            stmt = stmt.join(target, onclause, isouter=outer)
        return stmt.where(*self.where)

    def matching(self, code: str) -> ColumnElement[bool]:
        return self.code == code  # type: ignore[no-any-return]


# --- populations ------------------------------------------------------------------------------------------


def tips_in(ctx: Context) -> tuple[ColumnElement[bool], ...]:
    return (Tip.received_at >= ctx.start, Tip.received_at < ctx.upper, *scope_clause(Tip.unit_code, ctx.scope))


def persons_in(ctx: Context) -> tuple[ColumnElement[bool], ...]:
    return (*_received(ctx.first_day, ctx.last_day, ctx.scope)(Person),
            counted_once(Person, _received(ctx.first_day, ctx.last_day, ctx.scope)))


def _received(first: dt.date, last: dt.date, scope: Sequence[str] | None) -> Population:
    """Persons received from ``first`` to ``last`` in ``scope``, over any ``Person`` alias (a person linked as
    the same as another one in the same population counts once: ``persons_xdupes.counted_once``)."""
    return lambda p: (p.received_on >= first, p.received_on <= last, *scope_clause(p.unit_code, scope))


def _tip_shape(ctx: Context, code: Any, *joins: Join) -> Shape:
    return Shape(Subject.TIP, Tip, joins, tips_in(ctx), Tip.unit_code, code)


def _person_shape(ctx: Context, code: Any, *joins: Join) -> Shape:
    return Shape(Subject.PERSON, Person, joins, persons_in(ctx), Person.unit_code, code)


# --- tip dimensions ---------------------------------------------------------------------------------------


def _status_at_end(ctx: Context) -> Shape:
    """The status after the last event before the end: max of "occurred_at created_at|status" per tip.

    Stored times are fixed-width text, so the greatest concatenation is the latest event (ties: the
    one recorded last); one grouped pass, no window function.
    """
    stamp = sqlfuncs.stamp_text(TipEvent.occurred_at) + sqlfuncs.stamp_text(TipEvent.created_at)
    latest = func.max(stamp + literal("|", String()) + TipEvent.status_after)
    last = (select(TipEvent.tip_id, latest.label("last"))
            .where(TipEvent.occurred_at < ctx.upper, TipEvent.tip_id.in_(select(Tip.id).where(*tips_in(ctx))))
            .group_by(TipEvent.tip_id).subquery("status_at_end"))
    status = func.substr(last.c.last, sqlfuncs.position_of(last.c.last, literal("|", String())) + 1)
    return _tip_shape(ctx, func.coalesce(status, Tip.status), (last, last.c.tip_id == Tip.id, True))


def _julian(value: Any) -> Any:
    return sqlfuncs.julianday(value)


def due_julian(start: Any, rule: DeadlineRule, remote: bool) -> Any:
    """SQL: the due instant (julian day) of ``rule`` started at ``start``, as the deadline engine counts it."""
    duration = rule.duration_for(remote)
    if duration.unit == "hours":
        return _julian(start) + duration.amount / 24.0
    if duration.unit == "days":
        return _days_due(start, literal(duration.amount))
    raise UserError(_("The deadline rule “{code}” counts in months; statistics support hours or days only.")
                    .format(code=rule.code), code="rule_unsupported")


def _vn_offset_hours() -> int:
    offset = dt.datetime(2026, 1, 1, tzinfo=VN_TZ).utcoffset()
    return int(offset.total_seconds() // 3600) if offset is not None else 7


def _days_due(start: Any, days: Any) -> Any:
    """SQL: the end of the N-th local day after the local day of ``start`` (23:59:59 Vietnam time)."""
    hours = _vn_offset_hours()
    return _julian(sqlfuncs.local_day_end(start, days, literal(hours))) - SECOND_DAYS


def _deadline_compliance(ctx: Context) -> Shape:
    rule = ctx.deadline_rule
    if rule.pause_events or rule.extend_events or rule.anchor or rule.applies_when.requires:
        raise UserError(_("The deadline rule “{code}” is too complex for statistics (pauses, extensions or "
                          "stages).").format(code=rule.code), code="rule_unsupported")
    kinds = sorted({*rule.stop_events, *rule.applies_when.unless, rule.start_event})
    facts = (select(TipEvent.tip_id,
                    func.min(case((TipEvent.kind == rule.start_event, TipEvent.occurred_at))).label("start_at"),
                    func.min(case((TipEvent.kind.in_(rule.stop_events), TipEvent.occurred_at))).label("stop_at"),
                    func.min(case((TipEvent.kind.in_(rule.applies_when.unless or ("",)), TipEvent.occurred_at)))
                    .label("unless_at"))
             .where(TipEvent.kind.in_(kinds)).group_by(scan_key(TipEvent.tip_id)).subquery("deadline_facts"))
    due = due_julian(facts.c.start_at, rule, ctx.remote)
    stopped = facts.c.stop_at < ctx.upper
    code = case(
        (facts.c.start_at.is_(None), literal("not_applicable")),
        (and_(facts.c.unless_at.is_not(None), facts.c.unless_at < ctx.upper), literal("not_applicable")),
        (and_(stopped, _julian(facts.c.stop_at) <= due + EPSILON_DAYS), literal("met")),
        (stopped, literal("met_late")),
        (literal(ctx.as_of_jd) > due + EPSILON_DAYS, literal("overdue")),
        else_=literal("pending"),
    )
    return _tip_shape(ctx, code, (facts, facts.c.tip_id == Tip.id, True))


# --- person dimensions ------------------------------------------------------------------------------------


def age_expression(received: Any, birth: Any) -> Any:
    """SQL: the AgeGroup code on ``received`` for ``birth`` (a date; NULL = unknown)."""
    years = (sqlfuncs.year_of(received) - sqlfuncs.year_of(birth)
             - case((sqlfuncs.month_day(received) < sqlfuncs.month_day(birth), 1), else_=0))
    return case(
        (birth.is_(None), literal("unknown")),
        (birth > received, literal("unknown")),
        (years < 16, literal("under_16")),
        (years < 18, literal("16_17")),
        (years < 30, literal("18_29")),
        (years < 45, literal("30_44")),
        else_=literal("45_plus"),
    )


def _essential_needs(ctx: Context) -> Shape:
    k = PersonEventKind
    ev = PersonEvent
    facts = (select(ev.person_id,
                    func.min(case((ev.kind == k.ESSENTIAL_SUPPORT_STARTED.value, ev.occurred_at))).label("started_at"),
                    func.sum(case((and_(ev.kind == k.ESSENTIAL_SUPPORT_EXTENDED.value, ev.occurred_at < ctx.upper),
                                   func.coalesce(ev.days, 0)), else_=0)).label("extra_days"),
                    func.min(case((ev.kind == k.ESSENTIAL_SUPPORT_ENDED.value, ev.occurred_at))).label("ended_at"))
             .where(ev.kind.in_([k.ESSENTIAL_SUPPORT_STARTED.value, k.ESSENTIAL_SUPPORT_EXTENDED.value,
                                 k.ESSENTIAL_SUPPORT_ENDED.value]))
             .group_by(ev.person_id).subquery("essential_facts"))
    due = _days_due(facts.c.started_at, literal(ctx.essential_days) + facts.c.extra_days)
    ended = and_(facts.c.ended_at.is_not(None), facts.c.ended_at < ctx.upper)
    code = case(
        (and_(ended, _julian(facts.c.ended_at) <= due + EPSILON_DAYS), literal("ended_in_time")),
        (ended, literal("ended_late")),
        (literal(ctx.as_of_jd) > due + EPSILON_DAYS, literal("over_limit")),
        else_=literal("running"),
    )
    where = (facts.c.started_at < ctx.upper, (facts.c.ended_at.is_(None)) | (facts.c.ended_at >= ctx.start),
             *scope_clause(Person.unit_code, ctx.scope))
    return Shape(Subject.PERSON, Person, ((facts, facts.c.person_id == Person.id, False),), where,
                 Person.unit_code, code)


def _support(ctx: Context) -> Shape:
    where = (SupportEntry.given_on >= ctx.first_day, SupportEntry.given_on <= ctx.last_day,
             *scope_clause(Person.unit_code, ctx.scope))
    return Shape(Subject.SUPPORT, SupportEntry, ((Person, Person.id == SupportEntry.person_id, False),), where,
                 Person.unit_code, SupportEntry.type_code)


SHAPES: dict[str, Callable[[Context], Shape]] = {
    "tips_by_source": lambda ctx: _tip_shape(ctx, Tip.source_type),
    "tips_by_channel": lambda ctx: _tip_shape(ctx, Tip.channel),
    "tips_by_form": lambda ctx: _tip_shape(ctx, func.coalesce(TipForm.form_code, NO_VALUE),
                                           (TipForm, TipForm.tip_id == Tip.id, True)),
    "tips_by_country": lambda ctx: _tip_shape(ctx, Tip.destination_country),
    "tips_by_status": _status_at_end,
    "tips_by_deadline": _deadline_compliance,
    "persons_by_status": lambda ctx: _person_shape(ctx, Person.status),
    "persons_by_sex": lambda ctx: _person_shape(ctx, Person.sex),
    "persons_by_age": lambda ctx: _person_shape(ctx, age_expression(Person.received_on, Person.birth_sort)),
    "persons_by_ethnic": lambda ctx: _person_shape(ctx, Person.ethnic_code),
    "persons_by_country": lambda ctx: _person_shape(ctx, Person.from_country),
    "support_by_type": _support,
    "essential_needs": _essential_needs,
}


# --- counting ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    count: int
    persons: int = 0
    amount: int = 0


Grid = dict[tuple[str, str], Cell]  # (unit code, row code) -> figures


def count_statement(shape: Shape) -> Select[Any]:
    code = shape.code.label("code")
    columns: list[Any] = [shape.unit.label("unit"), code, func.count().label("n")]
    if shape.subject is Subject.SUPPORT:
        columns += [func.count(func.distinct(SupportEntry.person_id)).label("persons"),
                    func.coalesce(func.sum(SupportEntry.amount_vnd), 0).label("amount")]
    return shape.select(*columns).group_by(shape.unit, code)


def counts(session: Session, shape: Shape) -> Grid:
    grid: Grid = {}
    for row in session.execute(count_statement(shape)).mappings():
        persons = int(row["persons"]) if "persons" in row else 0
        amount = int(row["amount"]) if "amount" in row else 0
        grid[(row["unit"], row["code"] or NO_VALUE)] = Cell(int(row["n"]), persons, amount)
    return grid


def population_total(session: Session, shape: Shape) -> int:
    """Distinct records of the table's population (differs from the sum of rows for tips by form)."""
    key = {Subject.TIP: Tip.id, Subject.PERSON: Person.id, Subject.SUPPORT: SupportEntry.id}[shape.subject]
    return int(session.scalar(shape.select(func.count(func.distinct(key)))) or 0)


def period_counts(session: Session, periods: Sequence[tuple[dt.datetime, dt.datetime, dt.date, dt.date]],
                  scope: Sequence[str] | None) -> tuple[list[int], list[int]]:
    """Tips and persons received in each period (trend), one statement each."""
    tip_cols = [func.sum(case((and_(Tip.received_at >= a, Tip.received_at < b), 1), else_=0)) for a, b, _, _ in periods]
    person_cols = [func.sum(case((and_(Person.received_on >= c, Person.received_on <= d,
                                       counted_once(Person, _received(c, d, scope))), 1), else_=0))
                   for _, _, c, d in periods]
    lo, hi = periods[0][0], periods[-1][1]
    tips = session.execute(select(*tip_cols).where(Tip.received_at >= lo, Tip.received_at < hi,
                                                   *scope_clause(Tip.unit_code, scope))).one()
    persons = session.execute(select(*person_cols).where(
        Person.received_on >= periods[0][2], Person.received_on <= periods[-1][3],
        *scope_clause(Person.unit_code, scope))).one()
    return [int(v or 0) for v in tips], [int(v or 0) for v in persons]


def units_with_data(session: Session, start: dt.datetime, upper: dt.datetime) -> set[str]:
    """Units with a tip or person changed (recorded, imported or updated) in ``[start, upper)``."""
    tips = select(Tip.unit_code).where(Tip.updated_at >= start, Tip.updated_at < upper).distinct()
    persons = select(Person.unit_code).where(Person.updated_at >= start, Person.updated_at < upper).distinct()
    return set(session.scalars(tips)) | set(session.scalars(persons))


BATCH_RECEIVED = ("accepted", "duplicate")


def units_with_batches(session: Session, start: dt.datetime, upper: dt.datetime) -> set[str]:
    """Communes that made a batch in ``[start, upper)`` which the province received (import log).

    The batch's own creation time counts (when the commune sent it), else the time of import; a
    batch refused or quarantined does not count, a re-sent duplicate does.
    """
    made = func.coalesce(ImportLog.created_at, ImportLog.at)
    stmt = select(ImportLog.commune).where(ImportLog.status.in_(BATCH_RECEIVED), made >= start, made < upper,
                                           ImportLog.commune != "").distinct()
    return set(session.scalars(stmt))
