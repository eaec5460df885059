"""Encrypted backups: written and verified, restored on a new PC or over an installation with a new
batch epoch; every bad input (truncated, corrupt, tampered, wrong password, newer schema, full disk)
refused with a clear message and nothing changed."""

from __future__ import annotations

import ast
import errno
import hashlib
import json
import os
import re
import shutil
import struct
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from babel.messages.pofile import read_po

from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD, Installed, install
from tipdesk.clock import FixedClock
from tipdesk.db import migrate
from tipdesk.db.engine import open_raw, sqlcipher_engine
from tipdesk.db.keyslots import KeyslotStore, user_slot_id
from tipdesk.db.models import User
from tipdesk.domain.roles import Role
from tipdesk.errors import StorageError, UserError
from tipdesk.services import backup
from tipdesk.services.auth import open_desk
from tipdesk.services.context import Actor, Desk

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "data"
FIXTURE_PASSWORD = "fixture password 0001"
ADMIN = backup.Credentials(ADMIN_PASSWORD, "admin")


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its SHA-256: equal snapshots mean nothing changed."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def desk(installed: Installed, clock: FixedClock) -> Iterator[Desk]:
    d = open_desk("admin", ADMIN_PASSWORD, data_dir=installed.data_dir, clock=clock)
    yield d
    d.close()


@pytest.fixture
def made(desk: Desk, tmp_path: Path) -> backup.BackupResult:
    desk.users.add("canbo", Role.COMMUNE_POLICE, USER_PASSWORD, "Trần Văn Bình")
    usb = tmp_path / "usb"
    usb.mkdir()
    return backup.create_backup(desk, usb)


def _epoch(data: Path, password: str = ADMIN_PASSWORD, user: str = "admin") -> int:
    d = open_desk(user, password, data_dir=data)
    try:
        return d.installation.epoch
    finally:
        d.close()


# ------------------------------------------------------------------------------ writing


def test_backup_file_layout_and_header(made: backup.BackupResult, desk: Desk) -> None:
    raw = made.path.read_bytes()
    assert raw.startswith(backup.MAGIC) and len(raw) == made.size
    assert made.path.name == f"tipdesk-{desk.installation.unit_code}-{made.path.name.split('-', 2)[2]}"
    assert made.path.suffix == backup.SUFFIX
    (hlen,) = struct.unpack(">I", raw[len(backup.MAGIC):len(backup.MAGIC) + 4])
    header = json.loads(raw[len(backup.MAGIC) + 4:len(backup.MAGIC) + 4 + hlen])
    assert header["format"] == backup.FORMAT and header["install_id"] == desk.installation.install_id
    assert header["schema_revision"] == migrate.head_revision() and header["epoch"] == 1
    body = raw[len(backup.MAGIC) + 4 + hlen:-backup.TAG_BYTES]
    assert len(body) == header["keyslots_bytes"] + header["db_bytes"]
    assert hashlib.sha256(body).hexdigest() == header["body_sha256"]
    # the database inside is ciphertext (SQLCipher), never a plain SQLite file, and no name is readable
    assert b"SQLite format 3" not in raw and "Trần Văn Bình".encode() not in raw
    info = backup.read_info(made.path)
    assert info == made.header and backup.check_hash(made.path) == made.header


def test_backup_is_verified_and_recorded(made: backup.BackupResult, desk: Desk) -> None:
    report = backup.verify_backup(made.path, ADMIN)
    assert report.restorable and report.database.install_id == desk.installation.install_id
    assert backup.last_backup_at(desk) == made.header.created_at
    rows = desk.audit.browse(action="backup")
    assert len(rows) == 1 and rows[0].detail["bytes"] == made.size
    assert desk.audit.verify().ok


def test_keyslots_in_backup_have_no_login_throttle(desk: Desk, installed: Installed, tmp_path: Path,
                                                   clock: FixedClock) -> None:
    with pytest.raises(UserError):
        open_desk("admin", "wrong password!!", data_dir=installed.data_dir, clock=clock)
    assert KeyslotStore.load(installed.data_dir / "keyslots.json").slots[user_slot_id("admin")].failures == 1
    made = backup.create_backup(desk, tmp_path)
    new_pc = tmp_path / "new"
    backup.restore_backup(made.path, ADMIN, data_dir=new_pc, clock=clock)
    slot = KeyslotStore.load(new_pc / "keyslots.json").slots[user_slot_id("admin")]
    assert slot.failures == 0 and slot.pending == []


