"""Ed25519 signing keys, X25519 encryption keys, key ids and phone-readable fingerprints.

* ``key_id(pub)``: the first 8 bytes of SHA-256(raw public key) in RFC 4648 base32 without
  padding: 13 characters from ``A-Z2-7`` (security.md §2). It names a key in headers,
  manifests, receipts and trust bundles.
* ``fingerprint(pub)``: what people read to each other over the phone at enrolment. It is the
  13-character key id followed by a 3-character check (the first 15 bits of
  SHA-256("tipdesk/fp/v1" || key id), base32), printed in four groups of four:
  ``ABCD-EFGH-IJKL-MXYZ``. The check adds no security (the 64-bit key id does); it catches a
  misheard or mistyped character. ``key_id_from_fingerprint`` reverses it, accepting lower
  case, spaces and the look-alikes 0/O, 1/I, 8/B.

Private keys travel as raw 32-byte strings; storing them (encrypted, in the SQLCipher
database) is the caller's job.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re

import segno
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from tipdesk.exchange.format import KEY_ID_RE
from tipdesk.exchange.rejects import Reject, reject

RAW_KEY_BYTES = 32
KEY_ID_LEN = 13
SIGNING_ALGORITHM = "ed25519"
ENCRYPTION_ALGORITHM = "x25519"
_FP_DOMAIN = b"tipdesk/fp/v1"
_FP_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})

_RAW = serialization.Encoding.Raw
_RAW_PUB = serialization.PublicFormat.Raw
_RAW_PRIV = serialization.PrivateFormat.Raw
_NO_ENC = serialization.NoEncryption()

SigningKey = ed25519.Ed25519PrivateKey
VerifyKey = ed25519.Ed25519PublicKey
DecryptionKey = x25519.X25519PrivateKey
EncryptionKey = x25519.X25519PublicKey


# ---------------------------------------------------------------- generate / (de)serialise


def generate_signing_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def generate_encryption_key() -> x25519.X25519PrivateKey:
    return x25519.X25519PrivateKey.generate()


def private_bytes(key: ed25519.Ed25519PrivateKey | x25519.X25519PrivateKey) -> bytes:
    """Raw 32-byte private key (to be stored encrypted by the caller)."""
    return key.private_bytes(_RAW, _RAW_PRIV, _NO_ENC)


def public_bytes(
    key: ed25519.Ed25519PrivateKey
    | ed25519.Ed25519PublicKey
    | x25519.X25519PrivateKey
    | x25519.X25519PublicKey,
) -> bytes:
    """Raw 32-byte public key of a private or public Ed25519/X25519 key."""
    if isinstance(key, ed25519.Ed25519PrivateKey | x25519.X25519PrivateKey):
        return key.public_key().public_bytes(_RAW, _RAW_PUB)
    return key.public_bytes(_RAW, _RAW_PUB)


def _check_len(raw: bytes) -> bytes:
    if not isinstance(raw, bytes | bytearray) or len(raw) != RAW_KEY_BYTES:
        raise reject(Reject.BAD_KEY)
    return bytes(raw)


def load_signing_key(raw: bytes) -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(_check_len(raw))


def load_verify_key(raw: bytes) -> ed25519.Ed25519PublicKey:
    return ed25519.Ed25519PublicKey.from_public_bytes(_check_len(raw))


def load_decryption_key(raw: bytes) -> x25519.X25519PrivateKey:
    return x25519.X25519PrivateKey.from_private_bytes(_check_len(raw))


def load_encryption_key(raw: bytes) -> x25519.X25519PublicKey:
    return x25519.X25519PublicKey.from_public_bytes(_check_len(raw))


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict standard base64 (padding required, no whitespace); ``ValueError`` otherwise."""
    if not isinstance(text, str):
        raise ValueError("base64 value is not a string")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("invalid base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("non-canonical base64")
    return raw


# ---------------------------------------------------------------- ids and fingerprints


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def key_id(pub: bytes | ed25519.Ed25519PublicKey | x25519.X25519PublicKey) -> str:
    """First 8 bytes of SHA-256(raw public key), base32 without padding (13 characters)."""
    raw = pub if isinstance(pub, bytes | bytearray) else public_bytes(pub)
    return _b32(hashlib.sha256(bytes(raw)).digest()[:8])


def _fp_check(kid: str) -> str:
    return _b32(hashlib.sha256(_FP_DOMAIN + kid.encode("ascii")).digest()[:2])[:3]


def fingerprint_of_key_id(kid: str) -> str:
    if not KEY_ID_RE.match(kid):
        raise ValueError(f"not a key id: {kid!r}")
    chars = kid + _fp_check(kid)
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def fingerprint(pub: bytes | ed25519.Ed25519PublicKey | x25519.X25519PublicKey) -> str:
    """Phone-readable ``ABCD-EFGH-IJKL-MXYZ``: the key id plus a 3-character typo check."""
    return fingerprint_of_key_id(key_id(pub))


def key_id_from_fingerprint(text: str) -> str:
    """Key id from a typed or dictated fingerprint; ``UserError`` (BAD_FINGERPRINT) on a typo."""
    chars = re.sub(r"[\s\-]", "", text).upper().translate(_FP_LOOKALIKES)
    if len(chars) != 16 or not re.fullmatch(r"[A-Z2-7]{16}", chars):
        raise reject(Reject.BAD_FINGERPRINT)
    kid, check = chars[:KEY_ID_LEN], chars[KEY_ID_LEN:]
    if _fp_check(kid) != check:
        raise reject(Reject.BAD_FINGERPRINT)
    return kid


def fingerprint_qr_svg(fp: str, scale: int = 4) -> str:
    """SVG (text) of a QR code holding the fingerprint."""
    buf = io.BytesIO()
    segno.make(fp, error="m", micro=False).save(buf, kind="svg", scale=scale, xmldecl=False)
    return buf.getvalue().decode("utf-8")


def fingerprint_qr_png(fp: str, scale: int = 6) -> bytes:
    """PNG bytes of a QR code holding the fingerprint."""
    buf = io.BytesIO()
    segno.make(fp, error="m", micro=False).save(buf, kind="png", scale=scale)
    return buf.getvalue()
