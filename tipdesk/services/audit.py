"""The audit chain: every create, update, sensitive view, export, print, login and failed login.

``row_hash = SHA-256(DOMAIN || canonical(row) || prev_hash)``; the table is
append-only (triggers refuse UPDATE and DELETE). ``verify`` recomputes the chain
from the first row and names the first row that does not match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tipdesk.db.models import AuditEntry
from tipdesk.domain.roles import Perm
from tipdesk.i18n import N_, _

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

DOMAIN = b"tipdesk/audit/v1\n"
GENESIS = "0" * 64

ACTION_LABELS = {
    "login": N_("Logged in"),
    "login_failed": N_("Failed login"),
    "logout": N_("Logged out"),
    "unlock": N_("Unlocked after idle lock"),
    "setup": N_("Installation set up"),
    "user_create": N_("User created"),
    "user_update": N_("User changed"),
    "user_unlock": N_("User unlocked"),
    "password_change": N_("Password changed"),
    "password_reset": N_("Password reset by an administrator"),
    "recovery_used": N_("Recovery code used"),
    "settings_change": N_("Settings changed"),
    "audit_verify": N_("Audit log verified"),
    "audit_view": N_("Audit log viewed"),
    "migration": N_("Database upgraded"),
    "demo": N_("Demonstration data created"),
    "create": N_("Record created"),
    "update": N_("Record updated"),
    "view_identity": N_("Identity viewed"),
    "export": N_("Exported"),
    "print": N_("Printed"),
    "import": N_("Imported"),
    "backup": N_("Backup made"),
    "restore": N_("Backup restored"),
}


def action_label(action: str) -> str:
    msg = ACTION_LABELS.get(action)
    return _(msg) if msg else action


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: dt.datetime
    username: str
    action: str
    entity_type: str
    entity_id: str
    detail: dict[str, Any]
    row_hash: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows: int
    first_bad_seq: int | None
    head_hash: str
    reason: str


def canonical_row(seq: int, at: dt.datetime, user_id: str | None, username: str, action: str,
                  entity_type: str, entity_id: str, detail: str) -> bytes:
    row = {
        "seq": seq, "at": at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds"),
        "user_id": user_id, "username": username, "action": action,
        "entity_type": entity_type, "entity_id": entity_id, "detail": detail,
    }
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def chain_hash(canonical: bytes, prev_hash: str) -> str:
    return hashlib.sha256(DOMAIN + canonical + prev_hash.encode("ascii")).hexdigest()


AUDIT_LOCK = 0x7D_A0_D1_7C  # advisory lock id of the audit chain on PostgreSQL


def lock_chain(session: Session) -> None:
    """Serialise appends to the chain. SQLite writers are serialised already (``BEGIN IMMEDIATE``);
    on PostgreSQL, concurrent workstations and importers take this transaction-level lock, so two
    transactions can never link a row to the same predecessor. Held until commit: callers append
    their audit rows at the end of their work where they can."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})


class AuditService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def append(self, session: Session, action: str, entity_type: str = "", entity_id: str = "",
               detail: dict[str, Any] | None = None, *, at: dt.datetime | None = None,
               username: str | None = None, user_id: str | None = None) -> int:
        """Append one row in the caller's transaction; returns its seq."""
        actor = self.desk.actor
        lock_chain(session)
        last = session.execute(select(AuditEntry.seq, AuditEntry.row_hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        when = (at or self.desk.now()).astimezone(dt.UTC)
        # Microsecond precision is what the database keeps; hash what will be read back.
        detail_text = json.dumps(detail or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        uid = user_id if username is not None else actor.user_id
        uname = username if username is not None else actor.username
        row_hash = chain_hash(canonical_row(seq, when, uid, uname, action, entity_type, entity_id, detail_text), prev)
        session.add(AuditEntry(seq=seq, at=when, user_id=uid, username=uname, action=action,
                               entity_type=entity_type, entity_id=entity_id, detail=detail_text,
                               prev_hash=prev, row_hash=row_hash))
        session.flush()
        return seq

    def head(self, session: Session) -> tuple[int, str]:
        last = session.execute(select(AuditEntry.seq, AuditEntry.row_hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
        return (int(last[0]), str(last[1])) if last else (0, GENESIS)

    def verify(self) -> VerifyResult:
        self.desk.require(Perm.AUDIT_VIEW)
        with self.desk.read() as session:
            result = verify_rows(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(2000))
        with self.desk.write() as session:
            self.append(session, "audit_verify", detail={"ok": result.ok, "rows": result.rows,
                                                         "first_bad_seq": result.first_bad_seq})
        return result

    def browse(self, *, action: str | None = None, username: str | None = None, text: str | None = None,
               since: dt.datetime | None = None, until: dt.datetime | None = None,
               before_seq: int | None = None, limit: int = 200) -> list[AuditRow]:
        """Newest first, keyset-paginated by ``before_seq``."""
        self.desk.require(Perm.AUDIT_VIEW)
        stmt = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        if username:
            stmt = stmt.where(AuditEntry.username == username)
        if text:
            like = f"%{text}%"
            stmt = stmt.where(AuditEntry.entity_id.like(like) | AuditEntry.detail.like(like))
        if since:
            stmt = stmt.where(AuditEntry.at >= since)
        if until:
            stmt = stmt.where(AuditEntry.at < until)
        if before_seq is not None:
            stmt = stmt.where(AuditEntry.seq < before_seq)
        with self.desk.read() as session:
            rows = [_to_row(e) for e in session.scalars(stmt)]
        return rows

    def count(self) -> int:
        with self.desk.read() as session:
            return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)

    def actions(self) -> list[str]:
        with self.desk.read() as session:
            return sorted(session.scalars(select(AuditEntry.action).distinct()))


def _to_row(e: AuditEntry) -> AuditRow:
    return AuditRow(e.seq, e.at, e.username, e.action, e.entity_type, e.entity_id, json.loads(e.detail), e.row_hash)


def verify_rows(rows: Iterable[AuditEntry]) -> VerifyResult:
    prev = GENESIS
    expected_seq = 1
    count = 0
    for e in rows:
        count += 1
        if e.seq != expected_seq:
            return VerifyResult(False, count, expected_seq, prev,
                                _("Row {seq} is missing from the audit log.").format(seq=expected_seq))
        if e.prev_hash != prev:
            return VerifyResult(False, count, e.seq, prev,
                                _("Row {seq} does not follow the row before it.").format(seq=e.seq))
        computed = chain_hash(canonical_row(e.seq, e.at, e.user_id, e.username, e.action, e.entity_type,
                                            e.entity_id, e.detail), prev)
        if computed != e.row_hash:
            return VerifyResult(False, count, e.seq, prev,
                                _("Row {seq} was changed after it was written.").format(seq=e.seq))
        prev = e.row_hash
        expected_seq += 1
    return VerifyResult(True, count, None, prev, _("The audit log is intact."))