def test_existing_file_is_not_overwritten_unless_asked(made: backup.BackupResult, desk: Desk) -> None:
    before = made.path.read_bytes()
    with pytest.raises(UserError) as err:
        backup.create_backup(desk, made.path)
    assert err.value.code == "exists" and made.path.read_bytes() == before
    again = backup.create_backup(desk, made.path, overwrite=True)
    assert again.path == made.path and made.path.read_bytes() != before


def test_backup_needs_the_backup_permission(desk: Desk, installed: Installed, tmp_path: Path) -> None:
    desk.users.add("canbo", Role.COMMUNE_POLICE, USER_PASSWORD)
    police = open_desk("canbo", USER_PASSWORD, data_dir=installed.data_dir)
    try:
        with pytest.raises(UserError) as err:
            backup.create_backup(police, tmp_path)
        assert err.value.code == "permission_denied"
    finally:
        police.close()
    assert not list(tmp_path.glob("*.tdbackup"))


def test_backup_is_online_and_includes_uncheckpointed_writes(desk: Desk, installed: Installed,
                                                              tmp_path: Path, clock: FixedClock) -> None:
    desk.users.add("xahoi", Role.SOCIAL_WORKER, USER_PASSWORD, "Lý Thị Hằng")
    assert (installed.data_dir / "tipdesk.db-wal").exists()  # the write sits in the WAL, desk still open
    made = backup.create_backup(desk, tmp_path)
    backup.restore_backup(made.path, ADMIN, data_dir=tmp_path / "new", clock=clock)
    other = open_desk("admin", ADMIN_PASSWORD, data_dir=tmp_path / "new")
    try:
        assert "xahoi" in {u.username for u in other.users.list()}
    finally:
        other.close()


# ------------------------------------------------------------------------------ restoring


def test_restore_on_a_new_pc_starts_a_new_epoch(made: backup.BackupResult, desk: Desk, tmp_path: Path,
                                                clock: FixedClock) -> None:
    new_pc = tmp_path / "new-pc" / "data"
    clock.advance(days=3)
    result = backup.restore_backup(made.path, ADMIN, data_dir=new_pc, clock=clock)
    assert (result.previous_epoch, result.epoch) == (1, 2) and result.kept == ()
    assert result.install_id == desk.installation.install_id and not result.migrated
    assert sorted(p.name for p in new_pc.iterdir()) == ["backups", "keyslots.json", "tipdesk.db"]
    restored = open_desk("canbo", USER_PASSWORD, data_dir=new_pc, clock=clock)  # any user's password works
    restored.close()
    restored = open_desk("admin", ADMIN_PASSWORD, data_dir=new_pc, clock=clock)
    try:
        assert restored.installation.epoch == 2
        assert {u.username: u.full_name for u in restored.users.list()}["canbo"] == "Trần Văn Bình"
        rows = restored.audit.browse(action="restore")
        assert len(rows) == 1 and rows[0].username == "admin" and rows[0].detail["epoch"] == 2
        assert restored.audit.verify().ok
        assert backup.last_backup_at(restored) == made.header.created_at  # the data is that of the backup
    finally:
        restored.close()


def test_restore_with_the_recovery_code(made: backup.BackupResult, installed: Installed, tmp_path: Path,
                                        clock: FixedClock) -> None:
    code = installed.recovery_code.lower().replace("-", " ")  # typed loosely
    result = backup.restore_backup(made.path, backup.Credentials(code), data_dir=tmp_path / "n", clock=clock)
    assert result.epoch == 2
    d = open_desk("admin", ADMIN_PASSWORD, data_dir=tmp_path / "n")
    try:
        (row,) = d.audit.browse(action="restore")
        assert row.username == "(recovery)" and row.detail["recovery_code"] is True
    finally:
        d.close()


