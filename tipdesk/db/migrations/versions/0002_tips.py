"""Tips: the register of received tips, their workflow events, trafficking-form tags and attachments.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _travel_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("origin_install_id", sa.String(36), nullable=False),
        sa.Column("change_seq", sa.Integer, nullable=False),
    ]


def _tips() -> None:
    op.create_table(
        "tips",
        *_travel_columns(),
        sa.Column("unit_code", sa.String(8), nullable=False),
        sa.Column("register_year", sa.Integer, nullable=False),
        sa.Column("register_no", sa.Integer, nullable=False),
        sa.Column("source_type", sa.String(24), nullable=False),
        sa.Column("channel", sa.String(24), nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("officer_id", sa.String(36), sa.ForeignKey("users.id", name="fk_tips_officer_id_users"),
                  nullable=True),
        sa.Column("officer_name", sa.String(200), nullable=False),
        sa.Column("reporter_kind", sa.String(16), nullable=False),
        sa.Column("reporter_name", sa.String(200), nullable=False),
        sa.Column("reporter_contact", sa.String(200), nullable=False),
        sa.Column("reporter_address", sa.String(300), nullable=False),
        sa.Column("reporter_id_number", sa.String(32), nullable=False),
        sa.Column("reporter_secret", sa.Boolean, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("account", sa.Text, nullable=False),
        sa.Column("place_unit_code", sa.String(8), nullable=False),
        sa.Column("place_detail", sa.String(300), nullable=False),
        sa.Column("suspects", sa.Text, nullable=False),
        sa.Column("destination_country", sa.String(8), nullable=False),
        sa.Column("border_route", sa.String(200), nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("next_due_at", sa.DateTime, nullable=False),
        sa.Column("next_due_rule", sa.String(64), nullable=False),
        sa.Column("next_alarm_at", sa.DateTime, nullable=False),
        sa.Column("transferred_at", sa.DateTime, nullable=True),
        sa.Column("transferred_to", sa.String(300), nullable=False),
        sa.Column("decision_at", sa.DateTime, nullable=True),
        sa.Column("decision_ref", sa.String(300), nullable=False),
        sa.Column("printed_at", sa.DateTime, nullable=True),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.UniqueConstraint("unit_code", "register_year", "register_no", name="uq_tips_unit_code"),
    )
    op.create_index("ix_tips_change_seq", "tips", ["change_seq"])
    op.create_index("ix_tips_received", "tips", ["urgent", "received_at", "id"])
    op.create_index("ix_tips_register", "tips", ["urgent", "register_year", "register_no", "id"])
    op.create_index("ix_tips_due", "tips", ["urgent", "next_due_at", "id"])
    op.create_index("ix_tips_status", "tips", ["status", "received_at"])
    op.create_index("ix_tips_officer_name", "tips", ["officer_name"])


def _children() -> None:
    op.create_table(
        "tip_events",
        *_travel_columns(),
        sa.Column("tip_id", sa.String(36), sa.ForeignKey("tips.id", name="fk_tip_events_tip_id_tips"),
                  nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("occurred_at", sa.DateTime, nullable=False),
        sa.Column("officer_id", sa.String(36), nullable=True),
        sa.Column("officer_name", sa.String(200), nullable=False),
        sa.Column("status_after", sa.String(24), nullable=False),
        sa.Column("recipient", sa.String(300), nullable=False),
        sa.Column("method", sa.String(200), nullable=False),
        sa.Column("activity", sa.String(40), nullable=False),
        sa.Column("ground", sa.String(40), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("decision_no", sa.String(64), nullable=False),
        sa.Column("days", sa.Integer, nullable=True),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_tip_events_change_seq", "tip_events", ["change_seq"])
    op.create_index("ix_tip_events_tip_id", "tip_events", ["tip_id", "occurred_at"])
    op.create_table(
        "tip_forms",
        sa.Column("tip_id", sa.String(36), sa.ForeignKey("tips.id", name="fk_tip_forms_tip_id_tips"),
                  primary_key=True),
        sa.Column("form_code", sa.String(48), primary_key=True),
    )
    op.create_index("ix_tip_forms_form_code", "tip_forms", ["form_code"])
    op.create_table(
        "tip_attachments",
        *_travel_columns(),
        sa.Column("tip_id", sa.String(36), sa.ForeignKey("tips.id", name="fk_tip_attachments_tip_id_tips"),
                  nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("mime_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("description", sa.String(300), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_tip_attachments_change_seq", "tip_attachments", ["change_seq"])
    op.create_index("ix_tip_attachments_tip_id", "tip_attachments", ["tip_id"])


def upgrade() -> None:
    _tips()
    _children()


def downgrade() -> None:
    raise NotImplementedError("tipdesk never downgrades a database; restore a backup instead")
