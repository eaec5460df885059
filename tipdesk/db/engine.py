"""Engines: SQLCipher files (the default) with the raw key applied on every connection.

Every connection gets ``PRAGMA key`` first, then ``foreign_keys=ON``, WAL and
``synchronous=FULL`` (a receipt must never acknowledge a rolled-back import).
Transactions are started by us (``BEGIN`` or ``BEGIN IMMEDIATE`` for writes), as
SQLAlchemy recommends for pysqlite-style drivers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from tipdesk.errors import StorageError
from tipdesk.i18n import _

BUSY_TIMEOUT_MS = 15000


def classify_sqlite_error(exc: BaseException) -> StorageError | None:
    """Turn a driver error into a message for the user, or None for a bug."""
    text = str(exc).lower()
    if "file is not a database" in text or "not a database" in text:
        return StorageError(
            _("The database cannot be opened: the password is wrong, or the file is not a tipdesk database."),
            "not_a_database",
        )
    if "malformed" in text or "corrupt" in text or "hmac check failed" in text:
        return StorageError(
            _("The database file is damaged. Restore the latest backup; nothing was changed."), "corrupt"
        )
    if "readonly" in text or "read-only" in text or "attempt to write a readonly" in text:
        return StorageError(
            _("The database is on a read-only disk or folder. Nothing was changed."), "read_only"
        )
    if "disk is full" in text or "database or disk is full" in text:
        return StorageError(_("The disk is full. Free some space and try again; nothing was changed."), "disk_full")
    if "database is locked" in text or "busy" in text:
        return StorageError(
            _("The database is busy in another tipdesk window. Try again in a moment."), "locked"
        )
    if "unable to open database" in text:
        return StorageError(_("The database file cannot be opened (missing folder or no permission)."), "cannot_open")
    return None


def _connect_sqlcipher(path: Path, key: bytes) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("PRAGMA cipher_memory_security = OFF")
    # Touch the schema: a wrong key fails here with "file is not a database".
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA secure_delete = ON")
    return conn


def open_raw(path: Path, key: bytes) -> sqlcipher3.Connection:
    """A plain DB-API connection (for backups, checks and tests)."""
    try:
        return _connect_sqlcipher(path, key)
    except (sqlcipher3.DatabaseError, sqlite3.DatabaseError) as exc:
        known = classify_sqlite_error(exc)
        if known is not None:
            raise known from exc
        raise


def sqlcipher_engine(path: Path, key: bytes, *, pool_size: int = 4) -> Engine:
    """An engine over the encrypted file ``path``; checks the key at once."""
    path.parent.mkdir(parents=True, exist_ok=True)

    def creator() -> Any:
        return _connect_sqlcipher(path, key)

    try:
        creator().close()
    except (sqlcipher3.DatabaseError, sqlite3.DatabaseError) as exc:
        known = classify_sqlite_error(exc)
        if known is not None:
            raise known from exc
        raise
    engine = create_engine(
        "sqlite://", module=sqlcipher3.dbapi2, creator=creator, poolclass=QueuePool, pool_size=pool_size, max_overflow=4,
        hide_parameters=True,
    )
    _install_begin_handler(engine)
    return engine


def _install_begin_handler(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:  # SQLite only: PostgreSQL begins its transactions itself
        mode = conn.get_execution_options().get("tipdesk_begin", "")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "immediate" else "BEGIN")


def is_server_url(value: str | Path) -> bool:
    """Whether ``value`` names a database server (``postgresql+psycopg://...``) rather than a file."""
    return isinstance(value, str) and value.startswith(("postgresql", "postgres://"))


def normalise_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` mean the psycopg 3 driver, the one tipdesk ships."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def classify_server_error(exc: BaseException) -> StorageError | None:
    """A PostgreSQL connection error as a message for the user (host, password, missing database)."""
    text = str(exc).lower()
    if "password authentication failed" in text or "no password supplied" in text:
        return StorageError(_("The database server refused the user name or password in the database address."),
                            "server_auth")
    if "does not exist" in text and "database" in text:
        return StorageError(_("The database named in the database address does not exist on the server."),
                            "server_no_database")
    if "connection refused" in text or "could not connect" in text or "timeout" in text or "resolve" in text:
        return StorageError(_("The database server cannot be reached. Check the network and the server address."),
                            "server_unreachable")
    if "no space left" in text or "disk full" in text:
        return StorageError(_("The database server's disk is full. Nothing was changed."), "disk_full")
    return None


def server_engine(url: str, *, pool_size: int = 4) -> Engine:
    """A plain engine on a PostgreSQL server, with no field key (keyslots and set-up only)."""
    from sqlalchemy.pool import NullPool

    return create_engine(normalise_url(url), poolclass=NullPool, hide_parameters=True,
                         connect_args={"connect_timeout": 10})


def postgres_engine(url: str, key: bytes, *, pool_size: int = 4) -> Engine:
    """An engine on a PostgreSQL server whose identity columns are sealed with keys from ``key``.

    READ COMMITTED, like SQLite's one-writer model as far as the services are concerned: writes that
    must not interleave take row locks or advisory locks (imports, the audit chain, counters).
    """
    from sqlalchemy.exc import OperationalError

    from tipdesk.db import pgshim
    from tipdesk.db.fieldcrypt import FieldCipher, attach_cipher

    engine = create_engine(normalise_url(url), pool_size=pool_size, max_overflow=4, pool_pre_ping=True,
                           hide_parameters=True, connect_args={"connect_timeout": 10})
    attach_cipher(engine.dialect, FieldCipher(key))
    pgshim.install(engine)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        engine.dispose()
        known = classify_server_error(exc)
        if known is not None:
            raise known from exc
        raise
    return engine


def make_engine(url_or_path: str | Path, key: bytes) -> Engine:
    """Engine for a SQLCipher file path or a PostgreSQL URL."""
    if is_server_url(url_or_path):
        return postgres_engine(str(url_or_path), key)
    return sqlcipher_engine(Path(url_or_path), key)


def dialect_name(bind: Any) -> str:
    """``sqlite`` or ``postgresql`` for an engine, connection or session."""
    if hasattr(bind, "get_bind"):
        bind = bind.get_bind()
    return str(bind.dialect.name)


Hook = Callable[[Engine], None]
