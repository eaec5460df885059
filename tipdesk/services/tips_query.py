"""Tip lists: filters, accent-insensitive search and keyset pages with urgent tips on top.

Filters (``PageRequest.filters`` keys, all optional):

``status`` (code or list of codes), ``source_type``, ``channel``, ``form`` (a trafficking-form tag),
``officer`` (receiving officer's name), ``date_from`` / ``date_to`` (``datetime.date``, Vietnam local
time, inclusive), ``year`` (register year), ``search`` (text; accent- and case-insensitive, every word
must occur), ``deadline`` (a :class:`DeadlineFilter` code), ``urgent`` (True: urgent tips only) and
``urgent_first`` (default True; the register book passes False to keep number order) and ``unit_code``
(the commune whose register holds the tip: the provincial office's commune filter; served by the index
``uq_tips_unit_code``, which starts with ``unit_code``).

``PageRequest.sort`` is a :class:`TipSort` code (default ``received``). Urgent tips come first in
every list: the query reads the urgent segment, then the others, each through an index
``(urgent, sort key..., id)``; the cursor is ``(urgent, sort key..., id)`` of the last row sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, literal_column, select, text
from sqlalchemy.orm import Session

from tipdesk.db.models.tips import NO_DUE, Tip, TipForm
from tipdesk.db.sqlfuncs import fts_hits
from tipdesk.domain.deadlines import VN_TZ, RuleSet
from tipdesk.domain.text import fold
from tipdesk.domain.tips import Channel, SourceType, TipStatus
from tipdesk.errors import ValidationError
from tipdesk.i18n import _
from tipdesk.services.paging import Page, PageRequest, keyset_after
from tipdesk.services.search import list_match
from tipdesk.services.tips_deadlines import NextDue, rule_label, state_at
from tipdesk.services.tips_types import DeadlineFilter, Reporter, ReporterKind, TipRow, TipSort

FILTER_KEYS = frozenset({"status", "source_type", "channel", "form", "officer", "date_from", "date_to", "year",
                         "search", "deadline", "urgent", "urgent_first", "unit_code"})
SUMMARY_CHARS = 300

_LIST_COLUMNS = (
    Tip.id, Tip.register_no, Tip.register_year, Tip.received_at, Tip.source_type, Tip.channel, Tip.status,
    Tip.urgent, func.substr(Tip.summary, 1, SUMMARY_CHARS).label("summary"), Tip.reporter_kind,
    Tip.reporter_name, Tip.reporter_secret, Tip.officer_name, Tip.place_unit_code, Tip.next_due_at,
    Tip.next_due_rule, Tip.next_alarm_at, Tip.transferred_at, Tip.transferred_to, Tip.decision_at,
    Tip.decision_ref, Tip.printed_at, Tip.unit_code,
)


def sort_columns(sort: str) -> list[Any]:
    try:
        chosen = TipSort(sort or TipSort.RECEIVED)
    except ValueError:
        raise ValidationError(_("Unknown sort order: {sort}").format(sort=sort), code="bad_sort") from None
    if chosen is TipSort.REGISTER:
        return [Tip.register_year, Tip.register_no, Tip.id]
    if chosen is TipSort.DUE:
        return [Tip.next_due_at, Tip.id]
    return [Tip.received_at, Tip.id]


def local_day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=VN_TZ)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(word: str) -> ColumnElement[bool]:
    return Tip.search_text.like(f"%{_like_escape(word)}%", escape="\\")


def search_clauses(query: str) -> list[ColumnElement[bool]]:
    """The list's search box (``search.list_match``): words with letters by an FTS5 index look-up (prefix
    matches, even at a million tips), numbers as parts of the folded text; on a server, where there is no
    FTS5, every word within the folded text's tokens."""
    match, numbers = list_match(query)
    clauses = [_contains(number) for number in numbers]
    if match is not None:
        words = [_contains(word) for word in fold(query).split() if not word.isdigit()]
        clauses.append(fts_hits(literal_column("tips.rowid"), literal_column("tips_fts"), literal(match),
                                and_(*words)))
    return clauses


def _codes(value: Any, enum: type[TipStatus] | type[SourceType] | type[Channel]) -> list[str]:
    values = [value] if isinstance(value, str) else list(value)
    try:
        return [enum(v).value for v in values]
    except ValueError as exc:
        raise ValidationError(_("Unknown filter value: {value}").format(value=exc), code="bad_filter") from None


def _deadline_clause(value: str, now: dt.datetime) -> ColumnElement[bool]:
    try:
        which = DeadlineFilter(value)
    except ValueError:
        raise ValidationError(_("Unknown filter value: {value}").format(value=value), code="bad_filter") from None
    has_due = Tip.next_due_at < NO_DUE
    if which is DeadlineFilter.OVERDUE:
        return and_(has_due, Tip.next_due_at < now)
    if which is DeadlineFilter.DUE_SOON:
        return and_(has_due, Tip.next_due_at >= now, Tip.next_alarm_at <= now)
    if which is DeadlineFilter.ATTENTION:
        return and_(has_due, Tip.next_alarm_at <= now)
    if which is DeadlineFilter.OPEN:
        return has_due
    return Tip.next_due_at >= NO_DUE


