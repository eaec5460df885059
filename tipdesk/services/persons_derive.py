"""Values derived from a person row: search texts, duplicate key, sort key, deadlines, the masked view.

The persons service calls ``refresh_index`` after every change of a person's fields and
``refresh_due`` after every change of its events or plan items, inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipdesk.db.models.persons import NO_DUE, Person, PersonEvent, PersonForm, PersonPlanItem
from tipdesk.domain import reference, units
from tipdesk.domain.deadlines import (
    VN_TZ,
    DeadlineEvent,
    DeadlineState,
    RuleSet,
    compute_deadlines,
    end_of_day,
)
from tipdesk.domain.ids import check_id_number
from tipdesk.domain.persons import AgeGroup, IdentificationStatus, PersonEventKind, Sex, age_group
from tipdesk.domain.text import fold, fold_telex, name_key
from tipdesk.errors import BugError, UserError
from tipdesk.i18n import _
from tipdesk.services.persons_types import (
    Confidentiality,
    DeadlineItem,
    Intake,
    PersonEventView,
    PersonRow,
    PersonView,
    PlanKind,
)

PLAN_PRE_ALARM = dt.timedelta(days=3)
PLAN_RULE_PREFIX = "plan:"


# --- search and sort keys ------------------------------------------------------------------------------


def _safe(fn: object, *args: str) -> str:
    try:
        return str(fn(*args))  # type: ignore[operator]
    except UserError:
        return ""


def _country_names(code: str) -> list[str]:
    return [_safe(reference.country_name, code, lang) for lang in ("vi", "en")] if code else []


def _ethnic_names(code: str) -> list[str]:
    if not code:
        return []
    try:
        group = reference.ethnic_group(code)
    except UserError:
        return []
    return [group.name_vi, group.name_en]


def _unit_name(code: str) -> str:
    return _safe(units.unit_name, code) if code else ""


def _folded(parts: Iterable[str], fold_fn: Callable[[str], str]) -> str:
    """Each part folded on its own (the same as folding them joined: folding never joins across spaces)."""
    return " " + " ".join(f for f in (fold_fn(p) for p in parts if p) if f)


def public_parts(p: Any) -> list[str]:
    """Non-identity texts of a person (an ORM row or any object with the same attributes)."""
    return [
        p.pseudonym, *_ethnic_names(p.ethnic_code), *_country_names(p.from_country), p.from_place,
        p.border_gate, p.receiving_agency, p.repatriation_route, p.identified_by, _unit_name(p.origin_unit_code),
    ]


def identity_parts(p: Any) -> list[str]:
    phone_digits = "".join(ch for ch in p.phone if ch.isdigit())
    return [
        p.full_name, p.other_names, p.id_number, phone_digits, p.address_detail, p.address_old,
        _unit_name(p.address_unit_code), p.origin_detail, p.origin_old, p.guardian_name, p.guardian_contact,
        p.notes,
    ]


def sort_name(full_name: str, fold_fn: Callable[[str], str] = fold) -> str:
    """Vietnamese order: by given name (the last word), then the whole name."""
    folded = fold_fn(full_name)
    given = folded.rsplit(" ", 1)[-1] if folded else ""
    return f"{given} {folded}"[:200]


def index_values(p: Any, fold_fn: Callable[[str], str] = fold_telex) -> dict[str, str]:
    """The denormalised search, duplicate and sort keys of ``p`` (``fold_fn``: a cached fold for bulk work)."""
    public = _folded(public_parts(p), fold_fn)
    return {
        "search_public": public,
        "search_full": public + _folded(identity_parts(p), fold_fn),
        "name_key": name_key(p.full_name, p.birth_year)[:260],
        "name_sort": sort_name(p.full_name),
    }


def refresh_index(p: Person) -> None:
    for name, value in index_values(p).items():
        setattr(p, name, value)


# --- deadlines -----------------------------------------------------------------------------------------


def at_day(day: dt.date) -> dt.datetime:
    """A calendar date as an instant: the start of that day in Vietnam local time."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=VN_TZ)


