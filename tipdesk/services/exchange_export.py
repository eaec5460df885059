"""Commune side: export what changed since the last batch, keep every batch, re-send, list.

``export(folder)`` runs in one write transaction: every travelling record with a local change
number above the mark, type by type in foreign-key order, is serialised and packed into
consecutive batches that stay under ``Limits.max_batch_bytes`` (a large export is split, never
refused). Each batch's exact bytes and the record versions it carries are stored; the mark, seq
and previous-batch hash advance. Only after the commit are the files written (temp file, fsync,
rename, read back and compared), so a file never exists for a batch the database forgot.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from tipdesk.db.models.base import current_change_seq
from tipdesk.db.models.exchange import OutBatch, OutItem
from tipdesk.domain.roles import Perm, Profile
from tipdesk.events import Changes
from tipdesk.exchange import keys as xkeys
from tipdesk.exchange.batchfile import BatchMeta, build_batch, write_batch_atomic
from tipdesk.exchange.canonical import pae
from tipdesk.exchange.envelope import verify
from tipdesk.exchange.format import (
    BATCH_PAYLOAD_TYPE,
    DEFAULT_LIMITS,
    Limits,
    batch_filename,
    batch_sha256,
    unframe,
)
from tipdesk.exchange.manifest import AuditHead
from tipdesk.exchange.rejects import ExportFailed, Reject
from tipdesk.services.exchange_codes import XCode, xerror
from tipdesk.services.exchange_common import (
    bulk_memory,
    chunks,
    dumps,
    loads,
    own_keys,
    require_profile,
    signing_key,
    state,
)
from tipdesk.services.exchange_keys import require_trust
from tipdesk.services.exchange_receipts import ACKNOWLEDGED
from tipdesk.services.exchange_schema import RecordType, Registry, registry, row_to_json

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

CHANGES = "exchange"
PAGE = 1000
_FIXED_OVERHEAD = 4096  # framing, header, HPKE, manifest body, zip end records
_PER_FILE_OVERHEAD = 400  # zip local + central headers and the manifest entry of one file
# JSON records per batch, whatever the file cap: the province parses one batch's records in memory, so
# this bounds its peak memory (about 10 x this); attachments still fill a batch up to the file cap.
RECORDS_BUDGET = 16 * 1024 * 1024

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BatchView:
    batch_id: str
    epoch: int
    seq: int
    filename: str
    sha256: str
    size: int
    created_at: dt.datetime
    counts: dict[str, int]
    written_to: str
    written_at: dt.datetime | None
    receipt_status: str
    receipt_code: str
    acknowledged_at: dt.datetime | None
    province_contiguous_seq: int | None
    province_missing: list[int]

    @property
    def acknowledged(self) -> bool:
        return self.receipt_status in ACKNOWLEDGED

    @property
    def records(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ExportResult:
    batches: list[BatchView]
    paths: list[Path]
    records: int

    @property
    def written(self) -> bool:
        return len(self.paths) == len(self.batches)


def _view(row: OutBatch) -> BatchView:
    return BatchView(
        batch_id=row.batch_id, epoch=row.epoch, seq=row.seq, filename=row.filename, sha256=row.sha256,
        size=row.size, created_at=row.created_at, counts=loads(row.counts, {}), written_to=row.written_to,
        written_at=row.written_at, receipt_status=row.receipt_status, receipt_code=row.receipt_code,
        acknowledged_at=row.acknowledged_at, province_contiguous_seq=row.province_contiguous_seq,
        province_missing=loads(row.province_missing, []),
    )


@dataclass
class _Pack:
    """The batch being filled."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    items: list[tuple[str, str, int]] = field(default_factory=list)
    type_size: dict[str, int] = field(default_factory=dict)
    size: int = 0
    json_size: int = 0

    def add(self, record_type: str, record: dict[str, Any], blobs: Mapping[str, bytes], size: int) -> None:
        if record_type not in self.records:
            self.records[record_type] = []
            self.size += _PER_FILE_OVERHEAD
        self.records[record_type].append(record)
        for digest, content in blobs.items():
            if digest not in self.blobs:
                self.blobs[digest] = content
                self.size += len(content) + _PER_FILE_OVERHEAD
        self.items.append((record_type, record["id"], record["version"]))
        self.type_size[record_type] = self.type_size.get(record_type, 0) + size
        self.size += size
        self.json_size += size

    @property
    def empty(self) -> bool:
        return not self.items

    def halves(self) -> tuple[_Pack, _Pack]:
        first, second = _Pack(), _Pack()
        middle = len(self.items) // 2
        ordered = [(t, r) for t in self.records for r in self.records[t]]
        for i, (record_type, record) in enumerate(ordered):
            target = first if i < middle else second
            blobs = {d: self.blobs[d] for d in self.blobs if d in record.values()}
            target.add(record_type, record, blobs, 0)
        return first, second


