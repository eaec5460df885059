"""Encrypted backups: one file, verified after writing, restorable on a new PC.

File layout (integers big-endian)::

    "TDBACKUP1\\n" | u32 header_len | header | keyslots | database | tag (32 bytes)

* ``header``: canonical JSON, readable without any key: format, app version, schema revision,
  installation id, profile, unit code, batch epoch, created_at, the sizes of the two parts, the
  SHA-256 of the body (keyslots || database) and the salt of the MAC key. No personal data.
* ``keyslots``: the keyslots file (login throttles reset): the database key wrapped under each
  user's password and under the recovery code (Argon2id, then ChaCha20-Poly1305).
* ``database``: an online ``sqlcipher_export`` copy (never a file copy of the open database),
  encrypted page by page with the database key exactly like the live file.
* ``tag``: HMAC-SHA256 over every byte before it, keyed with HKDF-SHA256(database key, salt).

Why a MAC and no second encryption layer: on a new PC after a theft or a disk failure, only the
users' passwords and the recovery code are known; they lead to the database key through the
keyslots, so the keyslots must stay readable and any outer key could only be derived from that
same database key. Encrypting the (already encrypted) database again under it adds no secrecy.
What the outer layer does add is integrity: without it the header (epoch, schema, installation)
and the keyslots would be unauthenticated, and SQLCipher's per-page HMAC does not notice a page
swapped in from an older copy or a file cut at a page boundary. The tag binds header, keyslots
and every database byte to the key, so a restore verifies all of it before it touches the data
folder. The SHA-256 in the header finds accidental damage without any password.
"""


from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import sqlcipher3
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tipdesk import __version__
from tipdesk.clock import Clock, SystemClock
from tipdesk.db import migrate
from tipdesk.db.backup import export_copy
from tipdesk.db.engine import classify_sqlite_error, sqlcipher_engine
from tipdesk.db.keyslots import disk_error, fsync_dir
from tipdesk.db.models import Installation, Setting, User
from tipdesk.domain.roles import Perm, Role, admin_role, allowed
from tipdesk.errors import StorageError, UserError
from tipdesk.i18n import _, ngettext, to_local
from tipdesk.services.auth import OpenPaths
from tipdesk.services.backup_file import (
    FORMAT,
    MAGIC,
    PREFIX,
    SALT_BYTES,
    SUFFIX,
    TAG_BYTES,
    BackupHeader,
    Credentials,
    DbState,
    Layout,
    backup_keyslots,
    check_database,
    check_hash,
    check_revision,
    exclusive_fd,
    file_sha256,
    mac_key,
    open_backup,
    read_info,
    scan,
    tampered,
    temp_sibling,
    unwrap,
    write_all,
    write_file,
)
from tipdesk.services.context import Actor, Desk

__all__ = [
    "FORMAT", "MAGIC", "SUFFIX", "TAG_BYTES", "BackupHeader", "BackupReminder", "BackupResult", "Credentials",
    "DbState", "RestoreResult", "VerifyReport", "check_database", "check_hash", "create_backup", "default_name",
    "last_backup_at", "read_info", "reminder", "restore_backup", "verify_backup",
]

log = logging.getLogger(__name__)

LAST_BACKUP_KEY = "last_backup_at"


# ------------------------------------------------------------------------------------ backup


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    header: BackupHeader


def default_name(unit_code: str, when: dt.datetime) -> str:
    return f"tipdesk-{unit_code}-{to_local(when).strftime('%Y%m%d-%H%M%S')}{SUFFIX}"


def _target(out: Path, unit_code: str, when: dt.datetime, overwrite: bool) -> Path:
    out = Path(out).expanduser()
    if out.is_dir():
        out = out / default_name(unit_code, when)
    if not out.parent.is_dir():
        raise UserError(_("The folder {path} does not exist.").format(path=out.parent), "no_such_folder")
    if out.exists() and not overwrite:
        raise UserError(_("The file {name} already exists. Choose another name; nothing was changed.")
                        .format(name=out.name), "exists")
    return out


