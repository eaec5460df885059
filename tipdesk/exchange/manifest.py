"""The signed manifest inside a batch (security.md §2) and the layout of the inner zip.

Inner zip entries: ``manifest.json`` (canonical JSON), ``manifest.sig`` (64 raw bytes:
Ed25519 over ``PAE(MANIFEST_PAYLOAD_TYPE, manifest.json)``), ``records/<type>.jsonl`` (one
canonical JSON object per line, each line ending in ``\\n``) and ``att/<sha256>.bin``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tipdesk import __version__
from tipdesk.exchange.canonical import StrictJSONError, canonical_bytes, strict_loads
from tipdesk.exchange.format import (
    COMMUNE_RE,
    FORMAT_VERSION,
    INSTALL_ID_RE,
    KEY_ID_RE,
    RECORD_TYPE_RE,
    SCHEMA_VERSION,
    SHA256_RE,
    UUID4_RE,
    BatchHeader,
    Limits,
    format_utc,
    is_int,
    is_str,
    parse_utc,
)
from tipdesk.exchange.rejects import Reject, reject

MANIFEST_NAME = "manifest.json"
MANIFEST_SIG_NAME = "manifest.sig"
RECORDS_DIR = "records/"
ATTACHMENTS_DIR = "att/"
APP_VERSION_RE = re.compile(r"^[0-9A-Za-z.+_-]{1,32}$")
ATT_NAME_RE = re.compile(r"^att/([0-9a-f]{64})\.bin$")
RECORDS_NAME_RE = re.compile(r"^records/([a-z][a-z0-9_]{0,39})\.jsonl$")
GENESIS_HASH = "0" * 64
MAX_SCHEMA_VERSION = 10_000

MANIFEST_KEYS = frozenset(
    {
        "format_version", "schema_version", "app_version", "batch_id", "install_id", "commune",
        "sender_key_id", "recipient_key_id", "epoch", "seq", "prev_batch_sha256", "created_at",
        "counts", "files", "audit_head", "last_receipt_seq",
    }
)  # fmt: skip
FILE_KEYS = frozenset({"name", "sha256", "bytes"})
AUDIT_KEYS = frozenset({"seq", "hash"})


def records_name(record_type: str) -> str:
    if not RECORD_TYPE_RE.match(record_type):
        raise ValueError(f"invalid record type: {record_type!r}")
    return f"{RECORDS_DIR}{record_type}.jsonl"


def attachment_name(sha256_hex: str) -> str:
    if not SHA256_RE.match(sha256_hex):
        raise ValueError(f"invalid attachment hash: {sha256_hex!r}")
    return f"{ATTACHMENTS_DIR}{sha256_hex}.bin"


@dataclass(frozen=True)
class FileEntry:
    name: str
    sha256: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256, "bytes": self.size}


@dataclass(frozen=True)
class AuditHead:
    """Anchor of the sender's audit hash chain (security.md §5)."""

    seq: int = 0
    hash: str = GENESIS_HASH


@dataclass(frozen=True)
class Manifest:
    batch_id: str
    install_id: str
    commune: str
    sender_key_id: str
    recipient_key_id: str
    epoch: int
    seq: int
    created_at: dt.datetime
    prev_batch_sha256: str | None
    counts: Mapping[str, int]
    files: tuple[FileEntry, ...]
    audit_head: AuditHead = field(default_factory=AuditHead)
    last_receipt_seq: int = 0
    schema_version: int = SCHEMA_VERSION
    app_version: str = __version__
    format_version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "schema_version": self.schema_version,
            "app_version": self.app_version,
            "batch_id": self.batch_id,
            "install_id": self.install_id,
            "commune": self.commune,
            "sender_key_id": self.sender_key_id,
            "recipient_key_id": self.recipient_key_id,
            "epoch": self.epoch,
            "seq": self.seq,
            "prev_batch_sha256": self.prev_batch_sha256,
            "created_at": format_utc(self.created_at),
            "counts": dict(self.counts),
            "files": [entry.to_json() for entry in sorted(self.files, key=lambda f: f.name)],
            "audit_head": {"seq": self.audit_head.seq, "hash": self.audit_head.hash},
            "last_receipt_seq": self.last_receipt_seq,
        }

    def to_bytes(self) -> bytes:
        data = canonical_bytes(self.to_json())
        _from_json(self.to_json())  # refuse to write what the reader would refuse
        return data

    def header_mismatches(self, header: BatchHeader) -> list[str]:
        """Names of the fields that differ from the outer header (empty when bound)."""
        pairs = {
            "format_version": (self.format_version, header.fmt),
            "batch_id": (self.batch_id, header.batch_id),
            "sender_key_id": (self.sender_key_id, header.sender_key_id),
            "recipient_key_id": (self.recipient_key_id, header.recipient_key_id),
            "epoch": (self.epoch, header.epoch),
            "seq": (self.seq, header.seq),
            "created_at": (format_utc(self.created_at), format_utc(header.created_at)),
        }
        return [name for name, (mine, theirs) in pairs.items() if mine != theirs]

    @property
    def record_types(self) -> list[str]:
        return sorted(self.counts)


