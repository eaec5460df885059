"""Declarative base, column types and the mixin every travelling record uses."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Connection, DateTime, Integer, MetaData, String, TypeDecorator, event, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stored as naive UTC; always returned timezone-aware (UTC). Local time is for display only."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


def new_uuid() -> str:
    return str(uuid.uuid4())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime()}


class TravellingMixin:
    """UUID key, version counter, timestamps and origin installation: records that move between installations.

    ``change_seq`` is a local, monotonic change number (never exchanged): every insert or update takes the
    next value of the ``change_counter`` row, so "changed since the last batch" is ``change_seq > mark``
    whatever the wall clock did. A class sets ``__exchange__ = "kind"`` to travel in batches.
    """

    __exchange__: str | None = None

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    origin_install_id: Mapped[str] = mapped_column(String(36), nullable=False)
    change_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0, index=True)

    def touch(self, now: dt.datetime) -> None:
        """Mark a local change: bump the version and the update time."""
        self.version = (self.version or 0) + 1
        self.updated_at = now


@event.listens_for(Session, "before_flush")
def _stamp_change_seq(session: Session, flush_context: object, instances: object) -> None:
    """Give every new or modified travelling record the next local change number."""
    touched = [o for o in (*session.new, *session.dirty) if isinstance(o, TravellingMixin)]
    touched = [o for o in touched if o in session.new or session.is_modified(o, include_collections=False)]
    if not touched:
        return
    if session.info.get("keep_change_seq"):
        return
    first = reserve_change_seqs(session.connection(), len(touched))
    for offset, obj in enumerate(touched):
        obj.change_seq = first + offset


def reserve_change_seqs(conn: Connection, count: int) -> int:
    """Take ``count`` consecutive local change numbers at once; returns the first of them.

    The one place that advances ``change_counter``: the flush hook, bulk demo inserts and imports all use it.
    """
    if conn.dialect.name == "postgresql":
        return _reserve_on_server(conn, count)
    row = conn.execute(
        text("UPDATE change_counter SET value = value + :n WHERE id = 1 RETURNING value"), {"n": count}
    ).first()
    if row is None:  # first use on this database
        conn.execute(text("INSERT INTO change_counter (id, value) VALUES (1, :n)"), {"n": count})
        return 1
    return int(row[0]) - count + 1


CHANGE_SEQ_LOCK = 0x7D_A0_C5_E9  # advisory lock id guarding block reservations on PostgreSQL


def _reserve_on_server(conn: Connection, count: int) -> int:
    """PostgreSQL: numbers come from the sequence ``tipdesk_change_seq`` (revision 0006), not from a row
    that every writer would lock until its commit. A short session-level advisory lock makes the block
    of ``count`` numbers consecutive; a sequence is not transactional, so a rolled-back transaction
    leaves a gap, which is harmless (the numbers only need to grow)."""
    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": CHANGE_SEQ_LOCK})
    try:
        first = int(conn.execute(text("SELECT nextval('tipdesk_change_seq')")).scalar_one())
        if count > 1:
            conn.execute(text("SELECT setval('tipdesk_change_seq', :v)"), {"v": first + count - 1})
    finally:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": CHANGE_SEQ_LOCK})
    return first


def current_change_seq(conn: Connection) -> int:
    """The newest local change number handed out so far."""
    if conn.dialect.name == "postgresql":
        row = conn.execute(text("SELECT last_value, is_called FROM tipdesk_change_seq")).one()
        return int(row[0]) if row[1] else int(row[0]) - 1
    return int(conn.execute(text("SELECT value FROM change_counter WHERE id = 1")).scalar() or 0)