def where_clauses(filters: Mapping[str, Any], now: dt.datetime) -> list[ColumnElement[bool]]:
    """SQL conditions for ``filters`` (see the module docstring)."""
    unknown = set(filters) - FILTER_KEYS
    if unknown:
        raise ValidationError(_("Unknown filter: {name}").format(name=sorted(unknown)[0]), code="bad_filter")
    f = {k: v for k, v in filters.items() if v not in (None, "", [], ())}
    clauses: list[ColumnElement[bool]] = []
    if "status" in f:
        clauses.append(Tip.status.in_(_codes(f["status"], TipStatus)))
    if "source_type" in f:
        clauses.append(Tip.source_type.in_(_codes(f["source_type"], SourceType)))
    if "channel" in f:
        clauses.append(Tip.channel.in_(_codes(f["channel"], Channel)))
    if "form" in f:
        clauses.append(exists().where(TipForm.tip_id == Tip.id, TipForm.form_code == str(f["form"])))
    if "officer" in f:
        clauses.append(Tip.officer_name == str(f["officer"]))
    if "date_from" in f:
        clauses.append(Tip.received_at >= local_day_start(f["date_from"]))
    if "date_to" in f:
        clauses.append(Tip.received_at < local_day_start(f["date_to"] + dt.timedelta(days=1)))
    if "year" in f:
        clauses.append(Tip.register_year == int(f["year"]))
    if "search" in f:
        clauses.extend(search_clauses(str(f["search"])))
    if "deadline" in f:
        clauses.append(_deadline_clause(str(f["deadline"]), now))
    if f.get("urgent"):
        clauses.append(Tip.urgent.is_(True))
    if "unit_code" in f:
        clauses.append(Tip.unit_code == str(f["unit_code"]).strip())
    return clauses


def _segments(request: PageRequest) -> list[bool | None]:
    """The urgent segments still to read: [True, False] from the top, [False] after the urgent ones."""
    if not request.filters.get("urgent_first", True):
        return [None]
    if request.after is not None and not request.after[0]:
        return [False]
    return [True, False]


def fetch_rows(session: Session, request: PageRequest, now: dt.datetime) -> tuple[list[Any], bool]:
    """Up to ``limit`` rows and whether more follow."""
    columns = sort_columns(request.sort)
    base: Select[Any] = select(*_LIST_COLUMNS).where(*where_clauses(request.filters, now))
    limit = request.capped_limit()
    rows: list[Any] = []
    for index, segment in enumerate(_segments(request)):
        stmt = base if segment is None else base.where(Tip.urgent.is_(segment))
        order = [c.desc() if request.descending else c.asc() for c in columns]
        stmt = stmt.order_by(*order).limit(limit + 1 - len(rows))
        if index == 0 and request.after is not None:
            stmt = stmt.where(keyset_after(columns, request.after[1:], request.descending))
        rows.extend(session.execute(stmt).all())
        if len(rows) > limit:
            return rows[:limit], True
    return rows, False


def rows_by_id(session: Session, tip_ids: Sequence[str]) -> list[Any]:
    """The list columns of the given tips (any order)."""
    return list(session.execute(select(*_LIST_COLUMNS).where(Tip.id.in_(list(tip_ids)))).all())


def cursor_of(row: Any, sort: str) -> tuple[Any, ...]:
    chosen = TipSort(sort or TipSort.RECEIVED)
    if chosen is TipSort.REGISTER:
        keys: tuple[Any, ...] = (row.register_year, row.register_no, row.id)
    elif chosen is TipSort.DUE:
        keys = (row.next_due_at, row.id)
    else:
        keys = (row.received_at, row.id)
    return (1 if row.urgent else 0, *keys)


def to_row(r: Any, *, reveal: bool, rules: RuleSet, now: dt.datetime) -> TipRow:
    due = NextDue(r.next_due_at, r.next_due_rule, r.next_alarm_at)
    state = state_at(due, now)
    masked = bool(r.reporter_secret) and not reveal
    kind = ReporterKind(r.reporter_kind)
    reporter = Reporter(kind, bool(r.reporter_secret), masked, "" if masked else r.reporter_name)
    return TipRow(
        id=r.id, register_no=r.register_no, register_year=r.register_year, received_at=r.received_at,
        source_type=SourceType(r.source_type), channel=Channel(r.channel), status=TipStatus(r.status),
        urgent=bool(r.urgent), summary=r.summary, reporter=reporter, officer_name=r.officer_name,
        place_unit_code=r.place_unit_code, next_due_at=None if state is None else r.next_due_at,
        next_due_rule=r.next_due_rule if state is not None else "",
        next_due_label=rule_label(rules, r.next_due_rule) if state is not None else "", deadline_state=state,
        transferred_at=r.transferred_at, transferred_to=r.transferred_to, decision_at=r.decision_at,
        decision_ref=r.decision_ref, printed=r.printed_at is not None, unit_code=r.unit_code,
    )


def page_of(rows: Sequence[Any], more: bool, request: PageRequest, convert: Any) -> Page[TipRow]:
    cursor = cursor_of(rows[-1], request.sort) if more and rows else None
    return Page([convert(r) for r in rows], cursor)


def count(session: Session, filters: Mapping[str, Any], now: dt.datetime) -> int:
    stmt = select(func.count()).select_from(Tip).where(*where_clauses(filters, now))
    return int(session.scalar(stmt) or 0)


def distinct_officers(session: Session) -> list[str]:
    """The officer names in use, by a skip scan of ``ix_tips_officer_name``: one index seek per name, so a
    million tips cost what a few dozen names cost (a plain DISTINCT reads every index entry)."""
    officers = text(
        "WITH RECURSIVE o(name) AS ("
        " SELECT (SELECT min(officer_name) FROM tips WHERE officer_name > '')"
        " UNION ALL SELECT (SELECT min(officer_name) FROM tips WHERE officer_name > o.name) FROM o"
        " WHERE o.name IS NOT NULL)"
        " SELECT name FROM o WHERE name IS NOT NULL")
    return [str(name) for name in session.scalars(officers)]


def distinct_units(session: Session) -> list[str]:
    """The communes (unit codes) that have tips here (an index-only scan of ``uq_tips_unit_code``)."""
    return list(session.scalars(select(Tip.unit_code).distinct().order_by(Tip.unit_code)))