def _plan_item(item: Any, now: dt.datetime) -> DeadlineItem:
    due = end_of_day(item.due_on)
    if item.done_on is not None:
        met = end_of_day(item.done_on)
        state = DeadlineState.MET if met <= due else DeadlineState.MET_LATE
        return DeadlineItem(item.title, due, state, "", "plan", item.id, met)
    if now > due:
        state = DeadlineState.OVERDUE
    elif now >= due - PLAN_PRE_ALARM:
        state = DeadlineState.DUE_SOON
    else:
        state = DeadlineState.PENDING
    return DeadlineItem(item.title, due, state, "", "plan", item.id)


def deadline_items(events: Sequence[Any], plans: Sequence[Any], now: dt.datetime, rules: RuleSet,
                   remote: bool = False) -> list[DeadlineItem]:
    """Legal deadlines (the rule set's person rules) and plan items, by due time.

    ``events`` and ``plans``: ``PersonEvent`` and ``PersonPlanItem`` rows, or objects with their attributes.
    """
    dl_events = [DeadlineEvent(e.kind, e.occurred_at, e.days) for e in events]
    items = [
        DeadlineItem(d.display_label(), d.due_at, d.state, d.display_legal_ref(), "rule", d.rule_code, d.met_at)
        for d in compute_deadlines(dl_events, rules, now, remote, subject="person")
    ]
    items.extend(_plan_item(p, now) for p in plans)
    return sorted(items, key=lambda i: (i.due_at, i.label))


def load_deadline_inputs(session: Session, person_id: str) -> tuple[list[PersonEvent], list[PersonPlanItem]]:
    events = list(session.scalars(
        select(PersonEvent).where(PersonEvent.person_id == person_id).order_by(PersonEvent.occurred_at)))
    plans = list(session.scalars(
        select(PersonPlanItem).where(PersonPlanItem.person_id == person_id).order_by(PersonPlanItem.due_on)))
    return events, plans


def refresh_due(session: Session, p: Person, now: dt.datetime, rules: RuleSet, remote: bool = False) -> None:
    """Store the earliest open deadline or plan item on the person (list sort and filters)."""
    session.flush()
    events, plans = load_deadline_inputs(session, p.id)
    open_items = [i for i in deadline_items(events, plans, now, rules, remote) if i.state in _OPEN]
    first = min(open_items, key=lambda i: i.due_at, default=None)
    due = first.due_at if first else NO_DUE
    rule = "" if first is None else (first.ref if first.source == "rule" else PLAN_RULE_PREFIX + first.ref)
    if p.next_due_at != due or p.next_due_rule != rule:
        p.next_due_at = due
        p.next_due_rule = rule


_OPEN = frozenset({DeadlineState.PENDING, DeadlineState.DUE_SOON, DeadlineState.OVERDUE})


def due_label(rule: str, rules: RuleSet) -> str:
    """The translated label of a stored ``next_due_rule``."""
    if not rule:
        return ""
    if rule.startswith(PLAN_RULE_PREFIX):
        return _("Plan item")
    try:
        return _(rules.rule(rule).label)
    except BugError:  # a rule dropped from an edited rule set
        return rule


def event_view(e: PersonEvent) -> PersonEventView:
    try:
        label = PersonEventKind(e.kind).label()
    except ValueError:
        label = e.kind
    return PersonEventView(e.id, e.kind, label, e.occurred_at, e.days, e.agency, e.officer_name, e.note)


# --- views ---------------------------------------------------------------------------------------------


def _enum(enum: type[Intake] | type[Confidentiality] | type[Sex], value: str, default: str) -> object:
    try:
        return enum(value)
    except ValueError:
        return enum(default)


def forms_of(session: Session, person_id: str) -> tuple[str, ...]:
    return tuple(session.scalars(
        select(PersonForm.form_code).where(PersonForm.person_id == person_id).order_by(PersonForm.form_code)))


def _due(p: Person) -> dt.datetime | None:
    return None if p.next_due_at >= NO_DUE else p.next_due_at


