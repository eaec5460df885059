"""The Desk: one open, unlocked database and the user acting on it.

Like Anki's ``Collection``, the Desk is the single facade the GUI, the CLI and
the tests drive. Services hang off it (``desk.users``, ``desk.audit``...), take
plain values and return plain dataclasses, never ORM objects.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from tipdesk.clock import Clock, SystemClock
from tipdesk.db.engine import classify_sqlite_error
from tipdesk.db.models import Installation, Setting
from tipdesk.domain.roles import Perm, Profile, Role, allowed
from tipdesk.errors import PermissionDenied
from tipdesk.events import Changes, EventBus
from tipdesk.i18n import _

if TYPE_CHECKING:
    from tipdesk.services.audit import AuditService
    from tipdesk.services.settings import SettingsService
    from tipdesk.services.users import UserService


@dataclass(frozen=True)
class Actor:
    user_id: str
    username: str
    role: Role
    full_name: str = ""


@dataclass(frozen=True)
class InstallationInfo:
    install_id: str
    profile: Profile
    unit_code: str
    unit_name: str
    province_code: str
    remote: bool
    epoch: int


class Desk:
    def __init__(
        self, engine: Engine, actor: Actor, *, data_dir: Path, db_key: bytes, clock: Clock | None = None,
        events: EventBus | None = None, db_url: str = "",
    ) -> None:
        self.engine = engine
        self.db_url = db_url  # "" for the SQLCipher file in data_dir; else the server's address
        self.actor = actor
        self.data_dir = data_dir
        self._db_key = db_key
        self.clock: Clock = clock or SystemClock()
        self.events = events or EventBus()
        self.installation = self._load_installation()

    # -- basics ---------------------------------------------------------------
    def now(self) -> dt.datetime:
        return self.clock.now()

    @property
    def db_key(self) -> bytes:
        return self._db_key

    def _load_installation(self) -> InstallationInfo:
        with self.read() as s:
            row = s.scalars(select(Installation)).one()
            return InstallationInfo(
                row.id, Profile(row.profile), row.unit_code, row.unit_name, row.province_code, row.remote, row.epoch
            )

    def reload_installation(self) -> None:
        self.installation = self._load_installation()

    def close(self) -> None:
        self.engine.dispose()

    # -- permissions -----------------------------------------------------------
    def can(self, perm: Perm) -> bool:
        return allowed(self.actor.role, perm)

    def require(self, perm: Perm) -> None:
        if not self.can(perm):
            raise PermissionDenied(
                _("Your role ({role}) may not {action}.").format(role=self.actor.role.label(), action=perm.label())
            )

    # -- sessions --------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (rolled back at the end)."""
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
                session.rollback()
        except (OperationalError, DBAPIError) as exc:
            raise _known_or_raise(exc) from exc

    @contextmanager
    def write(self, changes: Changes | None = None) -> Iterator[Session]:
        """A write unit of work: ``BEGIN IMMEDIATE``, commit on success, roll back on any error."""
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(tipdesk_begin="immediate")
                with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                    yield session
        except (OperationalError, DBAPIError) as exc:
            raise _known_or_raise(exc) from exc
        if changes is not None:
            self.events.publish(changes)

    def audit_log(self, session: Session, action: str, entity_type: str = "", entity_id: str = "",
                  detail: dict[str, Any] | None = None) -> None:
        self.audit.append(session, action, entity_type, entity_id, detail or {})

    # -- services ---------------------------------------------------------------
    @cached_property
    def audit(self) -> AuditService:
        from tipdesk.services.audit import AuditService

        return AuditService(self)

    @cached_property
    def users(self) -> UserService:
        from tipdesk.services.users import UserService

        return UserService(self)

    @cached_property
    def settings(self) -> SettingsService:
        from tipdesk.services.settings import SettingsService

        return SettingsService(self)

    def get_setting(self, session: Session, key: str, default: Any = None) -> Any:
        row = session.get(Setting, key)
        return default if row is None else json.loads(row.value)


def _known_or_raise(exc: Exception) -> Exception:
    known = classify_sqlite_error(getattr(exc, "orig", exc) or exc)
    return known if known is not None else exc
