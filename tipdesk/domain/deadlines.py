"""Table-driven deadlines for tips and persons.

The rules are data (``resources/data/deadline_rules.json``, loaded by ``load_rules``);
this module validates them and evaluates them against the events recorded so far.

Counting time (Criminal Procedure Code 2015 Art 134; Civil Code 2015 Art 147):

* **Hours** run from the exact instant of the start event: received 31/12 23:30 with
  a 24-hour limit is due 1/1 23:30.
* **Days** do not count the start day. "Within N days" ends at the end of the N-th
  day after the start day, in Vietnam local time (Asia/Ho_Chi_Minh, UTC+7): a tip
  received on 5/3 at any hour with a 3-day limit is due 8/3 23:59:59 local.
* **Months** end at the end of the same-numbered day N months later, or of the last
  day of that month when it has no such day (31/1 + 1 month = 28/2 or 29/2).
* A deadline is **overdue** only strictly after ``due_at``: exactly at ``due_at`` it
  is still open; one second later it is overdue. A stop event at or before
  ``due_at`` counts as met in time.
* **Due soon**: from ``due_at - pre_alarm`` up to ``due_at``. The pre-alarm is the
  rule's ``pre_alarm_days``, by default 1 day for hour rules and 3 days for day and
  month rules.
* The roll-forward of a limit ending on a public holiday (Art 134) is not applied:
  it needs a holiday calendar, which is not yet part of the data.

Rule semantics: a rule starts at its ``start_event`` (the first occurrence, or the
last with ``start_occurrence: "last"``); the first ``stop_events`` occurrence at or
after the start ends it (met / met late). A ``pause_events`` occurrence after the
start, with no stop, freezes it (paused); a later stage takes over through
``applies_when``. A rule is only shown once all its ``applies_when.requires``
events have occurred (a later stage, e.g. after an extension), and it becomes not
applicable (superseded) as soon as any ``applies_when.unless`` event has occurred.
With ``anchor``, the limit is counted from the due time of the first listed earlier
rule whose ``requires`` are met (e.g. "5 days before the current expiry").
``extend_events`` push a day rule's due date by the event's ``days``.
Only events at or before ``now`` are taken into account.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tipdesk.domain import refdata
from tipdesk.domain.persons import PersonEventKind
from tipdesk.domain.tips import TipEventKind
from tipdesk.errors import BugError, UserError
from tipdesk.i18n import N_, _

Unit = Literal["hours", "days", "months"]
UNITS: tuple[Unit, ...] = ("hours", "days", "months")
SUBJECTS = ("tip", "person")


def _vietnam_tz() -> dt.tzinfo:
    try:
        return ZoneInfo("Asia/Ho_Chi_Minh")
    except (ZoneInfoNotFoundError, OSError, ValueError):
        # No tzdata (bare Windows): Vietnam has kept UTC+7 without DST since 1975.
        return dt.timezone(dt.timedelta(hours=7), "ICT")


VN_TZ = _vietnam_tz()


class DeadlineState(StrEnum):
    PENDING = "pending"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"
    MET_LATE = "met_late"
    PAUSED = "paused"
    NOT_APPLICABLE = "not_applicable"

    def label(self) -> str:
        return _(_STATE_LABELS[self.value])


_STATE_LABELS = {
    "pending": N_("Pending"),
    "due_soon": N_("Due soon"),
    "overdue": N_("Overdue"),
    "met": N_("Met"),
    "met_late": N_("Met late"),
    "paused": N_("Paused"),
    "not_applicable": N_("Not applicable"),
}
OPEN_STATES = frozenset({DeadlineState.PENDING, DeadlineState.DUE_SOON, DeadlineState.OVERDUE})


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: Unit


@dataclass(frozen=True)
class AppliesWhen:
    requires: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()

    def triggered(self, kinds: Collection[str]) -> bool:
        return all(k in kinds for k in self.requires)

    def superseded(self, kinds: Collection[str]) -> bool:
        return any(k in kinds for k in self.unless)


@dataclass(frozen=True)
class DeadlineRule:
    code: str
    label: str  # gettext msgid
    start_event: str
    stop_events: tuple[str, ...]
    duration: Duration
    legal_ref: str  # gettext msgid
    subject: str = "tip"
    remote_duration: Duration | None = None
    applies_when: AppliesWhen = AppliesWhen()
    pre_alarm_days: float | None = None
    pause_events: tuple[str, ...] = ()
    extend_events: tuple[str, ...] = ()
    anchor: tuple[str, ...] = ()
    start_occurrence: Literal["first", "last"] = "first"

    def duration_for(self, remote: bool) -> Duration:
        return self.remote_duration if remote and self.remote_duration else self.duration

    @property
    def pre_alarm(self) -> dt.timedelta:
        if self.pre_alarm_days is not None:
            return dt.timedelta(days=self.pre_alarm_days)
        return dt.timedelta(days=1 if self.duration.unit == "hours" else 3)

    def events(self) -> set[str]:
        """Every event kind the rule mentions."""
        return {self.start_event, *self.stop_events, *self.pause_events, *self.extend_events,
                *self.applies_when.requires, *self.applies_when.unless}


@dataclass(frozen=True)
class RuleSet:
    id: str
    version: int
    effective_from: dt.date
    description: str
    rules: tuple[DeadlineRule, ...]

    def rule(self, code: str) -> DeadlineRule:
        for rule in self.rules:
            if rule.code == code:
                return rule
        raise BugError(f"deadline rule {code!r} not in rule set {self.id!r}")


@dataclass(frozen=True)
class DeadlineEvent:
    kind: str
    at: dt.datetime
    days: int | None = None  # only for extend events

    def __post_init__(self) -> None:
        _require_aware(self.at, "event time")


@dataclass(frozen=True)
class Deadline:
    rule_code: str
    label: str  # msgid: translate with display_label()
    subject: str
    due_at: dt.datetime
    state: DeadlineState
    legal_ref: str  # msgid: translate with display_legal_ref()
    met_at: dt.datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def display_label(self) -> str:
        return _(self.label)

    def display_legal_ref(self) -> str:
        return _(self.legal_ref)


def _require_aware(value: dt.datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware: {value!r}")


# --- calendar arithmetic -------------------------------------------------------------------------------


def local_date(value: dt.datetime) -> dt.date:
    """The calendar date of ``value`` in Vietnam local time."""
    return value.astimezone(VN_TZ).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59 local time on ``day``: the last instant of a day-based limit."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=VN_TZ)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later, clamped to the month's last day (31/1 + 1 = 28/2 or 29/2)."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def add_duration(base: dt.datetime, duration: Duration) -> dt.datetime:
    """``base`` plus ``duration`` under the counting rules in the module docstring."""
    if duration.unit == "hours":
        return base + dt.timedelta(hours=duration.amount)
    day = local_date(base)
    if duration.unit == "days":
        return end_of_day(day + dt.timedelta(days=duration.amount))
    return end_of_day(add_months(day, duration.amount))


# --- evaluation ----------------------------------------------------------------------------------------


def _start_event(rule: DeadlineRule, events: Sequence[DeadlineEvent]) -> DeadlineEvent | None:
    starts = [e for e in events if e.kind == rule.start_event]
    if not starts:
        return None
    return starts[-1] if rule.start_occurrence == "last" else starts[0]


def _anchor_due(rule: DeadlineRule, rules: RuleSet, dues: dict[str, dt.datetime],
                kinds: Collection[str]) -> dt.datetime | None:
    for code in rule.anchor:
        if code in dues and rules.rule(code).applies_when.triggered(kinds):
            return dues[code]
    return None


def _extended(due: dt.datetime, rule: DeadlineRule, after: Sequence[DeadlineEvent]) -> dt.datetime:
    for event in after:
        if event.kind in rule.extend_events:
            if event.days is None or event.days <= 0:
                raise ValueError(f"extension event {event.kind!r} needs a positive 'days'")
            due = end_of_day(local_date(due) + dt.timedelta(days=event.days))
    return due


def _state(rule: DeadlineRule, due: dt.datetime, after: Sequence[DeadlineEvent],
           now: dt.datetime) -> tuple[DeadlineState, dt.datetime | None]:
    stop = next((e for e in after if e.kind in rule.stop_events), None)
    if stop is not None:
        return (DeadlineState.MET if stop.at <= due else DeadlineState.MET_LATE), stop.at
    if any(e.kind in rule.pause_events for e in after):
        return DeadlineState.PAUSED, None
    if now > due:
        return DeadlineState.OVERDUE, None
    if now >= due - rule.pre_alarm:
        return DeadlineState.DUE_SOON, None
    return DeadlineState.PENDING, None


def compute_deadlines(
    events: Sequence[DeadlineEvent],
    rules: RuleSet,
    now: dt.datetime,
    remote: bool = False,
    *,
    subject: str | None = None,
) -> list[Deadline]:
    """Every started deadline of ``rules`` (optionally of one ``subject``), in rule order.

    ``remote``: the commune is flagged remote/island (longer transfer limit).
    Rules whose start event, or whose ``applies_when.requires`` events, have not
    happened yet are left out.
    """
    _require_aware(now, "now")
    past = sorted((e for e in events if e.at <= now), key=lambda e: e.at)
    kinds = {e.kind for e in past}
    dues: dict[str, dt.datetime] = {}
    result: list[Deadline] = []
    for rule in rules.rules:
        start = _start_event(rule, past)
        if start is None:
            continue
        base = _anchor_due(rule, rules, dues, kinds) if rule.anchor else start.at
        if base is None:
            continue
        after = [e for e in past if e.at >= start.at and e is not start]
        due = _extended(add_duration(base, rule.duration_for(remote)), rule, after)
        dues[rule.code] = due
        if subject is not None and rule.subject != subject or not rule.applies_when.triggered(kinds):
            continue
        if rule.applies_when.superseded(kinds):
            state, met_at = DeadlineState.NOT_APPLICABLE, None
        else:
            state, met_at = _state(rule, due, after, now)
        result.append(Deadline(rule.code, rule.label, rule.subject, due, state, rule.legal_ref, met_at))
    return result


def next_deadline(deadlines: Sequence[Deadline]) -> Deadline | None:
    """The open deadline (pending, due soon or overdue) that falls due first."""
    open_ones = [d for d in deadlines if d.is_open]
    return min(open_ones, key=lambda d: d.due_at) if open_ones else None


# --- loading and validating a rule set ------------------------------------------------------------------

FILE_NAME = "deadline_rules.json"
FORMAT = 1


def default_known_events() -> frozenset[str]:
    return frozenset(TipEventKind) | frozenset(PersonEventKind)


def load_rules(path: Path | str | None = None, *, known_events: Collection[str] | None = None) -> RuleSet:
    """Read and validate a rule set (default: the shipped ``resources/data/deadline_rules.json``).

    ``known_events`` defaults to every tip and person event kind; a rule naming any
    other event is rejected. Raises ``UserError`` for an unreadable or malformed file.
    """
    if path is None:
        return parse_rules(refdata.load(FILE_NAME), FILE_NAME, known_events)
    return parse_rules(refdata.read_json(Path(path)), str(path), known_events)


def parse_rules(data: object, source: str, known_events: Collection[str] | None = None) -> RuleSet:
    known = default_known_events() if known_events is None else frozenset(known_events)
    if not isinstance(data, dict):
        raise refdata.invalid(source, _("the top level must be a JSON object"))
    if refdata.field(data, "format", int, source, source) != FORMAT:
        raise refdata.invalid(source, _("unsupported format version"))
    effective = refdata.text(data, "effective_from", source, source)
    try:
        effective_from = dt.date.fromisoformat(effective)
    except ValueError:
        raise refdata.invalid(source, _("“effective_from” is not a date (YYYY-MM-DD)")) from None
    rules: list[DeadlineRule] = []
    for index, item in enumerate(refdata.object_list(data, "rules", source), start=1):
        where = _("rule {index}").format(index=index)
        rule = _parse_rule(item, where, source)
        _check_rule(rule, rules, known, where, source)
        rules.append(rule)
    return RuleSet(
        id=refdata.text(data, "id", source, source),
        version=refdata.field(data, "version", int, source, source),
        effective_from=effective_from,
        description=refdata.optional(data, "description", str, source, source, ""),
        rules=tuple(rules),
    )


def _parse_duration(item: Mapping[str, Any], name: str, where: str, source: str) -> Duration | None:
    raw = refdata.optional(item, name, dict, where, source, {})
    if not raw and name == "remote_duration":
        return None
    if len(raw) == 1:
        ((unit, amount),) = raw.items()
        if unit in UNITS and isinstance(amount, int) and not isinstance(amount, bool) and amount != 0:
            return Duration(amount, cast(Unit, unit))
    raise refdata.invalid(source, _("{where}: “{field}” needs exactly one of hours, days or months, "
                                    "a non-zero whole number").format(where=where, field=name))


def _parse_rule(item: Mapping[str, Any], where: str, source: str) -> DeadlineRule:
    if isinstance(item.get("code"), str):
        where = f"{where} ({item['code']})"
    applies = refdata.optional(item, "applies_when", dict, where, source, {})
    pre_alarm = item.get("pre_alarm_days")
    if pre_alarm is not None and (isinstance(pre_alarm, bool) or not isinstance(pre_alarm, int | float)
                                  or pre_alarm < 0):
        raise refdata.invalid(source, _("{where}: “pre_alarm_days” must be a number of days, not negative")
                              .format(where=where))
    occurrence = refdata.optional(item, "start_occurrence", str, where, source, "first")
    if occurrence not in ("first", "last"):
        raise refdata.invalid(source, _("{where}: “start_occurrence” must be “first” or “last”")
                              .format(where=where))
    return DeadlineRule(
        code=refdata.text(item, "code", where, source),
        label=refdata.text(item, "label", where, source),
        subject=refdata.text(item, "subject", where, source),
        start_event=refdata.text(item, "start_event", where, source),
        start_occurrence=cast(Literal["first", "last"], occurrence),
        stop_events=refdata.text_list(item, "stop_events", where, source),
        pause_events=refdata.text_list(item, "pause_events", where, source),
        extend_events=refdata.text_list(item, "extend_events", where, source),
        anchor=refdata.text_list(item, "anchor", where, source),
        duration=cast(Duration, _parse_duration(item, "duration", where, source)),
        remote_duration=_parse_duration(item, "remote_duration", where, source),
        applies_when=AppliesWhen(refdata.text_list(applies, "requires", where, source),
                                 refdata.text_list(applies, "unless", where, source)),
        legal_ref=refdata.text(item, "legal_ref", where, source),
        pre_alarm_days=None if pre_alarm is None else float(pre_alarm),
    )


def _check_rule(rule: DeadlineRule, earlier: Sequence[DeadlineRule], known: Collection[str], where: str,
                source: str) -> None:
    def fail(problem: str) -> UserError:
        return refdata.invalid(source, f"{where} ({rule.code}): {problem}")

    unknown = sorted(rule.events() - set(known))
    if rule.code in {r.code for r in earlier}:
        raise refdata.invalid(source, _("the code “{code}” appears twice").format(code=rule.code))
    if rule.subject not in SUBJECTS:
        raise fail(_("unknown subject “{subject}”").format(subject=rule.subject))
    if not rule.stop_events:
        raise fail(_("at least one stop event is needed"))
    if unknown:
        raise fail(_("unknown event “{event}”").format(event=unknown[0]))
    for code in rule.anchor:
        if code not in {r.code for r in earlier if r.subject == rule.subject}:
            raise fail(_("the anchor “{code}” must be an earlier rule").format(code=code))
    if rule.duration.amount < 0 and not rule.anchor:
        raise fail(_("a negative duration needs an anchor"))
    if rule.extend_events and rule.duration.unit == "hours":
        raise fail(_("only day or month limits can be extended"))
