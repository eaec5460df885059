"""Edit leases and the optimistic version check: several users on one shared database.

A *lease* says "this record is open for editing by Nguyễn Văn A on PC-02 since 10:32". The edit form
takes one when it opens, renews it while it stays open and gives it back when it closes; a lease that
is not renewed lapses after ``LEASE_MINUTES`` (a crashed workstation blocks nobody). A lease is
advisory: a second user still opens the form, sees who else is editing, and may save. What guarantees
that no update is lost is the *version check*: every update carries the version the user loaded, and
``check_version`` refuses it with ``StaleRecord`` (naming who changed the record and when) if the
record moved on meanwhile.

Leases live in ``edit_leases`` (one row a record; local to one database, never exchanged). Taking one
is a single ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` (SQLite and PostgreSQL), so two
workstations can never both be granted the same record.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, and_, case, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tipdesk.db.models import AuditEntry, EditLease, TravellingMixin, User
from tipdesk.domain.roles import Perm
from tipdesk.errors import UserError
from tipdesk.i18n import _, format_datetime, to_local

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

LEASE_MINUTES = 3
RENEW_SECONDS = 60  # how often an open form renews its lease (well inside LEASE_MINUTES)
TIP = "tip"
PERSON = "person"
_PERMS = {TIP: (Perm.TIP_VIEW, Perm.TIP_EDIT), PERSON: (Perm.PERSON_VIEW, Perm.PERSON_EDIT)}
_CLOCK_SLACK = dt.timedelta(seconds=2)  # an audit row this much older than the change is another change
LEASES = cast(Table, EditLease.__table__)


def workstation_name() -> str:
    """This computer's name, as other users see it."""
    return socket.gethostname() or "?"


@dataclass(frozen=True)
class LeaseInfo:
    """Who holds the lease on a record; ``mine`` when it is the current user on this workstation."""

    record_type: str
    record_id: str
    user_id: str
    user_name: str
    workstation: str
    acquired_at: dt.datetime
    expires_at: dt.datetime
    mine: bool

    def describe(self, now: dt.datetime | None = None) -> str:
        """"Being edited by Nguyễn Văn A on PC-02 since 10:32." (the date too if not today)."""
        local = to_local(self.acquired_at)
        today = to_local(now).date() if now is not None else None
        since = local.strftime("%H:%M") if local.date() == today else format_datetime(self.acquired_at)
        return _("Being edited by {user} on {workstation} since {time}.").format(
            user=self.user_name, workstation=self.workstation, time=since)


class StaleRecord(UserError):
    """The record changed after the user loaded it: nothing was written; reload and redo the change."""

    def __init__(self, changed_by: str, changed_at: dt.datetime, current_version: int, code: str = "stale") -> None:
        message = _("This record was changed by {user} at {time} while you were editing it. Reload it, then "
                    "make your change again.").format(user=changed_by, time=format_datetime(changed_at))
        super().__init__(message, code)
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current_version = current_version


def check_version(session: Session, record: TravellingMixin, entity_type: str, expected: int | None) -> None:
    """Raise ``StaleRecord`` if ``record`` is no longer at the version the user loaded (None: no check)."""
    if expected is None or record.version == expected:
        return
    raise StaleRecord(last_editor(session, entity_type, record.id, record.updated_at), record.updated_at,
                      record.version)


def last_editor(session: Session, entity_type: str, entity_id: str, changed_at: dt.datetime) -> str:
    """The full name of whoever made the change audited at ``changed_at``, or "another user"."""
    row = session.execute(
        select(AuditEntry.at, AuditEntry.username, User.full_name)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id,
               AuditEntry.action.in_(("create", "update")), AuditEntry.at <= changed_at + _CLOCK_SLACK)
        .order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    if row is None or row.at < changed_at - _CLOCK_SLACK:  # e.g. changed by an imported batch
        return _("another user")
    return str(row.full_name or row.username)


