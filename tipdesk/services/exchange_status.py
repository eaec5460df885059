"""Province side: per-commune status, the import log, the conflict queue, the quarantine, and the
provincial annotations kept beside imported records (never touched by imports).

Per-commune status (``peers()``), one row per enrolled installation, latest first to worry about:

* *late*: no batch made for more than ``late_days`` days (a setting, ``exchange_late_days``, default
  35: a month and a few days of slack), or nothing ever sent more than ``late_days`` days after enrolment;
* *gaps*: sequence numbers missing below the highest batch received;
* *receipts not confirmed*: the province signs a receipt for every batch it imports, but nothing the
  commune sends back says which receipts it has imported. A receipt counts as not yet confirmed until
  a batch made by the commune *after* the receipt was issued arrives (the USB stick has then made the
  round trip); a batch the commune sends again (a duplicate: it was still waiting for its receipt)
  issues a new receipt and so restarts the wait. Batch times come from the commune's clock.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, literal_column, select, text
from sqlalchemy.orm import Session

from tipdesk.db.models import Setting
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
from tipdesk.db.models.persons import Person
from tipdesk.domain import units
from tipdesk.domain.roles import Perm
from tipdesk.errors import NotFound, UserError, ValidationError
from tipdesk.events import Changes
from tipdesk.exchange import keys as xkeys
from tipdesk.i18n import _
from tipdesk.services.exchange_codes import XCode, xerror
from tipdesk.services.exchange_common import loads
from tipdesk.services.exchange_schema import RecordError, Registry, registry
from tipdesk.services.exchange_upsert import Applier, incoming_from_payload

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

CHANGES = "exchange"
ANNOTATION_KINDS = ("note", "follow_up", "link")
MAX_ANNOTATION_CHARS = 4000
LATE_DAYS_KEY = "exchange_late_days"
DEFAULT_LATE_DAYS = 35
MAX_LATE_DAYS = 366
RECEIPT_STATUSES = ("accepted", "duplicate")
NEVER_SENT = 1_000_000  # sorts a commune that never sent a batch as the longest silence


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
    late: bool = False
    late_days: int = DEFAULT_LATE_DAYS
    unconfirmed_receipts: int = 0

    @property
    def has_gaps(self) -> bool:
        return bool(self.missing)

    @property
    def needs_attention(self) -> bool:
        """Late or with gaps: what the "only late or with gaps" filter keeps."""
        return self.late or self.has_gaps


@dataclass(frozen=True)
class CommuneSummary:
    communes: int
    up_to_date: int
    late: int
    with_gaps: int

    @classmethod
    def of(cls, peers: list[PeerStatus]) -> CommuneSummary:
        return cls(len(peers), sum(1 for p in peers if not p.needs_attention), sum(1 for p in peers if p.late),
                   sum(1 for p in peers if p.has_gaps))


def lateness_key(peer: PeerStatus) -> tuple[int, int, str]:
    """Sort key, most worrying first: late before on time, longest silence (never sent: longest) first."""
    days = peer.days_since_last_batch
    silence = NEVER_SENT if days is None else days
    return (0 if peer.late else 1, -silence, peer.commune)


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


def _late_days(value: Any) -> int:
    return value if isinstance(value, int) and 1 <= value <= MAX_LATE_DAYS else DEFAULT_LATE_DAYS


def unconfirmed_receipts(session: Session) -> dict[str, int]:
    """Per installation, the receipts not yet confirmed (see the module docstring)."""
    issued = session.execute(
        select(ImportLog.install_id, ImportLog.batch_id, func.max(ImportLog.at))
        .where(ImportLog.status.in_(RECEIPT_STATUSES), ImportLog.receipt_sha256 != "", ImportLog.install_id != "")
        .group_by(ImportLog.install_id, ImportLog.batch_id)
    ).all()
    latest: dict[str, dt.datetime] = {
        install: made for install, made in session.execute(
            select(ImportLog.install_id, func.max(ImportLog.created_at))
            .where(ImportLog.status == "accepted").group_by(ImportLog.install_id)
        ).all() if made is not None
    }
    result: dict[str, int] = {}
    for install_id, _batch, issued_at in issued:
        made = latest.get(install_id)
        if made is None or issued_at is None or made <= issued_at:
            result[install_id] = result.get(install_id, 0) + 1
    return result


def _annotation_view(row: Annotation) -> AnnotationView:
    return AnnotationView(row.id, row.record_type, row.record_id, row.kind, row.text, row.due_on, row.link_type,
                          row.link_id, row.created_at, row.created_by)


class StatusService:
    def __init__(self, desk: Desk, reg: Registry | None = None) -> None:
        self.desk = desk
        self.reg = reg or registry()

    # -- communes ------------------------------------------------------------------------
    def peers(self) -> list[PeerStatus]:
        """Every enrolled installation, the most worrying first (late, then the longest silence)."""
        self.desk.require(Perm.EXCHANGE)
        now = self.desk.now()
        with self.desk.read() as session:
            late_days = _late_days(self.desk.get_setting(session, LATE_DAYS_KEY, DEFAULT_LATE_DAYS))
            waiting = dict(session.execute(select(Parked.install_id, func.count()).group_by(Parked.install_id)).all())
            conflicts = dict(session.execute(select(Conflict.install_id, func.count())
                                             .where(Conflict.resolved_at.is_(None)).group_by(Conflict.install_id)).all())
            pending = unconfirmed_receipts(session)
            peers = [self._peer(session, p, now, int(waiting.get(p.install_id, 0)),
                                int(conflicts.get(p.install_id, 0)), late_days, pending.get(p.install_id, 0))
                     for p in session.scalars(select(Peer).order_by(Peer.commune))]
        return sorted(peers, key=lateness_key)

    def summary(self) -> CommuneSummary:
        return CommuneSummary.of(self.peers())

    def late_days(self) -> int:
        """After how many days without a batch a commune counts as late."""
        with self.desk.read() as session:
            return _late_days(self.desk.get_setting(session, LATE_DAYS_KEY, DEFAULT_LATE_DAYS))

    def set_late_days(self, days: int) -> None:
        self.desk.require(Perm.SETTINGS_MANAGE)
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_LATE_DAYS:
            raise ValidationError(_("A commune is late after 1 to {max} days without a batch.").format(
                max=MAX_LATE_DAYS), {LATE_DAYS_KEY: "range"})
        with self.desk.write(Changes.of(CHANGES, "settings")) as session:
            row = session.get(Setting, LATE_DAYS_KEY)
            old = _late_days(json.loads(row.value)) if row else DEFAULT_LATE_DAYS
            if row is None:
                session.add(Setting(key=LATE_DAYS_KEY, value=json.dumps(days)))
            else:
                row.value = json.dumps(days)
            self.desk.audit.append(session, "settings_change", "setting", LATE_DAYS_KEY, {"old": old, "new": days})

    def _peer(self, session: Session, peer: Peer, now: dt.datetime, waiting: int, conflicts: int, late_days: int,
              unconfirmed: int) -> PeerStatus:
        keys = list(session.scalars(select(PeerKey).where(PeerKey.install_id == peer.install_id)
                                    .order_by(PeerKey.added_at)))
        current = [k for k in keys if k.revoked_after_epoch is None]
        shown = current[-1] if current else (keys[-1] if keys else None)
        days = (now - peer.last_batch_at).days if peer.last_batch_at is not None else None
        silent = days if days is not None else (now - peer.enrolled_at).days
        return PeerStatus(
            install_id=peer.install_id, commune=peer.commune, commune_name=_commune_name(peer.commune),
            key_ids=[k.key_id for k in keys], fingerprint=xkeys.fingerprint_of_key_id(shown.key_id) if shown else "",
            revoked=not current, enrolled_at=peer.enrolled_at, epoch=peer.last_epoch, last_seq=peer.last_seq,
            contiguous_seq=peer.contiguous_seq, missing=loads(peer.missing, []), last_batch_at=peer.last_batch_at,
            days_since_last_batch=days, last_import_at=peer.last_import_at, last_status=peer.last_status,
            last_code=peer.last_code, audit_seq=peer.audit_seq, audit_hash=peer.audit_hash,
            fork_alarm=peer.fork_alarm, waiting=waiting, open_conflicts=conflicts, late=silent > late_days,
            late_days=late_days, unconfirmed_receipts=unconfirmed,
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
            self._require_record(session, record_type, record_id)
            if kind == "link":
                link_id = self._require_record(session, link_type, link_id.strip())
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

    def _require_record(self, session: Session, record_type: str, ref: str) -> str:
        """The id of the record ``ref`` (its id, or a person's record code), or NotFound."""
        rt = self.reg.get(record_type)
        if rt is not None:
            found = session.execute(text(f'SELECT id FROM "{rt.table_name}" WHERE id = :ref'), {"ref": ref}).first()
            if found is None and record_type == "person":
                found = session.execute(select(Person.id).where(Person.pseudonym == ref.upper())).first()
            if found is not None:
                return str(found[0])
        raise NotFound(_("There is no record “{id}” of this kind here.").format(id=ref))

    def annotations(self, record_type: str, record_id: str) -> list[AnnotationView]:
        if not self.desk.can(Perm.EXCHANGE):
            self.desk.require(Perm.ANNOTATE)
        with self.desk.read() as session:
            rows = session.scalars(select(Annotation).where(Annotation.record_type == record_type,
                                                            Annotation.record_id == record_id)
                                   .order_by(Annotation.created_at, literal_column("rowid")))
            return [_annotation_view(row) for row in rows]
