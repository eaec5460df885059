"""Building batch files (sign -> encrypt -> sign) and writing them atomically (security.md §2, §5)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from tipdesk import __version__
from tipdesk.exchange.archive import write_archive
from tipdesk.exchange.canonical import StrictJSONError, canonical_bytes, pae, strict_loads
from tipdesk.exchange.format import (
    BATCH_PAYLOAD_TYPE,
    DEFAULT_LIMITS,
    HPKE_SUITE,
    MANIFEST_PAYLOAD_TYPE,
    SCHEMA_VERSION,
    BatchHeader,
    Limits,
    MiB,
    frame,
    hpke_info,
    utc_seconds,
)
from tipdesk.exchange.keys import key_id, load_encryption_key
from tipdesk.exchange.manifest import (
    MANIFEST_NAME,
    MANIFEST_SIG_NAME,
    AuditHead,
    FileEntry,
    Manifest,
    attachment_name,
    records_name,
)
from tipdesk.exchange.rejects import Reject, export_error


@dataclass(frozen=True)
class BatchMeta:
    """What the exporter knows about the batch it is making (everything but the payload)."""

    batch_id: str  # UUIDv4, lower case
    install_id: str
    commune: str
    epoch: int
    seq: int
    created_at: dt.datetime  # aware; stored in UTC, whole seconds
    prev_batch_sha256: str | None = None
    audit_head: AuditHead = field(default_factory=AuditHead)
    last_receipt_seq: int = 0
    schema_version: int = SCHEMA_VERSION
    app_version: str = __version__


def sign_manifest(manifest_bytes: bytes, signing_key: ed25519.Ed25519PrivateKey) -> bytes:
    return signing_key.sign(pae(MANIFEST_PAYLOAD_TYPE, manifest_bytes))


def _record_line(record: Mapping[str, Any], record_type: str, limits: Limits) -> bytes:
    line = canonical_bytes(record)
    try:  # never write a record the importer would refuse
        strict_loads(line, limits.max_line_bytes, limits.max_depth, limits.max_string_chars)
    except StrictJSONError as exc:
        if exc.code != "FIELD_TOO_LARGE":
            raise ValueError(f"record of type {record_type} cannot be exported: {exc.detail}") from exc
        limit_kib = min(limits.max_line_bytes, limits.max_string_chars) // 1024
        uuid = record.get("uuid", "?")
        raise export_error(
            Reject.RECORD_TOO_LARGE, record_type=record_type, uuid=uuid, limit_kib=limit_kib
        ) from exc
    return line + b"\n"


def _payload_files(
    records: Mapping[str, Sequence[Mapping[str, Any]]], attachments: Mapping[str, bytes], limits: Limits
) -> list[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    for record_type in sorted(records):
        body = b"".join(_record_line(record, record_type, limits) for record in records[record_type])
        files.append((records_name(record_type), body))
    for digest in sorted(attachments):
        content = attachments[digest]
        if hashlib.sha256(content).hexdigest() != digest:
            raise ValueError(f"attachment key is not the SHA-256 of its content: {digest}")
        files.append((attachment_name(digest), content))
    return sorted(files)


def build_manifest(
    meta: BatchMeta,
    files: Sequence[tuple[str, bytes]],
    counts: Mapping[str, int],
    sender_key_id: str,
    recipient_key_id: str,
) -> Manifest:
    return Manifest(
        batch_id=meta.batch_id,
        install_id=meta.install_id,
        commune=meta.commune,
        sender_key_id=sender_key_id,
        recipient_key_id=recipient_key_id,
        epoch=meta.epoch,
        seq=meta.seq,
        created_at=utc_seconds(meta.created_at),
        prev_batch_sha256=meta.prev_batch_sha256,
        counts=dict(counts),
        files=tuple(FileEntry(name, hashlib.sha256(data).hexdigest(), len(data)) for name, data in files),
        audit_head=meta.audit_head,
        last_receipt_seq=meta.last_receipt_seq,
        schema_version=meta.schema_version,
        app_version=meta.app_version,
    )


def build_inner(manifest_bytes: bytes, manifest_sig: bytes, files: Sequence[tuple[str, bytes]]) -> bytes:
    """The inner zip: manifest, its signature, then the payload files."""
    return write_archive([(MANIFEST_NAME, manifest_bytes), (MANIFEST_SIG_NAME, manifest_sig), *files])


def _public(recipient_pub: bytes | x25519.X25519PublicKey) -> x25519.X25519PublicKey:
    return load_encryption_key(recipient_pub) if isinstance(recipient_pub, bytes) else recipient_pub


def seal_batch(
    header: BatchHeader,
    inner: bytes,
    signing_key: ed25519.Ed25519PrivateKey,
    recipient_pub: bytes | x25519.X25519PublicKey,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> bytes:
    """Encrypt ``inner`` to the recipient (HPKE info bound to the header) and sign the outside."""
    header_bytes = header.to_bytes()
    ciphertext = HPKE_SUITE.encrypt(inner, _public(recipient_pub), info=hpke_info(header_bytes))
    signature = signing_key.sign(pae(BATCH_PAYLOAD_TYPE, header_bytes, ciphertext))
    data = frame(header_bytes, ciphertext, signature)
    if len(data) > limits.max_batch_bytes:
        raise export_error(Reject.BATCH_TOO_LARGE, limit_mib=limits.max_batch_bytes // MiB)
    return data


def build_batch(
    records: Mapping[str, Sequence[Mapping[str, Any]]],
    attachments: Mapping[str, bytes],
    meta: BatchMeta,
    signing_key: ed25519.Ed25519PrivateKey,
    recipient_pub: bytes | x25519.X25519PublicKey,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> bytes:
    """A complete batch file. ``records`` maps record type to records (JSON-able mappings, no
    floats); ``attachments`` maps the SHA-256 hex of each attachment to its bytes.
    Raises ``ExportFailed`` (BATCH_TOO_LARGE) when the caller must split the export."""
    recipient = _public(recipient_pub)
    sender_kid, recipient_kid = key_id(signing_key.public_key()), key_id(recipient)
    files = _payload_files(records, attachments, limits)
    counts = {record_type: len(items) for record_type, items in records.items()}
    manifest_bytes = build_manifest(meta, files, counts, sender_kid, recipient_kid).to_bytes()
    inner = build_inner(manifest_bytes, sign_manifest(manifest_bytes, signing_key), files)
    header = BatchHeader(
        batch_id=meta.batch_id,
        sender_key_id=sender_kid,
        recipient_key_id=recipient_kid,
        epoch=meta.epoch,
        seq=meta.seq,
        created_at=utc_seconds(meta.created_at),
    )
    return seal_batch(header, inner, signing_key, recipient, limits=limits)


# ---------------------------------------------------------------- atomic write


def _fsync_directory(directory: Path) -> None:
    if not hasattr(os, "O_DIRECTORY"):
        return  # Windows: no directory fsync (security.md §5)
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_and_sync(path: Path, data: bytes) -> None:
    with open(path, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_batch_atomic(data: bytes, directory: str | os.PathLike[str], filename: str) -> Path:
    """Temp file in ``directory``, fsync, ``os.replace``, fsync the directory, read back and
    compare the SHA-256. Raises ``ExportFailed`` (EXPORT_WRITE_FAILED / EXPORT_VERIFY_FAILED)."""
    folder = Path(directory)
    if not filename or Path(filename).name != filename or filename in (".", ".."):
        raise ValueError(f"not a plain file name: {filename!r}")
    target = folder / filename
    temp = folder / f".{filename}.{secrets.token_hex(6)}.tmp"
    try:
        _write_and_sync(temp, data)
        os.replace(temp, target)
        _fsync_directory(folder)
        written = target.read_bytes()
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
        raise export_error(
            Reject.EXPORT_WRITE_FAILED, directory=str(folder), error=exc.strerror or exc
        ) from exc
    if hashlib.sha256(written).digest() != hashlib.sha256(data).digest():
        raise export_error(Reject.EXPORT_VERIFY_FAILED, directory=str(folder))
    return target
