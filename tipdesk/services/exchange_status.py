"""Province side: per-commune status, the import log, the conflict queue, the quarantine, and the
provincial annotations kept beside imported records (never touched by imports)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from tipdesk.db.models.exchange import (
    Annotation,
    Blob,
    Conflict,
    ImportLog,
    Parked,
    Peer,
    PeerKey,
    Quarantine,
)
from tipdesk.domain import units
from tipdesk.domain.roles import Perm
from tipdesk.errors import UserError
from tipdesk.events import Changes
from tipdesk.exchange import keys as xkeys
from tipdesk.services.exchange_codes import XCode, xerror
from tipdesk.services.exchange_common import loads
from tipdesk.services.exchange_schema import RecordError, Registry, registry
from tipdesk.services.exchange_upsert import Applier, incoming_from_payload

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

CHANGES = "exchange"
ANNOTATION_KINDS = ("note", "follow_up", "link")
MAX_ANNOTATION_CHARS = 4000


@dataclass(frozen=True)
class PeerStatus:
    install_id: str
    commune: str
    commune_name: str
    key_ids: list[str]
    fingerprint: str
    revoked: bool
    enrolled_at: dt.datetime
    epoch: int
    last_seq: int
    contiguous_seq: int
    missing: list[int]
    last_batch_at: dt.datetime | None
    days_since_last_batch: int | None
    last_import_at: dt.datetime | None
    last_status: str
    last_code: str
    audit_seq: int
    audit_hash: str
    fork_alarm: bool
    waiting: int
    open_conflicts: int


@dataclass(frozen=True)
class LogRow:
    id: int
    at: dt.datetime
    username: str
    source: str
    status: str
    code: str
    message: str
    commune: str
    epoch: int | None
    seq: int | None
    batch_id: str
    counts: dict[str, dict[str, int]]


@dataclass(frozen=True)
class ConflictView:
    id: int
    record_type: str
    record_id: str
    version: int
    local_version: int
    reason: str
    commune: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str
    incoming: dict[str, Any]
    local: dict[str, Any] | None

    def differences(self) -> list[str]:
        """Field names whose values differ between the local and the incoming record."""
        if self.local is None:
            return sorted(self.incoming)
        names = set(self.incoming) | set(self.local)
        return sorted(n for n in names if self.incoming.get(n) != self.local.get(n))


@dataclass(frozen=True)
class QuarantineView:
    id: int
    batch_id: str
    commune: str
    epoch: int
    seq: int
    reason: str
    source: str
    at: dt.datetime
    released_at: dt.datetime | None


@dataclass(frozen=True)
class AnnotationView:
    id: str
    record_type: str
    record_id: str
    kind: str
    text: str
    due_on: dt.date | None
    link_type: str
    link_id: str
    created_at: dt.datetime
    created_by: str


def _commune_name(code: str) -> str:
    try:
        return units.commune(code).name
    except UserError:
        return code


def _annotation_view(row: Annotation) -> AnnotationView:
    return AnnotationView(row.id, row.record_type, row.record_id, row.kind, row.text, row.due_on, row.link_type,
                          row.link_id, row.created_at, row.created_by)


class StatusService:
    def __init__(self, desk: Desk, reg: Registry | None = None) -> None:
        self.desk = desk
        self.reg = reg or registry()

    # -- communes ------------------------------------------------------------------------
    def peers(self) -> list[PeerStatus]:
        self.desk.require(Perm.EXCHANGE)
        now = self.desk.now()
        with self.desk.read() as session:
            waiting = dict(session.execute(select(Parked.install_id, func.count()).group_by(Parked.install_id)).all())
            conflicts = dict(session.execute(select(Conflict.install_id, func.count())
                                             .where(Conflict.resolved_at.is_(None)).group_by(Conflict.install_id)).all())
            return [self._peer(session, p, now, int(waiting.get(p.install_id, 0)),
                               int(conflicts.get(p.install_id, 0)))
                    for p in session.scalars(select(Peer).order_by(Peer.commune))]

    def _peer(self, session: Session, peer: Peer, now: dt.datetime, waiting: int, conflicts: int) -> PeerStatus:
        keys = list(session.scalars(select(PeerKey).where(PeerKey.install_id == peer.install_id)
                                    .order_by(PeerKey.added_at)))
        current = [k for k in keys if k.revoked_after_epoch is None]
        shown = current[-1] if current else (keys[-1] if keys else None)
        days = (now - peer.last_batch_at).days if peer.last_batch_at is not None else None
        return PeerStatus(
            install_id=peer.install_id, commune=peer.commune, commune_name=_commune_name(peer.commune),
            key_ids=[k.key_id for k in keys], fingerprint=xkeys.fingerprint_of_key_id(shown.key_id) if shown else "",
            revoked=not current, enrolled_at=peer.enrolled_at, epoch=peer.last_epoch, last_seq=peer.last_seq,
            contiguous_seq=peer.contiguous_seq, missing=loads(peer.missing, []), last_batch_at=peer.last_batch_at,
            days_since_last_batch=days, last_import_at=peer.last_import_at, last_status=peer.last_status,
            last_code=peer.last_code, audit_seq=peer.audit_seq, audit_hash=peer.audit_hash,
            fork_alarm=peer.fork_alarm, waiting=waiting, open_conflicts=conflicts,
        )

    def clear_fork_alarm(self, install_id: str) -> None:
        self.desk.require(Perm.KEYS_MANAGE)
        with self.desk.write(Changes.of(CHANGES)) as session:
            peer = session.get(Peer, install_id)
            if peer is not None and peer.fork_alarm:
                peer.fork_alarm = False
                self.desk.audit_log(session, "update", "peer", install_id, {"fork_alarm": False})

    # -- log and quarantine -----------------------------------------------------------------
    def log(self, limit: int = 200) -> list[LogRow]:
        self.desk.require(Perm.EXCHANGE)
        with self.desk.read() as session:
            rows = session.scalars(select(ImportLog).order_by(ImportLog.id.desc()).limit(limit))
            return [LogRow(r.id, r.at, r.username, r.source, r.status, r.reject_code, r.message, r.commune, r.epoch,
                           r.seq, r.batch_id, loads(r.counts, {})) for r in rows]

    def quarantine(self) -> list[QuarantineView]:
        self.desk.require(Perm.EXCHANGE)
        with self.desk.read() as session:
            rows = session.scalars(select(Quarantine).order_by(Quarantine.id.desc()))
            return [QuarantineView(r.id, r.batch_id, r.commune, r.epoch, r.seq, r.reason, r.source, r.at,
                                   r.released_at) for r in rows]

    def waiting(self) -> int:
        with self.desk.read() as session:
            return int(session.scalar(select(func.count()).select_from(Parked)) or 0)

    # -- conflicts ---------------------------------------------------------------------------
    def conflicts(self, *, open_only: bool = True) -> list[ConflictView]:
        self.desk.require(Perm.EXCHANGE)
        with self.desk.read() as session:
            query = select(Conflict).order_by(Conflict.id)
            if open_only:
                query = query.where(Conflict.resolved_at.is_(None))
            return [self._conflict_view(session, row) for row in session.scalars(query)]

    def _conflict_view(self, session: Session, row: Conflict) -> ConflictView:
        rt = self.reg.get(row.record_type)
        local = None
        if rt is not None:
            applier = Applier(session, self.reg, install_id=row.install_id, batch_id=row.batch_id, now=self.desk.now())
            local = applier.local_records(rt, [row.record_id]).get(row.record_id)
        peer = session.get(Peer, row.install_id)
        return ConflictView(row.id, row.record_type, row.record_id, row.version, row.local_version, row.reason,
                            peer.commune if peer else "", row.created_at, row.resolved_at, row.resolution,
                            json.loads(row.incoming), local)

    def resolve(self, conflict_id: int, take_incoming: bool) -> ConflictView:
        """Decide a conflict: keep the local record, or write the incoming one over it."""
        self.desk.require(Perm.EXCHANGE)
        now = self.desk.now()
        with self.desk.write(Changes.of(CHANGES)) as session:
            row = session.get(Conflict, conflict_id)
            if row is None:
                raise xerror(XCode.CONFLICT_NOT_FOUND, id=conflict_id)
            if row.resolved_at is not None:
                raise xerror(XCode.CONFLICT_RESOLVED, id=conflict_id)
            rt = self.reg.get(row.record_type)
            if take_incoming:
                if rt is None:
                    raise xerror(XCode.TAKE_INCOMING_FAILED, detail=row.record_type)
                self._take_incoming(session, row, rt)
            row.resolved_at, row.resolved_by = now, self.desk.actor.username
            row.resolution = "take_incoming" if take_incoming else "keep_local"
            self.desk.audit_log(session, "update", row.record_type, row.record_id,
                                {"conflict": conflict_id, "resolution": row.resolution, "version": row.version})
            session.flush()
            return self._conflict_view(session, row)

    def _take_incoming(self, session: Session, row: Conflict, rt: Any) -> None:
        applier = Applier(session, self.reg, install_id=row.install_id, batch_id=row.batch_id, now=self.desk.now())
        record = json.loads(row.incoming)
        blobs = {}
        for f in rt.bytes_fields:
            digest = record.get(f.name)
            if digest:
                blob = session.get(Blob, digest)
                if blob is not None:
                    blobs[digest] = blob.data
        try:
            applier.force(rt, incoming_from_payload(rt, row.incoming, blobs))
        except RecordError as exc:
            raise xerror(XCode.TAKE_INCOMING_FAILED, detail=str(exc)) from exc

    # -- annotations -----------------------------------------------------------------------------
    def annotate(self, record_type: str, record_id: str, kind: str, text: str, *, due_on: dt.date | None = None,
                 link_type: str = "", link_id: str = "") -> AnnotationView:
        self.desk.require(Perm.ANNOTATE)
        self._check_annotation(record_type, kind, text, link_type, link_id)
        with self.desk.write(Changes.of(CHANGES, "annotation")) as session:
            row = Annotation(record_type=record_type, record_id=record_id, kind=kind, text=text.strip(),
                             due_on=due_on, link_type=link_type, link_id=link_id, created_at=self.desk.now(),
                             created_by=self.desk.actor.username)
            session.add(row)
            session.flush()
            self.desk.audit_log(session, "create", "annotation", row.id,
                                {"record_type": record_type, "record_id": record_id, "kind": kind})
            return _annotation_view(row)

    def _check_annotation(self, record_type: str, kind: str, text: str, link_type: str, link_id: str) -> None:
        if self.reg.get(record_type) is None:
            raise xerror(XCode.BAD_ANNOTATION, detail=record_type)
        if kind not in ANNOTATION_KINDS:
            raise xerror(XCode.BAD_ANNOTATION, detail=kind)
        if len(text) > MAX_ANNOTATION_CHARS or (kind != "link" and not text.strip()):
            raise xerror(XCode.BAD_ANNOTATION, detail=kind)
        if kind == "link" and (self.reg.get(link_type) is None or not link_id):
            raise xerror(XCode.BAD_ANNOTATION, detail=link_type or "link")

    def annotations(self, record_type: str, record_id: str) -> list[AnnotationView]:
        if not self.desk.can(Perm.EXCHANGE):
            self.desk.require(Perm.ANNOTATE)
        with self.desk.read() as session:
            rows = session.scalars(select(Annotation).where(Annotation.record_type == record_type,
                                                            Annotation.record_id == record_id)
                                   .order_by(Annotation.created_at, literal_column("rowid")))
            return [_annotation_view(row) for row in rows]
