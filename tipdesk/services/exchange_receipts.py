"""Receipts: the province signs one per batch after the import commits; the commune imports it and
marks the batch (and so the record versions it carried) acknowledged.

A receipt holds no personal data: batch id, installation, epoch, seq, the batch's SHA-256, the
status (accepted / duplicate / refused with its code), the record counts, the highest contiguous
seq received from that installation in that epoch and the seqs still missing below the highest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipdesk.db.models.exchange import ImportLog, OutBatch, OutItem
from tipdesk.domain.roles import Perm, Profile
from tipdesk.events import Changes
from tipdesk.exchange import keys as xkeys
from tipdesk.exchange.format import DEFAULT_LIMITS, Limits, batch_filename
from tipdesk.exchange.receipts import MAX_MISSING, Receipt, ReceiptStatus, build_receipt, verify_receipt
from tipdesk.services.exchange_codes import XCode, xerror
from tipdesk.services.exchange_common import (
    RECEIPT_EXTENSION,
    dumps,
    read_input_file,
    require_profile,
    signing_key,
)
from tipdesk.services.exchange_keys import installed_trust

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

CHANGES = "exchange"
ACKNOWLEDGED = (ReceiptStatus.ACCEPTED.value, ReceiptStatus.DUPLICATE.value)


# ---------------------------------------------------------------- province side


def gap_info(seqs: Iterable[int]) -> tuple[int, list[int]]:
    """(highest contiguous seq from 1, the seqs missing between it and the highest seen)."""
    have = set(seqs)
    contiguous = 0
    while contiguous + 1 in have:
        contiguous += 1
    top = max(have, default=0)
    missing = [s for s in range(contiguous + 1, top) if s not in have]
    return contiguous, missing[:MAX_MISSING]


def accepted_seqs(session: Session, install_id: str, epoch: int) -> set[int]:
    rows = session.scalars(
        select(ImportLog.seq).where(ImportLog.install_id == install_id, ImportLog.epoch == epoch,
                                    ImportLog.status == "accepted")
    )
    return {int(seq) for seq in rows if seq is not None}


def receipt_filename(commune: str, epoch: int, seq: int) -> str:
    return batch_filename(commune, epoch, seq).removesuffix(".tdb") + RECEIPT_EXTENSION


def sign_receipt(session: Session, *, batch_id: str, install_id: str, epoch: int, seq: int, sha256: str,
                 status: ReceiptStatus, counts: Mapping[str, int], code: str | None = None,
                 extra_seq: int | None = None) -> bytes:
    """A receipt signed with the province receipt key; gaps from the log (plus ``extra_seq``)."""
    seqs = accepted_seqs(session, install_id, epoch)
    if extra_seq is not None:
        seqs.add(extra_seq)
    contiguous, missing = gap_info(seqs)
    return build_receipt(
        batch_id=batch_id, install_id=install_id, epoch=epoch, seq=seq, sha256=sha256, status=status,
        counts=dict(counts), highest_contiguous_seq=contiguous, missing=missing,
        reject_code=code if status is ReceiptStatus.REFUSED else None, signing_key=signing_key(session, "receipt"),
    )


# ---------------------------------------------------------------- commune side


@dataclass(frozen=True)
class ReceiptView:
    batch_id: str
    epoch: int
    seq: int
    status: str
    reject_code: str
    counts: dict[str, int]
    highest_contiguous_seq: int
    missing: list[int]
    acknowledged: bool


def _view(receipt: Receipt) -> ReceiptView:
    return ReceiptView(receipt.batch_id, receipt.epoch, receipt.seq, str(receipt.status), receipt.reject_code or "",
                       dict(receipt.counts), receipt.highest_contiguous_seq, list(receipt.missing),
                       str(receipt.status) in ACKNOWLEDGED)


class ReceiptService:
    def __init__(self, desk: Desk, limits: Limits = DEFAULT_LIMITS) -> None:
        self.desk = desk
        self.limits = limits

    def import_receipt(self, data: bytes) -> ReceiptView:
        """Check a receipt against the province receipt key and record it on its batch."""
        self.desk.require(Perm.EXCHANGE)
        require_profile(self.desk, Profile.COMMUNE)
        now = self.desk.now()
        with self.desk.write(Changes.of(CHANGES)) as session:
            trust = installed_trust(session)
            if trust is None:
                raise xerror(XCode.NO_TRUST_BUNDLE)
            receipt = verify_receipt(data, xkeys.b64decode(trust.receipt_pub), limits=self.limits)
            batch = session.get(OutBatch, receipt.batch_id)
            if (batch is None or receipt.install_id != self.desk.installation.install_id
                    or (batch.epoch, batch.seq, batch.sha256) != (receipt.epoch, receipt.seq, receipt.sha256)):
                raise xerror(XCode.RECEIPT_NOT_OURS)
            _record(batch, receipt, data, now)
            self.desk.audit_log(session, "import", "receipt", receipt.batch_id,
                                {"status": str(receipt.status), "seq": receipt.seq, "code": receipt.reject_code})
        return _view(receipt)

    def import_paths(self, paths: Sequence[Path]) -> list[ReceiptView]:
        """Import receipt files; folders are searched for ``*.tdr``."""
        files: list[Path] = []
        for path in paths:
            files.extend(sorted(path.glob(f"*{RECEIPT_EXTENSION}")) if path.is_dir() else [path])
        return [self.import_receipt(read_input_file(f, self.limits.max_envelope_bytes)) for f in files]

    def acknowledged_version(self, record_type: str, record_id: str) -> int | None:
        """The highest version of a record that the province acknowledged, or None."""
        with self.desk.read() as session:
            row = session.execute(
                select(OutItem.version).join(OutBatch, OutBatch.batch_id == OutItem.batch_id)
                .where(OutItem.record_type == record_type, OutItem.record_id == record_id,
                       OutBatch.receipt_status.in_(ACKNOWLEDGED))
                .order_by(OutItem.version.desc()).limit(1)
            ).first()
            return None if row is None else int(row[0])


def _record(batch: OutBatch, receipt: Receipt, data: bytes, now: dt.datetime) -> None:
    if batch.receipt_status in ACKNOWLEDGED and str(receipt.status) not in ACKNOWLEDGED:
        return  # a late refusal never undoes an acknowledgement
    batch.receipt_status = str(receipt.status)
    batch.receipt_code = receipt.reject_code or ""
    batch.receipt_data = data
    batch.province_contiguous_seq = receipt.highest_contiguous_seq
    batch.province_missing = dumps(list(receipt.missing))
    if str(receipt.status) in ACKNOWLEDGED and batch.acknowledged_at is None:
        batch.acknowledged_at = now
