"""Keyset pagination shared by every list: never OFFSET, never all rows.

A list service method takes a ``PageRequest`` and returns a ``Page`` of plain rows.
The cursor is the sort key of the last row sent (a tuple ending with the record id),
so the next page is ``WHERE (sort_key, id) > cursor ORDER BY sort_key, id LIMIT n``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_

T = TypeVar("T")
MAX_PAGE = 500


@dataclass(frozen=True)
class PageRequest:
    filters: Mapping[str, Any] = field(default_factory=dict)
    sort: str = ""
    descending: bool = False
    after: tuple[Any, ...] | None = None
    limit: int = 100

    def capped_limit(self) -> int:
        return max(1, min(self.limit, MAX_PAGE))


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    next_cursor: tuple[Any, ...] | None  # None: this was the last page
    # Work for the database worker once the rows are on screen: it returns new versions of some of them (same
    # ids) to show in their place. The tips list gets its secret reporters this way, after the audit record of
    # their viewing is written, so the rows need not wait for that write.
    follow_up: Callable[[], list[T]] | None = None


def keyset_after(columns: Sequence[ColumnElement[Any]], values: Sequence[Any], descending: bool) -> ColumnElement[bool]:
    """Row-value comparison ``(c1, c2, ...) > (v1, v2, ...)`` written portably (NULLs are not allowed in keys)."""
    clauses = []
    for i, col in enumerate(columns):
        equal_before = [columns[j] == values[j] for j in range(i)]
        step = col < values[i] if descending else col > values[i]
        clauses.append(and_(*equal_before, step))
    return or_(*clauses)


def apply_keyset(stmt: Select[Any], columns: Sequence[ColumnElement[Any]], request: PageRequest) -> Select[Any]:
    """Order by ``columns`` (the last must be unique) and start after the request's cursor."""
    order = [c.desc() if request.descending else c.asc() for c in columns]
    stmt = stmt.order_by(*order).limit(request.capped_limit() + 1)
    if request.after is not None:
        stmt = stmt.where(keyset_after(columns, request.after, request.descending))
    return stmt


def make_page(rows: list[Any], request: PageRequest, key_of: Any, convert: Any) -> Page[Any]:
    """Cut the extra probe row and compute the next cursor from the last row sent."""
    limit = request.capped_limit()
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = tuple(key_of(rows[-1])) if more and rows else None
    return Page([convert(r) for r in rows], cursor)