def _line_size(record: Mapping[str, Any]) -> int:
    """Bytes of the record's JSONL line, estimated without the NFC pass of the canonical form
    (NFC rarely changes a length; the size budget leaves room, and an overflowing batch is halved)."""
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    return len(text.encode("utf-8")) + 1


class _Exporter:
    """One export run inside one write transaction."""

    def __init__(self, desk: Desk, session: Session, limits: Limits, reg: Registry, progress: Progress | None):
        self.desk, self.session, self.limits, self.reg = desk, session, limits, reg
        self.progress = progress
        self.now = desk.now()
        self.state = state(session)
        self.trust = require_trust(session, self.now)
        self.key: ed25519.Ed25519PrivateKey = signing_key(session)
        self.recipient = xkeys.b64decode(self.trust.province_enc_pub)
        self.mark_from = self.state.mark
        self.mark_to = current_change_seq(session.connection())
        self.audit = desk.audit.head(session)
        self.budget = min(limits.max_batch_bytes, limits.max_total_bytes) - _FIXED_OVERHEAD
        self.max_files = limits.max_entries - 2
        self.made: list[OutBatch] = []
        self.done = 0
        self.total = 0

    def run(self) -> list[OutBatch]:
        self.total = sum(self._count(rt) for rt in self.reg.types)
        if self.total == 0 and self.audit[0] == self.state.audit_seq:
            return []
        pack = _Pack()
        for rt in self.reg.types:
            for rows, children in self._pages(rt):
                for row in rows:
                    blobs: dict[str, bytes] = {}
                    record = row_to_json(rt, row, children.get(row["id"], {}), blobs)
                    size = _line_size(record)
                    if not pack.empty and self._overflows(pack, rt.name, size, blobs):
                        self._flush(pack)
                        pack = _Pack()
                    pack.add(rt.name, record, blobs, size)
                self.done += len(rows)
                if self.progress is not None:
                    self.progress(self.done, self.total)
        if not pack.empty or not self.made:
            self._flush(pack)
        self.state.mark = max(self.mark_to, self.state.mark)
        self.state.audit_seq = self.desk.audit.head(self.session)[0]
        return self.made

    def _count(self, rt: RecordType) -> int:
        table = rt.table
        return int(self.session.scalar(select(func.count()).select_from(table)
                                       .where(table.c.change_seq > self.mark_from)) or 0)

    def _pages(self, rt: RecordType) -> Any:
        table = rt.table
        last = self.mark_from
        while True:
            query = (select(table).where(table.c.change_seq > last).order_by(table.c.change_seq).limit(PAGE))
            rows = self.session.execute(query).mappings().all()
            if not rows:
                return
            yield rows, self._children(rt, [row["id"] for row in rows])
            last = rows[-1]["change_seq"]

    def _children(self, rt: RecordType, ids: Sequence[str]) -> dict[str, dict[str, list[Any]]]:
        out: dict[str, dict[str, list[Any]]] = {}
        for child in rt.children:
            parent = child.table.c[child.parent_column]
            for part in chunks(ids):
                for row in self.session.execute(select(child.table).where(parent.in_(part))).mappings():
                    out.setdefault(row[child.parent_column], {}).setdefault(child.name, []).append(row)
        return out

    def _overflows(self, pack: _Pack, record_type: str, size: int, blobs: Mapping[str, bytes]) -> bool:
        new_blobs = [content for digest, content in blobs.items() if digest not in pack.blobs]
        extra = size + sum(len(c) + _PER_FILE_OVERHEAD for c in new_blobs)
        extra += 0 if record_type in pack.records else _PER_FILE_OVERHEAD
        files = len(pack.records) + len(pack.blobs) + len(new_blobs) + (record_type not in pack.records)
        type_bytes = pack.type_size.get(record_type, 0) + size
        return (pack.size + extra > self.budget or files > self.max_files or type_bytes > self.limits.max_entry_bytes
                or pack.json_size + size > RECORDS_BUDGET)

    def _flush(self, pack: _Pack) -> None:
        try:
            data, meta = self._build(pack)
        except ExportFailed as exc:
            if exc.code != str(Reject.BATCH_TOO_LARGE) or len(pack.items) < 2:
                raise
            for half in pack.halves():
                self._flush(half)
            return
        self._store(pack, data, meta)

    def _build(self, pack: _Pack) -> tuple[bytes, BatchMeta]:
        st = self.state
        meta = BatchMeta(
            batch_id=str(uuid.uuid4()), install_id=self.desk.installation.install_id,
            commune=self.desk.installation.unit_code, epoch=st.epoch, seq=st.last_seq + 1, created_at=self.now,
            prev_batch_sha256=st.prev_sha256, audit_head=AuditHead(*self.audit),
            last_receipt_seq=self._last_receipt_seq(),
        )
        return build_batch(pack.records, pack.blobs, meta, self.key, self.recipient, limits=self.limits), meta

    def _last_receipt_seq(self) -> int:
        value = self.session.scalar(
            select(func.max(OutBatch.seq)).where(OutBatch.epoch == self.state.epoch,
                                                 OutBatch.receipt_status.in_(ACKNOWLEDGED))
        )
        return int(value or 0)

    def _store(self, pack: _Pack, data: bytes, meta: BatchMeta) -> None:
        sha = batch_sha256(data)
        counts = {t: len(r) for t, r in pack.records.items()}
        row = OutBatch(
            batch_id=meta.batch_id, epoch=meta.epoch, seq=meta.seq, sha256=sha,
            filename=batch_filename(meta.commune, meta.epoch, meta.seq), created_at=self.now,
            created_by=self.desk.actor.username, size=len(data), counts=dumps(counts), mark_from=self.mark_from,
            mark_to=self.mark_to, data=data, written_to="", receipt_status="", receipt_code="",
            province_missing="[]",
        )
        self.session.add(row)
        self.session.flush()
        if pack.items:
            self.session.execute(insert(OutItem), [
                {"batch_id": meta.batch_id, "record_type": t, "record_id": i, "version": v} for t, i, v in pack.items
            ])
        self.state.last_seq, self.state.prev_sha256 = meta.seq, sha
        self.desk.audit_log(self.session, "export", "batch", meta.batch_id,
                            {"epoch": meta.epoch, "seq": meta.seq, "counts": counts, "sha256": sha})
        self.session.expunge(row)
        row.data = b""  # keep the view, drop the bytes from memory
        self.made.append(row)


