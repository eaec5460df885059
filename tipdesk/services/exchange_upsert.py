"""Apply the records of one opened batch to the database: upsert by UUID and version.

First every record of the batch is checked (``exchange_schema.parse_record``: shape, types, the
sender as origin), so a refused batch has written nothing. Then for each record type, in
foreign-key order, in chunks of ``BATCH`` records:

2. preload the local ``(id, version, origin_install_id)`` of the chunk's ids in one query;
3. newer version: update; older: skip; equal: compare the canonical JSON of the local row with
   the incoming record: same is ``unchanged``, different goes to the conflict queue; a record that
   exists locally with another origin installation is never overwritten (conflict ``origin``);
4. a new or newer record whose parent (a foreign key to a travelling table) is not here yet is
   *parked* until the batch that carries the parent is imported (``retry_parked``);
5. ``executemany`` the inserts and updates as ``INSERT/UPDATE OR IGNORE``: a row that clashes
   with a UNIQUE rule (another record already holds that register number) is skipped, found by
   the row count, and goes to the conflict queue as ``constraint``. No savepoints: each would
   copy every page it touches into a sub-journal, which made many-batch imports 2-3 times slower.

Imported rows keep their ``version`` and ``origin_install_id``; they take new local change numbers.
Nothing here commits: the caller owns the transaction (and rolls it back for a dry run).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from tipdesk.db.models.base import reserve_change_seqs
from tipdesk.db.models.exchange import Blob, Conflict
from tipdesk.db.pgshim import open_sealed
from tipdesk.exchange.canonical import canonical_bytes
from tipdesk.services.exchange_common import chunks
from tipdesk.services.exchange_schema import (
    Incoming,
    Kind,
    RecordError,
    RecordType,
    Registry,
    UnknownFields,
    parse_record,
    record_sha256,
    row_to_json,
)

ACTIONS = ("new", "updated", "unchanged", "older", "conflicting", "waiting")
BATCH = 2000  # records per preload query and executemany


class OriginMismatch(ValueError):
    """A record claims another origin installation than the batch's sender."""


class ImportCancelled(Exception):
    """The user cancelled; the caller rolls the whole import back."""


@dataclass
class TypeCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    older: int = 0
    conflicting: int = 0
    waiting: int = 0

    def add(self, action: str, n: int = 1) -> None:
        setattr(self, action, getattr(self, action) + n)

    def merge(self, other: TypeCounts) -> None:
        for action in ACTIONS:
            self.add(action, getattr(other, action))

    @property
    def total(self) -> int:
        return sum(getattr(self, action) for action in ACTIONS)

    def to_json(self) -> dict[str, int]:
        return {action: getattr(self, action) for action in ACTIONS}


@dataclass(frozen=True)
class PreviewItem:
    record_type: str
    record_id: str
    version: int
    local_version: int | None
    action: str


@dataclass
class _Plan:
    inserts: list[Incoming] = field(default_factory=list)
    updates: list[Incoming] = field(default_factory=list)


Progress = Callable[[int], None]


@dataclass
class RunMemory:
    """What one import call learnt about the database; valid only inside its one transaction (rows are
    never deleted there). Shared by the appliers of the call's batches."""

    known: dict[str, set[str]] = field(default_factory=dict)  # table -> ids that exist (inserted or seen)
    empty: dict[str, bool] = field(default_factory=dict)  # table -> had no rows when the call started


