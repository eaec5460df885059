"""Copy a whole tipdesk database into another one (SQLCipher file -> PostgreSQL server, or back).

For an office that grows from one PC to several workstations: the target is migrated to the same
schema, then every table is copied in foreign-key order through the ORM column types, so identity
fields are opened from the source and sealed for the target. Both engines must carry the same
database key (the users' keyslots are copied by the caller), the target must be empty.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, select, text

from tipdesk.db import migrate
from tipdesk.db.models import Base
from tipdesk.db.models.base import current_change_seq
from tipdesk.errors import UserError
from tipdesk.i18n import _

CHUNK = 5000


def copy_database(source: Engine, target: Engine, progress: Callable[[str, int], None] | None = None) -> int:
    """Copy every row of ``source`` into the empty ``target``; returns the number of rows copied."""
    migrate.upgrade(target)
    copied = 0
    with source.connect() as src, target.begin() as dst:
        tables = Base.metadata.sorted_tables
        for table in tables:
            if dst.execute(select(table).limit(1)).first() is not None and table.name != "change_counter":
                raise UserError(_("The target database is not empty. Nothing was copied."), "target_not_empty")
        for table in tables:
            result = src.execution_options(yield_per=CHUNK).execute(select(table))
            while rows := result.fetchmany(CHUNK):
                dst.execute(table.insert(), [dict(row._mapping) for row in rows])
                copied += len(rows)
                if progress is not None:
                    progress(table.name, copied)
        last = current_change_seq(src)
        if dst.dialect.name == "postgresql":
            dst.execute(text("SELECT setval('tipdesk_change_seq', :v, true)"), {"v": max(last, 1)})
    return copied