@contextlib.contextmanager
def _work(base: Path) -> Iterator[Path]:
    try:
        base.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".work-", dir=base))
    except OSError as exc:
        raise disk_error(exc) from exc
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _export(desk: Desk, dest: Path) -> None:
    try:
        export_copy(OpenPaths.of(desk.data_dir).database, desk.db_key, dest)
    except (sqlcipher3.DatabaseError, sqlite3.DatabaseError) as exc:
        known = classify_sqlite_error(exc)
        raise (known or exc) from exc


def _snapshot_header(desk: Desk, keyslots: bytes, db_file: Path, state: DbState) -> BackupHeader:
    inst = desk.installation
    return BackupHeader(
        FORMAT, __version__, state.revision, inst.install_id, inst.profile.value, inst.unit_code, state.epoch,
        desk.now().replace(microsecond=0), len(keyslots), db_file.stat().st_size,
        file_sha256(keyslots, db_file), secrets.token_bytes(SALT_BYTES),
    )


def create_backup(desk: Desk, out: Path, *, overwrite: bool = False) -> BackupResult:
    """Write an encrypted backup to ``out`` (a file, or a folder for the default name) and verify it."""
    desk.require(Perm.BACKUP)
    if desk.db_url:
        raise UserError(_("This database is on a database server: its backups are made on the server "
                          "(pg_dump, by the server's administrator). Nothing was written."), "server_backup")
    target = _target(Path(out), desk.installation.unit_code, desk.now(), overwrite)
    p = OpenPaths.of(desk.data_dir)
    with _work(p.backups) as work:
        db_file = work / "export.db"
        _export(desk, db_file)
        state = check_database(db_file, desk.db_key)
        keyslots = backup_keyslots(p.keyslots, work)
        header = _snapshot_header(desk, keyslots, db_file, state)
        raw = header.to_bytes()
        layout = Layout(header, MAGIC + PREFIX.pack(len(raw)) + raw, keyslots)
        key = mac_key(desk.db_key, header.mac_salt)
        write_file(target, layout, db_file, key)
    _verify_written(target, key)
    size = target.stat().st_size
    _record_backup(desk, header, size)
    log.info("backup written: %d bytes, schema %s, epoch %d, unit %s", size, header.schema_revision,
             header.epoch, header.unit_code)
    return BackupResult(target, size, header)


def _verify_written(path: Path, mac_key: bytes) -> None:
    """Read the new file back: structure, SHA-256 and tag. The database part was checked before
    it was written, and the SHA-256 proves the bytes on disk are those bytes."""
    try:
        with open_backup(path) as (fh, layout):
            scan(fh, layout, mac_key, None)
    except UserError as exc:
        path.unlink(missing_ok=True)
        log.error("backup failed its read-back check (%s)", exc.code)
        raise StorageError(
            _("The backup could not be read back correctly, so it was deleted: the disk or USB stick may be "
              "faulty. Try another one."), "backup_unverified") from exc


def _record_backup(desk: Desk, header: BackupHeader, size: int) -> None:
    with desk.write() as session:
        _set_setting(session, LAST_BACKUP_KEY, header.created_at.isoformat())
        desk.audit.append(session, "backup", "installation", header.install_id, {
            "bytes": size, "sha256": header.body_sha256[:16], "schema": header.schema_revision,
            "epoch": header.epoch})


def _set_setting(session: Session, key: str, value: Any) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=json.dumps(value)))
    else:
        row.value = json.dumps(value)


# ------------------------------------------------------------------------------------ verify


@dataclass(frozen=True)
class VerifyReport:
    header: BackupHeader
    database: DbState
    restorable: bool  # False when the schema is newer than this tipdesk knows


def _extract(fh: IO[bytes], layout: Layout, key: bytes, dest: Path) -> None:
    try:
        fd = exclusive_fd(dest)
        try:
            scan(fh, layout, mac_key(key, layout.header.mac_salt), lambda chunk: write_all(fd, chunk))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise disk_error(exc) from exc


