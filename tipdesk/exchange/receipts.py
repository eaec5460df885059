"""Signed import receipts (security.md §2): the province's answer to one batch.

A receipt is an envelope (see ``envelope.py``) of type ``RECEIPT_PAYLOAD_TYPE`` signed with the
province receipt key. Its body holds no personal data, only
``{fmt, batch_id, install, epoch, seq, sha256, status, reject_code, counts,
highest_contiguous_seq, missing}``. It carries no timestamp, and Ed25519 is deterministic, so
the same answer gives the same bytes: a replayed batch gets back the very same receipt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from tipdesk.exchange.envelope import load_body, open_envelope, seal_envelope
from tipdesk.exchange.format import (
    DEFAULT_LIMITS,
    INSTALL_ID_RE,
    RECEIPT_PAYLOAD_TYPE,
    RECORD_TYPE_RE,
    SHA256_RE,
    UUID4_RE,
    Limits,
    is_int,
    is_str,
)
from tipdesk.exchange.keys import public_bytes
from tipdesk.exchange.rejects import Reject, reject

RECEIPT_KEYS = frozenset(
    {
        "fmt", "batch_id", "install", "epoch", "seq", "sha256", "status", "reject_code", "counts",
        "highest_contiguous_seq", "missing",
    }
)  # fmt: skip
REJECT_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
MAX_MISSING = 10_000


class ReceiptStatus(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REFUSED = "refused"


@dataclass(frozen=True)
class Receipt:
    batch_id: str
    install_id: str
    epoch: int
    seq: int
    sha256: str
    status: ReceiptStatus
    reject_code: str | None
    counts: Mapping[str, int]
    highest_contiguous_seq: int
    missing: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "fmt": 1,
            "batch_id": self.batch_id,
            "install": self.install_id,
            "epoch": self.epoch,
            "seq": self.seq,
            "sha256": self.sha256,
            "status": str(self.status),
            "reject_code": self.reject_code,
            "counts": dict(self.counts),
            "highest_contiguous_seq": self.highest_contiguous_seq,
            "missing": list(self.missing),
        }


def build_receipt(
    *,
    batch_id: str,
    install_id: str,
    epoch: int,
    seq: int,
    sha256: str,
    status: ReceiptStatus,
    counts: Mapping[str, int],
    highest_contiguous_seq: int,
    missing: Sequence[int] = (),
    reject_code: str | None = None,
    signing_key: ed25519.Ed25519PrivateKey,
) -> bytes:
    """Sign a receipt with the province receipt key (refused receipts need a ``reject_code``)."""
    receipt = Receipt(
        batch_id=batch_id,
        install_id=install_id,
        epoch=epoch,
        seq=seq,
        sha256=sha256,
        status=ReceiptStatus(status),
        reject_code=reject_code,
        counts=dict(counts),
        highest_contiguous_seq=highest_contiguous_seq,
        missing=tuple(sorted(set(missing))),
    )
    body = receipt.to_json()
    _from_json(body)  # refuse to sign what the verifier would refuse
    return seal_envelope(RECEIPT_PAYLOAD_TYPE, body, [signing_key])


def verify_receipt(
    data: bytes,
    province_receipt_pub: bytes | ed25519.Ed25519PublicKey,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> Receipt:
    """Parse and verify a receipt; ``ImportRejected`` (BAD_RECEIPT / BAD_RECEIPT_SIGNATURE)."""
    pub = (
        province_receipt_pub
        if isinstance(province_receipt_pub, bytes)
        else public_bytes(province_receipt_pub)
    )
    envelope = open_envelope(data, RECEIPT_PAYLOAD_TYPE, Reject.BAD_RECEIPT, limits)
    if not envelope.signed_by(pub):
        raise reject(Reject.BAD_RECEIPT_SIGNATURE)
    body = load_body(envelope, RECEIPT_KEYS, Reject.BAD_RECEIPT, limits)
    try:
        return _from_json(body)
    except ValueError as exc:
        raise reject(Reject.BAD_RECEIPT) from exc


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, dict) or not all(
        is_str(key, RECORD_TYPE_RE) and is_int(count) for key, count in value.items()
    ):
        raise ValueError("receipt counts")
    return dict(value)


def _missing(value: Any, highest: int) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > MAX_MISSING or not all(is_int(v, 1) for v in value):
        raise ValueError("receipt missing list")
    if value != sorted(set(value)) or any(v <= highest for v in value):
        raise ValueError("receipt missing list")
    return tuple(value)


def _from_json(body: dict[str, Any]) -> Receipt:
    ok = (
        is_int(body["fmt"], 1, 1)
        and is_str(body["batch_id"], UUID4_RE)
        and is_str(body["install"], INSTALL_ID_RE)
        and is_int(body["epoch"], 1)
        and is_int(body["seq"], 1)
        and is_str(body["sha256"], SHA256_RE)
        and body["status"] in {s.value for s in ReceiptStatus}
        and is_int(body["highest_contiguous_seq"])
    )
    if not ok:
        raise ValueError("receipt fields")
    code = body["reject_code"]
    refused = body["status"] == ReceiptStatus.REFUSED
    if refused != (code is not None) or (code is not None and not is_str(code, REJECT_CODE_RE)):
        raise ValueError("receipt reject_code")
    return Receipt(
        batch_id=body["batch_id"],
        install_id=body["install"],
        epoch=body["epoch"],
        seq=body["seq"],
        sha256=body["sha256"],
        status=ReceiptStatus(body["status"]),
        reject_code=code,
        counts=_counts(body["counts"]),
        highest_contiguous_seq=body["highest_contiguous_seq"],
        missing=_missing(body["missing"], body["highest_contiguous_seq"]),
    )
