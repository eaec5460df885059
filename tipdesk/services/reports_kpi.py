"""SQL for the five targets: one grouped pass over the tip events, one statement for every period.

``facts`` turns ``tip_events`` into one row per tip with the first occurrence of each event-kind set
the targets use (``KpiTargets.event_sets``). ``kpi_counts`` then sums, per commune, the
denominator and numerator conditions of every target for every period asked (the report period
and its trend periods) in a single statement. ``kpi_condition`` is the same condition, used to
list the tips behind a figure. The formula is documented in :mod:`tipdesk.domain.kpi`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, case, func, or_, select
from sqlalchemy.orm import Session

from tipdesk.db import sqlfuncs
from tipdesk.db.models.tips import Tip, TipEvent
from tipdesk.domain.kpi import KpiTarget, KpiTargets
from tipdesk.services.reports_types import KpiPart

Bounds = tuple[dt.datetime, dt.datetime]  # [start, upper): upper is the period end or the report moment


def scan_key(column: Any) -> ColumnElement[Any]:
    """``+column`` as a GROUP BY key: SQLite then sorts one sequential scan of the table instead of
    walking the index with a random row read per event (about twice as fast on the encrypted file).
    The plain column on PostgreSQL (``tipdesk.db.sqlfuncs.scan_key``)."""
    return sqlfuncs.scan_key(column)


def facts(targets: KpiTargets) -> Subquery:
    """Per tip: the first occurrence of every event-kind set of the targets (NULL if none)."""
    sets = targets.event_sets()
    every = sorted({kind for kinds in sets.values() for kind in kinds})
    columns = [
        func.min(case((TipEvent.kind.in_(kinds), TipEvent.occurred_at))).label(name) for name, kinds in sets.items()
    ]
    return (select(TipEvent.tip_id, *columns).where(TipEvent.kind.in_(every))
            .group_by(scan_key(TipEvent.tip_id)).subquery("kpi_facts"))


def _column(targets: KpiTargets, sq: Subquery, kinds: tuple[str, ...]) -> Any:
    name = targets.column_of(kinds)
    if name is None:
        raise KeyError(kinds)
    return sq.c[name]


@dataclass(frozen=True)
class Conditions:
    denominator: ColumnElement[bool]
    numerator: ColumnElement[bool]

    def of(self, part: KpiPart) -> ColumnElement[bool]:
        return self.numerator if part is KpiPart.NUMERATOR else self.denominator


def kpi_condition(targets: KpiTargets, target: KpiTarget, sq: Subquery, bounds: Bounds) -> Conditions:
    """The denominator and numerator conditions of ``target`` over the facts ``sq`` for ``[start, upper)``."""
    start, upper = bounds
    entry = _column(targets, sq, target.entry)
    done = _column(targets, sq, target.done)
    parts = [entry < upper, or_(done.is_(None), done >= start)]
    if target.exclude:
        excluded = _column(targets, sq, target.exclude)
        parts.append(or_(excluded.is_(None), excluded >= upper))
    denominator = and_(*parts)
    return Conditions(denominator, and_(denominator, done >= start, done < upper))


def scope_clause(column: Any, scope: Sequence[str] | None) -> list[ColumnElement[bool]]:
    return [] if scope is None else [column.in_(list(scope))]


def kpi_counts_statement(targets: KpiTargets, periods: Sequence[Bounds], scope: Sequence[str] | None) -> Select[Any]:
    sq = facts(targets)
    columns: list[Any] = []
    for index, bounds in enumerate(periods):
        for target in targets.targets:
            cond = kpi_condition(targets, target, sq, bounds)
            columns.append(func.sum(case((cond.denominator, 1), else_=0)).label(f"d{index}_{target.code}"))
            columns.append(func.sum(case((cond.numerator, 1), else_=0)).label(f"n{index}_{target.code}"))
    return (select(Tip.unit_code, *columns).join(sq, sq.c.tip_id == Tip.id)
            .where(*scope_clause(Tip.unit_code, scope)).group_by(Tip.unit_code))


Counts = dict[str, tuple[int, int]]  # target code -> (numerator, denominator)


def kpi_counts(session: Session, targets: KpiTargets, periods: Sequence[Bounds],
               scope: Sequence[str] | None) -> list[dict[str, Counts]]:
    """For each period: unit code -> target code -> (numerator, denominator). Units without tips are absent."""
    result: list[dict[str, Counts]] = [{} for _ in periods]
    for row in session.execute(kpi_counts_statement(targets, periods, scope)).mappings():
        for index in range(len(periods)):
            result[index][row["unit_code"]] = {
                t.code: (int(row[f"n{index}_{t.code}"] or 0), int(row[f"d{index}_{t.code}"] or 0))
                for t in targets.targets
            }
    return result


def total_counts(by_unit: dict[str, Counts], targets: KpiTargets) -> Counts:
    return {
        t.code: (sum(c[t.code][0] for c in by_unit.values()), sum(c[t.code][1] for c in by_unit.values()))
        for t in targets.targets
    }


def drill_statement(targets: KpiTargets, target: KpiTarget, bounds: Bounds, part: KpiPart,
                    scope: Sequence[str] | None, columns: Sequence[Any]) -> Select[Any]:
    """The tips counted in one figure (select ``columns`` of ``Tip``; order and page it yourself)."""
    sq = facts(targets)
    cond = kpi_condition(targets, target, sq, bounds).of(part)
    return select(*columns).join(sq, sq.c.tip_id == Tip.id).where(cond, *scope_clause(Tip.unit_code, scope))
