"""Exchange tables: the outgoing batch sequence, trust, enrolled peers, the import log and its queues.

Commune side: ``exchange_state`` (epoch, seq and change mark of the outgoing sequence),
``exchange_out_batches`` (every batch exported, bytes kept so a re-send is byte-identical, with its
receipt state) and ``exchange_out_items`` (which record versions each batch carried), and
``exchange_trust`` (the installed province trust bundle).

Province side: ``exchange_peers`` and ``exchange_peer_keys`` (enrolled installations and their
signing keys with revocation points), ``exchange_import_log`` (every file, accepted or not, with
the receipt sent back), ``exchange_quarantine`` (batches from a newer tipdesk, bytes kept),
``exchange_conflicts`` (equal versions with different content, for a person to decide),
``exchange_parked`` (records whose parent arrived in a batch not imported yet),
``exchange_blobs`` (attachment bytes of parked and conflicting records) and
``exchange_annotations`` (provincial notes beside imported records; imports never touch them).

None of these tables travels.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tipdesk.db.fieldcrypt import Sealed, SealedBytes
from tipdesk.db.models.base import Base, UTCDateTime, new_uuid, utcnow


class ExchangeState(Base):
    """One row (id 1): the outgoing sequence and, on each side, the trust bundle version."""

    __tablename__ = "exchange_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    mark: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # highest change_seq exported
    prev_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    audit_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # audit head in the last batch
    bundle_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class OutBatch(Base):
    """A batch this installation exported; ``data`` is the exact file, kept for re-sending."""

    __tablename__ = "exchange_out_batches"
    __table_args__ = (UniqueConstraint("epoch", "seq", name="uq_exchange_out_batches_epoch"),)

    batch_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    filename: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    counts: Mapped[str] = mapped_column(Text, nullable=False, default="{}")  # JSON {type: n}
    mark_from: Mapped[int] = mapped_column(Integer, nullable=False)
    mark_to: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    written_to: Mapped[str] = mapped_column(Text, nullable=False, default="")
    written_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    receipt_status: Mapped[str] = mapped_column(String(16), nullable=False, default="")  # "" = none yet
    receipt_code: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    receipt_data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    province_contiguous_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    province_missing: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # JSON list


class OutItem(Base):
    """One record version carried by an outgoing batch (acknowledged when the batch is)."""

    __tablename__ = "exchange_out_items"
    __table_args__ = (Index("ix_exchange_out_items_record", "record_type", "record_id"),)

    batch_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("exchange_out_batches.batch_id"), primary_key=True
    )
    record_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)


class TrustInstalled(Base):
    """Commune side, one row (id 1): the province trust bundle in force."""

    __tablename__ = "exchange_trust"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    root_key_id: Mapped[str] = mapped_column(String(16), nullable=False)
    root_pub: Mapped[str] = mapped_column(String(64), nullable=False)  # base64
    province_enc_pub: Mapped[str] = mapped_column(String(64), nullable=False)
    receipt_pub: Mapped[str] = mapped_column(String(64), nullable=False)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    installed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    installed_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    revocations: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # JSON
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class Peer(Base):
    """Province side: an enrolled installation (one commune PC) and what was last heard from it."""

    __tablename__ = "exchange_peers"

    install_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    commune: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    enrolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    enrolled_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    last_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # highest seq seen (last epoch)
    contiguous_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    missing: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # JSON list of seqs
    last_batch_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_import_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_status: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    last_code: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    audit_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    audit_hash: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    fork_alarm: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class PeerKey(Base):
    """Province side: a signing key of an enrolled installation, with its revocation point."""

    __tablename__ = "exchange_peer_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    install_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("exchange_peers.install_id"), nullable=False, index=True
    )
    public_key: Mapped[str] = mapped_column(String(64), nullable=False)  # base64 raw Ed25519
    algorithm: Mapped[str] = mapped_column(String(16), nullable=False, default="ed25519")
    source: Mapped[str] = mapped_column(String(16), nullable=False)  # enrolment | rotation
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    added_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    revoked_after_epoch: Mapped[int | None] = mapped_column(Integer, nullable=True)
    revoked_after_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    revoke_reason: Mapped[str] = mapped_column(String(16), nullable=False, default="")  # revoked | rotated


class ImportLog(Base):
    """Every batch file the province looked at, whatever the outcome (security.md §3, import log)."""

    __tablename__ = "exchange_import_log"
    __table_args__ = (
        Index("ix_exchange_import_log_batch", "batch_id", "status"),
        Index("ix_exchange_import_log_seq", "install_id", "epoch", "seq", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    username: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # accepted|duplicate|refused|quarantined
    reject_code: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    batch_id: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    install_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    commune: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    epoch: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sender_key_id: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # batch header
    schema_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    app_version: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    counts: Mapped[str] = mapped_column(Text, nullable=False, default="{}")  # JSON {type: {action: n}}
    audit_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    audit_hash: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    receipt_sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    receipt_data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class Quarantine(Base):
    """A batch from a newer tipdesk: authenticated, not applied, never deleted."""

    __tablename__ = "exchange_quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    install_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    commune: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    epoch: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    reason: Mapped[str] = mapped_column(String(40), nullable=False)
    schema_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)


class Conflict(Base):
    """An incoming record that was not applied and needs a person: equal version, other content."""

    __tablename__ = "exchange_conflicts"
    __table_args__ = (Index("ix_exchange_conflicts_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_type: Mapped[str] = mapped_column(String(40), nullable=False)
    record_id: Mapped[str] = mapped_column(String(36), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    local_version: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(String(16), nullable=False)  # same_version | origin | constraint
    install_id: Mapped[str] = mapped_column(String(64), nullable=False)
    batch_id: Mapped[str] = mapped_column(String(36), nullable=False)
    incoming: Mapped[str] = mapped_column(Sealed(column="exchange_conflicts.incoming"), nullable=False)  # JSON
    incoming_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolution: Mapped[str] = mapped_column(String(16), nullable=False, default="")  # keep_local|take_incoming
    resolved_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class Parked(Base):
    """An incoming record whose parent record has not arrived yet (a gap in the sequence)."""

    __tablename__ = "exchange_parked"

    record_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    install_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    batch_id: Mapped[str] = mapped_column(String(36), nullable=False)
    waiting_for: Mapped[str] = mapped_column(String(80), nullable=False)  # "<table>:<id>"
    payload: Mapped[str] = mapped_column(Sealed(column="exchange_parked.payload"), nullable=False)  # JSON
    parked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class Blob(Base):
    """Attachment bytes referenced by a parked or conflicting record, by SHA-256."""

    __tablename__ = "exchange_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(SealedBytes("exchange_blobs.data"), nullable=False)


class Annotation(Base):
    """A provincial note, follow-up decision or link beside an imported record (never imported over)."""

    __tablename__ = "exchange_annotations"
    __table_args__ = (Index("ix_exchange_annotations_record", "record_type", "record_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    record_type: Mapped[str] = mapped_column(String(40), nullable=False)
    record_id: Mapped[str] = mapped_column(String(36), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # note | follow_up | link
    text: Mapped[str] = mapped_column(Sealed(column="exchange_annotations.text"), nullable=False, default="")
    due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    link_type: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    link_id: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
