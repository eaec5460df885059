"""Possible duplicates across communes: the provincial office's review of persons recorded twice.

Each commune checks for duplicates among its own records when one is saved
(``tipdesk.services.persons_dupes``); only the province holds the records of every commune, so only
it can see that a victim received by two communes is one person. ``CrossDuplicates(desk)`` finds
candidate pairs of persons from *different* origin installations, in SQL over two indexed
equalities:

* the same ID number (non-empty): score 100;
* the same ``name_key`` (folded name, tones and đ removed, Telex-tolerant, plus the birth year;
  ``tipdesk.domain.text.name_key``) and the same sex: 90 when both full birth dates are known and
  equal, else 70; 20 less when both birth dates are known and differ, 40 less when both ID numbers
  are known and differ.

A provincial officer (``Perm.ANNOTATE``: the right to annotate imported records) decides a pair:
*same person* or *different persons*. The decision is a ``person_matches`` row made here (its
``origin_install_id`` is the province's, so no import ever touches it; the province exports no
batch, so it never travels). Nothing is merged: both origin records stay as their communes sent
them. *Undo* deletes the province's row, so the pair is undecided again; every decision and undo is
an audit row (the history). Pairs already decided, or already in the same cluster through other
links, are left out of the list unless asked for.

Statistics count a person once: persons joined by "same person" links between records of
different origin installations form a cluster (transitively; ``cluster_table``), and a population
of persons counts a clustered record only if no other member of its cluster in the same population
comes first by date received, then id (``counted_once``). Links within one installation (the
commune's "possibly the same person" offered at save time) do not merge counts.

Identity follows ``persons_access``: roles that may not see it (the provincial analyst) get
pseudonyms and no identity field, and every list or review that shows identity is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    case,
    delete,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    union,
)
from sqlalchemy.orm import Session, aliased

from tipdesk.db.models.persons import Person, PersonMatch
from tipdesk.domain import reference, units
from tipdesk.domain.deadlines import local_date
from tipdesk.domain.persons import IdentificationStatus, Sex
from tipdesk.domain.roles import Perm
from tipdesk.errors import UserError
from tipdesk.events import Changes
from tipdesk.i18n import N_, _, format_date, format_vnd, ngettext
from tipdesk.services.persons_access import audit_identity, reading, visible_ids
from tipdesk.services.persons_derive import forms_of, to_view
from tipdesk.services.persons_query import support_totals
from tipdesk.services.persons_store import get_person
from tipdesk.services.persons_types import MatchDecision, PersonView
from tipdesk.services.tips_format import country_label, form_label

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

CHANGES = "person_match"
AUDIT_VIA = "cross_duplicates"
DEFAULT_LIMIT = 200
MAX_LIMIT = 1000

SCORE_ID = 100
SCORE_NAME_DATE = 90
SCORE_NAME_YEAR = 70
PENALTY_DATE_DIFFERS = 20
PENALTY_ID_DIFFERS = 40

REASONS = {
    "id_number": N_("same ID number"),
    "name_birth_date": N_("same name, date of birth and sex"),
    "name_birth_year": N_("same name, year of birth and sex"),
    "birth_date_differs": N_("different dates of birth"),
    "id_number_differs": N_("different ID numbers"),
}
DECISIONS = {
    "": N_("Not decided"),
    "same": N_("Same person"),
    "different": N_("Different persons"),
}


# --- values ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DupSide:
    """One record of a pair, as the acting role may see it."""

    id: str
    pseudonym: str
    identity_visible: bool
    display_name: str  # the full name, or the pseudonym when identity is not shown
    unit_code: str  # the commune that recorded the person
    commune: str  # its name
    sex: Sex
    birth_year: int | None
    received_on: dt.date
    status: IdentificationStatus


@dataclass(frozen=True)
class DupPair:
    """A candidate pair: the earlier received record first."""

    a: DupSide
    b: DupSide
    score: int
    reasons: tuple[str, ...]  # keys of ``REASONS``
    decision: str = ""  # "" (undecided), "same" or "different"

    @property
    def key(self) -> tuple[str, str]:
        return self.a.id, self.b.id

    def reason_text(self) -> str:
        return ", ".join(_(REASONS[r]) for r in self.reasons if r in REASONS)

    def decision_text(self) -> str:
        return _(DECISIONS.get(self.decision, self.decision))


@dataclass(frozen=True)
class ReviewRow:
    """A line of the side-by-side review: the label and both values (already formatted)."""

    label: str
    a: str
    b: str
    identity: bool = False  # an identity field (never present for a role that may not see it)

    @property
    def differs(self) -> bool:
        return self.a.strip().casefold() != self.b.strip().casefold()


@dataclass(frozen=True)
class DupReview:
    pair: DupPair
    rows: tuple[ReviewRow, ...]
    identity_visible: bool  # both records shown with identity
    decided_by: str = ""
    decided_at: dt.datetime | None = None
    may_decide: bool = False  # the acting role may link, dismiss and undo

    @property
    def decision(self) -> str:
        return self.pair.decision


# --- SQL --------------------------------------------------------------------------------------------------------


@cache
def cluster_table() -> CTE:
    """SQL (a CTE of ``person_id``, ``rep_id``): every person in a "same person" cluster and its representative.

    Edges are ``same`` decisions between records of different origin installations, in both
    directions; the recursive part walks them (``UNION`` stops at cycles); the representative is the
    smallest id reached. Persons in no cluster are absent. One object, so a statement that uses it
    several times (through ``.alias()``) renders it once.
    """
    m = PersonMatch
    pa, pb = aliased(Person, name="same_pa"), aliased(Person, name="same_pb")
    cross = (m.decision == MatchDecision.SAME.value, pa.origin_install_id != pb.origin_install_id)
    forward = select(m.person_id.label("a"), m.other_id.label("b")).join(pa, pa.id == m.person_id) \
        .join(pb, pb.id == m.other_id).where(*cross)
    backward = select(m.other_id.label("a"), m.person_id.label("b")).join(pa, pa.id == m.person_id) \
        .join(pb, pb.id == m.other_id).where(*cross)
    edges = forward.union_all(backward).cte("same_person_edges")
    reach = select(edges.c.a.label("start"), edges.c.a.label("node")).cte("same_person_reach", recursive=True)
    reach = reach.union(select(reach.c.start, edges.c.b).join(edges, edges.c.a == reach.c.node))
    return select(reach.c.start.label("person_id"), func.min(reach.c.node).label("rep_id")) \
        .group_by(reach.c.start).cte("same_person_cluster")


Population = Callable[[Any], Sequence[ColumnElement[bool]]]


def counted_once(person: Any, population: Population) -> ColumnElement[bool]:
    """SQL: ``person`` (the ``Person`` entity of the outer query) is counted: it is in no cluster, or no
    other member of its cluster in ``population`` (conditions over a ``Person`` alias) comes before it
    by date received, then id."""
    cluster = cluster_table()
    mine, theirs = cluster.alias(), cluster.alias()
    other = aliased(Person)
    earlier = or_(other.received_on < person.received_on,
                  and_(other.received_on == person.received_on, other.id < person.id))
    before = (select(literal(1)).select_from(mine)
              .join(theirs, and_(theirs.c.rep_id == mine.c.rep_id, theirs.c.person_id != mine.c.person_id))
              .join(other, other.id == theirs.c.person_id)
              .where(mine.c.person_id == person.id, earlier, *population(other)))
    return or_(person.id.not_in(select(cluster.c.person_id)), not_(exists(before)))


def _flags(p1: Any, p2: Any) -> dict[str, ColumnElement[Any]]:
    id_hit = and_(p1.id_number != "", p1.id_number == p2.id_number)
    name_hit = and_(p1.name_key != "", p1.name_key == p2.name_key, p1.birth_year.is_not(None), p1.sex == p2.sex)
    date_same = and_(p1.birth_date.is_not(None), p1.birth_date == p2.birth_date)
    date_differs = and_(p1.birth_date.is_not(None), p2.birth_date.is_not(None), p1.birth_date != p2.birth_date)
    id_differs = and_(p1.id_number != "", p2.id_number != "", p1.id_number != p2.id_number)
    score = (case((id_hit, SCORE_ID), (and_(name_hit, date_same), SCORE_NAME_DATE), (name_hit, SCORE_NAME_YEAR),
                  else_=0)
             - case((and_(name_hit, not_(id_hit), date_differs), PENALTY_DATE_DIFFERS), else_=0)
             - case((and_(name_hit, id_differs), PENALTY_ID_DIFFERS), else_=0))
    return {"score": score, "id_hit": id_hit, "name_hit": name_hit, "date_same": date_same,
            "date_differs": date_differs, "id_differs": id_differs}


def _decided(p1: Any, p2: Any) -> ColumnElement[bool]:
    m = PersonMatch
    return or_(exists(select(m.id).where(m.person_id == p1.id, m.other_id == p2.id)),
               exists(select(m.id).where(m.person_id == p2.id, m.other_id == p1.id)))


def _decision(p1: Any, p2: Any) -> Any:
    m = PersonMatch
    return select(m.decision).where(or_(and_(m.person_id == p1.id, m.other_id == p2.id),
                                        and_(m.person_id == p2.id, m.other_id == p1.id))) \
        .limit(1).scalar_subquery()


def _same_cluster(p1: Any, p2: Any) -> ColumnElement[bool]:
    cluster = cluster_table()
    c1, c2 = cluster.alias(), cluster.alias()
    return exists(select(literal(1)).select_from(c1).join(c2, c2.c.rep_id == c1.c.rep_id)
                  .where(c1.c.person_id == p1.id, c2.c.person_id == p2.id))


def candidates_statement() -> CompoundSelect[Any]:
    """SQL: the candidate pairs ``(a_id, b_id)``, ``a_id < b_id``, from different origin installations."""
    pa, pb = aliased(Person, name="cand_a"), aliased(Person, name="cand_b")
    different = pa.origin_install_id != pb.origin_install_id
    by_id = select(pa.id.label("a_id"), pb.id.label("b_id")) \
        .join(pb, and_(pb.id_number == pa.id_number, pb.id > pa.id)).where(pa.id_number != "", different)
    by_name = select(pa.id.label("a_id"), pb.id.label("b_id")) \
        .join(pb, and_(pb.name_key == pa.name_key, pb.id > pa.id)) \
        .where(pa.name_key != "", pa.birth_year.is_not(None), pa.sex == pb.sex, different)
    return union(by_id, by_name)


# --- formatting ---------------------------------------------------------------------------------------------------


def _date(value: dt.date | None) -> str:
    return format_date(value) if value is not None else ""


def _sex(value: str) -> Sex:
    return Sex(value) if value in Sex._value2member_map_ else Sex.UNKNOWN


def _status(value: str) -> IdentificationStatus:
    try:
        return IdentificationStatus(value)
    except ValueError:
        return IdentificationStatus.BEING_IDENTIFIED


def _side(p: Person, visible: bool) -> DupSide:
    return DupSide(p.id, p.pseudonym, visible, p.full_name if visible else p.pseudonym, p.unit_code,
                   units.name_or_code(p.unit_code), _sex(p.sex), p.birth_year, p.received_on, _status(p.status))


def _reasons(row: Any) -> tuple[str, ...]:
    found: list[str] = []
    if row.id_hit:
        found.append("id_number")
    if row.name_hit:
        found.append("name_birth_date" if row.date_same else "name_birth_year")
        if row.date_differs and not row.id_hit:
            found.append("birth_date_differs")
        if row.id_differs:
            found.append("id_number_differs")
    return tuple(found)


def _first(p1: Person, p2: Person) -> tuple[Person, Person]:
    return (p1, p2) if (p1.received_on, p1.id) <= (p2.received_on, p2.id) else (p2, p1)


def _view_rows(a: PersonView, b: PersonView, support: tuple[tuple[int, int], tuple[int, int]]) -> list[ReviewRow]:
    def row(label: str, fn: Callable[[PersonView], str], identity: bool = False) -> ReviewRow:
        return ReviewRow(label, fn(a), fn(b), identity)

    rows = [
        row(_("Record code"), lambda v: v.pseudonym),
        row(_("Commune that recorded"), lambda v: units.name_or_code(v.unit_code)),
        row(_("Received on"), lambda v: _date(v.received_on)),
    ]
    if a.identity_visible and b.identity_visible:
        rows += [
            row(_("Full name"), lambda v: v.full_name, True),
            row(_("Other names"), lambda v: v.other_names, True),
            row(_("ID number"), lambda v: v.id_number, True),
            row(_("Date of birth"), lambda v: _date(v.birth_date), True),
        ]
    rows += [
        row(_("Year of birth"), lambda v: str(v.birth_year or "")),
        row(_("Sex"), lambda v: v.sex.label()),
        row(_("Ethnic group"), lambda v: reference.ethnic_or_code(v.ethnic_code)),
    ]
    if a.identity_visible and b.identity_visible:
        rows += [
            row(_("Address"), lambda v: ", ".join(x for x in (v.address_detail, units.name_or_code(v.address_unit_code))
                                                    if x), True),
            row(_("Telephone"), lambda v: v.phone, True),
            row(_("Guardian"), lambda v: v.guardian_name, True),
        ]
    counts = {a.id: support[0], b.id: support[1]}
    rows += [
        row(_("Place of origin"), lambda v: units.name_or_code(v.origin_unit_code)),
        row(_("Identification status"), lambda v: v.status.label()),
        row(_("Returned from"), lambda v: country_label(v.from_country)),
        row(_("Returned on"), lambda v: _date(v.returned_on)),
        row(_("Trafficking forms"), lambda v: ", ".join(form_label(c) for c in v.forms)),
        row(_("Support entries"), lambda v: ngettext("{n} entry, {amount}", "{n} entries, {amount}",
                                                     counts[v.id][0]).format(n=counts[v.id][0],
                                                                             amount=format_vnd(counts[v.id][1]))),
    ]
    return rows


# --- the service --------------------------------------------------------------------------------------------------


class CrossDuplicates:
    """Candidate pairs across communes, their side-by-side review and the province's decisions."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    @property
    def may_decide(self) -> bool:
        return self.desk.can(Perm.ANNOTATE) and self.desk.can(Perm.PERSON_VIEW)

    # -- reading ------------------------------------------------------------------------------------------------
    def _statement(self, min_score: int, include_decided: bool) -> Select[Any]:
        p1, p2 = aliased(Person, name="p1"), aliased(Person, name="p2")
        cand = candidates_statement().subquery("xdupe_candidates")
        flags = _flags(p1, p2)
        stmt = (select(p1, p2, *(f.label(k) for k, f in flags.items()), _decision(p1, p2).label("decision"))
                .select_from(cand).join(p1, p1.id == cand.c.a_id).join(p2, p2.id == cand.c.b_id)
                .where(flags["score"] >= min_score))
        if not include_decided:
            stmt = stmt.where(not_(_decided(p1, p2)), not_(_same_cluster(p1, p2)))
        return stmt.order_by(flags["score"].desc(), p1.received_on.desc(), p1.id, p2.id)

    def pairs(self, *, min_score: int = 0, include_decided: bool = False, limit: int = DEFAULT_LIMIT,
              offset: int = 0) -> list[DupPair]:
        """Candidate pairs, best score first (``limit``/``offset`` page); identity shown only where allowed."""
        self.desk.require(Perm.PERSON_VIEW)
        limit, offset = max(1, min(int(limit), MAX_LIMIT)), max(0, int(offset))
        with reading(self.desk) as session:
            rows = session.execute(self._statement(min_score, include_decided).limit(limit).offset(offset)).all()
            ids = {p.id for r in rows for p in (r[0], r[1])}
            visible = visible_ids(self.desk, session, ids)
            audit_identity(self.desk, session, visible, AUDIT_VIA)
            return [self._pair(r, visible) for r in rows]

    def count(self, *, min_score: int = 0, include_decided: bool = False) -> int:
        self.desk.require(Perm.PERSON_VIEW)
        with self.desk.read() as session:
            inner = self._statement(min_score, include_decided).order_by(None).subquery()
            return int(session.scalar(select(func.count()).select_from(inner)) or 0)

    @staticmethod
    def _pair(row: Any, visible: set[str]) -> DupPair:
        a, b = _first(row[0], row[1])
        return DupPair(_side(a, a.id in visible), _side(b, b.id in visible), max(int(row.score), 0), _reasons(row),
                       str(row.decision or ""))

    def pair(self, a_ref: str, b_ref: str) -> DupReview:
        """Both records side by side (identity only where allowed; identity reads audited)."""
        self.desk.require(Perm.PERSON_VIEW)
        with reading(self.desk) as session:
            a, b = self._both(session, a_ref, b_ref)
            p1, p2 = aliased(Person, name="p1"), aliased(Person, name="p2")
            flags = _flags(p1, p2)
            row = session.execute(select(p1, p2, *(f.label(k) for k, f in flags.items()),
                                         _decision(p1, p2).label("decision"))
                                  .select_from(p1).join(p2, p2.id == b.id).where(p1.id == a.id)).one()
            visible = visible_ids(self.desk, session, [a.id, b.id])
            audit_identity(self.desk, session, visible, AUDIT_VIA)
            pair = self._pair(row, visible)
            first, second = _first(a, b)
            today = local_date(self.desk.now())
            views = [to_view(p, p.id in visible, forms_of(session, p.id), today) for p in (first, second)]
            totals = support_totals(session, [first.id, second.id])
            match = self._match(session, a.id, b.id)
            decided_by, decided_at = (match.decided_by, match.updated_at) if match is not None else ("", None)
            support = (totals.get(first.id, (0, 0)), totals.get(second.id, (0, 0)))
        rows = _view_rows(views[0], views[1], support)
        return DupReview(pair, tuple(rows), all(v.identity_visible for v in views), decided_by, decided_at,
                         self.may_decide)

    def clusters(self) -> list[tuple[str, ...]]:
        """The "same person" clusters (person ids, sorted; the representative first: the smallest id)."""
        self.desk.require(Perm.PERSON_VIEW)
        with self.desk.read() as session:
            return clusters_in(session)

    # -- deciding -----------------------------------------------------------------------------------------------
    def link_same(self, a_ref: str, b_ref: str, note: str = "") -> str:
        """Record that the two records are one person (both kept as they are); returns the decision."""
        return self._decide(a_ref, b_ref, MatchDecision.SAME, note)

    def mark_different(self, a_ref: str, b_ref: str, note: str = "") -> str:
        return self._decide(a_ref, b_ref, MatchDecision.DIFFERENT, note)

    def undo(self, a_ref: str, b_ref: str) -> str:
        """Make the pair undecided again (the province's decision row is removed; the audit log keeps it)."""
        self._require_decide()
        with self.desk.write(Changes.of(CHANGES)) as session:
            a, b = self._both(session, a_ref, b_ref)
            match = self._match(session, a.id, b.id)
            if match is None:
                raise UserError(_("This pair has no decision to undo."), "xdupe_nothing_to_undo")
            self._require_own(match)
            detail = {"undo": True, "previous": match.decision, "person": a.id, "other": b.id,
                      "pseudonyms": [a.pseudonym, b.pseudonym]}
            session.execute(delete(PersonMatch).where(PersonMatch.id == match.id))
            self.desk.audit_log(session, "update", "person_match", match.id, detail)
        return ""

    def _decide(self, a_ref: str, b_ref: str, decision: MatchDecision, note: str) -> str:
        self._require_decide()
        note = note.strip()[:500]
        with self.desk.write(Changes.of(CHANGES)) as session:
            a, b = self._both(session, a_ref, b_ref)
            match = self._match(session, a.id, b.id)
            now = self.desk.now()
            if match is not None:
                self._require_own(match)
                if match.decision == decision.value:
                    return decision.value
                previous = match.decision
                match.decision, match.decided_by = decision.value, self.desk.actor.username
                match.touch(now)
                action = "update"
            else:
                first, second = sorted((a.id, b.id))
                match = PersonMatch(person_id=first, other_id=second, decision=decision.value,
                                    decided_by=self.desk.actor.username,
                                    origin_install_id=self.desk.installation.install_id, created_at=now,
                                    updated_at=now, version=1)
                session.add(match)
                session.flush()
                previous, action = "", "create"
            self.desk.audit_log(session, action, "person_match", match.id, {
                "decision": decision.value, "previous": previous, "person": a.id, "other": b.id,
                "pseudonyms": [a.pseudonym, b.pseudonym], "note": note})
        return decision.value

    def _require_decide(self) -> None:
        self.desk.require(Perm.PERSON_VIEW)
        self.desk.require(Perm.ANNOTATE)

    def _require_own(self, match: PersonMatch) -> None:
        if match.origin_install_id != self.desk.installation.install_id:
            raise UserError(_("This pair was decided where the records were made; it cannot be changed here."),
                            "xdupe_not_ours")

    @staticmethod
    def _both(session: Session, a_ref: str, b_ref: str) -> tuple[Person, Person]:
        a, b = get_person(session, a_ref), get_person(session, b_ref)
        if a.id == b.id:
            raise UserError(_("Choose two different records."), "xdupe_same_record")
        if a.origin_install_id == b.origin_install_id:
            raise UserError(_("Both records come from the same commune: only records of different communes are "
                              "compared here."), "xdupe_same_origin")
        return a, b

    @staticmethod
    def _match(session: Session, a_id: str, b_id: str) -> PersonMatch | None:
        m = PersonMatch
        return session.scalars(select(m).where(or_(and_(m.person_id == a_id, m.other_id == b_id),
                                                   and_(m.person_id == b_id, m.other_id == a_id)))).first()


def clusters_in(session: Session) -> list[tuple[str, ...]]:
    """The clusters of ``cluster_table`` read into Python: tuples of person ids, the representative first."""
    cluster = cluster_table()
    groups: dict[str, list[str]] = {}
    for person_id, rep_id in session.execute(select(cluster.c.person_id, cluster.c.rep_id)):
        groups.setdefault(rep_id, []).append(person_id)
    return sorted(tuple(sorted(members)) for members in groups.values())


def representatives(clusters: Iterable[Sequence[str]]) -> dict[str, str]:
    """``{person id: representative id}`` for every clustered person (the smallest id of its cluster)."""
    return {member: min(group) for group in clusters for member in group}