def test_restore_over_an_installation_keeps_the_old_one(made: backup.BackupResult, desk: Desk,
                                                        installed: Installed, clock: FixedClock) -> None:
    desk.users.add("sau.backup", Role.SOCIAL_WORKER, USER_PASSWORD)  # written after the backup
    old_key = desk.db_key
    desk.close()
    data = installed.data_dir
    old_db = (data / "tipdesk.db").read_bytes()
    result = backup.restore_backup(made.path, ADMIN, data_dir=data, clock=clock)
    assert result.epoch == 2
    kept_db, kept_keys = result.kept[0], result.kept[-1]
    assert kept_db.parent == data / "backups" and "before-restore" in kept_db.name
    assert kept_db.read_bytes() == old_db and kept_keys.name.startswith("keyslots-before-restore-")
    conn = open_raw(kept_db, old_key)  # the replaced database still opens
    assert conn.execute("SELECT count(*) FROM users WHERE username = 'sau.backup'").fetchone()[0] == 1
    conn.close()
    d = open_desk("admin", ADMIN_PASSWORD, data_dir=data)
    try:
        assert "sau.backup" not in {u.username for u in d.users.list()}
        assert d.installation.epoch == 2
    finally:
        d.close()
    # a second restore in the same second keeps the first kept files
    again = backup.restore_backup(made.path, ADMIN, data_dir=data, clock=clock)
    assert again.epoch == 2 and set(again.kept).isdisjoint(result.kept) and kept_db.exists()


def test_restore_over_another_fresh_installation(made: backup.BackupResult, tmp_path: Path,
                                                 clock: FixedClock) -> None:
    """The new PC was set up by mistake before restoring: the backup still restores."""
    other = install(tmp_path / "other", clock)
    result = backup.restore_backup(made.path, ADMIN, data_dir=other.data_dir, clock=clock)
    assert result.install_id != other.install_id and len(result.kept) == 2
    assert _epoch(other.data_dir) == 2


def test_epochs_keep_increasing(made: backup.BackupResult, desk: Desk, tmp_path: Path, clock: FixedClock) -> None:
    first = backup.restore_backup(made.path, ADMIN, data_dir=tmp_path / "a", clock=clock)
    d = open_desk("admin", ADMIN_PASSWORD, data_dir=tmp_path / "a", clock=clock)
    try:
        second_backup = backup.create_backup(d, tmp_path / "a")
    finally:
        d.close()
    assert second_backup.header.epoch == 2
    second = backup.restore_backup(second_backup.path, ADMIN, data_dir=tmp_path / "b", clock=clock)
    assert (first.epoch, second.epoch) == (2, 3)


def test_restore_migrates_an_old_schema_backup(tmp_path: Path, clock: FixedClock) -> None:
    fixture = tmp_path / "old"
    shutil.copytree(sorted(FIXTURES.glob("schema_*"))[0], fixture)
    key = KeyslotStore.load(fixture / "keyslots.json").unwrap(user_slot_id("admin"), FIXTURE_PASSWORD)
    assert key is not None
    conn = open_raw(fixture / "tipdesk.db", key)
    admin_id = conn.execute("SELECT id FROM users WHERE username = 'admin'").fetchone()[0]
    conn.close()
    engine = sqlcipher_engine(fixture / "tipdesk.db", key)  # opened as by an old tipdesk: no migration
    old = Desk(engine, Actor(admin_id, "admin", Role.COMMUNE_ADMIN), data_dir=fixture, db_key=key, clock=clock)
    try:
        with old.engine.connect() as conn:
            start = migrate.current_revision(conn)
        made = backup.create_backup(old, tmp_path)
    finally:
        old.close()
    assert made.header.schema_revision == start != migrate.head_revision()
    result = backup.restore_backup(made.path, backup.Credentials(FIXTURE_PASSWORD, "admin"),
                                   data_dir=tmp_path / "new", clock=clock)
    assert result.migrated
    d = open_desk("canbo", FIXTURE_PASSWORD, data_dir=tmp_path / "new")
    try:
        with d.engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
    finally:
        d.close()


# ------------------------------------------------------------------------------ bad input


@pytest.fixture
def target(installed: Installed, desk: Desk) -> Iterator[Path]:
    """The data folder a bad restore must leave untouched (the desk closed, as the GUI does)."""
    desk.close()
    yield installed.data_dir


def _refused(path: Path, data: Path, creds: backup.Credentials = ADMIN) -> UserError:
    before = snapshot(data)
    with pytest.raises(UserError) as err:
        backup.restore_backup(path, creds, data_dir=data)
    assert snapshot(data) == before, "a refused restore changed the data folder"
    assert err.value.message and "\n" not in err.value.message
    return err.value


def _rewrite(src: Path, dest: Path, edit: Callable[[bytearray], None]) -> Path:
    data = bytearray(src.read_bytes())
    edit(data)
    dest.write_bytes(bytes(data))
    return dest