def to_view(p: Person, visible: bool, forms: tuple[str, ...], today: dt.date) -> PersonView:
    """The person as the role may see it: identity fields masked unless ``visible``."""
    sex = Sex(p.sex) if p.sex in Sex._value2member_map_ else Sex.UNKNOWN
    shown = (lambda v: v) if visible else (lambda v: "")
    warnings = tuple(check_id_number(p.id_number, p.sex, p.birth_year, today).warnings) \
        if visible and p.id_number else ()
    return PersonView(
        id=p.id, pseudonym=p.pseudonym, version=p.version, identity_visible=visible,
        full_name=p.full_name if visible else p.pseudonym, other_names=shown(p.other_names),
        id_number=shown(p.id_number), address_unit_code=shown(p.address_unit_code),
        address_detail=shown(p.address_detail), address_old=shown(p.address_old), phone=shown(p.phone),
        guardian_name=shown(p.guardian_name), guardian_relation=shown(p.guardian_relation),
        guardian_contact=shown(p.guardian_contact), has_photo=visible and p.photo is not None,
        sex=sex, birth_date=p.birth_date if visible else None, birth_year=p.birth_year,
        age_group=_age_group(p, today), ethnic_code=p.ethnic_code, nationality=p.nationality,
        origin_unit_code=p.origin_unit_code if visible else _province_of(p.origin_unit_code),
        origin_detail=shown(p.origin_detail), origin_old=shown(p.origin_old),
        languages=p.languages, disability=p.disability, pregnant=p.pregnant,
        accompanying_children=p.accompanying_children,
        intake=_enum(Intake, p.intake, Intake.OTHER.value),  # type: ignore[arg-type]
        received_on=p.received_on, status=IdentificationStatus(p.status), identified_by=p.identified_by,
        identified_on=p.identified_on, evidence=tuple(p.evidence.split()), from_country=p.from_country,
        from_place=p.from_place, returned_on=p.returned_on, border_gate=p.border_gate,
        receiving_agency=p.receiving_agency, repatriation_route=p.repatriation_route, forms=forms,
        consent_share=p.consent_share, consent_on=p.consent_on, consent_by_guardian=p.consent_by_guardian,
        confidentiality=_enum(Confidentiality, p.confidentiality, Confidentiality.HIGH.value),  # type: ignore[arg-type]
        notes=shown(p.notes), unit_code=p.unit_code, created_at=p.created_at, updated_at=p.updated_at,
        next_due_at=_due(p), next_due_rule=p.next_due_rule, id_warnings=warnings,
    )


def _province_of(unit_code: str) -> str:
    """A masked place of origin: the province only (statistics keep it; the commune could point to the person)."""
    if len(unit_code) != 5:
        return unit_code
    try:
        return units.commune(unit_code).province_code
    except UserError:
        return ""


def _age_group(p: Person, today: dt.date) -> AgeGroup:
    born: dt.date | int | None = p.birth_date if p.birth_date is not None else p.birth_year
    try:
        return age_group(born, today)
    except UserError:
        return AgeGroup.UNKNOWN


def to_row(p: Person, visible: bool, today: dt.date, support: tuple[int, int], rules: RuleSet) -> PersonRow:
    sex = Sex(p.sex) if p.sex in Sex._value2member_map_ else Sex.UNKNOWN
    return PersonRow(
        id=p.id, pseudonym=p.pseudonym, identity_visible=visible,
        display_name=p.full_name if visible else p.pseudonym, sex=sex, birth_year=p.birth_year,
        age_group=_age_group(p, today), ethnic_code=p.ethnic_code, status=IdentificationStatus(p.status),
        from_country=p.from_country, received_on=p.received_on, next_due_at=_due(p),
        next_due_rule=p.next_due_rule, next_due_label=due_label(p.next_due_rule, rules), support_count=support[0],
        support_total=support[1], unit_code=p.unit_code,
    )


def plan_kind(value: str) -> PlanKind:
    return PlanKind(value) if value in PlanKind._value2member_map_ else PlanKind.FOLLOW_UP