class LeaseService:
    def __init__(self, desk: Desk, workstation: str | None = None) -> None:
        self.desk = desk
        self.workstation = workstation if workstation is not None else workstation_name()

    def _require(self, record_type: str, edit: bool) -> None:
        perms = _PERMS.get(record_type)
        if perms is None:
            raise ValueError(f"no leases on {record_type!r}")
        self.desk.require(perms[1] if edit else perms[0])

    def _info(self, row: EditLease) -> LeaseInfo:
        mine = row.user_id == self.desk.actor.user_id and row.workstation == self.workstation
        return LeaseInfo(row.record_type, row.record_id, row.user_id, row.user_name, row.workstation,
                         row.acquired_at, row.expires_at, mine)

    def acquire(self, record_type: str, record_id: str) -> LeaseInfo:
        """Take (or renew) the lease for this user here; if someone else holds it, say who (never fails)."""
        self._require(record_type, edit=True)
        now = self.desk.now()
        with self.desk.write() as session:
            session.execute(self._upsert(session.get_bind().dialect.name, record_type, record_id, now))
            row = session.get(EditLease, (record_type, record_id), populate_existing=True)
            assert row is not None  # inserted, or kept by its live holder
            return self._info(row)

    def renew(self, record_type: str, record_id: str) -> LeaseInfo:
        """Extend this user's lease (or take it back if it lapsed and nobody else took it)."""
        return self.acquire(record_type, record_id)

    def _upsert(self, dialect: str, record_type: str, record_id: str, now: dt.datetime) -> Any:
        """One atomic statement: insert the lease, or take over a row that is mine or lapsed, else leave it."""
        actor = self.desk.actor
        t = LEASES.c
        values = {"record_type": record_type, "record_id": record_id, "user_id": actor.user_id,
                  "user_name": actor.full_name or actor.username, "workstation": self.workstation,
                  "acquired_at": now, "expires_at": now + dt.timedelta(minutes=LEASE_MINUTES)}
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(LEASES).values(**values)
        mine = and_(t.user_id == actor.user_id, t.workstation == self.workstation)
        live = t.expires_at > now
        return stmt.on_conflict_do_update(
            index_elements=[t.record_type, t.record_id],
            set_={"user_id": stmt.excluded.user_id, "user_name": stmt.excluded.user_name,
                  "workstation": stmt.excluded.workstation, "expires_at": stmt.excluded.expires_at,
                  "acquired_at": case((and_(mine, live), t.acquired_at), else_=stmt.excluded.acquired_at)},
            where=or_(mine, t.expires_at <= now),
        )

    def release(self, record_type: str, record_id: str) -> None:
        """Give the lease back (only this user's, from this workstation); also clears lapsed leases."""
        now = self.desk.now()
        t = LEASES.c
        with self.desk.write() as session:
            session.execute(delete(EditLease).where(
                t.record_type == record_type, t.record_id == record_id, t.user_id == self.desk.actor.user_id,
                t.workstation == self.workstation))
            session.execute(delete(EditLease).where(t.expires_at <= now))

    def holder(self, record_type: str, record_id: str) -> LeaseInfo | None:
        """The live lease on a record, if any (``mine`` tells whether it is this user here)."""
        self._require(record_type, edit=False)
        with self.desk.read() as session:
            row = session.get(EditLease, (record_type, record_id))
            return self._info(row) if row is not None and row.expires_at > self.desk.now() else None

    def holders(self, record_type: str, ids: Iterable[str], *, include_mine: bool = False) -> dict[str, LeaseInfo]:
        """Live leases on some records (e.g. a list page, to mark rows being edited), by record id."""
        self._require(record_type, edit=False)
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        found: dict[str, LeaseInfo] = {}
        with self.desk.read() as session:
            for start in range(0, len(wanted), 500):
                rows = session.scalars(select(EditLease).where(
                    EditLease.record_type == record_type, EditLease.record_id.in_(wanted[start:start + 500]),
                    EditLease.expires_at > self.desk.now()))
                for row in rows:
                    info = self._info(row)
                    if include_mine or not info.mine:
                        found[info.record_id] = info
        return found
