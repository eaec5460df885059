"""Build, write and open batch files (security.md §2, §3 steps 1-8).

Import order (``open_batch``), each refusal an ``ImportRejected`` with a stable code:

1. size cap, framing, strict header parse            TOO_LARGE, NOT_A_BATCH, BAD_HEADER, ...
2. sender key: unknown / wrong algorithm / revoked   UNKNOWN_KEY, BAD_ALGORITHM, REVOKED_KEY
   recipient key id is one of ours                   WRONG_RECIPIENT
3. outer Ed25519 signature over PAE(header || ct)    BAD_SIGNATURE
   (4. known batch_id: the caller checks ``AuthenticatedBatch.header`` between the two halves)
5. HPKE decrypt, info bound to the header            DECRYPT_FAILED
6. inner zip, in memory, own caps                    BAD_ARCHIVE, ZIP_BOMB, PATH_TRAVERSAL
7. manifest signature (same key), header binding,    BAD_MANIFEST_SIGNATURE, BAD_MANIFEST,
   sender binding, exact file set, sizes, hashes     HEADER_MANIFEST_MISMATCH, SENDER_MISMATCH,
                                                     FILE_SET_MISMATCH, HASH_MISMATCH
   schema version (N and N-1)                        SCHEMA_TOO_NEW (quarantine), SCHEMA_TOO_OLD
8. JSONL records, line by line, strict               FIELD_TOO_LARGE, DUPLICATE_KEY, NAN, TOO_DEEP,
                                                     BAD_JSON, BAD_RECORD, COUNT_MISMATCH
No byte of the ciphertext is touched before the outer signature checks out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from tipdesk.exchange.archive import SafeZip

# Building and writing live in batchwrite.py; re-exported so batchfile is the one entry point.
from tipdesk.exchange.batchwrite import BatchMeta, build_batch, seal_batch, sign_manifest, write_batch_atomic
from tipdesk.exchange.canonical import pae
from tipdesk.exchange.envelope import verify
from tipdesk.exchange.format import (
    BATCH_PAYLOAD_TYPE,
    DEFAULT_LIMITS,
    HPKE_SUITE,
    MANIFEST_PAYLOAD_TYPE,
    SCHEMA_VERSION,
    SIG_LEN,
    BatchHeader,
    Framed,
    Limits,
    batch_sha256,
    hpke_info,
    peek_header,
    unframe,
)
from tipdesk.exchange.keys import SIGNING_ALGORITHM, key_id, load_verify_key
from tipdesk.exchange.manifest import MANIFEST_NAME, MANIFEST_SIG_NAME, Manifest, parse_manifest
from tipdesk.exchange.records import parse_records, read_verified_files
from tipdesk.exchange.rejects import ImportRejected, Reject, reject
from tipdesk.exchange.trust import TrustedKey, TrustStore

__all__ = [
    "AuthenticatedBatch",
    "BatchHeader",
    "BatchMeta",
    "ImportRejected",
    "OpenedBatch",
    "TrustStore",
    "TrustedKey",
    "authenticate_batch",
    "batch_sha256",
    "build_batch",
    "open_authenticated",
    "open_batch",
    "peek_header",
    "seal_batch",
    "sign_manifest",
    "write_batch_atomic",
]


@dataclass(frozen=True)
class AuthenticatedBatch:
    """Steps 1-3 passed: the header is authentic, from ``sender``, addressed to us."""

    framed: Framed
    sender: TrustedKey
    sha256: str
    decryption_key: x25519.X25519PrivateKey

    @property
    def header(self) -> BatchHeader:
        return self.framed.header


@dataclass(frozen=True)
class OpenedBatch:
    """Steps 1-8 passed. ``records`` maps record type to parsed objects (not yet schema-checked
    against the per-type record schemas); ``attachments`` maps SHA-256 hex to content."""

    header: BatchHeader
    manifest: Manifest
    manifest_bytes: bytes
    manifest_sig: bytes
    sender: TrustedKey
    sha256: str
    records: Mapping[str, list[dict[str, Any]]]
    attachments: Mapping[str, bytes]

    @property
    def schema_version(self) -> int:
        return self.manifest.schema_version


# ---------------------------------------------------------------- steps 1-3


def _sender_key(trust: TrustStore, header: BatchHeader) -> tuple[TrustedKey, ed25519.Ed25519PublicKey]:
    known = trust.sender_key(header.sender_key_id)
    if known is None or known.key_id != header.sender_key_id:
        raise reject(Reject.UNKNOWN_KEY)
    if known.algorithm != SIGNING_ALGORITHM or len(known.public_key) != 32:
        raise reject(Reject.BAD_ALGORITHM)
    if key_id(known.public_key) != header.sender_key_id:
        raise reject(Reject.UNKNOWN_KEY)
    if known.revoked_for(header.epoch, header.seq):
        raise reject(Reject.REVOKED_KEY)
    try:
        return known, load_verify_key(known.public_key)
    except ValueError as exc:
        raise reject(Reject.BAD_ALGORITHM) from exc


def _our_key(keys: Iterable[x25519.X25519PrivateKey], recipient_key_id: str) -> x25519.X25519PrivateKey:
    for key in keys:
        if key_id(key.public_key()) == recipient_key_id:
            return key
    raise reject(Reject.WRONG_RECIPIENT)


def authenticate_batch(
    data: bytes,
    trust: TrustStore,
    my_encryption_keys: Iterable[x25519.X25519PrivateKey],
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> AuthenticatedBatch:
    """Steps 1-3: size, header, sender and recipient keys, outer signature. No decryption."""
    framed = unframe(data, limits)
    header = framed.header
    try:
        sender, verifier = _sender_key(trust, header)
        our_key = _our_key(my_encryption_keys, header.recipient_key_id)
        if not verify(
            verifier, framed.signature, pae(BATCH_PAYLOAD_TYPE, framed.header_bytes, framed.ciphertext)
        ):
            raise reject(Reject.BAD_SIGNATURE)
    except ImportRejected as exc:
        exc.header = header
        raise
    return AuthenticatedBatch(framed, sender, batch_sha256(data), our_key)


# ---------------------------------------------------------------- steps 5-8


def _decrypt(auth: AuthenticatedBatch) -> bytes:
    framed = auth.framed
    try:
        return HPKE_SUITE.decrypt(framed.ciphertext, auth.decryption_key, info=hpke_info(framed.header_bytes))
    except (InvalidTag, ValueError) as exc:
        raise reject(Reject.DECRYPT_FAILED) from exc


def _manifest(archive: SafeZip, auth: AuthenticatedBatch, limits: Limits) -> tuple[Manifest, bytes, bytes]:
    if MANIFEST_NAME not in archive or MANIFEST_SIG_NAME not in archive:
        raise reject(Reject.BAD_MANIFEST)
    if archive.entry(MANIFEST_SIG_NAME).size != SIG_LEN:
        raise reject(Reject.BAD_MANIFEST_SIGNATURE)
    if archive.entry(MANIFEST_NAME).size > limits.max_manifest_bytes:
        raise reject(Reject.BAD_MANIFEST)
    manifest_bytes = archive.read(MANIFEST_NAME)
    signature = archive.read(MANIFEST_SIG_NAME)
    verifier = load_verify_key(auth.sender.public_key)
    if not verify(verifier, signature, pae(MANIFEST_PAYLOAD_TYPE, manifest_bytes)):
        raise reject(Reject.BAD_MANIFEST_SIGNATURE)
    manifest = parse_manifest(manifest_bytes, limits)
    if manifest.header_mismatches(auth.header):
        raise reject(Reject.HEADER_MANIFEST_MISMATCH)
    if manifest.recipient_key_id != key_id(auth.decryption_key.public_key()):
        raise reject(Reject.WRONG_RECIPIENT)
    sender = auth.sender
    if (sender.install_id is not None and sender.install_id != manifest.install_id) or (
        sender.commune is not None and sender.commune != manifest.commune
    ):
        raise reject(Reject.SENDER_MISMATCH)
    return manifest, manifest_bytes, signature


def _check_schema(manifest: Manifest, current_schema: int) -> None:
    found = manifest.schema_version
    if found > current_schema:
        raise reject(Reject.SCHEMA_TOO_NEW, found=found, supported=current_schema)
    if found < current_schema - 1:
        raise reject(Reject.SCHEMA_TOO_OLD, found=found, oldest=current_schema - 1)


def open_authenticated(
    auth: AuthenticatedBatch,
    *,
    limits: Limits = DEFAULT_LIMITS,
    current_schema: int = SCHEMA_VERSION,
) -> OpenedBatch:
    """Steps 5-8 on a batch that passed ``authenticate_batch``."""
    try:
        archive = SafeZip(_decrypt(auth), limits)
        manifest, manifest_bytes, manifest_sig = _manifest(archive, auth, limits)
        lines, attachments = read_verified_files(archive, manifest, limits)
        _check_schema(manifest, current_schema)
        records = parse_records(lines, manifest, limits)
    except ImportRejected as exc:
        exc.header = auth.header
        raise
    return OpenedBatch(
        header=auth.header,
        manifest=manifest,
        manifest_bytes=manifest_bytes,
        manifest_sig=manifest_sig,
        sender=auth.sender,
        sha256=auth.sha256,
        records=records,
        attachments=attachments,
    )


def open_batch(
    data: bytes,
    trust: TrustStore,
    my_encryption_keys: Iterable[x25519.X25519PrivateKey],
    *,
    limits: Limits = DEFAULT_LIMITS,
    current_schema: int = SCHEMA_VERSION,
) -> OpenedBatch:
    """The whole reading pipeline (steps 1-3 and 5-8); raises ``ImportRejected``."""
    auth = authenticate_batch(data, trust, my_encryption_keys, limits=limits)
    return open_authenticated(auth, limits=limits, current_schema=current_schema)
