"""Who is trusted: enrolled sender keys, revocations, and the province's signed trust bundle.

Revocation point: a key revoked "after (epoch, seq)" still signs valid batches up to and
including that point; any batch with a later ``(epoch, seq)`` (compared in that order) is
refused. The epoch is part of the point because a commune restore starts a new epoch whose
``seq`` may start low again (security.md §2), which must not slip past a revocation.

Trust bundle (security.md §2): signed by the offline province root key, it carries the
province X25519 batch key, the receipt key, revocations, an expiry and a version. The app
pins the root by the fingerprint printed in the install guide; the bundle embeds the root
public key, which must match that fingerprint (or a pinned raw key) and verify the signature.
A version lower than the installed one is a rollback; an expired bundle is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from tipdesk.exchange.envelope import load_body, open_envelope, seal_envelope
from tipdesk.exchange.format import (
    DEFAULT_LIMITS,
    KEY_ID_RE,
    TRUST_BUNDLE_PAYLOAD_TYPE,
    Limits,
    format_utc,
    is_int,
    is_str,
    parse_utc,
)
from tipdesk.exchange.keys import (
    RAW_KEY_BYTES,
    SIGNING_ALGORITHM,
    b64decode,
    b64encode,
    key_id,
    key_id_from_fingerprint,
    public_bytes,
)
from tipdesk.exchange.rejects import Reject, reject
from tipdesk.i18n import format_date

BUNDLE_KEYS = frozenset(
    {
        "fmt",
        "version",
        "issued_at",
        "expires_at",
        "root_pub",
        "province_enc_pub",
        "receipt_pub",
        "revocations",
    }
)
REVOCATION_KEYS = frozenset({"key_id", "revoked_after_epoch", "revoked_after_seq"})
MAX_REVOCATIONS = 10_000


@dataclass(frozen=True)
class Revocation:
    key_id: str
    revoked_after_epoch: int
    revoked_after_seq: int

    def covers(self, epoch: int, seq: int) -> bool:
        """True when a batch at ``(epoch, seq)`` comes after the revocation point."""
        return (epoch, seq) > (self.revoked_after_epoch, self.revoked_after_seq)

    def to_json(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "revoked_after_epoch": self.revoked_after_epoch,
            "revoked_after_seq": self.revoked_after_seq,
        }


@dataclass(frozen=True)
class TrustedKey:
    """An enrolled installation's signing key as the importer knows it."""

    key_id: str
    public_key: bytes
    algorithm: str = SIGNING_ALGORITHM
    install_id: str | None = None
    commune: str | None = None
    revocation: Revocation | None = None

    def revoked_for(self, epoch: int, seq: int) -> bool:
        return self.revocation is not None and self.revocation.covers(epoch, seq)


class TrustStore(Protocol):
    """Look-up of enrolled sender keys (the lead backs this with the database)."""

    def sender_key(self, key_id: str) -> TrustedKey | None: ...


class MemoryTrustStore:
    """A ``TrustStore`` over a list of keys (tests, CLI dry runs)."""

    def __init__(self, keys: Iterable[TrustedKey] = ()) -> None:
        self._keys = {key.key_id: key for key in keys}

    def add(self, key: TrustedKey) -> None:
        self._keys[key.key_id] = key

    def sender_key(self, key_id: str) -> TrustedKey | None:
        return self._keys.get(key_id)


# ---------------------------------------------------------------- trust bundle


@dataclass(frozen=True)
class TrustBundle:
    version: int
    issued_at: dt.datetime
    expires_at: dt.datetime
    root_pub: bytes
    province_enc_pub: bytes
    receipt_pub: bytes
    revocations: tuple[Revocation, ...]

    @property
    def province_enc_key_id(self) -> str:
        return key_id(self.province_enc_pub)

    def province_encryption_key(self) -> x25519.X25519PublicKey:
        return x25519.X25519PublicKey.from_public_bytes(self.province_enc_pub)

    def revocation_for(self, kid: str) -> Revocation | None:
        return next((rev for rev in self.revocations if rev.key_id == kid), None)


