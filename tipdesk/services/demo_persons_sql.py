"""Bulk writing for demonstration data: one executemany per table straight to the driver.

Rows are plain dicts with the same keys; values are converted the way SQLAlchemy's SQLite types
store them, and change numbers are reserved in one step (as ``base._stamp_change_seq`` does per flush).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from typing import Any

from sqlalchemy import Boolean, Date, DateTime
from sqlalchemy.orm import Session

from tipdesk.db.models.base import UTCDateTime, reserve_change_seqs


def utc_text(value: dt.datetime | str) -> str:
    if isinstance(value, str):  # stamped once per person by the writer
        return value
    v = value.astimezone(dt.UTC)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}"


def _converter(column_type: Any) -> Callable[[Any], Any] | None:
    """How SQLAlchemy's SQLite types store a value: naive UTC text for times, ISO dates, 0/1; else as is."""
    if isinstance(column_type, UTCDateTime | DateTime):
        return utc_text
    if isinstance(column_type, Date):
        return dt.date.isoformat
    if isinstance(column_type, Boolean):
        return int
    return None


def insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """One executemany straight to the driver (every row of a table has the same keys, our own names)."""
    table = model.__table__
    columns = list(rows[0])
    get = operator.itemgetter(*columns)
    convert = [(i, fn) for i, c in enumerate(columns) if (fn := _converter(table.c[c].type)) is not None]
    params = []
    for row in rows:
        values = list(get(row))
        for i, fn in convert:
            if values[i] is not None:
                values[i] = fn(values[i])
        params.append(tuple(values))
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    session.connection().exec_driver_sql(sql, params)


def reserve_change_seq(session: Session, count: int) -> int:
    """Take ``count`` change numbers at once; returns the last number before them."""
    return reserve_change_seqs(session.connection(), count) - 1


def large_cache(session: Session, count: int) -> None:
    """A page cache that holds the whole bulk transaction (random UUID keys touch every index page).

    Connection-level; the engine's pool keeps the connection, which only makes later work faster.
    """
    kib = min(512 * 1024, max(16 * 1024, count * 4))
    if session.connection().dialect.name != "sqlite":
        return
    session.connection().exec_driver_sql(f"PRAGMA cache_size = -{kib}")
