"""User accounts: add, list, change role, disable, unlock, passwords."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from tipdesk.db.keyslots import KeyslotStore, user_slot_id
from tipdesk.db.models import User
from tipdesk.domain.roles import Perm, Role, roles_for
from tipdesk.errors import NotFound, UserError, ValidationError
from tipdesk.events import Changes
from tipdesk.i18n import _
from tipdesk.services.auth import (
    OpenPaths,
    WrongPassword,
    backoff_seconds,
    check_password_strength,
    load_keyslots,
)

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")


@dataclass(frozen=True)
class UserView:
    id: str
    username: str
    full_name: str
    role: Role
    active: bool
    failed_logins: int
    locked: bool
    last_login_at: dt.datetime | None
    must_change_password: bool = False


class UserService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def _store(self) -> KeyslotStore:
        return load_keyslots(OpenPaths.of(self.desk.data_dir, url=self.desk.db_url))

    def list(self) -> list[UserView]:
        self.desk.require(Perm.USERS_MANAGE)
        store = self._store()
        with self.desk.read() as session:
            users = list(session.scalars(select(User).order_by(User.username)))
            return [self._view(u, store) for u in users]

    def me(self) -> UserView:
        with self.desk.read() as session:
            user = session.get(User, self.desk.actor.user_id)
            assert user is not None
            return self._view(user, self._store())

    def _view(self, u: User, store: KeyslotStore) -> UserView:
        slot = store.slots.get(user_slot_id(u.username))
        failures = slot.failures if slot else u.failed_logins
        return UserView(u.id, u.username, u.full_name, Role(u.role), u.active, failures,
                        backoff_seconds(failures) > 0, u.last_login_at, u.must_change_password)

    def add(self, username: str, role: Role | str, password: str, full_name: str = "") -> UserView:
        self.desk.require(Perm.USERS_MANAGE)
        username = username.strip().casefold()
        if not USERNAME.match(username):
            raise ValidationError(
                _("A user name has 2 to 32 letters (a-z), digits, dots, dashes or underscores."), {"username": "format"}
            )
        try:
            role = Role(role)
        except ValueError:
            raise ValidationError(_("Unknown role: {role}").format(role=role), {"role": "unknown"}) from None
        if role not in roles_for(self.desk.installation.profile):
            raise ValidationError(
                _("The role {role} does not exist in a {profile} installation.").format(
                    role=role.label(), profile=self.desk.installation.profile.label()
                ),
                {"role": "profile"},
            )
        check_password_strength(password)
        store = self._store()
        with self.desk.write(Changes.of("user")) as session:
            if session.scalars(select(User).where(User.username == username)).first() is not None:
                raise UserError(_("A user named {name} already exists.").format(name=username), "user_exists")
            user = User(username=username, full_name=full_name.strip(), role=role.value, active=True,
                        failed_logins=0, must_change_password=False,
                        origin_install_id=self.desk.installation.install_id,
                        created_at=self.desk.now(), updated_at=self.desk.now())
            session.add(user)
            session.flush()
            self.desk.audit.append(session, "user_create", "user", username, {"role": role.value})
            store.add(user_slot_id(username), password, self.desk.db_key)
            store.save()  # inside the transaction: if the slot cannot be written, the user is not created
            return self._view(user, store)

    def _get(self, session: object, username: str) -> User:
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        user = session.scalars(select(User).where(User.username == username.casefold())).one_or_none()
        if user is None:
            raise NotFound(_("There is no user named {name}.").format(name=username))
        return user

    def set_role(self, username: str, role: Role | str) -> None:
        self.desk.require(Perm.USERS_MANAGE)
        role = Role(role)
        if role not in roles_for(self.desk.installation.profile):
            raise ValidationError(_("Unknown role: {role}").format(role=role), {"role": "profile"})
        with self.desk.write(Changes.of("user")) as session:
            user = self._get(session, username)
            old = user.role
            user.role = role.value
            user.touch(self.desk.now())
            self.desk.audit.append(session, "user_update", "user", user.username, {"role": [old, role.value]})

    def set_active(self, username: str, active: bool) -> None:
        self.desk.require(Perm.USERS_MANAGE)
        if username.casefold() == self.desk.actor.username and not active:
            raise UserError(_("You cannot disable your own account."), "self_disable")
        with self.desk.write(Changes.of("user")) as session:
            user = self._get(session, username)
            user.active = active
            user.touch(self.desk.now())
            self.desk.audit.append(session, "user_update", "user", user.username, {"active": active})

    def unlock(self, username: str) -> None:
        """Clear the failed-login back-off of an account."""
        self.desk.require(Perm.USERS_MANAGE)
        store = self._store()
        with self.desk.write(Changes.of("user")) as session:
            user = self._get(session, username)
            user.failed_logins = 0
            user.last_failed_at = None
            self.desk.audit.append(session, "user_unlock", "user", user.username)
            store.clear_failures(user_slot_id(user.username))

    def reset_password(self, username: str, new_password: str) -> None:
        """An administrator sets a new password (the user must change it at next login)."""
        self.desk.require(Perm.USERS_MANAGE)
        check_password_strength(new_password)
        store = self._store()
        with self.desk.write(Changes.of("user")) as session:
            user = self._get(session, username)
            user.must_change_password = True
            user.failed_logins = 0
            user.touch(self.desk.now())
            self.desk.audit.append(session, "password_reset", "user", user.username)
            store.add(user_slot_id(user.username), new_password, self.desk.db_key)
            store.clear_failures(user_slot_id(user.username))
            store.save()

    def change_own_password(self, old_password: str, new_password: str) -> None:
        """Rewraps this user's slot only; the database key does not change."""
        check_password_strength(new_password)
        if old_password == new_password:
            raise UserError(_("The new password must differ from the old one."), "same_password")
        store = self._store()
        slot = user_slot_id(self.desk.actor.username)
        if store.unwrap(slot, old_password) is None:
            store.record_failure(slot, self.desk.now())
            raise WrongPassword()
        with self.desk.write(Changes.of("user")) as session:
            user = self._get(session, self.desk.actor.username)
            user.must_change_password = False
            user.touch(self.desk.now())
            self.desk.audit.append(session, "password_change", "user", user.username)
            store.add(slot, new_password, self.desk.db_key)
            store.save()
