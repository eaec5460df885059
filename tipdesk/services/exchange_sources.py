"""What an import reads and returns: batch sources (files, bytes, folders; ordered by their
unauthenticated header), the per-file outcome and the report, the receipts folder, and the larger
page cache an import uses."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event

from tipdesk.exchange.format import BATCH_EXTENSION, DEFAULT_LIMITS, MAGIC, BatchHeader, parse_header
from tipdesk.exchange.rejects import ImportRejected
from tipdesk.services.exchange_common import write_side_file
from tipdesk.services.exchange_receipts import receipt_filename
from tipdesk.services.exchange_upsert import PreviewItem, TypeCounts

BULK_CACHE_PAGES = -65536  # negative: KiB
BULK_CACHE_KEY = "tipdesk_bulk_cache"


@dataclass(frozen=True)
class BatchSource:
    """A batch to import: its name (shown and logged) and how to read its bytes."""

    name: str
    read: Callable[[], bytes]
    header: BatchHeader | None = None


@dataclass
class FileOutcome:
    source: str
    status: str  # accepted | duplicate | refused | quarantined
    code: str = ""
    message: str = ""
    batch_id: str = ""
    install_id: str = ""
    commune: str = ""
    epoch: int | None = None
    seq: int | None = None
    sha256: str = ""
    counts: dict[str, TypeCounts] = field(default_factory=dict)
    released: dict[str, TypeCounts] = field(default_factory=dict)
    highest_contiguous_seq: int | None = None
    missing: list[int] = field(default_factory=list)
    receipt: bytes | None = None
    receipt_path: Path | None = None
    items: list[PreviewItem] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.status in ("refused", "quarantined")

    def totals(self) -> TypeCounts:
        total = TypeCounts()
        for counts in self.counts.values():
            total.merge(counts)
        return total


@dataclass
class ImportReport:
    outcomes: list[FileOutcome]
    dry_run: bool = False
    cancelled: bool = False

    @property
    def any_refused(self) -> bool:
        return any(o.refused for o in self.outcomes)

    def totals(self) -> dict[str, TypeCounts]:
        out: dict[str, TypeCounts] = {}
        for outcome in self.outcomes:
            for name, counts in outcome.counts.items():
                out.setdefault(name, TypeCounts()).merge(counts)
        return out


def bulk_cache(conn: Connection) -> None:
    """A larger page cache for this connection while it imports (64 MiB instead of SQLite's 2 MiB):
    fewer pages are decrypted, evicted and re-read while the indexes of a large batch grow. The
    pool's check-in restores the previous size."""
    if conn.dialect.name != "sqlite":
        return  # a server sizes its own caches
    record = conn.connection
    if BULK_CACHE_KEY not in record.info:
        record.info[BULK_CACHE_KEY] = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql(f"PRAGMA cache_size = {BULK_CACHE_PAGES}")
    engine = conn.engine
    if not event.contains(engine, "checkin", _restore_cache):
        event.listen(engine, "checkin", _restore_cache)


def _restore_cache(dbapi_connection: Any, record: Any) -> None:
    previous = record.info.pop(BULK_CACHE_KEY, None)
    if previous is not None and dbapi_connection is not None:
        dbapi_connection.execute(f"PRAGMA cache_size = {int(previous)}")


def _file_source(path: Path) -> BatchSource:
    return BatchSource(path.name, path.read_bytes, peek_file(path))


def peek_file(path: Path) -> BatchHeader | None:
    """The outer header of a batch file (for listing and ordering only; NOT authenticated)."""
    try:
        with open(path, "rb") as fh:
            prefix = fh.read(len(MAGIC) + 4 + DEFAULT_LIMITS.max_header_bytes)
    except OSError:
        return None
    return _peek(prefix)


def _peek(prefix: bytes) -> BatchHeader | None:
    """The header of a batch from its first bytes (for ordering only; NOT authenticated)."""
    if prefix[: len(MAGIC)] != MAGIC or len(prefix) < len(MAGIC) + 4:
        return None
    (size,) = struct.unpack_from(">I", prefix, len(MAGIC))
    try:
        return parse_header(prefix[len(MAGIC) + 4 : len(MAGIC) + 4 + size])
    except ImportRejected:
        return None


def bytes_source(name: str, data: bytes) -> BatchSource:
    return BatchSource(name, lambda: data, _peek(data[: len(MAGIC) + 4 + DEFAULT_LIMITS.max_header_bytes]))


def expand_paths(paths: Sequence[Path]) -> list[BatchSource]:
    """Files as given; folders contribute their ``*.tdb`` files."""
    sources: list[BatchSource] = []
    for path in paths:
        files = sorted(path.glob(f"*{BATCH_EXTENSION}")) if path.is_dir() else [path]
        sources.extend(_file_source(f) for f in files)
    return sources


def order_sources(sources: Sequence[BatchSource]) -> list[BatchSource]:
    """Unreadable headers first (they are refused at once), then by sender, epoch and seq."""
    def key(src: BatchSource) -> tuple[int, str, int, int, str]:
        h = src.header
        return (1, h.sender_key_id, h.epoch, h.seq, src.name) if h else (0, "", 0, 0, src.name)

    return sorted(sources, key=key)


def write_receipts(outcomes: Sequence[FileOutcome], folder: Path) -> None:
    for outcome in outcomes:
        if outcome.receipt is not None and outcome.commune and outcome.epoch and outcome.seq:
            name = receipt_filename(outcome.commune, outcome.epoch, outcome.seq)
            outcome.receipt_path = write_side_file(folder / name, outcome.receipt)


def loads_counts(text: str) -> dict[str, TypeCounts]:
    raw = json.loads(text or "{}")
    return {name: TypeCounts(**values) for name, values in raw.items()}
