"""Driver SQL written for SQLite, run on PostgreSQL.

The batch importer's hot loop writes with hand-made driver SQL (``exec_driver_sql`` with ``?``
markers and ``executemany``): it is several times faster than the ORM on 100,000 records. Rather
than keep a second copy of that SQL for PostgreSQL, a PostgreSQL engine rewrites each such
statement once (cached) before psycopg sees it:

* ``?`` markers become ``%s`` (and a literal ``%`` becomes ``%%``);
* ``INSERT OR IGNORE`` becomes ``INSERT ... ON CONFLICT DO NOTHING``;
* ``INSERT OR REPLACE`` becomes ``INSERT ... ON CONFLICT (<primary key>) DO UPDATE SET ...``;
* ``UPDATE OR IGNORE`` becomes ``UPDATE`` (PostgreSQL has no per-row ignore; the importer has
  checked unique values before writing);
* ``instr(a, b)`` becomes ``strpos(a, b)``.

The parameters of an INSERT or UPDATE are also passed through the column types that matter on
PostgreSQL: identity columns are sealed (``tipdesk.db.fieldcrypt``), so a hand-made statement can
never store identity in clear, and booleans (SQLite's 0/1) become ``bool``. Statements made by
SQLAlchemy (``%(name)s`` markers) are never touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Boolean, Engine, event
from sqlalchemy.engine import Dialect

from tipdesk.db.fieldcrypt import Sealed, SealedBytes

Processor = Callable[[Any], Any]
_INSERT = re.compile(r'^\s*INSERT\s+(?:OR\s+(IGNORE|REPLACE)\s+)?INTO\s+"?(\w+)"?\s*\(([^)]*)\)', re.I | re.S)
_UPDATE = re.compile(r'^\s*UPDATE\s+(?:OR\s+IGNORE\s+)?"?(\w+)"?\s+SET\s+(.*?)\s+WHERE\s', re.I | re.S)


def _columns(text: str) -> list[str]:
    return [c.strip().strip('"') for c in text.split(",")]


def _table(name: str) -> Any:
    from tipdesk.db.models import Base

    return Base.metadata.tables.get(name)


def _processor(column: Any, dialect: Dialect) -> Processor | None:
    if column is None:
        return None
    col_type = column.type
    if isinstance(col_type, Sealed | SealedBytes):
        def seal(value: Any, t: Any = col_type) -> Any:
            return t.process_bind_param(value, dialect)

        return seal
    if isinstance(col_type, Boolean):
        return lambda value: None if value is None else bool(value)
    return None


@lru_cache(maxsize=512)
def _plan(statement: str, dialect: Dialect) -> tuple[str, tuple[tuple[int, Processor], ...]]:
    sql = statement.replace("%", "%%").replace("?", "%s")
    sql = re.sub(r"\binstr\(", "strpos(", sql)
    processors: list[tuple[int, Processor]] = []
    insert = _INSERT.match(statement)
    update = _UPDATE.match(statement) if insert is None else None
    if insert is not None:
        mode, name, cols = insert.group(1), insert.group(2), _columns(insert.group(3))
        sql = re.sub(r"^\s*INSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO", "INSERT INTO", sql, flags=re.I)
        table = _table(name)
        if mode and mode.upper() == "IGNORE":
            sql += " ON CONFLICT DO NOTHING"
        elif mode and mode.upper() == "REPLACE":
            keys = [c.name for c in table.primary_key.columns] if table is not None else ["id"]
            sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in cols if c not in keys)
            sql += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"
        if table is not None:
            processors = [(i, p) for i, c in enumerate(cols) if (p := _processor(table.c.get(c), dialect))]
    elif update is not None:
        name = update.group(1)
        sql = re.sub(r"^\s*UPDATE\s+OR\s+IGNORE\s+", "UPDATE ", sql, flags=re.I)
        table = _table(name)
        assigned = [part.split("=")[0].strip().strip('"') for part in update.group(2).split(",")]
        if table is not None:
            processors = [(i, p) for i, c in enumerate(assigned) if (p := _processor(table.c.get(c), dialect))]
    return sql, tuple(processors)


def _apply(params: Sequence[Any], processors: tuple[tuple[int, Processor], ...]) -> tuple[Any, ...]:
    row = list(params)
    for index, proc in processors:
        row[index] = proc(row[index])
    return tuple(row)


def rewrite(statement: str, parameters: Any, dialect: Dialect, executemany: bool) -> tuple[str, Any]:
    if "?" not in statement and " OR IGNORE" not in statement.upper() and "INSTR(" not in statement.upper():
        return statement, parameters
    if "%(" in statement:
        return statement, parameters
    sql, processors = _plan(statement, dialect)
    if processors and parameters:
        if executemany:
            parameters = [_apply(p, processors) for p in parameters]
        else:
            parameters = _apply(parameters, processors)
    return sql, parameters


def install(engine: Engine) -> None:
    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _rewrite(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                 executemany: bool) -> tuple[str, Any]:
        return rewrite(statement, parameters, conn.dialect, executemany)


def open_sealed(conn: Any, value: str, column: str) -> str:
    """A sealed text read with driver SQL, opened (clear text on SQLite passes through)."""
    from tipdesk.db.fieldcrypt import cipher_of, seals

    if not seals(conn.dialect):
        return value
    cipher = cipher_of(conn.dialect)
    return value if cipher is None else cipher.open(value, column)
