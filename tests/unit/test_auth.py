"""Accounts: back-off, unlock, reset, recovery, role x permission matrix."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD, Installed
from tipdesk.clock import FixedClock
from tipdesk.domain.roles import PERMISSIONS, Perm, Role, allowed, roles_for
from tipdesk.errors import PermissionDenied, UserError, ValidationError
from tipdesk.services.auth import LoginThrottled, WrongPassword, backoff_seconds, open_desk, recover
from tipdesk.services.context import Desk


def test_backoff_policy() -> None:
    assert [backoff_seconds(n) for n in range(0, 5)] == [0, 0, 0, 0, 0]
    assert backoff_seconds(5) == 30
    assert backoff_seconds(6) == 60
    assert backoff_seconds(7) == 120
    assert backoff_seconds(100) == 1800


def test_lockout_backoff_and_admin_unlock(admin_desk: Desk, installed: Installed, clock: FixedClock) -> None:
    admin_desk.users.add("canbo1", "commune_police", USER_PASSWORD, "Trần Thị Bình")
    for _ in range(5):
        with pytest.raises(WrongPassword):
            open_desk("canbo1", "wrong password!!", data_dir=installed.data_dir, clock=clock)
    # now even the right password must wait
    with pytest.raises(LoginThrottled) as err:
        open_desk("canbo1", USER_PASSWORD, data_dir=installed.data_dir, clock=clock)
    assert 0 < err.value.seconds <= 30
    clock.advance(seconds=31)
    open_desk("canbo1", USER_PASSWORD, data_dir=installed.data_dir, clock=clock).close()
    # failures were written to the audit log at the next successful login
    rows = admin_desk.audit.browse(action="login_failed")
    assert len(rows) == 5 and all(r.username == "canbo1" for r in rows)
    # lock again, then an administrator unlocks
    for _ in range(6):
        with pytest.raises((WrongPassword, LoginThrottled)):
            open_desk("canbo1", "wrong password!!", data_dir=installed.data_dir, clock=clock)
    assert any(u.locked for u in admin_desk.users.list() if u.username == "canbo1")
    admin_desk.users.unlock("canbo1")
    open_desk("canbo1", USER_PASSWORD, data_dir=installed.data_dir, clock=clock).close()


def test_unknown_user_is_a_wrong_password(installed: Installed) -> None:
    with pytest.raises(WrongPassword):
        open_desk("nobody", ADMIN_PASSWORD, data_dir=installed.data_dir)


def test_disabled_account(admin_desk: Desk, installed: Installed) -> None:
    admin_desk.users.add("xahoi1", "social_worker", USER_PASSWORD)
    admin_desk.users.set_active("xahoi1", False)
    with pytest.raises(UserError) as err:
        open_desk("xahoi1", USER_PASSWORD, data_dir=installed.data_dir)
    assert err.value.code == "account_disabled"


def test_admin_reset_password(admin_desk: Desk, installed: Installed) -> None:
    admin_desk.users.add("canbo2", "commune_police", USER_PASSWORD)
    admin_desk.users.reset_password("canbo2", "temporary pass 123")
    with pytest.raises(WrongPassword):
        open_desk("canbo2", USER_PASSWORD, data_dir=installed.data_dir)
    desk = open_desk("canbo2", "temporary pass 123", data_dir=installed.data_dir)
    assert desk.users.me().username == "canbo2"
    desk.close()


def test_recovery_code_is_one_time(installed: Installed) -> None:
    new_code = recover(installed.recovery_code.lower(), "admin", "recovered passphrase", data_dir=installed.data_dir)
    assert new_code != installed.recovery_code
    open_desk("admin", "recovered passphrase", data_dir=installed.data_dir).close()
    with pytest.raises(UserError) as err:
        recover(installed.recovery_code, "admin", "another passphrase!", data_dir=installed.data_dir)
    assert err.value.code == "wrong_recovery_code"


def test_weak_password_and_bad_names(admin_desk: Desk) -> None:
    with pytest.raises(UserError):
        admin_desk.users.add("canbo3", "commune_police", "short")
    with pytest.raises(ValidationError):
        admin_desk.users.add("Bad Name!", "commune_police", USER_PASSWORD)
    with pytest.raises(ValidationError):
        admin_desk.users.add("tinh1", "province_officer", USER_PASSWORD)  # not a commune role
    with pytest.raises(UserError):
        admin_desk.users.add("admin", "commune_police", USER_PASSWORD)  # exists


def test_rbac_matrix_is_enforced_by_services(admin_desk: Desk, installed: Installed, clock: FixedClock) -> None:
    """Walk every role x permission: the service layer refuses exactly what the table forbids."""
    for role in Role:
        for perm in Perm:
            desk_like = Desk.__new__(Desk)
            desk_like.actor = type(admin_desk.actor)("x", "x", role)
            if allowed(role, perm):
                desk_like.require(perm)
            else:
                with pytest.raises(PermissionDenied):
                    desk_like.require(perm)
    # and real services call require(): a police officer cannot manage users or read the audit log
    admin_desk.users.add("canbo4", "commune_police", USER_PASSWORD)
    police = open_desk("canbo4", USER_PASSWORD, data_dir=installed.data_dir, clock=clock)
    with pytest.raises(PermissionDenied):
        police.users.add("x2", "social_worker", USER_PASSWORD)
    with pytest.raises(PermissionDenied):
        police.users.list()
    with pytest.raises(PermissionDenied):
        police.audit.verify()
    with pytest.raises(PermissionDenied):
        police.settings.set("idle_lock_minutes", 3)
    police.close()


def test_role_table_shape() -> None:
    assert set(PERMISSIONS) == set(Role)
    assert not allowed(Role.PROVINCE_ANALYST, Perm.PERSON_VIEW_IDENTITY)
    assert not allowed(Role.COMMUNE_ADMIN, Perm.TIP_VIEW)  # administrators see no case data
    assert set(roles_for("commune")) == {Role.COMMUNE_POLICE, Role.SOCIAL_WORKER, Role.COMMUNE_ADMIN}


def test_settings_validation(admin_desk: Desk) -> None:
    admin_desk.settings.set("idle_lock_minutes", 3)
    assert admin_desk.settings.view().idle_lock_minutes == 3
    with pytest.raises(ValidationError):
        admin_desk.settings.set("idle_lock_minutes", 0)


def test_timestamps_are_utc(admin_desk: Desk) -> None:
    view = admin_desk.users.add("canbo5", "commune_police", USER_PASSWORD)
    assert view.last_login_at is None
    row = admin_desk.audit.browse(limit=1)[0]
    assert row.at.tzinfo is not None and row.at.utcoffset() == dt.timedelta(0)


def test_reset_forces_a_change_and_logout_is_audited(admin_desk: Desk, installed: Installed) -> None:
    from tipdesk.services.auth import log_out

    admin_desk.users.add("canbo6", "commune_police", USER_PASSWORD)
    admin_desk.users.reset_password("canbo6", "temporary pass 456")
    desk = open_desk("canbo6", "temporary pass 456", data_dir=installed.data_dir)
    assert desk.users.me().must_change_password
    desk.users.change_own_password("temporary pass 456", "my own new passphrase")
    assert not desk.users.me().must_change_password
    log_out(desk)
    desk.close()
    assert [r.username for r in admin_desk.audit.browse(action="logout")] == ["canbo6"]
