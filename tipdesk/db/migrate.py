"""Schema migrations with Alembic, a backup first, and a refusal of newer databases."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from tipdesk.errors import StorageError
from tipdesk.i18n import _

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Alembic is imported only when a schema must change: opening an up-to-date database (every start)
# reads the revision with one query and compares it with the newest file name, without loading Alembic.


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


@lru_cache(maxsize=1)
def _revisions() -> tuple[tuple[str, ...], str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    assert head is not None
    return tuple(rev.revision for rev in script.walk_revisions()), head


def head_revision() -> str:
    return _revisions()[1]


def known_revisions() -> set[str]:
    return set(_revisions()[0])


def _quick_head() -> str:
    """The head revision read from the file names (``NNNN_name.py``), without importing Alembic."""
    names = sorted(p.name.split("_", 1)[0] for p in (MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    return names[-1]


def current_revision(conn: Connection) -> str | None:
    try:
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    except (OperationalError, ProgrammingError):  # SQLite: no such table; PostgreSQL: undefined table
        conn.rollback()
        return None  # a new, empty database
    return None if row is None else str(row[0])


def needs_upgrade(engine: Engine) -> tuple[str | None, str]:
    """(current, head); refuses a database written by a newer tipdesk."""
    with engine.connect() as conn:
        current = current_revision(conn)
    if current is not None and current == _quick_head():
        return current, current
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
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return True