def _header_span(data: bytes | bytearray) -> tuple[int, int]:
    start = len(backup.MAGIC) + 4
    (hlen,) = struct.unpack(">I", data[len(backup.MAGIC):start])
    return start, start + hlen


@pytest.mark.parametrize("cut", [1, 100, 5000, -1, -backup.TAG_BYTES - 1])
def test_truncated_backup_is_refused(made: backup.BackupResult, target: Path, tmp_path: Path, cut: int) -> None:
    size = made.size
    bad = _rewrite(made.path, tmp_path / "cut.tdbackup", lambda d: d.__delitem__(slice(cut if cut > 0 else size + cut,
                                                                                         None)))
    err = _refused(bad, target)
    assert err.code in {"backup_damaged", "not_a_backup"}
    if cut > 50:
        assert err.code == "backup_damaged"
    with pytest.raises(UserError):
        backup.check_hash(bad)


def test_corrupt_byte_is_found_without_a_password(made: backup.BackupResult, target: Path, tmp_path: Path) -> None:
    def flip(d: bytearray) -> None:
        d[len(d) // 2] ^= 0x01

    bad = _rewrite(made.path, tmp_path / "flip.tdbackup", flip)
    with pytest.raises(UserError) as err:
        backup.check_hash(bad)
    assert err.value.code == "backup_damaged"
    assert _refused(bad, target).code == "backup_damaged"


def test_tampered_body_with_a_fixed_hash_is_refused(made: backup.BackupResult, target: Path,
                                                     tmp_path: Path) -> None:
    """An attacker who rewrites a database byte and fixes the SHA-256 in the header is caught by the MAC."""
    def flip(db: bytearray) -> None:
        db[5000] ^= 0xFF

    bad = _rebuild(made.path, tmp_path / "tampered.tdbackup", db_edit=flip)
    backup.check_hash(bad)  # the hash alone is fooled
    assert _refused(bad, target).code == "backup_tampered"
    with pytest.raises(UserError) as err:
        backup.verify_backup(bad, ADMIN)
    assert err.value.code == "backup_tampered"


def test_tampered_header_field_is_refused(made: backup.BackupResult, target: Path, tmp_path: Path) -> None:
    def tamper(d: bytearray) -> None:
        start, end = _header_span(d)
        d[start:end] = bytes(d[start:end]).replace(b'"epoch":1', b'"epoch":9')

    bad = _rewrite(made.path, tmp_path / "epoch.tdbackup", tamper)
    assert backup.read_info(bad).epoch == 9
    assert _refused(bad, target).code == "backup_tampered"


def _rebuild(src: Path, dest: Path, keyslots: bytes | None = None, db_edit: Callable[[bytearray], None] | None = None,
             **fields: Any) -> Path:
    """Re-assemble a backup as an attacker would: new parts, header fields and a fixed SHA-256, old tag."""
    data = src.read_bytes()
    start, end = _header_span(data)
    header = json.loads(data[start:end])
    old_keys = data[end:end + header["keyslots_bytes"]]
    db = bytearray(data[end + header["keyslots_bytes"]:-backup.TAG_BYTES])
    if db_edit is not None:
        db_edit(db)
    keys = old_keys if keyslots is None else keyslots
    header.update(fields, keyslots_bytes=len(keys), db_bytes=len(db))
    header["body_sha256"] = hashlib.sha256(keys + db).hexdigest()
    raw = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    dest.write_bytes(backup.MAGIC + struct.pack(">I", len(raw)) + raw + keys + bytes(db) + data[-backup.TAG_BYTES:])
    return dest


def test_tampered_keyslots_are_refused(made: backup.BackupResult, target: Path, tmp_path: Path) -> None:
    """Keyslots of another installation whose admin has the same password: the unwrap succeeds with the
    wrong key, and the MAC (keyed from the real database key) refuses the file."""
    other = install(tmp_path / "other", FixedClock(made.header.created_at))
    bad = _rebuild(made.path, tmp_path / "keys.tdbackup", keyslots=(other.data_dir / "keyslots.json").read_bytes())
    backup.check_hash(bad)
    assert _refused(bad, target).code == "backup_tampered"


def test_rebuilt_but_unchanged_file_still_restores(made: backup.BackupResult, tmp_path: Path) -> None:
    """The attacker's re-assembly itself is faithful: without a change the file passes."""
    same = _rebuild(made.path, tmp_path / "same.tdbackup")
    assert same.read_bytes() == made.path.read_bytes()
    grown = _rebuild(made.path, tmp_path / "grown.tdbackup", db_edit=lambda db: db.extend(b"\0" * 4096))
    backup.check_hash(grown)
    with pytest.raises(UserError) as err:
        backup.verify_backup(grown, ADMIN)
    assert err.value.code == "backup_tampered"


def test_wrong_password_or_user_is_refused(made: backup.BackupResult, target: Path) -> None:
    assert _refused(made.path, target, backup.Credentials("not the password", "admin")).code == "wrong_password"
    assert _refused(made.path, target, backup.Credentials(ADMIN_PASSWORD, "nobody")).code == "wrong_password"
    assert _refused(made.path, target, backup.Credentials("AAAA-BBBB-CCCC-DDDD")).code == "wrong_password"
    with pytest.raises(UserError) as err:
        backup.verify_backup(made.path, backup.Credentials("not the password", "admin"))
    assert err.value.code == "wrong_password"


def test_a_user_who_may_not_restore_is_refused(made: backup.BackupResult, target: Path) -> None:
    err = _refused(made.path, target, backup.Credentials(USER_PASSWORD, "canbo"))
    assert err.code == "permission_denied"


def test_backup_of_a_newer_schema_is_refused(desk: Desk, installed: Installed, tmp_path: Path) -> None:
    conn = open_raw(installed.data_dir / "tipdesk.db", desk.db_key)
    conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.close()
    made = backup.create_backup(desk, tmp_path)
    assert made.header.schema_revision == "9999_future"
    report = backup.verify_backup(made.path, ADMIN)
    assert not report.restorable
    new_pc = tmp_path / "new"
    err = _refused(made.path, new_pc)
    assert err.code == "newer_schema" and "9999_future" in err.message
    assert not new_pc.exists() or not any(new_pc.iterdir())


def test_backup_of_a_newer_format_is_refused(made: backup.BackupResult, target: Path, tmp_path: Path) -> None:
    newer = tmp_path / "v2.tdbackup"
    newer.write_bytes(b"TDBACKUP2\n" + made.path.read_bytes()[len(backup.MAGIC):])
    assert _refused(newer, target).code == "newer_schema"

    def new_format(d: bytearray) -> None:
        start, end = _header_span(d)
        d[start:end] = bytes(d[start:end]).replace(b'"tipdesk-backup/1"', b'"tipdesk-backup/7"')

    assert _refused(_rewrite(made.path, tmp_path / "f7.tdbackup", new_format), target).code == "newer_schema"


@pytest.mark.parametrize("content", [b"", b"%PDF-1.4 not a backup", b"TDBACK", os.urandom(4096)])
def test_not_a_backup_is_refused(content: bytes, target: Path, tmp_path: Path) -> None:
    bad = tmp_path / "other.tdbackup"
    bad.write_bytes(content)
    assert _refused(bad, target).code in {"not_a_backup", "backup_damaged"}


def test_missing_backup_file(target: Path, tmp_path: Path) -> None:
    assert _refused(tmp_path / "nope.tdbackup", target).code == "not_found"


# ------------------------------------------------------------------------------ full disk


def _fail_writes_under(monkeypatch: pytest.MonkeyPatch, folder: Path, after: int = 1) -> None:
    """Simulate a full disk: ``os.write`` to a file under ``folder`` fails with ENOSPC after ``after`` writes."""
    real_write = os.write
    calls = {"n": 0}
    folder_text = str(folder.resolve())

    def write(fd: int, data: Any) -> int:
        target = os.readlink(f"/proc/self/fd/{fd}")
        if target.startswith(folder_text):
            calls["n"] += 1
            if calls["n"] > after:
                raise OSError(errno.ENOSPC, "No space left on device", target)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)


