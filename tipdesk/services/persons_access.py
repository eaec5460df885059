"""Who may see a person's identity, masking for everyone else, and the audit of identity reads.

The rule (enforced here, never in the GUI):

* ``social_worker`` and ``province_officer`` (``Perm.PERSON_VIEW_IDENTITY``) see every identity;
* ``commune_police`` sees the identity of persons linked to a tip (an active ``tip_persons`` row);
* every other role with ``Perm.PERSON_VIEW`` sees the pseudonym only;
* every read that returns identity fields appends a ``view_identity`` audit row in the same
  transaction, so an identity cannot be read without its audit row.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from tipdesk.db.models.persons import TipPerson
from tipdesk.domain.roles import Perm, Role

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

AUDIT_ACTION = "view_identity"
_MAX_AUDIT_IDS = 500


def sees_all(desk: Desk) -> bool:
    """The role sees every person's identity."""
    return desk.can(Perm.PERSON_VIEW_IDENTITY)


def sees_linked(desk: Desk) -> bool:
    """The role sees the identity of persons linked to a tip only."""
    return not sees_all(desk) and desk.actor.role is Role.COMMUNE_POLICE


def may_see_any(desk: Desk) -> bool:
    return sees_all(desk) or sees_linked(desk)


def linked_condition(person_id: Any) -> ColumnElement[bool]:
    """SQL: the person has an active link to a tip."""
    return exists(
        select(TipPerson.id).where(TipPerson.person_id == person_id, TipPerson.unlinked_at.is_(None))
    )


def visible_ids(desk: Desk, session: Session, ids: Collection[str]) -> set[str]:
    """The ids among ``ids`` whose identity the acting role may see."""
    if not ids:
        return set()
    if sees_all(desk):
        return set(ids)
    if not sees_linked(desk):
        return set()
    rows = session.scalars(
        select(TipPerson.person_id).where(TipPerson.person_id.in_(list(ids)), TipPerson.unlinked_at.is_(None))
    )
    return set(rows)


@contextmanager
def reading(desk: Desk) -> Iterator[Session]:
    """A session for reads that may reveal identity: a write unit (for the audit row) when the role may."""
    if may_see_any(desk):
        with desk.write() as session:
            yield session
    else:
        with desk.read() as session:
            yield session


def audit_identity(desk: Desk, session: Session, ids: Collection[str], via: str) -> None:
    """One ``view_identity`` row for ``ids`` (a single person, or a page of a list)."""
    shown = sorted(ids)
    if not shown:
        return
    if len(shown) == 1:
        desk.audit.append(session, AUDIT_ACTION, "person", shown[0], {"via": via})
        return
    for start in range(0, len(shown), _MAX_AUDIT_IDS):
        chunk = shown[start:start + _MAX_AUDIT_IDS]
        desk.audit.append(session, AUDIT_ACTION, "person", "", {"via": via, "ids": chunk})
