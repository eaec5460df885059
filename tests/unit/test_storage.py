"""Encrypted storage: the file is unreadable without the key; keyslots; PRAGMAs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlcipher3

from tests.conftest import ADMIN_PASSWORD, Installed
from tipdesk.db.engine import open_raw
from tipdesk.db.keyslots import DEFAULT_KDF, OWASP_MINIMUM, RECOVERY_SLOT, KeyslotStore, user_slot_id
from tipdesk.errors import StorageError
from tipdesk.services.auth import WrongPassword, open_desk


def test_plain_sqlite_cannot_read_the_file(installed: Installed) -> None:
    db = installed.data_dir / "tipdesk.db"
    raw = db.read_bytes()
    assert not raw.startswith(b"SQLite format 3")
    assert b"installation" not in raw and b"admin" not in raw
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT * FROM sqlite_master").fetchall()
    conn.close()


def test_wrong_key_gets_nothing(installed: Installed) -> None:
    with pytest.raises(StorageError) as err:
        open_raw(installed.data_dir / "tipdesk.db", b"\x01" * 32)
    assert err.value.code == "not_a_database"
    conn = sqlcipher3.connect(str(installed.data_dir / "tipdesk.db"))
    conn.execute("PRAGMA key = 'admin'")
    with pytest.raises(sqlcipher3.DatabaseError):
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()


def test_right_password_opens_and_pragmas_hold(installed: Installed) -> None:
    store = KeyslotStore.load(installed.data_dir / "keyslots.json")
    key = store.unwrap(user_slot_id("admin"), ADMIN_PASSWORD)
    assert key is not None and len(key) == 32
    conn = open_raw(installed.data_dir / "tipdesk.db", key)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"installation", "users", "audit_log", "alembic_version"} <= tables
    conn.close()


def test_keyslot_rewrap_changes_one_slot_only(admin_desk: object, installed: Installed) -> None:
    from tipdesk.services.context import Desk

    assert isinstance(admin_desk, Desk)
    path = installed.data_dir / "keyslots.json"
    before = KeyslotStore.load(path)
    admin_desk.users.change_own_password(ADMIN_PASSWORD, "a brand new passphrase")
    after = KeyslotStore.load(path)
    assert after.slots[RECOVERY_SLOT].ciphertext == before.slots[RECOVERY_SLOT].ciphertext
    assert after.slots[user_slot_id("admin")].ciphertext != before.slots[user_slot_id("admin")].ciphertext
    # same database key behind both
    assert after.unwrap(user_slot_id("admin"), "a brand new passphrase") == before.unwrap(RECOVERY_SLOT, installed.recovery_code)
    admin_desk.close()
    with pytest.raises(WrongPassword):
        open_desk("admin", ADMIN_PASSWORD, data_dir=installed.data_dir)
    open_desk("admin", "a brand new passphrase", data_dir=installed.data_dir).close()


def test_kdf_not_weaker_than_owasp() -> None:
    assert DEFAULT_KDF.memory_kib >= OWASP_MINIMUM.memory_kib
    assert DEFAULT_KDF.time_cost >= OWASP_MINIMUM.time_cost
    assert DEFAULT_KDF.parallelism >= OWASP_MINIMUM.parallelism


def test_not_a_database_file(data_dir: Path, installed: Installed) -> None:
    db = installed.data_dir / "tipdesk.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(b"this is a spreadsheet, not a database" * 100)
    with pytest.raises(StorageError) as err:
        open_desk("admin", ADMIN_PASSWORD, data_dir=installed.data_dir)
    assert err.value.code == "not_a_database"
    assert db.read_bytes().startswith(b"this is a spreadsheet")  # nothing changed


def test_corrupt_keyslots_file(installed: Installed) -> None:
    (installed.data_dir / "keyslots.json").write_text("{ not json", "utf-8")
    with pytest.raises(StorageError) as err:
        open_desk("admin", ADMIN_PASSWORD, data_dir=installed.data_dir)
    assert err.value.code == "keyslots_corrupt"


def test_not_initialised(data_dir: Path) -> None:
    with pytest.raises(StorageError) as err:
        open_desk("admin", ADMIN_PASSWORD, data_dir=data_dir)
    assert err.value.code == "not_initialised"
