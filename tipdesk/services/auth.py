"""Opening the encrypted database: login with back-off, recovery, password changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tipdesk import paths
from tipdesk.clock import Clock, SystemClock
from tipdesk.config import MachineSettings
from tipdesk.db import migrate
from tipdesk.db.backup import pre_migration_backup
from tipdesk.db.engine import postgres_engine, sqlcipher_engine
from tipdesk.db.keyslots import (
    RECOVERY_SLOT,
    KeyslotStore,
    new_recovery_code,
    normalise_recovery_code,
    user_slot_id,
)
from tipdesk.db.models import User
from tipdesk.domain.roles import Role
from tipdesk.errors import StorageError, UserError
from tipdesk.i18n import _, ngettext
from tipdesk.services.context import Actor, Desk

FREE_ATTEMPTS = 4
FIRST_WAIT_S = 30
MAX_WAIT_S = 30 * 60
MIN_PASSWORD = 10


class WrongPassword(UserError):
    def __init__(self) -> None:
        super().__init__(_("Wrong user name or password."), "wrong_password")


class LoginThrottled(UserError):
    def __init__(self, seconds: int) -> None:
        minutes = max(1, (seconds + 59) // 60)
        super().__init__(
            ngettext(
                "Too many failed attempts. Try again in {n} minute, or ask an administrator to unlock the account.",
                "Too many failed attempts. Try again in {n} minutes, or ask an administrator to unlock the account.",
                minutes,
            ).format(n=minutes),
            "throttled",
        )
        self.seconds = seconds


def backoff_seconds(failures: int) -> int:
    """Wait required after ``failures`` consecutive failures: none for the first few, then doubling."""
    if failures <= FREE_ATTEMPTS:
        return 0
    return int(min(FIRST_WAIT_S * 2 ** (failures - FREE_ATTEMPTS - 1), MAX_WAIT_S))


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(
            _("The password must have at least {n} characters.").format(n=MIN_PASSWORD), "weak_password"
        )
    if password.strip() != password or len(set(password)) < 4:
        raise UserError(_("The password is too simple. Use a longer phrase."), "weak_password")


@dataclass(frozen=True)
class OpenPaths:
    """Where a tipdesk database lives: a SQLCipher file in the data directory, or a server (``url``).

    With a server, the data directory still holds this machine's settings, logs and receipts.
    """

    data_dir: Path
    database: Path
    keyslots: Path
    backups: Path
    url: str = ""

    @classmethod
    def of(cls, data_dir: Path | None = None, url: str | None = None) -> OpenPaths:
        base = data_dir or paths.data_dir()
        if url is None:
            url = paths.database_url() or MachineSettings.load(base / "settings.json").database_url
        return cls(base, base / "tipdesk.db", base / "keyslots.json", base / "backups", url)

    @property
    def on_server(self) -> bool:
        return bool(self.url)


def load_keyslots(p: OpenPaths) -> KeyslotStore:
    """The keyslots: the file beside the database, or the table on the server."""
    if p.on_server:
        from tipdesk.db.server_keyslots import ServerKeyslotStore

        return ServerKeyslotStore.load_url(p.url)
    return KeyslotStore.load(p.keyslots)


def is_initialised(data_dir: Path | None = None) -> bool:
    p = OpenPaths.of(data_dir)
    if p.on_server:
        from tipdesk.db.server_keyslots import server_initialised

        return server_initialised(p.url)
    return p.keyslots.exists() and p.database.exists()


def _remaining_wait(store: KeyslotStore, slot_id: str, now: dt.datetime) -> int:
    slot = store.slots.get(slot_id)
    if slot is None or not slot.last_failure:
        return 0
    wait = backoff_seconds(slot.failures)
    elapsed = (now - dt.datetime.fromisoformat(slot.last_failure)).total_seconds()
    return max(0, int(wait - elapsed))


def unlock_key(store: KeyslotStore, username: str, password: str, now: dt.datetime) -> bytes:
    """The database key for this user and password, applying and recording the back-off."""
    slot_id = user_slot_id(username)
    wait = _remaining_wait(store, slot_id, now)
    if wait > 0:
        raise LoginThrottled(wait)
    key = store.unwrap(slot_id, password)
    if key is None:
        store.record_failure(slot_id, now)
        raise WrongPassword()
    return key


def open_engine(p: OpenPaths, key: bytes) -> Engine:
    if p.on_server:
        engine = postgres_engine(p.url, key)
        try:
            migrate.upgrade(engine)  # a server's backups are the server's (pg_dump); no file copy here
        except Exception:
            engine.dispose()
            raise
        return engine
    if not p.database.exists():
        raise StorageError(_("The database file is missing from {path}.").format(path=p.data_dir), "db_missing")
    engine = sqlcipher_engine(p.database, key)
    try:
        migrate.upgrade(engine, backup=lambda rev: pre_migration_backup(p.database, key, p.backups, rev))
    except Exception:
        engine.dispose()
        raise
    return engine


def open_desk(username: str, password: str, *, data_dir: Path | None = None, clock: Clock | None = None,
              database_url: str | None = None) -> Desk:
    """Log in: unwrap the key, open and migrate the database, audit the login."""
    clock = clock or SystemClock()
    p = OpenPaths.of(data_dir, url=database_url)
    store = load_keyslots(p)
    now = clock.now()
    key = unlock_key(store, username, password, now)
    engine = open_engine(p, key)
    try:
        actor = _login_actor(engine, store, username, now)
        desk = Desk(engine, actor, data_dir=p.data_dir, db_key=key, clock=clock, db_url=p.url)
        _record_login(desk, store, username)
    except Exception:
        engine.dispose()
        raise
    return desk


def _login_actor(engine: Engine, store: KeyslotStore, username: str, now: dt.datetime) -> Actor:
    with Session(engine) as session:
        user = session.scalars(select(User).where(User.username == username.casefold())).one_or_none()
        if user is None or not user.active:
            store.record_failure(user_slot_id(username), now)
            raise UserError(_("This account is disabled. Ask an administrator."), "account_disabled")
        return Actor(user.id, user.username, Role(user.role), user.full_name)


def _record_login(desk: Desk, store: KeyslotStore, username: str) -> None:
    per_slot, unknown = store.take_pending()
    with desk.write() as session:
        for slot_id, times in per_slot.items():
            name = slot_id.split(":", 1)[1]
            target = session.scalars(select(User).where(User.username == name)).one_or_none()
            for when in times:
                desk.audit.append(session, "login_failed", "user", name, at=dt.datetime.fromisoformat(when),
                                  username=name, user_id=target.id if target else None)
            if target is not None:
                slot = store.slots[slot_id]
                target.failed_logins = slot.failures
                target.last_failed_at = dt.datetime.fromisoformat(slot.last_failure) if slot.last_failure else None
        for when in unknown:
            desk.audit.append(session, "login_failed", "user", "", {"unknown_user": True},
                              at=dt.datetime.fromisoformat(when), username="?", user_id=None)
        user = session.get(User, desk.actor.user_id)
        assert user is not None
        user.last_login_at = desk.now()
        user.failed_logins = 0
        user.last_failed_at = None
        desk.audit.append(session, "login", "user", desk.actor.username)
    store.clear_failures(user_slot_id(username))
    store.save()


def verify_password(desk: Desk, password: str) -> bool:
    """Re-check the acting user's password (idle unlock); failures count toward the back-off."""
    store = load_keyslots(OpenPaths.of(desk.data_dir, url=desk.db_url))
    try:
        unlock_key(store, desk.actor.username, password, desk.now())
    except WrongPassword:
        with desk.write() as session:
            desk.audit.append(session, "login_failed", "user", desk.actor.username, {"idle_unlock": True})
        store.take_pending()
        store.save()
        return False
    store.clear_failures(user_slot_id(desk.actor.username))
    with desk.write() as session:
        desk.audit.append(session, "unlock", "user", desk.actor.username)
    return True


