"""Batch format v1 (security.md §2): constants, limits, the outer header and the framing.

    "TDBATCH1" | u32 hdr_len (<= 4096) | header | u64 ct_len | ct | sig (64)

All integers are big-endian. ``header`` is canonical JSON with exactly the keys
``fmt, batch_id, sender_key_id, recipient_key_id, epoch, seq, created_at``; ``ct`` is the
HPKE ciphertext of the inner zip; ``sig`` is Ed25519 over
``PAE(BATCH_PAYLOAD_TYPE, header || ct)``. Every size limit lives in ``Limits``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hpke

from tipdesk.exchange.canonical import StrictJSONError, canonical_bytes, strict_loads
from tipdesk.exchange.rejects import Reject, reject

MiB = 1024 * 1024

MAGIC = b"TDBATCH1"
MAGIC_FAMILY = b"TDBATCH"
FORMAT_VERSION = 1
SCHEMA_VERSION = 1  # version of the record schema this build writes and reads natively
SIG_LEN = 64
HPKE_INFO_PREFIX = b"tipdesk/batch/v1"
HPKE_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)
BATCH_EXTENSION = ".tdb"

BATCH_PAYLOAD_TYPE = "application/vnd.tipdesk.batch.v1"
MANIFEST_PAYLOAD_TYPE = "application/vnd.tipdesk.manifest.v1"
RECEIPT_PAYLOAD_TYPE = "application/vnd.tipdesk.receipt.v1"
ENROLMENT_PAYLOAD_TYPE = "application/vnd.tipdesk.enrolment.v1"
TRUST_BUNDLE_PAYLOAD_TYPE = "application/vnd.tipdesk.trust-bundle.v1"
ROTATION_PAYLOAD_TYPE = "application/vnd.tipdesk.key-rotation.v1"

MAX_COUNTER = 2**53 - 1
HEADER_KEYS = frozenset(
    {"fmt", "batch_id", "sender_key_id", "recipient_key_id", "epoch", "seq", "created_at"}
)

_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")
_PREFIX_LEN = len(MAGIC) + _U32.size

UUID4_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
KEY_ID_RE = re.compile(r"^[A-Z2-7]{13}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
INSTALL_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
COMMUNE_RE = re.compile(r"^[A-Za-z0-9_]{1,16}$")
RECORD_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
UTC_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Limits:
    """Every cap of the exchange layer, in one place. Pass a custom instance to change one."""

    max_batch_bytes: int = 64 * MiB  # whole .tdb file (security.md §9)
    max_header_bytes: int = 4096
    max_entries: int = 10_000  # zip entries
    max_entry_bytes: int = 128 * MiB  # one zip entry, uncompressed (declared and actually read)
    max_total_bytes: int = 256 * MiB  # all zip entries, uncompressed (declared and actually read)
    max_manifest_bytes: int = 4 * MiB
    max_line_bytes: int = 1 * MiB  # one JSONL record
    max_string_chars: int = 256 * 1024  # one string field inside a record
    max_depth: int = 32  # JSON nesting
    max_envelope_bytes: int = 1 * MiB  # receipts, enrolment files, trust bundles, rotations


DEFAULT_LIMITS = Limits()


# ---------------------------------------------------------------- small validators


def is_int(value: Any, minimum: int = 0, maximum: int = MAX_COUNTER) -> bool:
    """An int (not a bool) within ``[minimum, maximum]``."""
    return type(value) is int and minimum <= value <= maximum


def is_str(value: Any, pattern: re.Pattern[str]) -> bool:
    return isinstance(value, str) and pattern.match(value) is not None


def utc_seconds(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC, truncated to whole seconds; naive datetimes are refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    return value.astimezone(dt.UTC).replace(microsecond=0)


def format_utc(value: dt.datetime) -> str:
    return utc_seconds(value).strftime(_UTC_FORMAT)


def parse_utc(value: Any) -> dt.datetime | None:
    """``YYYY-MM-DDTHH:MM:SSZ`` to an aware datetime, or None when malformed."""
    if not isinstance(value, str) or not UTC_RE.match(value):
        return None
    try:
        return dt.datetime.strptime(value, _UTC_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def batch_sha256(data: bytes | memoryview) -> str:
    """Hex SHA-256 of a whole batch file (the identity used in receipts and the import log)."""
    return hashlib.sha256(data).hexdigest()


def batch_filename(commune: str, epoch: int, seq: int) -> str:
    """``<commune>-<epoch>-<seq>.tdb``."""
    if not COMMUNE_RE.match(commune):
        raise ValueError(f"commune code not usable in a file name: {commune!r}")
    return f"{commune}-{epoch}-{seq}{BATCH_EXTENSION}"


# ---------------------------------------------------------------- header


@dataclass(frozen=True)
class BatchHeader:
    """The outer, visible header (no personal data; security.md §9)."""

    batch_id: str
    sender_key_id: str
    recipient_key_id: str
    epoch: int
    seq: int
    created_at: dt.datetime
    fmt: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "fmt": self.fmt,
            "batch_id": self.batch_id,
            "sender_key_id": self.sender_key_id,
            "recipient_key_id": self.recipient_key_id,
            "epoch": self.epoch,
            "seq": self.seq,
            "created_at": format_utc(self.created_at),
        }

    def to_bytes(self) -> bytes:
        if not _header_fields_ok(self.to_json()):
            raise ValueError(f"invalid batch header: {self!r}")
        return canonical_bytes(self.to_json())


def _header_fields_ok(obj: dict[str, Any]) -> bool:
    return (
        set(obj) == HEADER_KEYS
        and obj["fmt"] == FORMAT_VERSION
        and is_int(obj["fmt"], 1)
        and is_str(obj["batch_id"], UUID4_RE)
        and is_str(obj["sender_key_id"], KEY_ID_RE)
        and is_str(obj["recipient_key_id"], KEY_ID_RE)
        and is_int(obj["epoch"], 1)
        and is_int(obj["seq"], 1)
        and parse_utc(obj["created_at"]) is not None
    )


def parse_header(data: bytes, limits: Limits = DEFAULT_LIMITS) -> BatchHeader:
    """Strictly parse header bytes: exact keys, types, lengths, ``fmt`` and canonical form."""
    try:
        obj = strict_loads(data, max_bytes=limits.max_header_bytes, max_depth=1, max_string_chars=64)
    except StrictJSONError as exc:
        raise reject(Reject.BAD_HEADER) from exc
    if not isinstance(obj, dict):
        raise reject(Reject.BAD_HEADER)
    fmt = obj.get("fmt")
    if type(fmt) is int and fmt != FORMAT_VERSION:
        raise reject(Reject.UNSUPPORTED_FORMAT)
    if not _header_fields_ok(obj) or canonical_bytes(obj) != data:
        raise reject(Reject.BAD_HEADER)
    created = parse_utc(obj["created_at"])
    assert created is not None
    return BatchHeader(
        batch_id=obj["batch_id"],
        sender_key_id=obj["sender_key_id"],
        recipient_key_id=obj["recipient_key_id"],
        epoch=obj["epoch"],
        seq=obj["seq"],
        created_at=created,
    )


# ---------------------------------------------------------------- framing


@dataclass(frozen=True)
class Framed:
    """The three parts of a batch file, sliced without copying the ciphertext."""

    header: BatchHeader
    header_bytes: bytes
    ciphertext: memoryview
    signature: bytes


def frame(header_bytes: bytes, ciphertext: bytes, signature: bytes) -> bytes:
    if len(signature) != SIG_LEN:
        raise ValueError("an Ed25519 signature has 64 bytes")
    return b"".join(
        (MAGIC, _U32.pack(len(header_bytes)), header_bytes, _U64.pack(len(ciphertext)), ciphertext, signature)
    )


def unframe(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Framed:
    """Step 1 of the import pipeline: size cap, framing, strict header parse. No crypto."""
    if len(data) > limits.max_batch_bytes:
        raise reject(Reject.TOO_LARGE, limit_mib=limits.max_batch_bytes // MiB)
    if len(data) < _PREFIX_LEN or data[: len(MAGIC)] != MAGIC:
        if data[: len(MAGIC_FAMILY)] == MAGIC_FAMILY and len(data) >= len(MAGIC):
            raise reject(Reject.UNSUPPORTED_FORMAT)
        raise reject(Reject.NOT_A_BATCH)
    (hdr_len,) = _U32.unpack_from(data, len(MAGIC))
    if hdr_len == 0 or hdr_len > limits.max_header_bytes:
        raise reject(Reject.BAD_HEADER)
    ct_len_at = _PREFIX_LEN + hdr_len
    if len(data) < ct_len_at + _U64.size + SIG_LEN:
        raise reject(Reject.NOT_A_BATCH)
    (ct_len,) = _U64.unpack_from(data, ct_len_at)
    ct_at = ct_len_at + _U64.size
    if ct_len != len(data) - ct_at - SIG_LEN:
        raise reject(Reject.NOT_A_BATCH)
    header_bytes = bytes(data[_PREFIX_LEN:ct_len_at])
    header = parse_header(header_bytes, limits)
    view = memoryview(data)
    return Framed(header, header_bytes, view[ct_at : ct_at + ct_len], bytes(view[ct_at + ct_len :]))


def peek_header(data: bytes, limits: Limits = DEFAULT_LIMITS) -> BatchHeader:
    """The outer header of a batch file, for listing. Checks the framing only: NOT authenticated."""
    return unframe(data, limits).header


def hpke_info(header_bytes: bytes) -> bytes:
    return HPKE_INFO_PREFIX + header_bytes
