"""Online copies of the encrypted database (never a file copy of an open database)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tipdesk.db.engine import open_raw
from tipdesk.db.keyslots import fsync_dir


def export_copy(source: Path, key: bytes, dest: Path, dest_key: bytes | None = None) -> Path:
    """Write an encrypted, consistent copy of ``source`` to ``dest`` with ``sqlcipher_export``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        raise FileExistsError(dest)
    conn = open_raw(source, key)
    try:
        target_key = (dest_key or key).hex()
        conn.execute(f"ATTACH DATABASE ? AS backup KEY \"x'{target_key}'\"", (str(dest),))
        conn.execute("SELECT sqlcipher_export('backup')")
        version = conn.execute("PRAGMA main.user_version").fetchone()[0]
        conn.execute(f"PRAGMA backup.user_version = {int(version)}")
        conn.execute("DETACH DATABASE backup")
    finally:
        conn.close()
    fsync_dir(dest.parent)
    return dest


def pre_migration_backup(source: Path, key: bytes, backup_dir: Path, revision: str) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return export_copy(source, key, backup_dir / f"pre-migration-{revision}-{stamp}.db")
