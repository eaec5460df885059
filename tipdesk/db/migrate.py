"""Schema migrations with Alembic, a backup first, and a refusal of newer databases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from tipdesk.errors import StorageError
from tipdesk.i18n import _

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def needs_upgrade(engine: Engine) -> tuple[str | None, str]:
    """(current, head); refuses a database written by a newer tipdesk."""
    with engine.connect() as conn:
        current = current_revision(conn)
    if current is not None and current not in known_revisions():
        raise StorageError(
            _(
                "This database was written by a newer version of tipdesk (schema {revision}). "
                "Install the newer version to open it; nothing was changed."
            ).format(revision=current),
            "newer_schema",
        )
    return current, head_revision()


def upgrade(engine: Engine, backup: Callable[[str], object] | None = None) -> bool:
    """Bring the schema to head. ``backup(revision)`` runs first when an existing schema changes."""
    current, head = needs_upgrade(engine)
    if current == head:
        return False
    if current is not None and backup is not None:
        backup(current)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return True