class Applier:
    """Upserts records from one sender installation inside the caller's transaction."""

    def __init__(self, session: Session, registry: Registry, *, install_id: str, batch_id: str, now: dt.datetime,
                 collect: bool = False, progress: Progress | None = None,
                 cancelled: Callable[[], bool] | None = None, memory: RunMemory | None = None) -> None:
        self.session = session
        self.conn: Connection = session.connection()
        self.registry = registry
        self.install_id = install_id
        self.batch_id = batch_id
        self.now = now
        self.collect = collect
        self.items: list[PreviewItem] = []
        self._progress = progress
        self._cancelled = cancelled
        self.memory = memory or RunMemory()
        self._known = self.memory.known
        self._parked_types: set[str] | None = None

    # -- public ----------------------------------------------------------------------
    def apply(self, records: Mapping[str, Sequence[Mapping[str, Any]]],
              attachments: Mapping[str, bytes]) -> dict[str, TypeCounts]:
        unknown = set(records) - set(self.registry.names)
        if unknown:
            raise UnknownFields(f"unknown record types {sorted(unknown)[:5]}")
        # Every record of the batch is checked before the first write, so a refused batch leaves
        # nothing behind and needs no savepoint (savepoints cost a copy of every page they touch).
        parsed = {rt.name: self._parse_all(rt, records[rt.name], attachments)
                  for rt in self.registry.types if rt.name in records}
        counts: dict[str, TypeCounts] = {}
        for rt in self.registry.types:
            if rt.name in parsed:
                counts[rt.name] = TypeCounts()
                for part in chunks(parsed[rt.name], BATCH):
                    counts[rt.name].merge(self._apply_type(rt, part))
                    self._tick(len(part))
        return counts

    def retry_parked(self) -> dict[str, TypeCounts]:
        """Apply parked records whose parents have arrived, until nothing more moves."""
        released: dict[str, TypeCounts] = {}
        while self._parked_any():
            moved = False
            for rt in self.registry.types:
                ready = self._ready_parked(rt)
                if ready:
                    moved = True
                    released.setdefault(rt.name, TypeCounts()).merge(self._apply_type(rt, ready))
            if not moved:
                break
        if released:
            self._drop_unused_blobs()
        return released

    def force(self, rt: RecordType, incoming: Incoming) -> None:
        """Overwrite (or insert) the local row with ``incoming`` whatever the versions (conflict decided)."""
        missing = self._missing_parent(rt, [incoming])
        if missing:
            raise RecordError(f"missing {next(iter(missing.values()))}")
        exists = bool(self._local(rt, [incoming.record_id]))
        first = self._reserve_change_seqs(1)
        inserts, updates = ([], [incoming]) if exists else ([incoming], [])
        if self._write_rows(rt, inserts, updates, first):
            raise RecordError("a unique value is already used by another record")
        self._unpark(rt, [incoming.record_id])

    # -- per type ----------------------------------------------------------------------
    def _parse_all(self, rt: RecordType, raw: Sequence[Mapping[str, Any]],
                   attachments: Mapping[str, bytes]) -> list[Incoming]:
        parsed: list[Incoming] = []
        for part in chunks(raw, BATCH):
            for obj in part:
                incoming = parse_record(rt, obj, attachments)
                if incoming.origin != self.install_id:
                    raise OriginMismatch(rt.name)
                parsed.append(incoming)
            self._tick(0)
        if len({inc.record_id for inc in parsed}) != len(parsed):
            raise RecordError(f"{rt.name}: the same id appears twice")
        return parsed

    def _apply_type(self, rt: RecordType, batch: Sequence[Incoming]) -> TypeCounts:
        counts = TypeCounts()
        for part in chunks(batch, BATCH):
            ids = [inc.record_id for inc in part]
            local = self._local(rt, self._maybe_present(rt, ids))
            parked = self._parked_versions(rt, ids)
            plan, equal = _Plan(), list[Incoming]()
            if not local and not parked:  # the usual first import: all new
                plan.inserts = list(part)
            else:
                for inc in part:
                    self._classify(rt, inc, local.get(inc.record_id), parked.get(inc.record_id), plan, equal,
                                   counts)
            if equal:
                self._compare_equal(rt, equal, local, counts)
            self._execute(rt, plan, counts, local)
        return counts

    def _classify(self, rt: RecordType, inc: Incoming, loc: tuple[int, str] | None, parked: int | None,
                  plan: _Plan, equal: list[Incoming], counts: TypeCounts) -> None:
        if loc is None:
            if parked is not None and parked >= inc.version:
                self._note(rt, inc, None, "older" if parked > inc.version else "unchanged", counts)
            else:
                plan.inserts.append(inc)
        elif loc[1] != inc.origin:
            self._conflict(rt, inc, loc[0], "origin", counts)
        elif inc.version > loc[0]:
            plan.updates.append(inc)
        elif inc.version < loc[0]:
            self._note(rt, inc, loc[0], "older", counts)
        else:
            equal.append(inc)

    def _note(self, rt: RecordType, inc: Incoming, local_version: int | None, action: str,
              counts: TypeCounts) -> None:
        counts.add(action)
        if self.collect:
            self.items.append(PreviewItem(rt.name, inc.record_id, inc.version, local_version, action))

    def _compare_equal(self, rt: RecordType, equal: list[Incoming], local: dict[str, tuple[int, str]],
                       counts: TypeCounts) -> None:
        rows = self.local_records(rt, [inc.record_id for inc in equal])
        for inc in equal:
            mine = rows.get(inc.record_id)
            if mine is not None and canonical_bytes(mine) == canonical_bytes(inc.record):
                self._note(rt, inc, local[inc.record_id][0], "unchanged", counts)
            else:
                self._conflict(rt, inc, local[inc.record_id][0], "same_version", counts)

    # -- reading local state -------------------------------------------------------------
    def _maybe_present(self, rt: RecordType, ids: Sequence[str]) -> Sequence[str]:
        """The ids worth looking up: all of them, unless the table was empty when the call started
        (then only those this call inserted can exist): a first import skips every look-up."""
        table = rt.table_name
        if table not in self.memory.empty:
            row = self.conn.exec_driver_sql(f'SELECT 1 FROM "{table}" LIMIT 1').first()
            self.memory.empty[table] = row is None and not self._known.get(table)
        if not self.memory.empty[table]:
            return ids
        mine = self._known.get(table, set())
        return [i for i in ids if i in mine]

    def _local(self, rt: RecordType, ids: Sequence[str]) -> dict[str, tuple[int, str]]:
        if not ids:
            return {}
        marks = ",".join("?" for _ in ids)
        sql = f'SELECT id, version, origin_install_id FROM "{rt.table_name}" WHERE id IN ({marks})'
        return {row[0]: (row[1], row[2]) for row in self.conn.exec_driver_sql(sql, tuple(ids))}

    def local_records(self, rt: RecordType, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        table = rt.table
        rows = self.conn.execute(select(table).where(table.c.id.in_(ids))).mappings().all()
        children: dict[str, dict[str, list[Any]]] = {}
        for child in rt.children:
            ctable = child.table
            parent = ctable.c[child.parent_column]
            for row in self.conn.execute(select(ctable).where(parent.in_(ids))).mappings():
                children.setdefault(row[child.parent_column], {}).setdefault(child.name, []).append(row)
        return {row["id"]: row_to_json(rt, dict(row), children.get(row["id"], {})) for row in rows}

    def _parked_any(self) -> bool:
        if self._parked_types is None:
            rows = self.conn.exec_driver_sql("SELECT DISTINCT record_type FROM exchange_parked")
            self._parked_types = {row[0] for row in rows}
        return bool(self._parked_types)

    def _parked_versions(self, rt: RecordType, ids: Sequence[str]) -> dict[str, int]:
        if not self._parked_any() or rt.name not in (self._parked_types or set()):
            return {}
        marks = ",".join("?" for _ in ids)
        sql = f"SELECT record_id, version FROM exchange_parked WHERE record_type = ? AND record_id IN ({marks})"
        return {row[0]: row[1] for row in self.conn.exec_driver_sql(sql, (rt.name, *ids))}

    def _missing_parent(self, rt: RecordType, items: Sequence[Incoming]) -> dict[str, str]:
        """record id -> "<table>:<id>" of the first parent that is not in the database."""
        missing: dict[str, str] = {}
        for f in rt.fk_fields:
            assert f.fk_table is not None
            index = rt.fields.index(f)
            wanted = {inc.values[index] for inc in items if inc.values[index] is not None}
            known = self._known.setdefault(f.fk_table, set())
            unknown = sorted(wanted - known)
            for part in chunks(unknown):
                marks = ",".join("?" for _ in part)
                sql = f'SELECT id FROM "{f.fk_table}" WHERE id IN ({marks})'
                known.update(row[0] for row in self.conn.exec_driver_sql(sql, tuple(part)))
            for inc in items:
                value = inc.values[index]
                if value is not None and value not in known and inc.record_id not in missing:
                    missing[inc.record_id] = f"{f.fk_table}:{value}"
        return missing

    # -- writing -------------------------------------------------------------------------
    def _execute(self, rt: RecordType, plan: _Plan, counts: TypeCounts, local: dict[str, tuple[int, str]]) -> None:
        waiting = self._missing_parent(rt, [*plan.inserts, *plan.updates]) if rt.fk_fields else {}
        inserts = [inc for inc in plan.inserts if inc.record_id not in waiting]
        updates = [inc for inc in plan.updates if inc.record_id not in waiting]
        for inc in (*plan.inserts, *plan.updates):
            if inc.record_id in waiting:
                self._park(rt, inc, waiting[inc.record_id], counts)
        if not inserts and not updates:
            return
        first = self._reserve_change_seqs(len(inserts) + len(updates))
        failed = self._write_rows(rt, inserts, updates, first)
        if failed or self.collect:
            for inc in inserts:
                if inc.record_id in failed:
                    self._conflict(rt, inc, 0, "constraint", counts)
                else:
                    self._note(rt, inc, None, "new", counts)
            for inc in updates:
                if inc.record_id in failed:
                    self._conflict(rt, inc, local.get(inc.record_id, (0, ""))[0], "constraint", counts)
                else:
                    self._note(rt, inc, local.get(inc.record_id, (None, ""))[0], "updated", counts)
        else:
            counts.add("new", len(inserts))
            counts.add("updated", len(updates))
        applied = [inc.record_id for inc in (*inserts, *updates) if inc.record_id not in failed]
        self._known.setdefault(rt.table_name, set()).update(applied)
        self._unpark(rt, applied)

    def _write_rows(self, rt: RecordType, inserts: list[Incoming], updates: list[Incoming], first: int) -> set[str]:
        """Insert and update (no savepoint); returns the ids that broke a UNIQUE rule and were skipped.
        Records take the change numbers ``first, first + 1, ...`` (inserts, then updates)."""
        failed: set[str] = set()
        if inserts:
            result = self.conn.exec_driver_sql(
                rt.insert_sql, [(*inc.values, seq) for seq, inc in enumerate(inserts, first)])
            if result.rowcount != len(inserts):
                present = self._present(rt, [inc.record_id for inc in inserts], None)
                failed |= {inc.record_id for inc in inserts if inc.record_id not in present}
            self._insert_children(rt, [inc for inc in inserts if inc.record_id not in failed])
        if updates:
            start, cut = first + len(inserts), rt.id_at
            params = [(*inc.values[:cut], *inc.values[cut + 1 :], seq, inc.record_id)
                      for seq, inc in enumerate(updates, start)]
            result = self.conn.exec_driver_sql(rt.update_sql, params)
            if result.rowcount != len(updates):
                changed = self._present(rt, [inc.record_id for inc in updates], start)
                failed |= {inc.record_id for inc in updates if inc.record_id not in changed}
            done = [inc for inc in updates if inc.record_id not in failed]
            self._delete_children(rt, [inc.record_id for inc in done])
            self._insert_children(rt, done)
        return failed

    def _present(self, rt: RecordType, ids: Sequence[str], min_change_seq: int | None) -> set[str]:
        """Which of ``ids`` are in the table (with a change number of at least ``min_change_seq``)."""
        found: set[str] = set()
        for part in chunks(ids):
            marks = ",".join("?" for _ in part)
            sql = f'SELECT id FROM "{rt.table_name}" WHERE id IN ({marks})'
            params: tuple[Any, ...] = tuple(part)
            if min_change_seq is not None:
                sql += " AND change_seq >= ?"
                params = (*params, min_change_seq)
            found.update(row[0] for row in self.conn.exec_driver_sql(sql, params))
        return found

    def _delete_children(self, rt: RecordType, ids: Sequence[str]) -> None:
        for child in rt.children:
            for part in chunks(ids):
                marks = ",".join("?" for _ in part)
                sql = f'DELETE FROM "{child.name}" WHERE "{child.parent_column}" IN ({marks})'
                self.conn.exec_driver_sql(sql, tuple(part))

    def _insert_children(self, rt: RecordType, rows: list[Incoming]) -> None:
        for child in rt.children:
            params = [(inc.record_id, *row) for inc in rows for row in inc.children.get(child.name, [])]
            if params:
                self.conn.exec_driver_sql(child.insert_sql, params)

    def _reserve_change_seqs(self, n: int) -> int:
        """Take ``n`` local change numbers at once; returns the first."""
        return reserve_change_seqs(self.conn, n)

    # -- queues ----------------------------------------------------------------------------
    def _conflict(self, rt: RecordType, inc: Incoming, local_version: int, reason: str, counts: TypeCounts) -> None:
        self._note(rt, inc, local_version, "conflicting", counts)
        digest = record_sha256(inc.record)
        exists = self.conn.execute(
            select(Conflict.id).where(Conflict.record_type == rt.name, Conflict.record_id == inc.record_id,
                                      Conflict.incoming_sha256 == digest, Conflict.resolved_at.is_(None))
        ).first()
        if exists is not None:
            return
        self._store_blobs(rt, inc)
        self.conn.execute(insert(Conflict).values(
            record_type=rt.name, record_id=inc.record_id, version=inc.version, local_version=local_version,
            reason=reason, install_id=self.install_id, batch_id=self.batch_id,
            incoming=canonical_bytes(inc.record).decode("utf-8"), incoming_sha256=digest, created_at=self.now,
            resolution="", resolved_by="",
        ))

    def _park(self, rt: RecordType, inc: Incoming, waiting_for: str, counts: TypeCounts) -> None:
        self._note(rt, inc, None, "waiting", counts)
        self._store_blobs(rt, inc)
        self.conn.exec_driver_sql(
            "INSERT OR REPLACE INTO exchange_parked (record_type, record_id, version, install_id, batch_id, "
            "waiting_for, payload, parked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (rt.name, inc.record_id, inc.version, self.install_id, self.batch_id, waiting_for[:80],
             canonical_bytes(inc.record).decode("utf-8"), _db_time(self.now)),
        )
        if self._parked_types is not None:
            self._parked_types.add(rt.name)

    def _unpark(self, rt: RecordType, ids: Sequence[str]) -> None:
        if not ids or not self._parked_any() or rt.name not in (self._parked_types or set()):
            return
        for part in chunks(ids):
            marks = ",".join("?" for _ in part)
            self.conn.exec_driver_sql(
                f"DELETE FROM exchange_parked WHERE record_type = ? AND record_id IN ({marks})", (rt.name, *part)
            )

    def _store_blobs(self, rt: RecordType, inc: Incoming) -> None:
        for f in rt.bytes_fields:
            digest = inc.record.get(f.name)
            content = inc.values[rt.fields.index(f)]
            if digest is not None and content is not None:
                self.conn.exec_driver_sql(
                    "INSERT OR IGNORE INTO exchange_blobs (sha256, data) VALUES (?, ?)", (digest, content)
                )

    def _ready_parked(self, rt: RecordType) -> list[Incoming]:
        if rt.name not in (self._parked_types or set()):
            return []
        rows = self.conn.exec_driver_sql(
            "SELECT record_id, payload, install_id FROM exchange_parked WHERE record_type = ?", (rt.name,)
        ).all()
        parsed: list[Incoming] = []
        for _record_id, payload, _install in rows:
            record = json.loads(open_sealed(self.conn, payload, "exchange_parked.payload"))
            try:
                parsed.append(parse_record(rt, record, self._blobs_for(rt, record)))
            except (RecordError, UnknownFields):
                continue  # parked by another tipdesk version and unreadable now: stays parked, shown as waiting
        missing = self._missing_parent(rt, parsed)
        ready = [inc for inc in parsed if inc.record_id not in missing]
        if ready:
            for part in chunks([inc.record_id for inc in ready]):
                marks = ",".join("?" for _ in part)
                self.conn.exec_driver_sql(
                    f"DELETE FROM exchange_parked WHERE record_type = ? AND record_id IN ({marks})", (rt.name, *part)
                )
        if len(ready) == len(rows) and self._parked_types is not None:
            self._parked_types.discard(rt.name)
        return ready

    def _blobs_for(self, rt: RecordType, record: Mapping[str, Any]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for f in rt.bytes_fields:
            digest = record.get(f.name)
            if digest:
                row = self.session.get(Blob, digest)
                if row is not None:
                    found[digest] = row.data
        return found

    def _drop_unused_blobs(self) -> None:
        if self.conn.dialect.name != "sqlite":
            return  # sealed payloads cannot be searched in SQL; the (sealed) blobs stay until resolved
        self.conn.exec_driver_sql(
            "DELETE FROM exchange_blobs WHERE NOT EXISTS (SELECT 1 FROM exchange_parked p "
            "WHERE instr(p.payload, exchange_blobs.sha256) > 0) AND NOT EXISTS (SELECT 1 FROM exchange_conflicts c "
            "WHERE c.resolved_at IS NULL AND instr(c.incoming, exchange_blobs.sha256) > 0)"
        )

    def _tick(self, n: int) -> None:
        if self._cancelled is not None and self._cancelled():
            raise ImportCancelled()
        if n and self._progress is not None:
            self._progress(n)


def _db_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def incoming_from_payload(rt: RecordType, payload: str, blobs: Mapping[str, bytes]) -> Incoming:
    """An ``Incoming`` from a stored canonical record (conflict queue)."""
    return parse_record(rt, json.loads(payload), blobs)


def bytes_digests(rt: RecordType, record: Mapping[str, Any]) -> list[str]:
    return [record[f.name] for f in rt.fields if f.kind is Kind.BYTES and record.get(f.name)]