needs_proc = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc/self/fd")


@needs_proc
def test_full_disk_while_writing_a_backup(desk: Desk, installed: Installed, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    before = snapshot(installed.data_dir)
    _fail_writes_under(monkeypatch, usb)
    with pytest.raises(StorageError) as err:
        backup.create_backup(desk, usb)
    assert err.value.code == "disk_full"
    assert list(usb.iterdir()) == []  # no partial file, no temp file
    monkeypatch.undo()
    assert backup.last_backup_at(desk) is None and desk.audit.browse(action="backup") == []
    assert not list((installed.data_dir / "backups").glob(".work-*"))
    assert set(snapshot(installed.data_dir)) == set(before)


def test_full_disk_while_exporting(desk: Desk, installed: Installed, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*_args: Any, **_kw: Any) -> Path:
        raise sqlcipher3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup, "export_copy", full)
    with pytest.raises(StorageError) as err:
        backup.create_backup(desk, tmp_path)
    assert err.value.code == "disk_full" and not list(tmp_path.glob("*.tdbackup"))
    assert not list((installed.data_dir / "backups").glob(".work-*"))


@needs_proc
def test_full_disk_while_restoring(made: backup.BackupResult, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fail_writes_under(monkeypatch, target)
    err = _refused(made.path, target)
    assert isinstance(err, StorageError) and err.code == "disk_full"


@needs_proc
def test_full_disk_on_a_new_pc(made: backup.BackupResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new_pc = tmp_path / "new"
    new_pc.mkdir()
    _fail_writes_under(monkeypatch, new_pc, after=0)
    assert _refused(made.path, new_pc).code == "disk_full"
    assert list(new_pc.iterdir()) == []


def test_swap_failure_rolls_back(made: backup.BackupResult, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the final rename of the keyslots fails, the old database and keyslots are put back."""
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(dst).name == "keyslots.json" and ".restore-" in Path(src).name:
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    before = snapshot(target)
    with pytest.raises(StorageError):
        backup.restore_backup(made.path, ADMIN, data_dir=target)
    monkeypatch.undo()
    after = snapshot(target)
    assert {k: v for k, v in after.items() if not k.startswith("backups/")} == \
        {k: v for k, v in before.items() if not k.startswith("backups/")}
    assert _epoch(target) == 1


# ------------------------------------------------------------------------------ reminder


def test_reminder(desk: Desk, tmp_path: Path, clock: FixedClock) -> None:
    first = backup.reminder(desk)
    assert first.due and first.last_backup_at is None and first.reminder_days == 7
    assert first.message()
    backup.create_backup(desk, tmp_path)
    assert not backup.reminder(desk).due
    clock.advance(days=6, hours=23)
    assert not backup.reminder(desk).due
    clock.advance(hours=1)
    late = backup.reminder(desk)
    assert late.due and late.days_since == 7 and "7" in late.message()
    desk.settings.set("backup_reminder_days", 30)
    assert not backup.reminder(desk).due


# ------------------------------------------------------------------------------ batch numbering


def test_restored_commune_numbers_batches_in_a_new_epoch(made: backup.BackupResult, tmp_path: Path,
                                                         clock: FixedClock) -> None:
    """The installation epoch (the first half of every batch number) goes up by one. The exchange
    service that numbers batches within an epoch is being built in parallel: extend this test then."""
    backup.restore_backup(made.path, ADMIN, data_dir=tmp_path / "n", clock=clock)
    d = open_desk("admin", ADMIN_PASSWORD, data_dir=tmp_path / "n", clock=clock)
    try:
        assert d.installation.epoch == made.header.epoch + 1
    finally:
        d.close()


# ------------------------------------------------------------------------------ messages


def _msgids(source: Path) -> set[str]:
    """String literals passed to _() and (the singular of) ngettext() in a module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text("utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"_", "ngettext"}:
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)  # a plural is keyed by its singular
    return found


def test_every_message_has_a_vietnamese_translation() -> None:
    with open(ROOT / "i18n" / "vi_parts" / "backup.po", "rb") as fh:
        catalog = read_po(fh, locale="vi")
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalog if m.id}
    sources = ["tipdesk/services/backup.py", "tipdesk/services/backup_file.py", "tipdesk/cli/cmd_backup.py",
               "tipdesk/selftest.py", "tipdesk/gui/dialogs/backup.py"]
    missing = []
    for rel in sources:
        for msgid in _msgids(ROOT / rel):
            text = translated.get(msgid)
            if not text or (isinstance(text, tuple) and not all(text)):
                missing.append(msgid)
                continue
            forms = text if isinstance(text, tuple) else (text,)
            for form in forms:
                assert sorted(re.findall(r"\{[^{}]*\}", form)) == sorted(re.findall(r"\{[^{}]*\}", msgid)), msgid
    assert missing == []


def test_users_table_is_untouched_by_a_failed_restore(made: backup.BackupResult, target: Path) -> None:
    """Sanity for the snapshot helper: a successful restore does change the folder."""
    before = snapshot(target)
    backup.restore_backup(made.path, ADMIN, data_dir=target)
    assert snapshot(target) != before
    d = open_desk("admin", ADMIN_PASSWORD, data_dir=target)
    try:
        with d.read() as session:
            assert session.query(User).count() == 2
    finally:
        d.close()


# ------------------------------------------------------------------------------ command line


def test_cli_backup_verify_status_restore(tmp_path: Path) -> None:
    from tests.unit.test_cli import tipdesk

    data, usb, other = tmp_path / "d", tmp_path / "usb", tmp_path / "other"
    usb.mkdir()
    assert tipdesk(data, "init", "--profile", "commune", "--unit", "02269").returncode == 0
    made = tipdesk(data, "backup", str(usb), "--json")
    assert made.returncode == 0, made.stderr
    out = json.loads(made.stdout)
    path = Path(out["path"])
    assert path.parent == usb and out["epoch"] == 1 and out["size"] == path.stat().st_size
    again = tipdesk(data, "--lang", "en", "backup", str(path))
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "already exists" in again.stderr
    checked = tipdesk(data, "backup", "verify", str(path), "--json")
    assert checked.returncode == 0 and json.loads(checked.stdout)["restorable"] is True
    status = tipdesk(data, "backup", "status", "--json")
    assert status.returncode == 0 and json.loads(status.stdout)["due"] is False
    wrong = tipdesk(other, "--lang", "en", "restore", str(path), password="not the password")
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
    assert wrong.stderr.strip() == ("tipdesk: This user name and password (or recovery code) do not open the "
                                    "backup. Nothing was changed.")
    assert not (other / "tipdesk.db").exists() and not (other / "keyslots.json").exists()
    restored = tipdesk(other, "restore", str(path), "--json")
    assert restored.returncode == 0, restored.stderr
    assert json.loads(restored.stdout)["epoch"] == 2
    usage = tipdesk(data, "backup", "a", "b", "c")
    assert usage.returncode == 2
    logs = (data / "logs" / "tipdesk.log").read_text("utf-8")
    assert "backup written" in logs


def test_cli_restore_with_the_recovery_code_file(tmp_path: Path) -> None:
    from tests.unit.test_cli import tipdesk

    data = tmp_path / "d"
    init = tipdesk(data, "init", "--profile", "commune", "--unit", "02269", "--json")
    code_file = tmp_path / "code.txt"
    code_file.write_text(json.loads(init.stdout)["recovery_code"] + "\n", "utf-8")
    assert tipdesk(data, "backup", str(tmp_path)).returncode == 0
    (path,) = tmp_path.glob("*.tdbackup")
    done = tipdesk(tmp_path / "new", "restore", str(path), "--recovery-code-file", str(code_file), password=None)
    assert done.returncode == 0, done.stderr


# ------------------------------------------------------------------------------ batch numbering, end to end


def test_after_a_restore_the_province_accepts_the_next_batch_in_a_new_epoch(tmp_path: Path) -> None:
    """A commune backs up after batch 1, sends batch 2, loses its disk and restores the backup. Without a new
    epoch its next batch would reuse number 2 with other content (a fork the province must refuse); with
    it, the next batch is epoch 2, seq 1, and the province accepts it."""
    support = pytest.importorskip("tests.unit.exchange_db_support")
    from tipdesk.exchange.format import unframe

    pair = support.Pair.make(tmp_path, tmp_path / "template")
    try:
        records = support.Records(pair.commune)
        records.tip()
        first = pair.export_one(tmp_path / "usb1")
        made = backup.create_backup(pair.commune, tmp_path)
        records.tip(summary="Sau bản sao lưu")
        second = pair.export_one(tmp_path / "usb2")
        report = pair.px.imports.import_paths([first, second])
        assert [o.status for o in report.outcomes] == ["accepted", "accepted"]
        commune_dir = pair.commune.data_dir
        pair.commune.close()
        backup.restore_backup(made.path, ADMIN, data_dir=commune_dir, clock=pair.clock)
        pair.commune = open_desk("admin", ADMIN_PASSWORD, data_dir=commune_dir, clock=pair.clock)
        pair.__post_init__()
        support.Records(pair.commune, counter=10).tip(summary="Sau khi khôi phục")
        third = pair.export_one(tmp_path / "usb3")
        header = unframe(third.read_bytes()).header
        assert (header.epoch, header.seq) == (2, 1)
        (outcome,) = pair.px.imports.import_paths([third]).outcomes
        assert outcome.status == "accepted", outcome
    finally:
        pair.close()