def verify_backup(path: Path, creds: Credentials, *, work_dir: Path | None = None) -> VerifyReport:
    """Full check of a backup file: hash, tag, and both SQLCipher integrity checks of its database."""
    with open_backup(Path(path)) as (fh, layout):
        key = unwrap(layout, creds)
        with tempfile.TemporaryDirectory(prefix="tipdesk-verify-", dir=work_dir) as tmp:
            db_file = Path(tmp) / "check.db"
            _extract(fh, layout, key, db_file)
            state = check_database(db_file, key)
    if state.revision != layout.header.schema_revision or state.install_id != layout.header.install_id:
        raise tampered()
    return VerifyReport(layout.header, state, state.revision in migrate.known_revisions())


# ------------------------------------------------------------------------------------ restore


@dataclass(frozen=True)
class RestoreResult:
    install_id: str
    unit_code: str
    epoch: int
    previous_epoch: int
    backup_created_at: dt.datetime
    migrated: bool
    kept: tuple[Path, ...]  # the replaced database and keyslots, renamed with a timestamp


def restore_backup(path: Path, creds: Credentials, *, data_dir: Path | None = None,
                   clock: Clock | None = None) -> RestoreResult:
    """Verify ``path``, restore it into a new file, start a new batch epoch, then swap it in.

    The data folder may be empty (a new PC) or hold an installation, which is kept (renamed with a
    timestamp under ``backups/``). On any error nothing in the data folder is changed.
    """
    clock = clock or SystemClock()
    p = OpenPaths.of(data_dir)
    with open_backup(Path(path)) as (fh, layout):
        check_revision(layout.header.schema_revision)
        key = unwrap(layout, creds)
        _ensure_folder(p.data_dir)
        tmp_db = temp_sibling(p.database, "restore")
        try:
            _extract(fh, layout, key, tmp_db)
            state = check_database(tmp_db, key)
            check_revision(state.revision)
            migrated, epoch = _finish_restore(tmp_db, key, creds, layout.header, p, clock)
            kept = _swap(p, tmp_db, layout.keyslots, clock.now())
        except BaseException:
            for leftover in _db_files(tmp_db):
                leftover.unlink(missing_ok=True)
            raise
    log.info("backup restored: schema %s, unit %s, epoch %d -> %d", state.revision, state.unit_code,
             state.epoch, epoch)
    return RestoreResult(state.install_id, state.unit_code, epoch, state.epoch, layout.header.created_at,
                         migrated, kept)


def _ensure_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o700)
    except OSError as exc:
        raise disk_error(exc) from exc


