"""Province office: edit leases for multi-user offices, and room for encrypted identity on PostgreSQL.

* ``edit_leases``: who is editing which record right now (one row a record, renewed while the form is
  open, expired after a few minutes). Local to one database, never exchanged.
* On PostgreSQL only, identity columns become ``TEXT``/``BYTEA``: they hold application-level ciphertext
  (``tipdesk.db.fieldcrypt``), longer than the clear text the ``VARCHAR(n)`` limits were made for.
  SQLite does not enforce lengths and its whole file is encrypted, so nothing changes there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# (table, columns) holding identity or text derived from it; kept in step with tipdesk.db.fieldcrypt users.
IDENTITY_TEXT = (
    ("persons", ("full_name", "other_names", "id_number", "address_detail", "address_old", "phone",
                 "guardian_name", "guardian_relation", "guardian_contact", "name_key", "name_sort", "search_full")),
    ("tips", ("reporter_name", "reporter_contact", "reporter_address", "reporter_id_number", "search_text")),
    ("install_keys", ("private_key",)),
)

SEARCH_COLUMNS = (("tips", "search_text"), ("persons", "search_public"), ("persons", "search_full"))


def upgrade() -> None:
    op.create_table(
        "edit_leases",
        sa.Column("record_type", sa.String(24), primary_key=True),
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("user_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("workstation", sa.String(200), nullable=False, server_default=""),
        sa.Column("acquired_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in IDENTITY_TEXT:
        for column in columns:
            op.alter_column(table, column, type_=sa.Text())
    # Search on PostgreSQL: whole-word matches of the folded text (tokens for identity), found through
    # trigram indexes instead of SQLite's FTS5 tables.
    op.execute("CREATE SEQUENCE tipdesk_change_seq")  # local change numbers without a hot row lock
    op.execute("SELECT setval('tipdesk_change_seq', COALESCE((SELECT max(value) FROM change_counter), 0) + 1, false)")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in SEARCH_COLUMNS:
        op.execute(f"CREATE INDEX ix_{table}_{column}_trgm ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    raise NotImplementedError("tipdesk never downgrades a database; restore a backup instead")
