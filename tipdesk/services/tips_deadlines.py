"""The deadline engine wired to tips: which rules apply, and the denormalised "next deadline".

The rules are data: the shipped ``resources/data/deadline_rules.json``, or an edited copy saved as
``deadline_rules.json`` in the installation's data folder (``tipdesk tips rules --export`` writes
one to start from; ``tipdesk tips recompute-deadlines`` applies an edit to stored tips).

Each tip keeps ``next_due_at`` / ``next_due_rule`` (the open deadline that falls due first) and
``next_alarm_at`` (the earliest moment any open deadline becomes "due soon"), recomputed on every
event, so lists sort and filter by deadline in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tipdesk.db.models.tips import NO_DUE
from tipdesk.domain.deadlines import (
    OPEN_STATES,
    Deadline,
    DeadlineEvent,
    DeadlineState,
    RuleSet,
    compute_deadlines,
    load_rules,
)
from tipdesk.errors import BugError
from tipdesk.i18n import _
from tipdesk.services.tips_types import DeadlineView

OVERRIDE_FILE = "deadline_rules.json"
_CACHE: dict[tuple[str, float], RuleSet] = {}


def rules_for(data_dir: Path) -> RuleSet:
    """The rule set in force for an installation (its edited copy if any, else the shipped one)."""
    override = data_dir / OVERRIDE_FILE
    key = (str(override), override.stat().st_mtime if override.exists() else 0.0)
    cached = _CACHE.get(key)
    if cached is None:
        cached = load_rules(override if override.exists() else None)
        _CACHE.clear()
        _CACHE[key] = cached
    return cached


@dataclass(frozen=True)
class NextDue:
    """The denormalised deadline columns of a tip."""

    due_at: dt.datetime
    rule: str
    alarm_at: dt.datetime


NONE_DUE = NextDue(NO_DUE, "", NO_DUE)


def evaluate(events: Sequence[DeadlineEvent], rules: RuleSet, now: dt.datetime, remote: bool) -> list[Deadline]:
    return compute_deadlines(events, rules, now, remote, subject="tip")


def next_due(deadlines: Sequence[Deadline], rules: RuleSet) -> NextDue:
    open_ones = [d for d in deadlines if d.is_open]
    if not open_ones:
        return NONE_DUE
    first = min(open_ones, key=lambda d: d.due_at)
    alarm = min(d.due_at - rules.rule(d.rule_code).pre_alarm for d in open_ones)
    return NextDue(first.due_at, first.rule_code, alarm)


def state_at(due: NextDue, now: dt.datetime) -> DeadlineState | None:
    """The list state of a tip from its denormalised columns (None: no open deadline)."""
    if not due.rule or due.due_at >= NO_DUE:
        return None
    if now > due.due_at:
        return DeadlineState.OVERDUE
    if now >= due.alarm_at:
        return DeadlineState.DUE_SOON
    return DeadlineState.PENDING


def rule_label(rules: RuleSet, code: str) -> str:
    if not code:
        return ""
    try:
        return _(rules.rule(code).label)
    except BugError:  # a rule removed from an edited rule set: show its code
        return code


def views(deadlines: Sequence[Deadline]) -> tuple[DeadlineView, ...]:
    return tuple(
        DeadlineView(d.rule_code, d.display_label(), d.display_legal_ref(), d.due_at, d.state, d.met_at)
        for d in deadlines
    )


def is_open(state: DeadlineState | None) -> bool:
    return state in OPEN_STATES
