"""Enrolment files and key rotation records (security.md §2).

Enrolment file: canonical JSON ``{commune, fmt, install_id, self_sig, sign_pub}`` where
``self_sig`` is Ed25519 by the installation's own key over
``PAE(ENROLMENT_PAYLOAD_TYPE, canonical({commune, fmt, install_id, sign_pub}))``. The
self-signature proves possession of the key only; the province trusts the key after reading
its fingerprint back by phone to a number on file.

Rotation record: an envelope signed by BOTH the old and the new key over
``{fmt, install_id, old_key_id, new_key_id, new_pub, effective_epoch, effective_seq,
created_at}``; batches from ``(effective_epoch, effective_seq)`` on are signed with the new key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from tipdesk.exchange.canonical import StrictJSONError, canonical_bytes, pae, strict_loads
from tipdesk.exchange.envelope import load_body, open_envelope, seal_envelope, verify
from tipdesk.exchange.format import (
    COMMUNE_RE,
    DEFAULT_LIMITS,
    ENROLMENT_PAYLOAD_TYPE,
    INSTALL_ID_RE,
    KEY_ID_RE,
    ROTATION_PAYLOAD_TYPE,
    SIG_LEN,
    Limits,
    format_utc,
    is_int,
    is_str,
    parse_utc,
)
from tipdesk.exchange.keys import (
    RAW_KEY_BYTES,
    b64decode,
    b64encode,
    fingerprint,
    key_id,
    load_verify_key,
    public_bytes,
)
from tipdesk.exchange.rejects import ImportRejected, Reject, reject

ENROLMENT_KEYS = frozenset({"commune", "fmt", "install_id", "self_sig", "sign_pub"})
ROTATION_KEYS = frozenset(
    {
        "fmt",
        "install_id",
        "old_key_id",
        "new_key_id",
        "new_pub",
        "effective_epoch",
        "effective_seq",
        "created_at",
    }
)


@dataclass(frozen=True)
class Enrolment:
    install_id: str
    commune: str
    sign_pub: bytes

    @property
    def key_id(self) -> str:
        return key_id(self.sign_pub)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.sign_pub)


def _enrolment_body(install_id: str, commune: str, sign_pub: bytes) -> dict[str, Any]:
    return {"commune": commune, "fmt": 1, "install_id": install_id, "sign_pub": b64encode(sign_pub)}


def build_enrolment(install_id: str, commune: str, signing_key: ed25519.Ed25519PrivateKey) -> bytes:
    if not INSTALL_ID_RE.match(install_id) or not COMMUNE_RE.match(commune):
        raise ValueError("invalid installation id or commune code")
    body = _enrolment_body(install_id, commune, public_bytes(signing_key))
    self_sig = signing_key.sign(pae(ENROLMENT_PAYLOAD_TYPE, canonical_bytes(body)))
    return canonical_bytes({**body, "self_sig": b64encode(self_sig)})


def verify_enrolment(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> Enrolment:
    """Parse an enrolment file and check its self-signature (BAD_ENROLMENT)."""
    try:
        obj = strict_loads(data, max_bytes=limits.max_envelope_bytes, max_depth=1, max_string_chars=128)
    except StrictJSONError as exc:
        raise reject(Reject.BAD_ENROLMENT) from exc
    if not isinstance(obj, dict) or set(obj) != ENROLMENT_KEYS or canonical_bytes(obj) != data:
        raise reject(Reject.BAD_ENROLMENT)
    valid = (
        is_int(obj["fmt"], 1, 1)
        and is_str(obj["install_id"], INSTALL_ID_RE)
        and is_str(obj["commune"], COMMUNE_RE)
    )
    try:
        sign_pub, self_sig = b64decode(obj["sign_pub"]), b64decode(obj["self_sig"])
        verifier = load_verify_key(sign_pub)
    except (ValueError, ImportRejected) as exc:
        raise reject(Reject.BAD_ENROLMENT) from exc
    body = canonical_bytes(_enrolment_body(obj["install_id"], obj["commune"], sign_pub))
    if (
        not valid
        or len(self_sig) != SIG_LEN
        or not verify(verifier, self_sig, pae(ENROLMENT_PAYLOAD_TYPE, body))
    ):
        raise reject(Reject.BAD_ENROLMENT)
    return Enrolment(obj["install_id"], obj["commune"], sign_pub)


# ---------------------------------------------------------------- rotation


@dataclass(frozen=True)
class Rotation:
    install_id: str
    old_key_id: str
    new_key_id: str
    new_pub: bytes
    effective_epoch: int
    effective_seq: int
    created_at: dt.datetime


def make_rotation(
    old_key: ed25519.Ed25519PrivateKey,
    new_key: ed25519.Ed25519PrivateKey,
    *,
    install_id: str,
    effective_epoch: int,
    effective_seq: int,
    created_at: dt.datetime,
) -> bytes:
    """A rotation record signed by the old key, then the new key."""
    new_pub = public_bytes(new_key)
    body = {
        "fmt": 1,
        "install_id": install_id,
        "old_key_id": key_id(old_key.public_key()),
        "new_key_id": key_id(new_pub),
        "new_pub": b64encode(new_pub),
        "effective_epoch": effective_epoch,
        "effective_seq": effective_seq,
        "created_at": format_utc(created_at),
    }
    _rotation_from_json(body)  # refuse to sign what the verifier would refuse
    return seal_envelope(ROTATION_PAYLOAD_TYPE, body, [old_key, new_key])


def verify_rotation(
    data: bytes, old_pub: bytes | ed25519.Ed25519PublicKey, *, limits: Limits = DEFAULT_LIMITS
) -> Rotation:
    """Check a rotation against the currently trusted ``old_pub`` (BAD_ROTATION)."""
    old_raw = old_pub if isinstance(old_pub, bytes) else public_bytes(old_pub)
    envelope = open_envelope(data, ROTATION_PAYLOAD_TYPE, Reject.BAD_ROTATION, limits)
    body = load_body(envelope, ROTATION_KEYS, Reject.BAD_ROTATION, limits)
    try:
        rotation = _rotation_from_json(body)
    except ValueError as exc:
        raise reject(Reject.BAD_ROTATION) from exc
    if rotation.old_key_id != key_id(old_raw):
        raise reject(Reject.BAD_ROTATION)
    if not envelope.signed_by(old_raw) or not envelope.signed_by(rotation.new_pub):
        raise reject(Reject.BAD_ROTATION)
    return rotation


def _rotation_from_json(body: dict[str, Any]) -> Rotation:
    created = parse_utc(body["created_at"])
    new_pub = b64decode(body["new_pub"])
    ok = (
        is_int(body["fmt"], 1, 1)
        and is_str(body["install_id"], INSTALL_ID_RE)
        and is_str(body["old_key_id"], KEY_ID_RE)
        and is_str(body["new_key_id"], KEY_ID_RE)
        and len(new_pub) == RAW_KEY_BYTES
        and body["new_key_id"] == key_id(new_pub)
        and body["new_key_id"] != body["old_key_id"]
        and is_int(body["effective_epoch"], 1)
        and is_int(body["effective_seq"], 1)
        and created is not None
    )
    if not ok or created is None:
        raise ValueError("rotation fields")
    return Rotation(
        install_id=body["install_id"],
        old_key_id=body["old_key_id"],
        new_key_id=body["new_key_id"],
        new_pub=new_pub,
        effective_epoch=body["effective_epoch"],
        effective_seq=body["effective_seq"],
        created_at=created,
    )