def _db_files(db: Path) -> list[Path]:
    return [Path(f"{db}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]


def _restorer(session: Session, creds: Credentials, profile: str) -> Actor:
    """Who restores: an active user allowed to restore, or the holder of the recovery code."""
    if creds.username is None:
        return Actor("", "", admin_role(profile))
    user = session.scalars(select(User).where(User.username == creds.username.casefold())).one_or_none()
    if user is None or not user.active or not allowed(user.role, Perm.BACKUP):
        raise UserError(_("Only an administrator of the backed-up installation (or the recovery code) can "
                          "restore it. Nothing was changed."), "permission_denied")
    return Actor(user.id, user.username, Role(user.role), user.full_name)


def _finish_restore(db: Path, key: bytes, creds: Credentials, header: BackupHeader, p: OpenPaths,
                    clock: Clock) -> tuple[bool, int]:
    """Migrate the restored copy, start a new batch epoch, audit; returns (migrated, new epoch)."""
    engine = sqlcipher_engine(db, key)
    try:
        migrated = migrate.upgrade(engine)
        with Session(engine) as session:
            inst = session.scalars(select(Installation)).one()
            actor = _restorer(session, creds, inst.profile)
        desk = Desk(engine, actor, data_dir=p.data_dir, db_key=key, clock=clock)
        with desk.write() as session:
            epoch = int(session.scalar(select(Installation.epoch)) or 0) + 1
            session.execute(update(Installation).values(epoch=epoch))
            _set_setting(session, LAST_BACKUP_KEY, header.created_at.isoformat())
            desk.audit.append(session, "restore", "installation", header.install_id, {
                "backup_created_at": header.created_at.isoformat(), "backup_version": header.app_version,
                "schema": header.schema_revision, "migrated": migrated, "epoch": epoch,
                "recovery_code": creds.username is None,
            }, username=actor.username or "(recovery)", user_id=actor.user_id or None)
    finally:
        engine.dispose()
    _settle_wal(db, key)
    return migrated, epoch


def _settle_wal(db: Path, key: bytes) -> None:
    """Fold a leftover ``-wal`` into the file, so that the swap moves one self-contained file."""
    if not Path(f"{db}-wal").exists():
        return
    conn = sqlcipher3.connect(str(db), isolation_level=None)
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()


def _swap(p: OpenPaths, new_db: Path, keyslots: bytes, when: dt.datetime) -> tuple[Path, ...]:
    """Keyslots to a temp file, old files aside (timestamped), then ``os.replace`` the new ones in."""
    stamp = _free_stamp(p.backups, when)
    tmp_keys = temp_sibling(p.keyslots, "restore")
    done: list[tuple[Path, Path]] = []
    try:
        _write_keyslots(tmp_keys, keyslots)
        p.backups.mkdir(parents=True, exist_ok=True)
        for src in _db_files(p.database):
            if src.exists():
                done.append((src, _kept_name(p.backups, f"tipdesk-before-restore-{stamp}.db", src, p.database)))
        if p.keyslots.exists():
            done.append((p.keyslots, p.backups / f"keyslots-before-restore-{stamp}.json"))
        for src, dst in done:
            os.replace(src, dst)
        os.replace(new_db, p.database)
        os.replace(tmp_keys, p.keyslots)
    except OSError as exc:
        _roll_back(done, p.database, new_db)
        tmp_keys.unlink(missing_ok=True)
        raise _swap_error(exc) from exc
    fsync_dir(p.data_dir)
    fsync_dir(p.backups)
    return tuple(dst for _src, dst in done)


def _free_stamp(folder: Path, when: dt.datetime) -> str:
    """A timestamp no earlier restore has used in ``folder`` (two restores in one second)."""
    base = when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    stamp, n = base, 1
    while any(folder.glob(f"*-before-restore-{stamp}.*")):
        n += 1
        stamp = f"{base}-{n}"
    return stamp


def _kept_name(folder: Path, base: str, src: Path, db: Path) -> Path:
    return folder / (base + str(src)[len(str(db)):])


def _write_keyslots(path: Path, data: bytes) -> None:
    fd = exclusive_fd(path)
    try:
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _roll_back(done: list[tuple[Path, Path]], db: Path, new_db: Path) -> None:
    with contextlib.suppress(OSError):
        if not new_db.exists() and db.exists() and any(src == db for src, _dst in done):
            os.replace(db, new_db)
    for src, dst in reversed(done):
        with contextlib.suppress(OSError):
            if dst.exists() and not src.exists():
                os.replace(dst, src)


def _swap_error(exc: OSError) -> UserError:
    if isinstance(exc, PermissionError) and os.name == "nt":
        return StorageError(_("The database is open in another tipdesk window. Close it and try again; "
                              "nothing was changed."), "locked")
    return disk_error(exc)


# ------------------------------------------------------------------------------------ reminder


@dataclass(frozen=True)
class BackupReminder:
    last_backup_at: dt.datetime | None
    reminder_days: int
    days_since: int | None
    due: bool

    def message(self) -> str:
        if self.last_backup_at is None:
            return _("No backup has been made yet. Back up to a USB stick now (File, Back up).")
        days = self.days_since or 0
        return ngettext(
            "The last backup was made {n} day ago. Back up to a USB stick now (File, Back up).",
            "The last backup was made {n} days ago. Back up to a USB stick now (File, Back up).",
            days,
        ).format(n=days)


def last_backup_at(desk: Desk) -> dt.datetime | None:
    with desk.read() as session:
        value = desk.get_setting(session, LAST_BACKUP_KEY)
    if not isinstance(value, str):
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def reminder(desk: Desk) -> BackupReminder:
    """Whether to remind the user to back up (older than the ``backup_reminder_days`` setting)."""
    days = int(desk.settings.get("backup_reminder_days"))
    if desk.db_url:  # a server is backed up on the server; no USB reminder on the workstations
        return BackupReminder(None, days, None, False)
    last = last_backup_at(desk)
    if last is None:
        return BackupReminder(None, days, None, True)
    since = max(0, (desk.now() - last).days)
    return BackupReminder(last, days, since, since >= days)
