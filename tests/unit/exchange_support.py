"""Shared builders for the exchange tests: a sender/province pair, sample batches, and a raw zip
writer that can produce the malformed archives ``zipfile`` refuses to write."""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from tipdesk.exchange import keys
from tipdesk.exchange.batchfile import BatchMeta, OpenedBatch, build_batch, open_batch, seal_batch
from tipdesk.exchange.batchwrite import build_inner, build_manifest, sign_manifest
from tipdesk.exchange.canonical import canonical_bytes
from tipdesk.exchange.format import HPKE_SUITE, BatchHeader, Limits, hpke_info, unframe
from tipdesk.exchange.manifest import MANIFEST_NAME, MANIFEST_SIG_NAME
from tipdesk.exchange.rejects import ImportRejected
from tipdesk.exchange.trust import MemoryTrustStore, TrustedKey

CREATED = dt.datetime(2026, 8, 1, 9, 30, 0, tzinfo=dt.UTC)

SAMPLE_RECORDS: dict[str, list[dict[str, Any]]] = {
    "tip": [
        {
            "uuid": "0b0c6e2e-0000-4000-8000-000000000001",
            "version": 3,
            "summary": "Nghi vấn môi giới lao động",
        },
        {"uuid": "0b0c6e2e-0000-4000-8000-000000000002", "version": 1, "tags": ["a", "b"], "n": None},
    ],
    "victim": [{"uuid": "0b0c6e2e-0000-4000-8000-000000000003", "version": 2, "name": "Nguyễn Thị Hoa"}],
}
SAMPLE_ATTACHMENT = b"%PDF-1.4 scanned statement" * 4


@dataclass
class World:
    sender: ed25519.Ed25519PrivateKey
    province: x25519.X25519PrivateKey
    store: MemoryTrustStore
    install_id: str = "inst-0001"
    commune: str = "26734"
    limits: Limits = field(default_factory=Limits)

    @property
    def sender_kid(self) -> str:
        return keys.key_id(self.sender.public_key())

    def meta(self, **changes: Any) -> BatchMeta:
        base = BatchMeta(
            batch_id=str(uuid.uuid4()),
            install_id=self.install_id,
            commune=self.commune,
            epoch=1,
            seq=5,
            created_at=CREATED,
        )
        return replace(base, **changes)

    def header(self, meta: BatchMeta, **changes: Any) -> BatchHeader:
        base = BatchHeader(
            batch_id=meta.batch_id,
            sender_key_id=self.sender_kid,
            recipient_key_id=keys.key_id(self.province.public_key()),
            epoch=meta.epoch,
            seq=meta.seq,
            created_at=meta.created_at,
        )
        return replace(base, **changes)

    def batch(self, records: Any = None, attachments: Any = None, **meta_changes: Any) -> bytes:
        records = SAMPLE_RECORDS if records is None else records
        if attachments is None:
            attachments = {hashlib.sha256(SAMPLE_ATTACHMENT).hexdigest(): SAMPLE_ATTACHMENT}
        return build_batch(
            records, attachments, self.meta(**meta_changes), self.sender, self.province.public_key()
        )

    def open(self, data: bytes, **kwargs: Any) -> OpenedBatch:
        kwargs.setdefault("limits", self.limits)
        return open_batch(data, self.store, [self.province], **kwargs)

    def code(self, data: bytes, **kwargs: Any) -> str | None:
        """The refusal code, or None when the batch is accepted."""
        try:
            self.open(data, **kwargs)
        except ImportRejected as exc:
            return exc.code
        return None

    def inner(self, data: bytes) -> bytes:
        framed = unframe(data, self.limits)
        return HPKE_SUITE.decrypt(framed.ciphertext, self.province, info=hpke_info(framed.header_bytes))

    def reseal(self, inner: bytes, meta: BatchMeta | None = None, **header_changes: Any) -> bytes:
        """Encrypt and sign ``inner`` with the REAL sender key, so only inner checks can object."""
        meta = meta or self.meta()
        return seal_batch(self.header(meta, **header_changes), inner, self.sender, self.province.public_key())

    def signed_payload(
        self,
        files: Sequence[tuple[str, bytes]],
        meta: BatchMeta | None = None,
        counts: dict[str, int] | None = None,
        manifest_edit: Any = None,
    ) -> tuple[bytes, bytes, BatchMeta]:
        """(manifest bytes, manifest signature, meta) for ``files``, signed by the real sender."""
        meta = meta or self.meta()
        if counts is None:
            counts = {
                name[len("records/") : -len(".jsonl")]: content.count(b"\n")
                for name, content in files
                if name.startswith("records/")
            }
        recipient = keys.key_id(self.province.public_key())
        manifest = build_manifest(meta, sorted(files), counts, self.sender_kid, recipient)
        obj = manifest.to_json()
        if manifest_edit is not None:
            manifest_edit(obj)
        manifest_bytes = canonical_bytes(obj)
        return manifest_bytes, sign_manifest(manifest_bytes, self.sender), meta

    def batch_from_files(self, files: Sequence[tuple[str, bytes]], **kwargs: Any) -> bytes:
        """A correctly signed batch whose payload is ``files`` (zipped with the normal writer)."""
        manifest_bytes, sig, meta = self.signed_payload(files, **kwargs)
        return self.reseal(build_inner(manifest_bytes, sig, sorted(files)), meta)


def make_world(**trusted: Any) -> World:
    sender = keys.generate_signing_key()
    province = keys.generate_encryption_key()
    world = World(sender, province, MemoryTrustStore())
    trusted.setdefault("install_id", world.install_id)
    trusted.setdefault("commune", world.commune)
    world.store.add(TrustedKey(world.sender_kid, keys.public_bytes(sender), **trusted))
    return world


def jsonl(*records: Any) -> bytes:
    return b"".join(canonical_bytes(r) + b"\n" for r in records)


# ---------------------------------------------------------------- raw zip writer


@dataclass
class RawEntry:
    name: bytes
    data: bytes
    method: int = 8  # 0 stored, 8 deflated
    declared_size: int | None = None  # lie about the uncompressed size
    flags: int = 0
    crc: int | None = None
    body: bytes | None = None  # pre-compressed body (bombs); ``data`` is then only used for the CRC


def _compress(entry: RawEntry) -> bytes:
    if entry.body is not None:
        return entry.body
    if entry.method == 0:
        return entry.data
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return comp.compress(entry.data) + comp.flush()


def raw_zip(entries: Sequence[RawEntry], comment: bytes = b"") -> bytes:
    out = bytearray()
    central = bytearray()
    for entry in entries:
        body = _compress(entry)
        crc = zlib.crc32(entry.data) if entry.crc is None else entry.crc
        size = len(entry.data) if entry.declared_size is None else entry.declared_size
        offset = len(out)
        out += struct.pack(
            "<4sHHHHHIIIHH", b"PK\x03\x04", 20, entry.flags, entry.method, 0, 0x21, crc, len(body), size,
            len(entry.name), 0,
        )  # fmt: skip
        out += entry.name + body
        central += struct.pack(
            "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, entry.flags, entry.method, 0, 0x21, crc, len(body),
            size, len(entry.name), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        central += entry.name
    cd_offset = len(out)
    out += central
    out += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), cd_offset,
                       len(comment))  # fmt: skip
    return bytes(out + comment)


def manifest_entries(manifest_bytes: bytes, sig: bytes) -> list[RawEntry]:
    return [
        RawEntry(MANIFEST_NAME.encode(), manifest_bytes),
        RawEntry(MANIFEST_SIG_NAME.encode(), sig, method=0),
    ]
