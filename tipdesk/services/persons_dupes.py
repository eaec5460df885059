"""Possible duplicates: the same folded name and birth year, or the same ID number.

Offered before a person is saved; the user links ("possibly the same person") or dismisses
("not the same person") each candidate. Records are never merged: a decision is a
``person_matches`` row, shown on both records. A dismissed pair is not offered again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tipdesk.db.models.persons import Person, PersonMatch
from tipdesk.domain.persons import IdentificationStatus, Sex
from tipdesk.domain.text import name_key
from tipdesk.errors import UserError, ValidationError
from tipdesk.i18n import _, ngettext
from tipdesk.services.persons_types import DuplicateCandidate, MatchDecision

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

MAX_CANDIDATES = 20


class PossibleDuplicates(UserError):
    """Saving needs a decision on each listed candidate first (``decisions`` of create/update)."""

    def __init__(self, candidates: Sequence[tuple[str, str]]) -> None:
        self.candidates = [cid for cid, _pseudonym in candidates]
        names = ", ".join(pseudonym for _cid, pseudonym in candidates)
        super().__init__(
            ngettext("A record may be the same person ({codes}): link or dismiss it before saving.",
                     "{n} records may be the same person ({codes}): link or dismiss them before saving.",
                     len(candidates)).format(n=len(candidates), codes=names),
            "possible_duplicates",
        )


def _decided_pairs(session: Session, person_id: str | None) -> set[str]:
    if person_id is None:
        return set()
    rows = session.execute(
        select(PersonMatch.person_id, PersonMatch.other_id).where(
            or_(PersonMatch.person_id == person_id, PersonMatch.other_id == person_id))
    )
    return {b if a == person_id else a for a, b in rows}


def candidates(session: Session, full_name: str, birth_year: int | None, id_number: str,
               exclude_id: str | None = None) -> list[tuple[Person, tuple[str, ...]]]:
    """Persons that may be the same as the one described, with the reasons; decided pairs left out."""
    conditions = [Person.name_key == name_key(full_name, birth_year)]
    if id_number:
        conditions.append(Person.id_number == id_number)
    rows = session.scalars(
        select(Person).where(or_(*conditions)).order_by(Person.received_on.desc(), Person.id).limit(
            MAX_CANDIDATES)
    )
    skip = _decided_pairs(session, exclude_id) | ({exclude_id} if exclude_id else set())
    key = name_key(full_name, birth_year)
    result = []
    for p in rows:
        if p.id in skip:
            continue
        reasons = tuple(r for r, hit in (("name_year", p.name_key == key),
                                          ("id_number", bool(id_number) and p.id_number == id_number)) if hit)
        result.append((p, reasons))
    return result


def to_candidate(p: Person, reasons: tuple[str, ...]) -> DuplicateCandidate:
    sex = Sex(p.sex) if p.sex in Sex._value2member_map_ else Sex.UNKNOWN
    return DuplicateCandidate(p.id, p.pseudonym, p.full_name, p.birth_year, sex, p.id_number,
                              IdentificationStatus(p.status), p.received_on, reasons)


def parse_decisions(decisions: Mapping[str, MatchDecision | str] | None) -> dict[str, MatchDecision]:
    result: dict[str, MatchDecision] = {}
    for other, decision in (decisions or {}).items():
        try:
            result[other] = MatchDecision(decision)
        except ValueError:
            raise ValidationError(_("Unknown decision: {value}").format(value=decision),
                                  code="bad_decision") from None
    return result


def require_decisions(found: Sequence[tuple[Person, tuple[str, ...]]], decided: Mapping[str, MatchDecision]) -> None:
    open_ones = [(p.id, p.pseudonym) for p, _reasons in found if p.id not in decided]
    if open_ones:
        raise PossibleDuplicates(open_ones)


def store_decisions(desk: Desk, session: Session, person_id: str, decided: Mapping[str, MatchDecision],
                    allowed: set[str]) -> None:
    """Record the decisions on ``allowed`` candidates (others are ignored)."""
    for other_id, decision in decided.items():
        if other_id not in allowed or other_id == person_id:
            continue
        session.add(PersonMatch(person_id=person_id, other_id=other_id, decision=decision.value,
                                decided_by=desk.actor.username, origin_install_id=desk.installation.install_id,
                                created_at=desk.now(), updated_at=desk.now()))
        desk.audit.append(session, "update", "person", person_id,
                          {"duplicate_decision": decision.value, "other": other_id})


def matches_of(session: Session, person_id: str) -> list[tuple[PersonMatch, Person]]:
    rows = session.scalars(select(PersonMatch).where(
        or_(PersonMatch.person_id == person_id, PersonMatch.other_id == person_id)))
    result = []
    for m in rows:
        other = session.get(Person, m.other_id if m.person_id == person_id else m.person_id)
        if other is not None:
            result.append((m, other))
    return result