def parse_manifest(data: bytes, limits: Limits) -> Manifest:
    """Strictly parse (already signature-checked) manifest bytes; BAD_MANIFEST on any doubt."""
    try:
        obj = strict_loads(data, max_bytes=limits.max_manifest_bytes, max_depth=4, max_string_chars=128)
    except StrictJSONError as exc:
        raise reject(Reject.BAD_MANIFEST) from exc
    try:
        manifest = _from_json(obj)
    except ValueError as exc:
        raise reject(Reject.BAD_MANIFEST) from exc
    if canonical_bytes(obj) != data:
        raise reject(Reject.BAD_MANIFEST)
    return manifest


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise ValueError(f"manifest: invalid {what}")


def _from_json(obj: Any) -> Manifest:
    _require(isinstance(obj, dict) and set(obj) == MANIFEST_KEYS, "key set")
    _require(is_int(obj["format_version"], 1, 1000), "format_version")
    _require(is_int(obj["schema_version"], 1, MAX_SCHEMA_VERSION), "schema_version")
    _require(is_str(obj["app_version"], APP_VERSION_RE), "app_version")
    _require(is_str(obj["batch_id"], UUID4_RE), "batch_id")
    _require(is_str(obj["install_id"], INSTALL_ID_RE), "install_id")
    _require(is_str(obj["commune"], COMMUNE_RE), "commune")
    _require(is_str(obj["sender_key_id"], KEY_ID_RE), "sender_key_id")
    _require(is_str(obj["recipient_key_id"], KEY_ID_RE), "recipient_key_id")
    _require(is_int(obj["epoch"], 1) and is_int(obj["seq"], 1), "epoch/seq")
    prev = obj["prev_batch_sha256"]
    _require(prev is None or is_str(prev, SHA256_RE), "prev_batch_sha256")
    created = parse_utc(obj["created_at"])
    _require(created is not None, "created_at")
    assert created is not None
    _require(is_int(obj["last_receipt_seq"]), "last_receipt_seq")
    files = _files(obj["files"])
    counts = _counts(obj["counts"], files)
    head = obj["audit_head"]
    _require(isinstance(head, dict) and set(head) == AUDIT_KEYS, "audit_head")
    _require(is_int(head["seq"]) and is_str(head["hash"], SHA256_RE), "audit_head")
    return Manifest(
        batch_id=obj["batch_id"], install_id=obj["install_id"], commune=obj["commune"],
        sender_key_id=obj["sender_key_id"], recipient_key_id=obj["recipient_key_id"],
        epoch=obj["epoch"], seq=obj["seq"], created_at=created, prev_batch_sha256=prev,
        counts=counts, files=files, audit_head=AuditHead(head["seq"], head["hash"]),
        last_receipt_seq=obj["last_receipt_seq"], schema_version=obj["schema_version"],
        app_version=obj["app_version"], format_version=obj["format_version"],
    )  # fmt: skip


def _files(value: Any) -> tuple[FileEntry, ...]:
    _require(isinstance(value, list), "files")
    entries: list[FileEntry] = []
    for item in value:
        _require(isinstance(item, dict) and set(item) == FILE_KEYS, "file entry")
        name, digest, size = item["name"], item["sha256"], item["bytes"]
        _require(isinstance(name, str) and is_str(digest, SHA256_RE) and is_int(size), "file entry")
        att = ATT_NAME_RE.match(name)
        _require(bool(att or RECORDS_NAME_RE.match(name)), "file name")
        _require(att is None or att.group(1) == digest, "attachment name")
        entries.append(FileEntry(name, digest, size))
    names = [entry.name for entry in entries]
    _require(names == sorted(set(names)), "file order")
    return tuple(entries)


def _counts(value: Any, files: tuple[FileEntry, ...]) -> dict[str, int]:
    _require(isinstance(value, dict), "counts")
    types = {m.group(1) for m in (RECORDS_NAME_RE.match(f.name) for f in files) if m}
    _require(set(value) == types, "counts")
    _require(all(is_int(count) for count in value.values()), "counts")
    return dict(value)