class ExportService:
    def __init__(self, desk: Desk, limits: Limits = DEFAULT_LIMITS, reg: Registry | None = None) -> None:
        self.desk = desk
        self.limits = limits
        self.reg = reg or registry()

    def default_folder(self) -> Path:
        return self.desk.data_dir / "outbox"

    def pending(self) -> int:
        """How many records changed since the last export."""
        with self.desk.read() as session:
            mark = state(session).mark
            return sum(
                int(session.scalar(select(func.count()).select_from(rt.table).where(rt.table.c.change_seq > mark))
                    or 0)
                for rt in self.reg.types
            )

    def export(self, folder: Path | None = None, progress: Progress | None = None) -> ExportResult:
        """Make the batches (committed), then write them to ``folder`` and verify them."""
        self.desk.require(Perm.EXCHANGE)
        require_profile(self.desk, Profile.COMMUNE)
        with bulk_memory(), self.desk.write(Changes.of(CHANGES)) as session:
            made = _Exporter(self.desk, session, self.limits, self.reg, progress).run()
        if not made:
            raise xerror(XCode.NOTHING_TO_EXPORT)
        ids = [row.batch_id for row in made]
        paths = self.write(ids, folder or self.default_folder())
        views = [view for view in self.batches() if view.batch_id in set(ids)]
        return ExportResult(views, paths, sum(v.records for v in views))

    def write(self, batch_ids: Sequence[str], folder: Path) -> list[Path]:
        """Write stored batches (exactly the bytes exported) to ``folder``; read back and compare."""
        self.desk.require(Perm.EXCHANGE)
        paths: list[Path] = []
        folder.mkdir(parents=True, exist_ok=True)
        for batch_id in batch_ids:
            with self.desk.read() as session:
                row = session.get(OutBatch, batch_id)
                if row is None:
                    raise xerror(XCode.BATCH_NOT_FOUND, batch=batch_id)
                data, name, sha = row.data, row.filename, row.sha256
            path = write_batch_atomic(data, folder, name)
            if batch_sha256(path.read_bytes()) != sha:
                raise xerror(XCode.BATCH_NOT_FOUND, batch=batch_id)
            del data
            with self.desk.write(Changes.of(CHANGES)) as session:
                session.execute(update(OutBatch).where(OutBatch.batch_id == batch_id)
                                .values(written_to=str(path), written_at=self.desk.now()))
            paths.append(path)
        return paths

    def resend(self, folder: Path, batch_ids: Sequence[str] | None = None) -> list[Path]:
        """Write again the given batches, or every batch without an acknowledgement."""
        if batch_ids is None:
            batch_ids = [b.batch_id for b in self.batches() if not b.acknowledged]
        with self.desk.write() as session:
            self.desk.audit_log(session, "export", "batch", ",".join(batch_ids)[:64], {"resend": len(batch_ids)})
        return self.write(batch_ids, folder)

    def batches(self) -> list[BatchView]:
        self.desk.require(Perm.EXCHANGE)
        with self.desk.read() as session:
            rows = session.scalars(select(OutBatch).order_by(OutBatch.epoch.desc(), OutBatch.seq.desc()))
            return [_view(row) for row in rows]

    def batch_bytes(self, batch_id: str) -> bytes:
        with self.desk.read() as session:
            row = session.get(OutBatch, batch_id)
            if row is None:
                raise xerror(XCode.BATCH_NOT_FOUND, batch=batch_id)
            return row.data

    def verify_own(self, data: bytes) -> BatchView:
        """Check a batch file against what this installation exported (no database change)."""
        framed = unframe(data, self.limits)
        with self.desk.read() as session:
            row = session.get(OutBatch, framed.header.batch_id)
            keys = {k.key_id: k for k in own_keys(session, "sign", include_retired=True)}
            key = keys.get(framed.header.sender_key_id)
            if row is None or key is None or row.sha256 != batch_sha256(data):
                raise xerror(XCode.NOT_OUR_BATCH)
            verifier = xkeys.load_verify_key(xkeys.b64decode(key.public_key))
            if not verify(verifier, framed.signature, pae(BATCH_PAYLOAD_TYPE, framed.header_bytes, framed.ciphertext)):
                raise xerror(XCode.NOT_OUR_BATCH)
            return _view(row)
