"""Persons lists: filters, accent-insensitive search and keyset pages.

Filters (``PageRequest.filters`` keys, all optional):

``query`` (text: every word must start a word of the record, digits may occur anywhere; tones,
case and Telex leftovers ignored), ``status`` (an ``IdentificationStatus`` code), ``sex``,
``age_group`` (an ``AgeGroup`` code, on today's date), ``ethnic_code``, ``from_country`` (ISO code of
the country the person returned from), ``form`` (a trafficking-form code), ``support_type`` (a
support-type code, ``any`` or ``none``), ``due`` (a ``DueFilter`` code) and ``unit_code`` (the commune
that recorded the person: the provincial office's commune filter).

Search respects the identity rule: roles that see every identity search the folded text with
identity fields (``search_full``); commune police search it only for persons linked to a tip; every
other role searches ``search_public`` only, so a name never finds a masked record.

``PageRequest.sort`` is a ``PersonSort`` code (default ``received``); ``name`` sorts by given name
and is only for roles that see every identity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, literal_column, not_, or_, select
from sqlalchemy.orm import Session, defer

from tipdesk.db.models.persons import NO_DUE, Person, PersonForm, SupportEntry
from tipdesk.db.sqlfuncs import fts_hits
from tipdesk.domain.persons import AgeGroup, IdentificationStatus, Sex
from tipdesk.domain.text import fold_telex
from tipdesk.errors import ValidationError
from tipdesk.i18n import _
from tipdesk.services.paging import Page, PageRequest, apply_keyset, make_page
from tipdesk.services.persons_access import linked_condition, sees_all, sees_linked
from tipdesk.services.persons_types import DueFilter, PersonSort
from tipdesk.services.search import list_match

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

FILTER_KEYS = frozenset({"query", "status", "sex", "age_group", "ethnic_code", "from_country", "form",
                         "support_type", "due", "unit_code"})
ATTENTION_DAYS = 7


def _bad(value: object) -> ValidationError:
    return ValidationError(_("Unknown filter value: {value}").format(value=value), code="bad_filter")


def sort_columns(desk: Desk, sort: str) -> list[Any]:
    try:
        chosen = PersonSort(sort or PersonSort.RECEIVED)
    except ValueError:
        raise ValidationError(_("Unknown sort order: {sort}").format(sort=sort), code="bad_sort") from None
    if chosen is PersonSort.NAME and not sees_all(desk):
        chosen = PersonSort.PSEUDONYM  # sorting by a hidden name would leak it
    columns: dict[PersonSort, list[Any]] = {
        PersonSort.RECEIVED: [Person.received_on, Person.id],
        PersonSort.DUE: [Person.next_due_at, Person.id],
        PersonSort.PSEUDONYM: [Person.pseudonym, Person.id],
        PersonSort.NAME: [Person.name_sort, Person.id],
    }
    return columns[chosen]


def _word_like(column: Any, word: str) -> ColumnElement[bool]:
    # fold() leaves only letters, digits, spaces and "/": nothing to escape for LIKE.
    pattern = f"%{word}%" if any(ch.isdigit() for ch in word) else f"% {word}%"
    result: ColumnElement[bool] = column.like(pattern)
    return result


def search_condition(desk: Desk, query: str) -> ColumnElement[bool] | None:
    """The list's search box: FTS5 prefix matches of every word (``list_match``) in the index the role may
    search; on a server, where there is no FTS5, word starts within the folded text."""
    words = fold_telex(query).split()
    match, numbers = list_match(query)
    if not words:
        return None

    def hits(index: str, column: Any) -> ColumnElement[bool]:
        clauses = [_word_like(column, number) for number in numbers]  # a number may be any part of one
        if match is not None:
            fallback = and_(*[_word_like(column, w) for w in words if not w.isdigit()])
            clauses.append(fts_hits(literal_column("persons.rowid"), literal_column(index), literal(match),
                                    fallback))
        return and_(*clauses)

    public = hits("persons_public_fts", Person.search_public)
    if sees_all(desk):
        return hits("persons_full_fts", Person.search_full)
    if sees_linked(desk):
        return or_(and_(linked_condition(Person.id), hits("persons_full_fts", Person.search_full)), public)
    return public


def _years_before(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


_AGE_BOUNDS: Mapping[AgeGroup, tuple[int | None, int | None]] = {
    AgeGroup.UNDER_16: (None, 16), AgeGroup.AGE_16_17: (16, 18), AgeGroup.AGE_18_29: (18, 30),
    AgeGroup.AGE_30_44: (30, 45), AgeGroup.AGE_45_PLUS: (45, None),
}


def age_condition(value: str, today: dt.date) -> ColumnElement[bool]:
    """Age on ``today`` in [low, high): born on or before ``today - low`` years, after ``today - high``."""
    try:
        group = AgeGroup(value)
    except ValueError:
        raise _bad(value) from None
    if group is AgeGroup.UNKNOWN:
        return Person.birth_sort.is_(None)
    low, high = _AGE_BOUNDS[group]
    parts = []
    if low is not None:
        parts.append(Person.birth_sort <= _years_before(today, low))
    if high is not None:
        parts.append(Person.birth_sort > _years_before(today, high))
    return and_(*parts)


def _support_condition(value: str) -> ColumnElement[bool]:
    has_any = exists(select(SupportEntry.id).where(SupportEntry.person_id == Person.id))
    if value == "any":
        return has_any
    if value == "none":
        return not_(has_any)
    return exists(select(SupportEntry.id).where(SupportEntry.person_id == Person.id,
                                                SupportEntry.type_code == value))


def _due_condition(value: str, now: dt.datetime) -> ColumnElement[bool]:
    try:
        chosen = DueFilter(value)
    except ValueError:
        raise _bad(value) from None
    if chosen is DueFilter.OVERDUE:
        return Person.next_due_at < now
    if chosen is DueFilter.ATTENTION:
        return Person.next_due_at <= now + dt.timedelta(days=ATTENTION_DAYS)
    return Person.next_due_at < NO_DUE


def _enum_value(value: str, enum: type[IdentificationStatus] | type[Sex]) -> str:
    try:
        return enum(value).value
    except ValueError:
        raise _bad(value) from None


def conditions(desk: Desk, filters: Mapping[str, Any], today: dt.date, now: dt.datetime) -> list[Any]:
    unknown = set(filters) - FILTER_KEYS
    if unknown:
        raise _bad(sorted(unknown)[0])
    get = {k: str(v).strip() for k, v in filters.items() if v not in (None, "")}
    result: list[Any] = []
    if "query" in get and (cond := search_condition(desk, get["query"])) is not None:
        result.append(cond)
    if "status" in get:
        result.append(Person.status == _enum_value(get["status"], IdentificationStatus))
    if "sex" in get:
        result.append(Person.sex == _enum_value(get["sex"], Sex))
    if "age_group" in get:
        result.append(age_condition(get["age_group"], today))
    if "ethnic_code" in get:
        result.append(Person.ethnic_code == get["ethnic_code"])
    if "from_country" in get:
        result.append(Person.from_country == get["from_country"].upper())
    if "form" in get:
        result.append(exists(select(PersonForm.person_id).where(
            PersonForm.person_id == Person.id, PersonForm.form_code == get["form"])))
    if "support_type" in get:
        result.append(_support_condition(get["support_type"]))
    if "due" in get:
        result.append(_due_condition(get["due"], now))
    if "unit_code" in get:
        result.append(Person.unit_code == get["unit_code"])
    return result


def _list_select() -> Select[Any]:
    return select(Person).options(defer(Person.search_full), defer(Person.search_public), defer(Person.notes))


def fetch(desk: Desk, session: Session, request: PageRequest, today: dt.date,
          now: dt.datetime) -> tuple[list[Person], Page[Person]]:
    """The ORM rows of one page (plus the probe row cut) and the page with its cursor."""
    columns = sort_columns(desk, request.sort)
    stmt = _list_select().where(*conditions(desk, request.filters, today, now))
    rows = list(session.scalars(apply_keyset(stmt, columns, request)))
    names = [c.key for c in columns]
    page: Page[Person] = make_page(rows, request, lambda p: [getattr(p, n) for n in names], lambda p: p)
    return rows, page


def count(desk: Desk, session: Session, filters: Mapping[str, Any], today: dt.date, now: dt.datetime) -> int:
    stmt = select(func.count()).select_from(Person).where(*conditions(desk, filters, today, now))
    return int(session.scalar(stmt) or 0)


def support_totals(session: Session, ids: list[str]) -> dict[str, tuple[int, int]]:
    if not ids:
        return {}
    rows = session.execute(
        select(SupportEntry.person_id, func.count(), func.coalesce(func.sum(SupportEntry.amount_vnd), 0))
        .where(SupportEntry.person_id.in_(ids)).group_by(SupportEntry.person_id)
    )
    return {pid: (int(n), int(total)) for pid, n, total in rows}


def distinct_units(session: Session) -> list[str]:
    """The communes (unit codes) that recorded persons here."""
    return list(session.scalars(select(Person.unit_code).distinct().order_by(Person.unit_code)))
