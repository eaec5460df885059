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


def _forms(function: type[FunctionElement[Any]], sqlite: str, postgresql: str) -> None:
    """Compile ``function(args)`` as ``sqlite`` on SQLite (the default) and ``postgresql`` on a server, each a
    template whose ``{}`` is the compiled argument list."""

    def compiled_as(template: str) -> Any:
        def compile_(element: FunctionElement[Any], compiler: Any, **kw: Any) -> str:
            return template.format(compiler.process(element.clauses, **kw))

        return compile_

    compiles(function)(compiled_as(sqlite))
    compiles(function, "postgresql")(compiled_as(postgresql))


class julianday(FunctionElement[float]):
    """The julian day number of a UTC timestamp (fractional)."""

    type = Float()
    inherit_cache = True


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


class month_day(FunctionElement[str]):
    """``MM-DD`` of a date, comparable as text."""

    type = String()
    inherit_cache = True


class stamp_text(FunctionElement[str]):
    """A timestamp as fixed-width text (``YYYY-MM-DD HH:MM:SS.ffffff``) that sorts like the time."""

    type = String()
    inherit_cache = True


class position_of(FunctionElement[int]):
    """``position_of(text, part)``: 1-based position of ``part`` in ``text`` (0 if absent)."""

    type = Integer()
    inherit_cache = True


class scan_key(FunctionElement[Any]):
    """``+column`` as a GROUP BY key on SQLite (one sequential scan instead of an index walk with a
    random row read per event); the plain column elsewhere."""

    inherit_cache = True


for _function, _sqlite, _postgresql in (
    (julianday, "julianday({})", "(extract(epoch from ({})) / 86400.0 + 2440587.5)"),
    (year_of, "CAST(strftime('%Y', {}) AS INTEGER)", "CAST(extract(year from {}) AS INTEGER)"),
    (month_day, "strftime('%m-%d', {})", "to_char({}, 'MM-DD')"),
    (stamp_text, "{}", "to_char({}, 'YYYY-MM-DD HH24:MI:SS.US')"),
    (position_of, "instr({})", "strpos({})"),
    (scan_key, "+{}", "{}"),
):
    _forms(_function, _sqlite, _postgresql)


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
