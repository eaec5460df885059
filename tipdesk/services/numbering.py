"""Yearly numbers for registers and documents: from 1 each 1 January, never reused."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipdesk.db.models.core import DocCounter


def next_number(session: Session, series: str, scope: str, year: int) -> int:
    """The next number of ``series`` for ``scope`` (a unit code) in ``year``; call inside a write transaction."""
    row = session.scalars(
        select(DocCounter).where(DocCounter.series == series, DocCounter.scope == scope, DocCounter.year == year)
    ).one_or_none()
    if row is None:
        row = DocCounter(series=series, scope=scope, year=year, last=0)
        session.add(row)
    row.last += 1
    session.flush()
    return row.last


def reserve_number(session: Session, series: str, scope: str, year: int, number: int) -> None:
    """Mark ``number`` as used (imports of existing registers): later numbers continue after it."""
    row = session.scalars(
        select(DocCounter).where(DocCounter.series == series, DocCounter.scope == scope, DocCounter.year == year)
    ).one_or_none()
    if row is None:
        session.add(DocCounter(series=series, scope=scope, year=year, last=number))
    elif number > row.last:
        row.last = number
    session.flush()