def build_trust_bundle(
    *,
    version: int,
    issued_at: dt.datetime,
    expires_at: dt.datetime,
    province_enc_pub: bytes | x25519.X25519PublicKey,
    receipt_pub: bytes | ed25519.Ed25519PublicKey,
    revocations: Sequence[Revocation],
    root_key: ed25519.Ed25519PrivateKey,
) -> bytes:
    """Sign a trust bundle with the (offline) province root key."""
    enc = province_enc_pub if isinstance(province_enc_pub, bytes) else public_bytes(province_enc_pub)
    rcpt = receipt_pub if isinstance(receipt_pub, bytes) else public_bytes(receipt_pub)
    body = {
        "fmt": 1,
        "version": version,
        "issued_at": format_utc(issued_at),
        "expires_at": format_utc(expires_at),
        "root_pub": b64encode(public_bytes(root_key)),
        "province_enc_pub": b64encode(enc),
        "receipt_pub": b64encode(rcpt),
        "revocations": [rev.to_json() for rev in sorted(revocations, key=lambda r: r.key_id)],
    }
    _bundle_from_json(body)  # refuse to sign what the verifier would refuse
    return seal_envelope(TRUST_BUNDLE_PAYLOAD_TYPE, body, [root_key])


def verify_trust_bundle(
    data: bytes,
    *,
    now: dt.datetime,
    root_fingerprint: str | None = None,
    root_pub: bytes | None = None,
    installed_version: int = 0,
    limits: Limits = DEFAULT_LIMITS,
) -> TrustBundle:
    """Check a trust bundle against the pinned root (fingerprint or raw key), expiry and version."""
    if (root_fingerprint is None) == (root_pub is None):
        raise ValueError("give exactly one of root_fingerprint and root_pub")
    envelope = open_envelope(data, TRUST_BUNDLE_PAYLOAD_TYPE, Reject.BAD_TRUST_BUNDLE, limits)
    body = load_body(envelope, BUNDLE_KEYS, Reject.BAD_TRUST_BUNDLE, limits)
    try:
        bundle = _bundle_from_json(body)
    except ValueError as exc:
        raise reject(Reject.BAD_TRUST_BUNDLE) from exc
    pinned_kid = key_id_from_fingerprint(root_fingerprint) if root_fingerprint is not None else None
    if root_pub is not None and bundle.root_pub != root_pub:
        raise reject(Reject.TRUST_BUNDLE_SIGNATURE)
    if pinned_kid is not None and key_id(bundle.root_pub) != pinned_kid:
        raise reject(Reject.TRUST_BUNDLE_SIGNATURE)
    if not envelope.signed_by(bundle.root_pub):
        raise reject(Reject.TRUST_BUNDLE_SIGNATURE)
    if now >= bundle.expires_at:
        raise reject(Reject.TRUST_BUNDLE_EXPIRED, date=format_date(bundle.expires_at))
    if bundle.version < installed_version:
        raise reject(Reject.TRUST_BUNDLE_ROLLBACK, found=bundle.version, installed=installed_version)
    return bundle


def _raw_key(value: Any) -> bytes:
    raw = b64decode(value)
    if len(raw) != RAW_KEY_BYTES:
        raise ValueError("key has the wrong length")
    return raw


def _revocations(value: Any) -> tuple[Revocation, ...]:
    if not isinstance(value, list) or len(value) > MAX_REVOCATIONS:
        raise ValueError("revocations")
    out: list[Revocation] = []
    for item in value:
        if (
            not isinstance(item, dict)
            or set(item) != REVOCATION_KEYS
            or not is_str(item["key_id"], KEY_ID_RE)
        ):
            raise ValueError("revocation entry")
        if not is_int(item["revoked_after_epoch"]) or not is_int(item["revoked_after_seq"]):
            raise ValueError("revocation entry")
        out.append(Revocation(item["key_id"], item["revoked_after_epoch"], item["revoked_after_seq"]))
    if len({rev.key_id for rev in out}) != len(out):
        raise ValueError("duplicate revocation")
    return tuple(out)


def _bundle_from_json(body: dict[str, Any]) -> TrustBundle:
    issued, expires = parse_utc(body["issued_at"]), parse_utc(body["expires_at"])
    if not is_int(body["fmt"], 1, 1) or not is_int(body["version"], 1) or issued is None or expires is None:
        raise ValueError("trust bundle fields")
    if expires <= issued:
        raise ValueError("trust bundle expires before it is issued")
    return TrustBundle(
        version=body["version"],
        issued_at=issued,
        expires_at=expires,
        root_pub=_raw_key(body["root_pub"]),
        province_enc_pub=_raw_key(body["province_enc_pub"]),
        receipt_pub=_raw_key(body["receipt_pub"]),
        revocations=_revocations(body["revocations"]),
    )


__all__ = [
    "MemoryTrustStore",
    "Revocation",
    "TrustBundle",
    "TrustStore",
    "TrustedKey",
    "build_trust_bundle",
    "verify_trust_bundle",
]
