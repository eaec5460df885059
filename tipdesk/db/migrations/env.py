"""Alembic environment: tipdesk always passes an open connection (never a URL)."""

from __future__ import annotations

from alembic import context

from tipdesk.db.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
