"""Keyslots: the random database key, wrapped once per user and once for recovery.

The 256-bit database key never touches the disk in the clear. Each slot holds it
encrypted with ChaCha20-Poly1305 under a key derived from a password (or the
recovery code) with Argon2id; the slot's id is the AEAD's associated data, so a
slot cannot be moved to another user. Changing a password rewraps one slot.

The file also carries each slot's login throttle (failure count and the time of
the last failure): it must be readable before any key is known. It protects the
running program against guessing at the keyboard; against a stolen file only
Argon2id protects, as for any password-encrypted file.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from tipdesk.errors import StorageError, UserError
from tipdesk.i18n import _

KEY_BYTES = 32
FORMAT = "tipdesk-keyslots/1"
RECOVERY_SLOT = "recovery"
MAX_PENDING = 200
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. Defaults exceed OWASP's minimum (m=19 MiB, t=2, p=1)."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4

    def derive(self, secret: str, salt: bytes) -> bytes:
        return hash_secret_raw(
            secret.encode("utf-8"), salt, time_cost=self.time_cost, memory_cost=self.memory_kib,
            parallelism=self.parallelism, hash_len=KEY_BYTES, type=Type.ID,
        )

    def as_dict(self) -> dict[str, int]:
        return {"t": self.time_cost, "m": self.memory_kib, "p": self.parallelism}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KdfParams:
        return cls(int(data["t"]), int(data["m"]), int(data["p"]))


OWASP_MINIMUM = KdfParams(time_cost=2, memory_kib=19456, parallelism=1)
DEFAULT_KDF = KdfParams()


@dataclass
class Slot:
    slot_id: str
    salt: bytes
    nonce: bytes
    ciphertext: bytes
    kdf: KdfParams
    failures: int = 0
    last_failure: str | None = None
    pending: list[str] = field(default_factory=list)  # failed attempts not yet written to the audit log

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.slot_id,
            "salt": _b64(self.salt),
            "nonce": _b64(self.nonce),
            "ct": _b64(self.ciphertext),
            "kdf": self.kdf.as_dict(),
            "failures": self.failures,
            "last_failure": self.last_failure,
            "pending": self.pending,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Slot:
        return cls(
            slot_id=str(data["id"]), salt=_unb64(data["salt"]), nonce=_unb64(data["nonce"]),
            ciphertext=_unb64(data["ct"]), kdf=KdfParams.from_dict(data["kdf"]),
            failures=int(data.get("failures", 0)), last_failure=data.get("last_failure"),
            pending=[str(x) for x in data.get("pending", [])][-MAX_PENDING:],
        )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def user_slot_id(username: str) -> str:
    return "user:" + username.casefold()


def new_database_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def new_recovery_code() -> str:
    """A 32-character code in 8 groups of 4, about 160 bits."""
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(32))
    return "-".join(raw[i : i + 4] for i in range(0, 32, 4))


def normalise_recovery_code(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


@dataclass
class KeyslotStore:
    """The keyslots file: one wrapped copy of the database key per slot."""

    path: Path
    slots: dict[str, Slot] = field(default_factory=dict)
    kdf: KdfParams = DEFAULT_KDF
    unknown_pending: list[str] = field(default_factory=list)  # failed logins with a user name that has no slot

    # -- file ---------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> KeyslotStore:
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError as exc:
            raise StorageError(_("No tipdesk database has been set up in this folder yet."), "not_initialised") from exc
        except OSError as exc:
            raise StorageError(_("The key file of the database is damaged or unreadable."), "keyslots_corrupt") from exc
        store = cls(path=path)
        store.parse(text)
        return store

    def parse(self, text: str) -> None:
        """Fill the slots from the JSON document ``text``."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise StorageError(_("The key file of the database is damaged or unreadable."), "keyslots_corrupt") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise StorageError(_("The key file of the database is damaged or unreadable."), "keyslots_corrupt")
        try:
            self.slots = {s.slot_id: s for s in (Slot.from_json(item) for item in data["slots"])}
        except (KeyError, TypeError, ValueError) as exc:
            raise StorageError(_("The key file of the database is damaged or unreadable."), "keyslots_corrupt") from exc
        self.unknown_pending = [str(x) for x in data.get("unknown_pending", [])][-MAX_PENDING:]

    def document(self) -> str:
        payload = {"format": FORMAT, "slots": [s.to_json() for s in self.slots.values()],
                   "unknown_pending": self.unknown_pending}
        return json.dumps(payload, indent=1, sort_keys=True)

    def save(self) -> None:
        atomic_write_text(self.path, self.document())

    # -- slots --------------------------------------------------------------
    def add(self, slot_id: str, secret: str, db_key: bytes, kdf: KdfParams | None = None) -> None:
        kdf = kdf or self.kdf
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        wrapped = ChaCha20Poly1305(kdf.derive(secret, salt)).encrypt(nonce, db_key, slot_id.encode("utf-8"))
        self.slots[slot_id] = Slot(slot_id, salt, nonce, wrapped, kdf)

    def remove(self, slot_id: str) -> None:
        self.slots.pop(slot_id, None)

    def has(self, slot_id: str) -> bool:
        return slot_id in self.slots

    def unwrap(self, slot_id: str, secret: str) -> bytes | None:
        """The database key, or None when the secret is wrong or there is no such slot."""
        slot = self.slots.get(slot_id)
        if slot is None:
            slot = self._dummy_slot(slot_id)  # same cost as a real slot: no user enumeration by timing
        try:
            key = ChaCha20Poly1305(slot.kdf.derive(secret, slot.salt)).decrypt(
                slot.nonce, slot.ciphertext, slot_id.encode("utf-8")
            )
        except InvalidTag:
            return None
        return key if slot_id in self.slots else None

    def _dummy_slot(self, slot_id: str) -> Slot:
        return Slot(slot_id, b"\0" * 16, b"\0" * 12, b"\0" * 48, self.kdf)

    def user_slots(self) -> Iterator[Slot]:
        return (s for s in self.slots.values() if s.slot_id.startswith("user:"))

    # -- throttle -----------------------------------------------------------
    def record_failure(self, slot_id: str, when: dt.datetime) -> int:
        slot = self.slots.get(slot_id)
        if slot is None:
            self.unknown_pending = [*self.unknown_pending, when.isoformat()][-MAX_PENDING:]
            self.save()
            return 0
        slot.failures += 1
        slot.last_failure = when.isoformat()
        slot.pending = [*slot.pending, when.isoformat()][-MAX_PENDING:]
        self.save()
        return slot.failures

    def clear_failures(self, slot_id: str) -> None:
        slot = self.slots.get(slot_id)
        if slot is not None and (slot.failures or slot.last_failure):
            slot.failures = 0
            slot.last_failure = None
            self.save()

    def take_pending(self) -> tuple[dict[str, list[str]], list[str]]:
        """Failed attempts not yet audited, per slot and for unknown names; clears them (caller saves)."""
        per_slot = {s.slot_id: s.pending for s in self.slots.values() if s.pending}
        unknown = self.unknown_pending
        for s in self.slots.values():
            s.pending = []
        self.unknown_pending = []
        return per_slot, unknown


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` atomically: temp file, fsync, rename, fsync of the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise disk_error(exc) from exc
    fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return  # Windows has no directory fsync
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def disk_error(exc: OSError) -> UserError:
    import errno

    if exc.errno == errno.ENOSPC:
        return StorageError(_("The disk is full. Free some space and try again; nothing was changed."), "disk_full")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(
            _("tipdesk cannot write to this folder (read-only or no permission): {path}").format(
                path=exc.filename or ""
            ),
            "read_only",
        )
    return StorageError(_("A file could not be written: {error}").format(error=exc.strerror or str(exc)), "io_error")
