"""Exchange: outgoing batch sequence, trust bundle, enrolled peers, import log, quarantine, conflicts,
parked records, blobs and provincial annotations.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _str(name: str, length: int) -> sa.Column:
    return sa.Column(name, sa.String(length), nullable=False)


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.Text, nullable=False)


def _int(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer, nullable=nullable)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime, nullable=nullable)


def _commune_side() -> None:
    op.create_table(
        "exchange_state",
        sa.Column("id", sa.Integer, primary_key=True),
        _int("epoch"), _int("last_seq"), _int("mark"),
        sa.Column("prev_sha256", sa.String(64), nullable=True),
        _int("audit_seq"), _int("bundle_version"),
    )
    op.create_table(
        "exchange_out_batches",
        sa.Column("batch_id", sa.String(36), primary_key=True),
        _int("epoch"), _int("seq"), _str("sha256", 64), _str("filename", 64), _when("created_at"),
        _str("created_by", 64), _int("size"), _text("counts"), _int("mark_from"), _int("mark_to"),
        sa.Column("data", sa.LargeBinary, nullable=False),
        _text("written_to"), _when("written_at", True),
        _str("receipt_status", 16), _str("receipt_code", 40),
        sa.Column("receipt_data", sa.LargeBinary, nullable=True),
        _when("acknowledged_at", True), _int("province_contiguous_seq", True), _text("province_missing"),
        sa.UniqueConstraint("epoch", "seq", name="uq_exchange_out_batches_epoch"),
    )
    op.create_table(
        "exchange_out_items",
        sa.Column("batch_id", sa.String(36),
                  sa.ForeignKey("exchange_out_batches.batch_id",
                                name="fk_exchange_out_items_batch_id_exchange_out_batches"),
                  primary_key=True),
        sa.Column("record_type", sa.String(40), primary_key=True),
        sa.Column("record_id", sa.String(36), primary_key=True),
        _int("version"),
    )
    op.create_index("ix_exchange_out_items_record", "exchange_out_items", ["record_type", "record_id"])
    op.create_table(
        "exchange_trust",
        sa.Column("id", sa.Integer, primary_key=True),
        _int("version"), _str("root_key_id", 16), _str("root_pub", 64), _str("province_enc_pub", 64),
        _str("receipt_pub", 64), _when("issued_at"), _when("expires_at"), _when("installed_at"),
        _str("installed_by", 64), _text("revocations"),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def _peers() -> None:
    op.create_table(
        "exchange_peers",
        sa.Column("install_id", sa.String(64), primary_key=True),
        _str("commune", 16), _when("enrolled_at"), _str("enrolled_by", 64),
        _int("last_epoch"), _int("last_seq"), _int("contiguous_seq"), _text("missing"),
        _when("last_batch_at", True), _when("last_import_at", True),
        _str("last_status", 16), _str("last_code", 40),
        _int("audit_seq"), _str("audit_hash", 64),
        sa.Column("fork_alarm", sa.Boolean, nullable=False),
    )
    op.create_index("ix_exchange_peers_commune", "exchange_peers", ["commune"])
    op.create_table(
        "exchange_peer_keys",
        sa.Column("key_id", sa.String(16), primary_key=True),
        sa.Column("install_id", sa.String(64),
                  sa.ForeignKey("exchange_peers.install_id", name="fk_exchange_peer_keys_install_id_exchange_peers"),
                  nullable=False),
        _str("public_key", 64), _str("algorithm", 16), _str("source", 16), _when("added_at"),
        _str("added_by", 64), _int("revoked_after_epoch", True), _int("revoked_after_seq", True),
        _when("revoked_at", True), _str("revoked_by", 64), _str("revoke_reason", 16),
    )
    op.create_index("ix_exchange_peer_keys_install_id", "exchange_peer_keys", ["install_id"])


def _import_side() -> None:
    op.create_table(
        "exchange_import_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _when("at"), _str("username", 64), _text("source"), _str("status", 16), _str("reject_code", 40),
        _text("message"), _str("batch_id", 36), _str("install_id", 64), _str("commune", 16),
        _int("epoch", True), _int("seq", True), _str("sender_key_id", 16), _str("sha256", 64), _int("size"),
        _when("created_at", True), _int("schema_version", True), _str("app_version", 32), _text("counts"),
        _int("audit_seq", True), _str("audit_hash", 64), _str("receipt_sha256", 64),
        sa.Column("receipt_data", sa.LargeBinary, nullable=True),
    )
    op.create_index("ix_exchange_import_log_batch", "exchange_import_log", ["batch_id", "status"])
    op.create_index("ix_exchange_import_log_seq", "exchange_import_log", ["install_id", "epoch", "seq", "status"])
    op.create_table(
        "exchange_quarantine",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _str("batch_id", 36), _str("install_id", 64), _str("commune", 16), _int("epoch"), _int("seq"),
        _str("sha256", 64), _str("reason", 40), _int("schema_version", True), _text("source"), _when("at"),
        _when("released_at", True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_exchange_quarantine_batch_id", "exchange_quarantine", ["batch_id"])
    op.create_table(
        "exchange_conflicts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _str("record_type", 40), _str("record_id", 36), _int("version"), _int("local_version"),
        _str("reason", 16), _str("install_id", 64), _str("batch_id", 36), _text("incoming"),
        _str("incoming_sha256", 64), _when("created_at"), _when("resolved_at", True), _str("resolution", 16),
        _str("resolved_by", 64),
    )
    op.create_index("ix_exchange_conflicts_record", "exchange_conflicts", ["record_type", "record_id"])
    op.create_table(
        "exchange_parked",
        sa.Column("record_type", sa.String(40), primary_key=True),
        sa.Column("record_id", sa.String(36), primary_key=True),
        _int("version"), _str("install_id", 64), _str("batch_id", 36), _str("waiting_for", 80),
        _text("payload"), _when("parked_at"),
    )
    op.create_index("ix_exchange_parked_install_id", "exchange_parked", ["install_id"])
    op.create_table(
        "exchange_blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "exchange_annotations",
        sa.Column("id", sa.String(36), primary_key=True),
        _str("record_type", 40), _str("record_id", 36), _str("kind", 16), _text("text"),
        sa.Column("due_on", sa.Date, nullable=True),
        _str("link_type", 40), _str("link_id", 36), _when("created_at"), _str("created_by", 64),
    )
    op.create_index("ix_exchange_annotations_record", "exchange_annotations",
                    ["record_type", "record_id", "created_at"])


def upgrade() -> None:
    _commune_side()
    _peers()
    _import_side()


def downgrade() -> None:
    raise NotImplementedError("tipdesk never downgrades a database; restore a backup instead")
