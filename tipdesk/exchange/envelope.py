"""DSSE-style signed envelopes for the small side files (receipts, trust bundles, rotations).

    {"payload": base64(body), "payloadType": "...", "signatures": [{"keyid": "...", "sig": base64}]}

Each signature is Ed25519 over ``PAE(payloadType, body)``; ``body`` is canonical JSON and is
verified as bytes, never re-serialised. ``keyid`` is only a hint: verification tries the
caller's key against every signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from tipdesk.exchange.canonical import StrictJSONError, canonical_bytes, pae, strict_loads
from tipdesk.exchange.format import KEY_ID_RE, SIG_LEN, Limits, is_str
from tipdesk.exchange.keys import b64decode, b64encode, key_id, load_verify_key
from tipdesk.exchange.rejects import ImportRejected, Reject, reject

ENVELOPE_KEYS = frozenset({"payload", "payloadType", "signatures"})
SIGNATURE_KEYS = frozenset({"keyid", "sig"})
MAX_SIGNATURES = 4


@dataclass(frozen=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[tuple[str, bytes], ...]  # (keyid hint, raw signature)

    def signed_by(self, public_key: bytes) -> bool:
        """True when one of the signatures verifies with ``public_key`` (raw Ed25519)."""
        try:
            verifier = load_verify_key(public_key)
        except (ValueError, ImportRejected):
            return False
        message = pae(self.payload_type, self.payload)
        return any(verify(verifier, sig, message) for _kid, sig in self.signatures)


def verify(verifier: ed25519.Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        verifier.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def seal_envelope(payload_type: str, body: Any, signers: Sequence[ed25519.Ed25519PrivateKey]) -> bytes:
    """Canonicalise ``body`` and sign it with every key in ``signers`` (in order)."""
    if not 1 <= len(signers) <= MAX_SIGNATURES:
        raise ValueError("an envelope needs 1 to 4 signatures")
    payload = canonical_bytes(body)
    message = pae(payload_type, payload)
    signatures = [{"keyid": key_id(key.public_key()), "sig": b64encode(key.sign(message))} for key in signers]
    return canonical_bytes(
        {"payload": b64encode(payload), "payloadType": payload_type, "signatures": signatures}
    )


def open_envelope(data: bytes, payload_type: str, bad: Reject, limits: Limits) -> Envelope:
    """Parse an envelope strictly; raise ``bad`` on any malformation. Signatures NOT yet checked."""
    try:
        obj = strict_loads(data, max_bytes=limits.max_envelope_bytes, max_depth=3)
    except StrictJSONError as exc:
        raise reject(bad) from exc
    if not isinstance(obj, dict) or set(obj) != ENVELOPE_KEYS or obj["payloadType"] != payload_type:
        raise reject(bad)
    sigs = obj["signatures"]
    if not isinstance(sigs, list) or not 1 <= len(sigs) <= MAX_SIGNATURES:
        raise reject(bad)
    try:
        payload = b64decode(obj["payload"])
        signatures = tuple(_signature(item) for item in sigs)
    except ValueError as exc:
        raise reject(bad) from exc
    if canonical_bytes(obj) != data:
        raise reject(bad)
    return Envelope(payload_type, payload, signatures)


def _signature(item: Any) -> tuple[str, bytes]:
    if not isinstance(item, dict) or set(item) != SIGNATURE_KEYS or not is_str(item["keyid"], KEY_ID_RE):
        raise ValueError("bad signature entry")
    sig = b64decode(item["sig"])
    if len(sig) != SIG_LEN:
        raise ValueError("bad signature length")
    return item["keyid"], sig


def load_body(envelope: Envelope, keys: frozenset[str], bad: Reject, limits: Limits) -> dict[str, Any]:
    """The envelope payload as a dict with exactly ``keys``, in canonical form."""
    try:
        obj = strict_loads(
            envelope.payload, max_bytes=limits.max_envelope_bytes, max_depth=4, max_string_chars=256
        )
    except StrictJSONError as exc:
        raise reject(bad) from exc
    if not isinstance(obj, dict) or set(obj) != keys or canonical_bytes(obj) != envelope.payload:
        raise reject(bad)
    return obj