def log_out(desk: Desk) -> None:
    """Audit the end of a session (the caller then closes the desk)."""
    with desk.write() as session:
        desk.audit.append(session, "logout", "user", desk.actor.username)


def recover(recovery_code: str, username: str, new_password: str, *, data_dir: Path | None = None,
            clock: Clock | None = None) -> str:
    """Set a new password for ``username`` with the recovery code; returns the NEW recovery code."""
    clock = clock or SystemClock()
    check_password_strength(new_password)
    p = OpenPaths.of(data_dir)
    store = load_keyslots(p)
    now = clock.now()
    wait = _remaining_wait(store, RECOVERY_SLOT, now)
    if wait > 0:
        raise LoginThrottled(wait)
    key = store.unwrap(RECOVERY_SLOT, normalise_recovery_code(recovery_code))
    if key is None:
        store.record_failure(RECOVERY_SLOT, now)
        raise UserError(_("The recovery code is wrong."), "wrong_recovery_code")
    engine = open_engine(p, key)
    try:
        with Session(engine) as session:
            user = session.scalars(select(User).where(User.username == username.casefold())).one_or_none()
            if user is None:
                raise UserError(_("There is no user named {name}.").format(name=username), "no_such_user")
            actor = Actor(user.id, user.username, Role(user.role), user.full_name)
        desk = Desk(engine, actor, data_dir=p.data_dir, db_key=key, clock=clock, db_url=p.url)
        new_code = new_recovery_code()
        store.add(user_slot_id(username), new_password, key)
        store.add(RECOVERY_SLOT, new_code, key)
        store.clear_failures(RECOVERY_SLOT)
        store.clear_failures(user_slot_id(username))
        with desk.write() as session:
            desk.audit.append(session, "recovery_used", "user", actor.username)
            u = session.get(User, actor.user_id)
            assert u is not None
            u.active = True
            u.failed_logins = 0
        store.save()
    finally:
        engine.dispose()
    return new_code
