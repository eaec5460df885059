"""Known storage conditions become clear messages and change nothing."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD, Installed
from tipdesk.db import keyslots
from tipdesk.db.engine import classify_sqlite_error
from tipdesk.errors import StorageError
from tipdesk.services.setup import initialise


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("file is not a database", "not_a_database"),
        ("database disk image is malformed", "corrupt"),
        ("attempt to write a readonly database", "read_only"),
        ("database or disk is full", "disk_full"),
        ("database is locked", "locked"),
    ],
)
def test_sqlite_errors_are_classified(text: str, code: str) -> None:
    err = classify_sqlite_error(Exception(text))
    assert err is not None and err.code == code and err.message


def test_full_disk_during_setup_leaves_nothing(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(keyslots.os, "fdopen", full)
    with pytest.raises(StorageError) as err:
        initialise("commune", "02269", "admin", ADMIN_PASSWORD, data_dir=data_dir)
    assert err.value.code == "disk_full"
    assert not (data_dir / "tipdesk.db").exists() and not (data_dir / "keyslots.json").exists()
    assert [p.name for p in data_dir.iterdir()] == []


def test_read_only_keyslots_during_password_change(admin_desk: object, installed: Installed,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from tipdesk.services.auth import open_desk
    from tipdesk.services.context import Desk

    assert isinstance(admin_desk, Desk)

    def read_only(*args: object, **kwargs: object) -> object:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(installed.data_dir))

    monkeypatch.setattr(keyslots.os, "fdopen", read_only)
    with pytest.raises(StorageError) as err:
        admin_desk.users.change_own_password(ADMIN_PASSWORD, "another long passphrase")
    assert err.value.code == "read_only"
    monkeypatch.undo()
    # nothing changed: the old password still opens, and no half-written change is in the audit log
    desk = open_desk("admin", ADMIN_PASSWORD, data_dir=installed.data_dir)
    assert "password_change" not in [r.action for r in desk.audit.browse()]
    desk.close()
