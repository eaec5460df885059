"""The backup file format: one file, readable header, keyslots, the SQLCipher copy and a MAC.

See ``tipdesk.services.backup`` for what goes in and why. This module reads, checks and writes the
bytes; it knows nothing of desks, users or restores.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import sqlcipher3
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tipdesk.db import migrate
from tipdesk.db.engine import classify_sqlite_error
from tipdesk.db.keyslots import FORMAT as KEYSLOTS_FORMAT
from tipdesk.db.keyslots import (
    RECOVERY_SLOT,
    KeyslotStore,
    Slot,
    disk_error,
    fsync_dir,
    normalise_recovery_code,
    user_slot_id,
)
from tipdesk.errors import UserError
from tipdesk.i18n import _

log = logging.getLogger(__name__)

MAGIC = b"TDBACKUP1\n"
FORMAT = "tipdesk-backup/1"
SUFFIX = ".tdbackup"
TAG_BYTES = 32
SALT_BYTES = 16
MAX_HEADER = 64 * 1024
MAX_KEYSLOTS = 8 * 1024 * 1024
CHUNK = 1 << 20
MAC_INFO = b"tipdesk/backup/v1/mac"
PREFIX = struct.Struct(">I")


# ------------------------------------------------------------------------------------ errors


def not_a_backup() -> UserError:
    return UserError(_("This file is not a tipdesk backup. Nothing was changed."), "not_a_backup")


def damaged() -> UserError:
    return UserError(
        _("The backup file is incomplete or damaged (cut short, or a faulty USB stick). Nothing was changed."),
        "backup_damaged",
    )


def tampered() -> UserError:
    return UserError(
        _("The backup file was altered after it was written, or it is damaged. Nothing was changed."),
        "backup_tampered",
    )


def wrong_secret() -> UserError:
    return UserError(
        _("This user name and password (or recovery code) do not open the backup. Nothing was changed."),
        "wrong_password",
    )


def newer(version: str) -> UserError:
    return UserError(
        _("This backup was made by a newer version of tipdesk ({version}). "
          "Install that version to restore it; nothing was changed.").format(version=version),
        "newer_schema",
    )


# ------------------------------------------------------------------------------------ header


@dataclass(frozen=True)
class BackupHeader:
    """What a backup file says about itself (readable without a key)."""

    format: str
    app_version: str
    schema_revision: str
    install_id: str
    profile: str
    unit_code: str
    epoch: int
    created_at: dt.datetime
    keyslots_bytes: int
    db_bytes: int
    body_sha256: str
    mac_salt: bytes

    def to_bytes(self) -> bytes:
        obj = {
            "format": self.format, "app_version": self.app_version, "schema_revision": self.schema_revision,
            "install_id": self.install_id, "profile": self.profile, "unit_code": self.unit_code,
            "epoch": self.epoch, "created_at": self.created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "keyslots_bytes": self.keyslots_bytes, "db_bytes": self.db_bytes, "body_sha256": self.body_sha256,
            "mac": {"alg": "HMAC-SHA256", "kdf": "HKDF-SHA256", "salt": self.mac_salt.hex()},
        }
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> BackupHeader:
        try:
            obj = json.loads(raw.decode("utf-8"))
            if obj["format"] != FORMAT:
                raise newer(str(obj.get("app_version", obj["format"])))
            created = dt.datetime.strptime(obj["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            header = cls(
                FORMAT, str(obj["app_version"]), str(obj["schema_revision"]), str(obj["install_id"]),
                str(obj["profile"]), str(obj["unit_code"]), int(obj["epoch"]), created,
                int(obj["keyslots_bytes"]), int(obj["db_bytes"]), str(obj["body_sha256"]),
                bytes.fromhex(obj["mac"]["salt"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise damaged() from exc
        if not (0 < header.keyslots_bytes <= MAX_KEYSLOTS and header.db_bytes > 0 and len(header.mac_salt) == SALT_BYTES):
            raise damaged()
        return header

    @property
    def body_bytes(self) -> int:
        return self.keyslots_bytes + self.db_bytes


@dataclass(frozen=True)
class Layout:
    header: BackupHeader
    prefix: bytes  # magic, length and header: the start of the MAC input
    keyslots: bytes

    @property
    def db_offset(self) -> int:
        return len(self.prefix) + self.header.keyslots_bytes

    @property
    def total(self) -> int:
        return len(self.prefix) + self.header.body_bytes + TAG_BYTES


def _read_exact(fh: IO[bytes], n: int) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise damaged()
    return data


def _read_layout(fh: IO[bytes], size: int) -> Layout:
    magic = fh.read(len(MAGIC))
    if magic != MAGIC:
        if magic[:8] == MAGIC[:8]:
            raise newer(magic[8:].decode("ascii", "replace").strip())
        raise not_a_backup()
    (hlen,) = PREFIX.unpack(_read_exact(fh, PREFIX.size))
    if not 0 < hlen <= MAX_HEADER:
        raise damaged()
    raw = _read_exact(fh, hlen)
    layout = Layout(BackupHeader.from_bytes(raw), MAGIC + PREFIX.pack(hlen) + raw, b"")
    if size != layout.total:
        raise damaged()
    return Layout(layout.header, layout.prefix, _read_exact(fh, layout.header.keyslots_bytes))


@contextlib.contextmanager
def open_backup(path: Path) -> Iterator[tuple[IO[bytes], Layout]]:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError as exc:
        raise UserError(_("The backup file {name} does not exist.").format(name=path.name), "not_found") from exc
    except OSError as exc:
        raise disk_error(exc) from exc
    with fh:
        try:
            yield fh, _read_layout(fh, os.fstat(fh.fileno()).st_size)
        except OSError as exc:
            raise disk_error(exc) from exc


def read_info(path: Path) -> BackupHeader:
    """The header of a backup file, after a structural check (no key needed)."""
    with open_backup(Path(path)) as (_fh, layout):
        return layout.header


def check_hash(path: Path) -> BackupHeader:
    """Structure and SHA-256 of the body: finds accidental damage without any password."""
    with open_backup(Path(path)) as (fh, layout):
        scan(fh, layout, None, None)
        return layout.header


# ------------------------------------------------------------------------------------ keys


@dataclass(frozen=True)
class Credentials:
    """A user name and password, or (``username`` None) the recovery code."""

    secret: str
    username: str | None = None


def _parse_keyslots(raw: bytes) -> KeyslotStore:
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("format") != KEYSLOTS_FORMAT:
            raise ValueError("keyslots format")
        slots = {s.slot_id: s for s in (Slot.from_json(item) for item in data["slots"])}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise damaged() from exc
    return KeyslotStore(path=Path(os.devnull), slots=slots)


def unwrap(layout: Layout, creds: Credentials) -> bytes:
    store = _parse_keyslots(layout.keyslots)
    if creds.username is None:
        key = store.unwrap(RECOVERY_SLOT, normalise_recovery_code(creds.secret))
    else:
        key = store.unwrap(user_slot_id(creds.username), creds.secret)
    if key is None:
        raise wrong_secret()
    return key


def mac_key(db_key: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=MAC_INFO).derive(db_key)


def backup_keyslots(source: Path, work: Path) -> bytes:
    """The keyslots file as it goes into a backup: same slots, no login throttles."""
    store = KeyslotStore.load(source)
    for slot in store.slots.values():
        slot.failures, slot.last_failure, slot.pending = 0, None, []
    store.unknown_pending = []
    store.path = work / "keyslots.json"
    store.save()
    return store.path.read_bytes()


# ------------------------------------------------------------------------------------ scanning


def scan(fh: IO[bytes], layout: Layout, mac_key: bytes | None, sink: Callable[[bytes], None] | None) -> None:
    """One pass over the body: SHA-256, HMAC (when keyed) and a copy of the database part."""
    body = hashlib.sha256(layout.keyslots)
    mac = hmac.new(mac_key, layout.prefix + layout.keyslots, "sha256") if mac_key else None
    fh.seek(layout.db_offset)
    remaining = layout.header.db_bytes
    while remaining:
        chunk = _read_exact(fh, min(CHUNK, remaining))
        remaining -= len(chunk)
        body.update(chunk)
        if mac is not None:
            mac.update(chunk)
        if sink is not None:
            sink(chunk)
    tag = _read_exact(fh, TAG_BYTES)
    if not hmac.compare_digest(body.hexdigest(), layout.header.body_sha256):
        raise damaged()
    if mac is not None and not hmac.compare_digest(mac.digest(), tag):
        raise tampered()


@dataclass(frozen=True)
class DbState:
    revision: str
    install_id: str
    unit_code: str
    epoch: int


def check_database(path: Path, key: bytes) -> DbState:
    """``integrity_check`` and ``cipher_integrity_check`` of an encrypted file; read-only."""
    try:
        conn = sqlcipher3.connect(str(path), isolation_level=None)
    except (sqlcipher3.DatabaseError, sqlite3.DatabaseError) as exc:
        raise _known(exc) from exc
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall() if r[0] != "ok"]
        problems += [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
        if problems:
            log.warning("backup database check failed: %d problem(s)", len(problems))
            raise UserError(_("The database inside the backup is damaged. Nothing was changed."), "backup_db_corrupt")
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        inst = conn.execute("SELECT id, unit_code, epoch FROM installation").fetchone()
    except (sqlcipher3.DatabaseError, sqlite3.DatabaseError) as exc:
        raise _known(exc) from exc
    finally:
        conn.close()
    if revision is None or inst is None:
        raise UserError(_("The database inside the backup is damaged. Nothing was changed."), "backup_db_corrupt")
    return DbState(str(revision[0]), str(inst[0]), str(inst[1]), int(inst[2]))


def _known(exc: BaseException) -> UserError:
    known = classify_sqlite_error(exc)
    if known is None or known.code == "not_a_database":
        return UserError(_("The database inside the backup is damaged. Nothing was changed."), "backup_db_corrupt")
    return known


def check_revision(revision: str) -> None:
    if revision not in migrate.known_revisions():
        raise newer(revision)


# ------------------------------------------------------------------------------------ writing


def write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def temp_sibling(path: Path, tag: str) -> Path:
    return path.with_name(f".{path.name}.{tag}-{secrets.token_hex(4)}.tmp")


def exclusive_fd(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)


def write_file(out: Path, layout: Layout, db_file: Path, mac_key: bytes) -> None:
    """Write the backup to a temp file beside ``out``, fsync, rename, fsync the folder."""
    tmp = temp_sibling(out, "backup")
    mac = hmac.new(mac_key, layout.prefix + layout.keyslots, "sha256")
    try:
        fd = exclusive_fd(tmp)
        try:
            write_all(fd, layout.prefix + layout.keyslots)
            with open(db_file, "rb") as src:
                while chunk := src.read(CHUNK):
                    mac.update(chunk)
                    write_all(fd, chunk)
            write_all(fd, mac.digest())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise disk_error(exc) from exc
    fsync_dir(out.parent)


def file_sha256(prefix: bytes, path: Path) -> str:
    digest = hashlib.sha256(prefix)
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
