"""Titles, row labels and row order of the statistics tables; assembly of a table from its counts.

Tables of a closed list (source types, channels, statuses, sexes, age groups...) show every row,
zeros included, in the list's order, like a printed statistics form; open lists (countries,
ethnic groups) show the values found, most frequent first. A code the lists do not know is shown
as is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from tipdesk.domain import units
from tipdesk.domain.deadlines import DeadlineState
from tipdesk.domain.persons import AgeGroup, IdentificationStatus, Sex, support_types, trafficking_forms
from tipdesk.domain.reference import ethnic_group
from tipdesk.domain.tips import Channel, SourceType, TipStatus
from tipdesk.errors import NotFound
from tipdesk.i18n import N_, _
from tipdesk.services.reports_stats import NO_VALUE, Cell, Grid
from tipdesk.services.reports_types import StatRow, StatTable, Subject, UnitRow
from tipdesk.services.tips_format import country_label, form_label

TIP_TABLES = ("tips_by_source", "tips_by_channel", "tips_by_form", "tips_by_country", "tips_by_status",
              "tips_by_deadline")
PERSON_TABLES = ("persons_by_status", "persons_by_sex", "persons_by_age", "persons_by_ethnic", "persons_by_country",
                 "support_by_type", "essential_needs")
ALL_TABLES = TIP_TABLES + PERSON_TABLES

ESSENTIAL_STATES = {
    "ended_in_time": N_("Ended within the period allowed"),
    "ended_late": N_("Ended after the period allowed"),
    "over_limit": N_("Past the period allowed, not ended"),
    "running": N_("Running, within the period allowed"),
}
DEADLINE_ORDER = (DeadlineState.MET, DeadlineState.MET_LATE, DeadlineState.OVERDUE, DeadlineState.PENDING,
                  DeadlineState.NOT_APPLICABLE)


@dataclass(frozen=True)
class TableSpec:
    title: str  # msgid; may contain {rule} or {days}
    category: str  # msgid
    label: Callable[[str], str]
    order: Callable[[], Sequence[str]] | None  # None: open list, most frequent first
    note: str = ""  # msgid


def _enum_label(enum: type[SourceType] | type[Channel] | type[TipStatus] | type[IdentificationStatus]
                | type[Sex] | type[AgeGroup]) -> Callable[[str], str]:
    def label(code: str) -> str:
        try:
            return enum(code).label()
        except ValueError:
            return code
    return label


def _codes(enum: Iterable[object]) -> Callable[[], Sequence[str]]:
    return lambda: [str(v) for v in enum]


def _or_none(label: Callable[[str], str], empty: str) -> Callable[[str], str]:
    return lambda code: _(empty) if code == NO_VALUE else label(code)


def _ethnic_label(code: str) -> str:
    try:
        return ethnic_group(code).name()
    except NotFound:
        return code


def _support_label(code: str) -> str:
    return next((t.name() for t in support_types() if t.code == code), code)


def _deadline_label(code: str) -> str:
    try:
        return DeadlineState(code).label()
    except ValueError:
        return code


SPECS: dict[str, TableSpec] = {
    "tips_by_source": TableSpec(N_("Tips by type of source"), N_("Type of source"), _enum_label(SourceType),
                                _codes(SourceType)),
    "tips_by_channel": TableSpec(N_("Tips by channel of receipt"), N_("Channel"), _enum_label(Channel),
                                 _codes(Channel)),
    "tips_by_form": TableSpec(N_("Tips by trafficking form"), N_("Trafficking form"),
                              _or_none(form_label, N_("No form recorded")),
                              lambda: [f.code for f in trafficking_forms()] + [NO_VALUE],
                              N_("A tip with several forms is counted under each of them.")),
    "tips_by_country": TableSpec(N_("Tips by destination country"), N_("Destination country"),
                                 _or_none(country_label, N_("Not recorded")), None),
    "tips_by_status": TableSpec(N_("Tips by status at the end of the period"), N_("Status"),
                                _enum_label(TipStatus), _codes(TipStatus)),
    "tips_by_deadline": TableSpec(N_("Compliance with the deadline “{rule}”"), N_("Deadline"), _deadline_label,
                                  lambda: [s.value for s in DEADLINE_ORDER],
                                  N_("Late and overdue are judged at the end of the period.")),
    "persons_by_status": TableSpec(N_("Persons by identification status"), N_("Identification status"),
                                   _enum_label(IdentificationStatus), _codes(IdentificationStatus)),
    "persons_by_sex": TableSpec(N_("Persons by sex"), N_("Sex"), _enum_label(Sex), _codes(Sex)),
    "persons_by_age": TableSpec(N_("Persons by age group (age when received)"), N_("Age group"),
                                _enum_label(AgeGroup), _codes(AgeGroup)),
    "persons_by_ethnic": TableSpec(N_("Persons by ethnic group"), N_("Ethnic group"),
                                   _or_none(_ethnic_label, N_("Not recorded")), None),
    "persons_by_country": TableSpec(N_("Persons by country returned from"), N_("Country"),
                                    _or_none(country_label, N_("Not recorded")), None),
    "support_by_type": TableSpec(N_("Support given by type"), N_("Type of support"), _support_label,
                                 lambda: [t.code for t in support_types()]),
    "essential_needs": TableSpec(N_("Essential-needs support ({days} days plus extensions)"), N_("Situation"),
                                 lambda code: _(ESSENTIAL_STATES[code]) if code in ESSENTIAL_STATES else code,
                                 lambda: list(ESSENTIAL_STATES),
                                 N_("Persons whose essential-needs period ran during the period.")),
}

SUBJECTS: dict[str, Subject] = {
    **{key: Subject.TIP for key in TIP_TABLES},
    **{key: Subject.PERSON for key in PERSON_TABLES},
    "support_by_type": Subject.SUPPORT,
}


def unit_label(code: str) -> str:
    try:
        return units.unit_name(code) if code else _("Not recorded")
    except NotFound:
        return code


def table_title(key: str, rule: str = "", days: int = 0) -> str:
    """The translated title of table ``key`` (``rule``: the deadline's label, ``days``: the essential-needs period)."""
    return _(SPECS[key].title).format(rule=rule, days=days)


def _row_codes(spec: TableSpec, totals: dict[str, Cell]) -> list[str]:
    if spec.order is None:
        return sorted(totals, key=lambda c: (-totals[c].count, spec.label(c)))
    known = list(spec.order())
    extra = sorted(c for c in totals if c not in known)
    return [c for c in known if c in totals or c != NO_VALUE] + extra


def build_table(key: str, grid: Grid, total: int, *, unit_codes: Sequence[str] = (), silent: frozenset[str] = frozenset(),
                rule: str = "", days: int = 0) -> StatTable:
    """The table ``key`` from its counts; ``unit_codes`` (province) adds one row per commune."""
    spec = SPECS[key]
    totals: dict[str, Cell] = {}
    for (_unit, code), cell in grid.items():
        old = totals.get(code, Cell(0))
        totals[code] = Cell(old.count + cell.count, old.persons + cell.persons, old.amount + cell.amount)
    money = SUBJECTS[key] is Subject.SUPPORT
    rows = tuple(
        StatRow(code, spec.label(code), totals.get(code, Cell(0)).count,
                totals.get(code, Cell(0)).persons if money else None,
                totals.get(code, Cell(0)).amount if money else None)
        for code in _row_codes(spec, totals)
    )
    per_unit: dict[str, dict[str, Cell]] = {}
    for (unit, code), cell in grid.items():
        per_unit.setdefault(unit, {})[code] = cell
    by_unit = tuple(
        UnitRow(unit, unit_label(unit), {c: cell.count for c, cell in per_unit.get(unit, {}).items()},
                {c: cell.amount for c, cell in per_unit.get(unit, {}).items()} if money else {}, unit in silent)
        for unit in unit_codes
    )
    return StatTable(key, table_title(key, rule, days), SUBJECTS[key], _(spec.category), rows, total,
                     _(spec.note) if spec.note else "", money, by_unit)
