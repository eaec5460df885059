"""Indexes for lists at scale: a page of one commune's tips or persons seeks to them (the province's
consolidated lists), and the deadline panel counts overdue and due-soon tips from the index alone.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tips_unit_received", "tips", ["unit_code", "urgent", "received_at", "id"])
    op.create_index("ix_persons_unit_received", "persons", ["unit_code", "received_on", "id"])
    op.create_index("ix_tips_next_due", "tips", ["next_due_at", "next_alarm_at"])


def downgrade() -> None:
    raise NotImplementedError("tipdesk never downgrades a database; restore a backup instead")
