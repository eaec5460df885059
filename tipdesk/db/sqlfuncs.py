"""SQL functions the statistics use, written once and compiled for SQLite or PostgreSQL.

SQLite has no date type: times are fixed-width text and arithmetic goes through ``julianday``;
PostgreSQL has real timestamps. Each construct here compiles to the natural form of each dialect,
so the statistics queries (``services/reports_*``) are built once and give the same numbers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Float, Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class julianday(FunctionElement[float]):
    """The julian day number of a UTC timestamp (fractional)."""

    type = Float()
    inherit_cache = True


@compiles(julianday)
def _julian_sqlite(element: julianday, compiler: Any, **kw: Any) -> str:
    return f"julianday({compiler.process(element.clauses, **kw)})"


@compiles(julianday, "postgresql")
def _julian_pg(element: julianday, compiler: Any, **kw: Any) -> str:
    return f"(extract(epoch from ({compiler.process(element.clauses, **kw)})) / 86400.0 + 2440587.5)"


class local_day_end(FunctionElement[Any]):
    """``local_day_end(start, days, offset_hours)``: the start of the local day ``days + 1`` days after
    the local day of ``start`` (a UTC time, the local zone ``offset_hours`` ahead of UTC), in UTC."""

    inherit_cache = True


@compiles(local_day_end)
def _day_end_sqlite(element: local_day_end, compiler: Any, **kw: Any) -> str:
    start, days, hours = (compiler.process(c, **kw) for c in element.clauses)
    return (f"datetime(date({start}, printf('+%d hours', {hours})), printf('+%d days', ({days}) + 1), "
            f"printf('-%d hours', {hours}))")


@compiles(local_day_end, "postgresql")
def _day_end_pg(element: local_day_end, compiler: Any, **kw: Any) -> str:
    start, days, hours = (compiler.process(c, **kw) for c in element.clauses)
    return (f"(date_trunc('day', ({start}) + make_interval(hours => ({hours})::int)) "
            f"+ make_interval(days => (({days}) + 1)::int) - make_interval(hours => ({hours})::int))")


class year_of(FunctionElement[int]):
    type = Integer()
    inherit_cache = True


@compiles(year_of)
def _year_sqlite(element: year_of, compiler: Any, **kw: Any) -> str:
    return f"CAST(strftime('%Y', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(year_of, "postgresql")
def _year_pg(element: year_of, compiler: Any, **kw: Any) -> str:
    return f"CAST(extract(year from {compiler.process(element.clauses, **kw)}) AS INTEGER)"


class month_day(FunctionElement[str]):
    """``MM-DD`` of a date, comparable as text."""

    type = String()
    inherit_cache = True


@compiles(month_day)
def _md_sqlite(element: month_day, compiler: Any, **kw: Any) -> str:
    return f"strftime('%m-%d', {compiler.process(element.clauses, **kw)})"


@compiles(month_day, "postgresql")
def _md_pg(element: month_day, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'MM-DD')"


class stamp_text(FunctionElement[str]):
    """A timestamp as fixed-width text (``YYYY-MM-DD HH:MM:SS.ffffff``) that sorts like the time."""

    type = String()
    inherit_cache = True


@compiles(stamp_text)
def _stamp_sqlite(element: stamp_text, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))  # stored as that text already


@compiles(stamp_text, "postgresql")
def _stamp_pg(element: stamp_text, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD HH24:MI:SS.US')"


class position_of(FunctionElement[int]):
    """``position_of(text, part)``: 1-based position of ``part`` in ``text`` (0 if absent)."""

    type = Integer()
    inherit_cache = True


@compiles(position_of)
def _pos_sqlite(element: position_of, compiler: Any, **kw: Any) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


@compiles(position_of, "postgresql")
def _pos_pg(element: position_of, compiler: Any, **kw: Any) -> str:
    return f"strpos({compiler.process(element.clauses, **kw)})"


class scan_key(FunctionElement[Any]):
    """``+column`` as a GROUP BY key on SQLite (one sequential scan instead of an index walk with a
    random row read per event); the plain column elsewhere."""

    inherit_cache = True


@compiles(scan_key)
def _scan_sqlite(element: scan_key, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


@compiles(scan_key, "postgresql")
def _scan_pg(element: scan_key, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


class fts_hits(FunctionElement[bool]):
    """``fts_hits(rowid, fts_table, match, fallback)``: the row is among the hits of an FTS5 ``MATCH`` on SQLite
    (``rowid IN (SELECT rowid FROM fts_table WHERE fts_table MATCH match)``: an index look-up, not a scan of
    the folded text); on PostgreSQL, which has no FTS5 tables, the ``fallback`` condition (word tokens).
    ``rowid`` and ``fts_table`` are ``literal_column`` names."""

    type = Boolean()
    inherit_cache = True


@compiles(fts_hits)
def _fts_hits_sqlite(element: fts_hits, compiler: Any, **kw: Any) -> str:
    rowid, table, match = (compiler.process(c, **kw) for c in list(element.clauses)[:3])  # not the fallback
    return f"{rowid} IN (SELECT rowid FROM {table} WHERE {table} MATCH {match})"


@compiles(fts_hits, "postgresql")
def _fts_hits_pg(element: fts_hits, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(list(element.clauses)[3], **kw))
